"""``reproduce``: every registered study into one resumable store, then the report.

``reproduce(out_dir, quick=True)`` runs each study of the registry
(:data:`grover_train.studies.STUDIES`, in its order) with a
:class:`~grover_train.studies.base.RunContext` whose ``sweep`` runs specs into
``out_dir/results.sqlite`` through :func:`grover_train.runs.sweep.run_sweep` (finished runs are
skipped when the command is run again), then writes the report into ``out_dir``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grover_train.errors import InputError

STORE_NAME = "results.sqlite"


def reproduce(
    out_dir: str | os.PathLike,
    *,
    quick: bool = True,
    workers: int = 1,
    dask_address: str | None = None,
    progress: bool = True,
    num_boot: int = 1000,
    seeds: dict[str, Sequence[int]] | None = None,
    skip: Sequence[str] = (),
) -> dict[str, Any]:
    """Run every study and the report; return counts, timings and the report's numbers.

    Args:
        out_dir: folder for ``results.sqlite``, ``report.md``, the plots and
            ``exponents.json`` (created when missing).
        quick: the reduced grid (what ``make demo`` runs) instead of the full one.
        workers: local worker processes for the sweeps.
        dask_address: run the sweeps on an existing ``dask.distributed`` cluster.
        progress: tqdm bars on stderr.
        num_boot: bootstrap resamples of the report.
        seeds: study name -> seeds overriding that study's own (where it takes them).
        skip: studies not to run, by registry name or by their ``switch`` (``replay``,
            ``anneal``, ``deep``, ``hardware``); the report still shows what the folder holds.

    >>> reproduce("/tmp/x", skip=["nope"])
    Traceback (most recent call last):
    ...
    grover_train.errors.UnknownNameError: unknown study to skip 'nope': use one of replay, ...
    """
    from grover_train.errors import UnknownNameError
    from grover_train.reporting.report import write_report
    from grover_train.runs.config import Sweep
    from grover_train.runs.store import Store
    from grover_train.runs.sweep import run_sweep
    from grover_train.studies import STUDIES, all_studies
    from grover_train.studies.base import RunContext

    studies = all_studies()
    names = list(dict.fromkeys([*STUDIES, *(s.switch for s in studies if s.switch)]))
    for name in skip:
        if name not in names:
            raise UnknownNameError(
                f"unknown study to skip {name!r}: use one of {', '.join(names)}"
            )
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {str(out)!r} is a file: give a folder for the results")
    out.mkdir(parents=True, exist_ok=True)
    store = out / STORE_NAME
    timings: dict[str, float] = {}
    counts: dict[str, Any] = {}

    def sweep(name: str, kind: str, specs: list[dict[str, Any]]) -> None:
        t0 = time.perf_counter()
        specs = [s if "kind" in s else {"kind": kind, **s} for s in specs]
        res = run_sweep(
            Sweep(name, kind, specs),
            store,
            workers=workers,
            dask_address=dask_address,
            progress=progress,
        )
        timings[name] = round(time.perf_counter() - t0, 1)
        counts[name] = res.as_dict()

    def record(label: str, seconds: float) -> None:
        timings[label] = round(seconds, 1)

    ctx = RunContext(
        out=out,
        quick=quick,
        workers=workers,
        progress=progress,
        sweep=sweep,
        time=record,
        seeds=dict(seeds or {}),
    )
    for study in studies:
        if study.run is None or study.name in skip or (study.switch and study.switch in skip):
            continue
        study.run(ctx)
    Store(store).close()  # an empty store when no study ran a sweep: the report says so
    t0 = time.perf_counter()
    report = write_report(store, out, num_boot=num_boot)
    timings["report"] = round(time.perf_counter() - t0, 1)
    return {"store": str(store), "sweeps": counts, "timings_s": timings, **report}


__all__ = ["STORE_NAME", "reproduce"]
