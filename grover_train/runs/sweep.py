"""Run a sweep: every unfinished run of a grid, locally or on a Dask cluster, into a store.

Runs execute in worker processes (or in-process with ``workers=1``, or on the workers of an
existing ``dask.distributed`` cluster); the parent alone writes the store, one transaction per
finished run, as each run finishes. A run that raises is recorded as ``failed`` with its error
and the others go on. Re-running the same sweep skips the finished runs and starts the others
(failed ones included) again.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sqlite3
import sys
import threading
import time
import traceback
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from tqdm.auto import tqdm

from grover_train.errors import DiskFullError, InputError
from grover_train.memory import check_bytes
from grover_train.runs.config import Sweep, check_specs, run_id, specs_of
from grover_train.runs.runners import RunOutput, execute
from grover_train.runs.store import Store, new_owner
from grover_train.validate import positive_int

#: how long to try reaching a Dask scheduler before giving up
DASK_CONNECT_TIMEOUT = "20s"
#: seconds a run's lease lasts without renewal (the sweep renews it every sixth of that)
LEASE_SECONDS = 120.0
#: memory one worker process takes at least (Python, numpy, scipy, dimod and a run's data)
WORKER_BYTES = 200 * 2**20
#: seconds between looks at runs another sweep computes
POLL_SECONDS = 2.0


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
        finished / failed: ids of the runs this call finished / saw fail;
        elsewhere: runs another sweep on the same store finished during this call.
    """

    name: str
    total: int
    skipped: int
    finished: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    elsewhere: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Plain counts for printing as JSON."""
        out = {
            "sweep": self.name,
            "runs": self.total,
            "skipped": self.skipped,
            "finished": len(self.finished),
            "failed": len(self.failed),
        }
        if self.elsewhere:
            out["elsewhere"] = self.elsewhere  # finished meanwhile by another sweep
        return out


def safe_execute(spec: dict[str, Any]) -> RunOutput | Failure:
    """Run one spec in a worker; an exception comes back as a :class:`Failure`.

    >>> safe_execute({"kind": "grover_train.runs.runners:echo", "fail": "x"}).error
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
    allow_plugins: bool = False,
    lease_s: float = LEASE_SECONDS,
) -> SweepResult:
    """Run every run of a sweep that the store does not hold as finished.

    Each run is claimed in the store (a lease row) before it is computed, so several sweep
    processes on one store, or their Dask workers, share the grid and compute each run once.
    A run leased by another live sweep is left to it; this call waits for it at the end and
    takes it over if that sweep dies (or stops renewing its lease for ``lease_s`` seconds).

    Args:
        config_or_specs: a sweep TOML path, a :class:`~grover_train.runs.config.Sweep`, or a
            list of run specs (each with a ``kind``).
        store: a :class:`~grover_train.runs.store.Store` or the path of one.
        workers: local worker processes (1 runs in this process); with ``dask_address`` the
            most runs in flight at once (default: the cluster's thread count).
        dask_address: address of a running ``dask.distributed`` scheduler, e.g.
            ``"tcp://10.0.0.5:8786"``; runs then execute on its workers. Results come back
            from the workers unpickled: use only a cluster you trust.
        progress: show a tqdm bar (runs done, failed, time left) on stderr.
        name: the sweep name stored with each run (default: the file's ``[sweep] name``, or
            ``"adhoc"`` for a list of specs).
        allow_plugins: let ``kind = "package.module:function"`` import and run code from
            outside grover-train (refused by default).
        lease_s: seconds a lease lasts without renewal (renewed every ``lease_s / 6``).

    Returns:
        :class:`SweepResult` with the counts of this call.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "s.sqlite")
    >>> specs = [{"kind": "grover_train.runs.runners:echo", "seed": s} for s in range(3)]
    >>> run_sweep(specs, path, progress=False).as_dict()
    {'sweep': 'adhoc', 'runs': 3, 'skipped': 0, 'finished': 3, 'failed': 0}
    >>> run_sweep(specs, path, progress=False).as_dict()["skipped"]
    3
    """
    positive_int(workers, "workers")
    if not (isinstance(lease_s, int | float) and lease_s > 0):
        raise InputError(f"lease_s must be a positive number of seconds, got {lease_s!r}")
    sweep = specs_of(config_or_specs)
    if name is not None:
        sweep = Sweep(name=name, kind=sweep.kind, specs=sweep.specs, source=sweep.source)
    check_plugins(sweep.specs, allow_plugins)
    check_specs(sweep.specs, sweep.source or "run specs")
    if dask_address is None and workers > 1:  # local processes: do they fit in memory?
        n = min(workers, len({run_id(s) for s in sweep.specs}))
        check_bytes(WORKER_BYTES * n, f"{n} worker processes", "use fewer --workers")
    client = _connect_dask(dask_address) if dask_address is not None else None
    own_store = not isinstance(store, Store)
    db = Store(store) if own_store else store
    owner = new_owner()
    beat = _Heartbeat(db.path, owner, lease_s)
    try:
        unique: dict[str, dict[str, Any]] = {}
        for spec in sweep.specs:
            unique.setdefault(run_id(spec), spec)
        done = db.finished_ids()
        todo = [(rid, spec) for rid, spec in unique.items() if rid not in done]
        result = SweepResult(sweep.name, len(unique), len(unique) - len(todo))
        claims = _Claims(db, todo, sweep.name, owner, lease_s)
        bar = tqdm(
            total=len(unique),
            initial=result.skipped,
            desc=f"sweep {sweep.name}",
            unit="run",
            disable=not progress,
            file=sys.stderr,
            dynamic_ncols=True,
        )
        beat.start()
        try:
            if not todo:
                outcomes = iter(())
            elif client is not None:
                outcomes = _on_dask(claims, client, workers)
            elif workers == 1:
                outcomes = _in_process(claims)
            else:
                outcomes = _on_pool(claims, min(workers, len(todo)))  # no idle processes
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
            result.elsewhere = claims.elsewhere
            bar.update(claims.elsewhere)
        finally:
            beat.stop()
            bar.close()
            try:
                db.release(owner)
            except (InputError, DiskFullError):
                pass  # the store went bad: the leases expire by themselves
        return result
    finally:
        if own_store:
            db.close()
        if client is not None:
            client.close()


