"""Run a sweep: every unfinished run of a grid, locally or on a Dask cluster, into a store.

Runs execute in worker processes (or in-process with ``workers=1``, or on the workers of an
existing ``dask.distributed`` cluster); the parent alone writes the store, one transaction per
finished run, as each run finishes. A run that raises is recorded as ``failed`` with its error
and the others go on. Re-running the same sweep skips the finished runs and starts the others
(failed ones included) again.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import sys
import time
import traceback
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from tqdm.auto import tqdm

from grover_train.errors import InputError
from grover_train.scaling.config import Sweep, run_id, specs_of
from grover_train.scaling.runners import RunOutput, execute
from grover_train.scaling.store import Store

#: how long to try reaching a Dask scheduler before giving up
DASK_CONNECT_TIMEOUT = "20s"


@dataclass
class Failure:
    """What a worker sends back when a run raised (exceptions themselves may not pickle)."""

    error: str
    traceback: str
    wall_s: float


@dataclass
class SweepResult:
    """Counts of one :func:`run_sweep` call.

    Attributes:
        name: the sweep's name (the ``sweep`` column of the store).
        total: runs in the grid; ``skipped``: already finished before this call;
        finished / failed: ids of the runs this call finished / saw fail.
    """

    name: str
    total: int
    skipped: int
    finished: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain counts for printing as JSON."""
        return {
            "sweep": self.name,
            "runs": self.total,
            "skipped": self.skipped,
            "finished": len(self.finished),
            "failed": len(self.failed),
        }


def safe_execute(spec: dict[str, Any]) -> RunOutput | Failure:
    """Run one spec in a worker; an exception comes back as a :class:`Failure`.

    >>> safe_execute({"kind": "grover_train.scaling.runners:echo", "fail": "x"}).error
    'RuntimeError: run asked to fail: x'
    """
    t0 = time.perf_counter()
    try:
        return execute(spec)
    except Exception as exc:  # noqa: BLE001 - any error of one run must not stop the sweep
        return Failure(
            f"{type(exc).__name__}: {exc}", traceback.format_exc(), time.perf_counter() - t0
        )