def check_plugins(specs: Iterable[dict[str, Any]], allow_plugins: bool = False) -> None:
    """Refuse run kinds that import code from outside grover-train unless allowed.

    >>> check_plugins([{"kind": "train"}, {"kind": "grover_train.runs.runners:echo"}])
    >>> check_plugins([{"kind": "os:system"}])
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: run kind 'os:system' imports and runs code from module 'os'...
    """
    if allow_plugins:
        return
    for spec in specs:
        kind = str(spec.get("kind"))
        module = kind.partition(":")[0]
        if ":" in kind and module != "grover_train" and not module.startswith("grover_train."):
            raise InputError(
                f"run kind {kind!r} imports and runs code from module {module!r}: pass "
                "--allow-plugins (allow_plugins=True) if you trust that code, or use kind "
                "train or search"
            )


class _Claims:
    """The runs still to do, handed out one at a time once their lease is taken."""

    def __init__(self, db: Store, todo, name: str, owner: str, ttl: float):
        self.db, self.name, self.owner, self.ttl = db, name, owner, ttl
        self.queue = list(reversed(todo))
        self.deferred: list[tuple[str, dict[str, Any]]] = []
        self.elsewhere = 0  # finished by another sweep while this one ran

    def take(self) -> tuple[str, dict[str, Any]] | None:
        """The next run this sweep now owns, or None (none claimable right now)."""
        while self.queue:
            rid, spec = self.queue.pop()
            state = self.db.claim(spec, self.owner, sweep=self.name, ttl=self.ttl)
            if state == "claimed":
                return rid, spec
            if state == "leased":
                self.deferred.append((rid, spec))
            else:
                self.elsewhere += 1
        return None

    @property
    def waiting(self) -> bool:
        """Runs leased by other sweeps that are not finished yet."""
        return bool(self.deferred)

    def retry(self) -> None:
        """Look again at the runs other sweeps hold (finished, or free to take over)."""
        # the stack pops from its end: runs never tried come first, then the deferred ones
        self.queue, self.deferred = list(reversed(self.deferred)) + self.queue, []

    def pause(self) -> None:
        """Wait a little before looking again at runs another live sweep computes."""
        time.sleep(min(POLL_SECONDS, self.ttl / 4))


class _Heartbeat:
    """Renews this sweep's leases from a thread with its own connection."""

    def __init__(self, path, owner: str, ttl: float):
        self.path, self.owner, self.ttl = path, owner, ttl
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="lease-heartbeat")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        try:
            store = Store(self.path)
        except (InputError, DiskFullError):
            return
        try:
            while not self._stop.wait(self.ttl / 6):
                try:
                    store.renew(self.owner, self.ttl)
                except (InputError, DiskFullError):
                    pass  # busy or damaged store: try again at the next beat
        finally:
            store.close()


Outcome = tuple[str, dict[str, Any], RunOutput | Failure]


def _in_process(claims: _Claims) -> Iterator[Outcome]:
    while True:
        item = claims.take()
        if item is not None:
            yield item[0], item[1], safe_execute(item[1])
        elif claims.waiting:
            claims.pause()
            claims.retry()
        else:
            return


def _watch_parent(parent: int) -> None:
    """Worker initializer: exit as soon as the sweep process that started us is gone, so a
    killed sweep leaves no worker computing."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def _on_pool(claims: _Claims, workers: int) -> Iterator[Outcome]:
    # spawn: workers start from a clean interpreter (no forked locks or torch/BLAS threads)
    context = multiprocessing.get_context("spawn")
    while claims.queue or claims.waiting:
        executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_watch_parent,
            initargs=(os.getpid(),),
        )
        running: dict[Any, tuple[str, dict[str, Any]]] = {}
        broken = False
        try:
            while not broken:
                # keep no more runs in flight than workers, so "started" means started
                while len(running) < workers:
                    item = claims.take()
                    if item is None:
                        break
                    running[executor.submit(safe_execute, item[1])] = item
                if not running:
                    if not claims.waiting:
                        break
                    claims.pause()
                    claims.retry()
                    continue
                timeout = POLL_SECONDS if claims.waiting else None
                finished, _ = wait(running, timeout=timeout, return_when=FIRST_COMPLETED)
                if not finished:
                    claims.retry()
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
        running.clear()


def _on_dask(claims: _Claims, client, workers: int) -> Iterator[Outcome]:
    from dask.distributed import as_completed

    # the caller closes the client
    threads = sum(client.nthreads().values()) or 1
    limit = max(workers, threads) if workers > 1 else threads
    running: dict[str, tuple[str, dict[str, Any]]] = {}

    def submit():
        item = claims.take()
        if item is None:
            return None
        fut = client.submit(safe_execute, item[1], pure=False)
        running[fut.key] = item
        return fut

    while claims.queue or claims.waiting:
        first = [f for f in (submit() for _ in range(limit)) if f is not None]
        if not first:
            claims.pause()
            claims.retry()
            continue
        pending = as_completed(first, loop=client.loop)
        for fut in pending:
            rid, spec = running.pop(fut.key)
            try:
                out = fut.result()
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: this run failed
                out = Failure(f"{type(exc).__name__}: {exc}", "", 0.0)
            fut.release()
            yield rid, spec, out
            nxt = submit()
            if nxt is not None:
                pending.add(nxt)
        if claims.waiting:
            claims.retry()


def _connect_dask(address: str):
    """A client of the scheduler at ``address``, or an :class:`InputError` at once: a TCP
    address is probed first, so a refused connection is not retried for 20 s."""
    import socket
    from urllib.parse import urlsplit

    try:
        from dask.distributed import Client
    except ModuleNotFoundError as exc:
        from grover_train.extras import missing_extra

        raise (missing_extra(exc) or exc) from None

    def refuse(why: str) -> InputError:
        return InputError(
            f"cannot reach the Dask scheduler at {address!r} ({why}): start one "
            "(`dask scheduler` and `dask worker ADDRESS`) or fix --dask"
        )

    if not isinstance(address, str) or not address:
        raise refuse("not an address")
    parts = urlsplit(address if "://" in address else "tcp://" + address)
    from distributed.comm.registry import get_backend

    try:  # an unknown protocol: the Client would fail, then hang 40 s closing in __del__
        get_backend(parts.scheme)
    except ValueError:
        raise refuse(f"unknown protocol {parts.scheme!r}") from None
    if parts.scheme in ("tcp", "tls", "ws", "wss"):
        try:
            host, port = parts.hostname, parts.port
        except ValueError as exc:
            raise refuse(str(exc)) from None
        if not host or port is None:
            raise refuse("no host:port")
        try:
            socket.create_connection((host, port), timeout=5).close()
        except OSError as exc:
            raise refuse(exc.strerror or str(exc)) from None
    if parts.scheme == "inproc":
        raise refuse("an inproc address lives inside one Python process")
    # built in two steps so that a failed start can be closed at once: left to the garbage
    # collector, Client.__del__ waits 40 s and prints a traceback
    client = Client.__new__(Client)
    try:
        client.__init__(address, timeout=DASK_CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        with contextlib.suppress(Exception):
            client.close(timeout=1)
        raise refuse(str(exc)) from None
    return client