def run_sweep(
    config_or_specs: str | os.PathLike | Sweep | Iterable[dict[str, Any]],
    store: Store | str | os.PathLike,
    *,
    workers: int = 1,
    dask_address: str | None = None,
    progress: bool = True,
    name: str | None = None,
) -> SweepResult:
    """Run every run of a sweep that the store does not hold as finished.

    Args:
        config_or_specs: a sweep TOML path, a :class:`~grover_train.scaling.config.Sweep`, or a
            list of run specs (each with a ``kind``).
        store: a :class:`~grover_train.scaling.store.Store` or the path of one.
        workers: local worker processes (1 runs in this process); with ``dask_address`` the
            most runs in flight at once (default: the cluster's thread count).
        dask_address: address of a running ``dask.distributed`` scheduler, e.g.
            ``"tcp://10.0.0.5:8786"``; runs then execute on its workers.
        progress: show a tqdm bar (runs done, failed, time left) on stderr.
        name: the sweep name stored with each run (default: the file's ``[sweep] name``, or
            ``"adhoc"`` for a list of specs).

    Returns:
        :class:`SweepResult` with the counts of this call.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "s.sqlite")
    >>> specs = [{"kind": "grover_train.scaling.runners:echo", "seed": s} for s in range(3)]
    >>> run_sweep(specs, path, progress=False).as_dict()
    {'sweep': 'adhoc', 'runs': 3, 'skipped': 0, 'finished': 3, 'failed': 0}
    >>> run_sweep(specs, path, progress=False).as_dict()["skipped"]
    3
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers must be a positive integer, got {workers!r}")
    sweep = specs_of(config_or_specs)
    if name is not None:
        sweep = Sweep(name=name, kind=sweep.kind, specs=sweep.specs, source=sweep.source)
    own_store = not isinstance(store, Store)
    db = Store(store) if own_store else store
    try:
        unique: dict[str, dict[str, Any]] = {}
        for spec in sweep.specs:
            unique.setdefault(run_id(spec), spec)
        done = db.finished_ids()
        todo = [(rid, spec) for rid, spec in unique.items() if rid not in done]
        result = SweepResult(sweep.name, len(unique), len(unique) - len(todo))
        bar = tqdm(
            total=len(unique),
            initial=result.skipped,
            desc=f"sweep {sweep.name}",
            unit="run",
            disable=not progress,
            file=sys.stderr,
            dynamic_ncols=True,
        )
        try:
            if not todo:
                outcomes = iter(())
            elif dask_address is not None:
                outcomes = _on_dask(todo, db, sweep.name, dask_address, workers)
            elif workers == 1:
                outcomes = _in_process(todo, db, sweep.name)
            else:
                outcomes = _on_pool(todo, db, sweep.name, workers)
            for rid, spec, out in outcomes:
                if not isinstance(out, Failure):
                    try:
                        db.record(spec, out, sweep=sweep.name)
                    except (sqlite3.IntegrityError, TypeError, ValueError) as exc:
                        # output the store cannot hold (e.g. two metric rows with one step):
                        # the transaction rolled back; keep the run as failed, go on
                        out = Failure(
                            f"output not storable: {type(exc).__name__}: {exc}",
                            traceback.format_exc(),
                            out.wall_s or 0.0,
                        )
                if isinstance(out, Failure):
                    db.record_failure(
                        spec, out.error, out.traceback, sweep=sweep.name, wall_s=out.wall_s
                    )
                    result.failed.append(rid)
                    bar.set_postfix(failed=len(result.failed))
                else:
                    result.finished.append(rid)
                bar.update(1)
        finally:
            bar.close()
        return result
    finally:
        if own_store:
            db.close()


Outcome = tuple[str, dict[str, Any], RunOutput | Failure]


def _in_process(todo, db: Store, name: str) -> Iterator[Outcome]:
    for rid, spec in todo:
        db.mark_started(spec, name)
        yield rid, spec, safe_execute(spec)


def _on_pool(todo, db: Store, name: str, workers: int) -> Iterator[Outcome]:
    # spawn: workers start from a clean interpreter (no forked locks or torch/BLAS threads)
    context = multiprocessing.get_context("spawn")
    queue = list(reversed(todo))
    while queue:
        executor = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        running: dict[Any, tuple[str, dict[str, Any]]] = {}
        broken = False
        try:
            while (queue or running) and not broken:
                # keep no more runs in flight than workers, so "started" means started
                while queue and len(running) < workers:
                    rid, spec = queue.pop()
                    db.mark_started(spec, name)
                    running[executor.submit(safe_execute, spec)] = (rid, spec)
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished:
                    rid, spec = running.pop(fut)
                    try:
                        out = fut.result()
                    except BrokenProcessPool:
                        # a worker died (killed, out of memory): this pool is done for
                        broken = True
                        out = Failure(
                            "BrokenProcessPool: a worker process died (killed or out of memory?)",
                            "",
                            0.0,
                        )
                    yield rid, spec, out
        finally:
            executor.shutdown(wait=False, cancel_futures=True)
        for rid, spec in running.values():
            yield rid, spec, Failure("BrokenProcessPool: a worker process died", "", 0.0)


def _on_dask(todo, db: Store, name: str, address: str, workers: int) -> Iterator[Outcome]:
    from dask.distributed import Client, as_completed

    try:
        client = Client(address, timeout=DASK_CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(
            f"cannot reach the Dask scheduler at {address!r} ({exc}): start one "
            "(`dask scheduler` and `dask worker ADDRESS`) or fix --dask"
        ) from None
    try:
        threads = sum(client.nthreads().values()) or 1
        limit = max(workers, threads) if workers > 1 else threads
        queue = list(reversed(todo))
        running: dict[str, tuple[str, dict[str, Any]]] = {}

        def submit():
            rid, spec = queue.pop()
            db.mark_started(spec, name)
            fut = client.submit(safe_execute, spec, pure=False)
            running[fut.key] = (rid, spec)
            return fut

        first = [submit() for _ in range(min(limit, len(queue)))]
        pending = as_completed(first, loop=client.loop)
        for fut in pending:
            rid, spec = running.pop(fut.key)
            try:
                out = fut.result()
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: this run failed
                out = Failure(f"{type(exc).__name__}: {exc}", "", 0.0)
            fut.release()
            yield rid, spec, out
            if queue:
                pending.add(submit())
    finally:
        client.close()
