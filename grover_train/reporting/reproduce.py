"""``reproduce``: both experiments into one resumable store, then the report.

``reproduce(out_dir, quick=True)`` runs the training-level replay and its validation
(:mod:`grover_train.studies.replay_study`), the search-level sweep
(:func:`grover_train.studies.search_level.search_specs`) and the training-level sweep
(:func:`grover_train.studies.capped_training.training_specs`) into ``out_dir/results.sqlite``
through :func:`grover_train.runs.sweep.run_sweep` (finished runs are skipped when the command
is run again), then writes the report into ``out_dir``.
"""

from __future__ import annotations

import os
import time
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
    search_seeds: tuple[int, ...] | None = None,
    train_seeds: tuple[int, ...] | None = None,
    deep: bool = True,
    replay: bool = True,
    anneal: bool = True,
    hardware: bool = True,
) -> dict[str, Any]:
    """Run both experiments and the report; return counts, timings and the report's numbers.

    Args:
        out_dir: folder for ``results.sqlite``, ``report.md``, the plots and
            ``exponents.json`` (created when missing).
        quick: the reduced grid (what ``make demo`` runs) instead of the full one.
        workers: local worker processes for the sweeps.
        dask_address: run the sweeps on an existing ``dask.distributed`` cluster.
        progress: tqdm bars on stderr.
        search_seeds, train_seeds: override the seeds of either experiment.
        replay: run the training-level replay and its validation
            (:mod:`grover_train.studies.replay_study`), the report's leading section.
        anneal: tune the sa finder's reads on a validation split, then compare it with
            backprop (and sqa in the full run) on 8 seeds (the paper's 1.01 vs 0.78).
        hardware: run the noise study and the fault-tolerant estimates
            (:mod:`grover_train.studies.hardware`, docs/hardware.md) into ``out_dir``;
            reused when their files are there.
        deep: also run the deep-network comparison (docs/deep.md) into
            ``out_dir/deep_comparison.json``, which the report shows; skipped when that file
            already holds the same grid (quick or full).
    """
    from grover_train.reporting.report import write_report
    from grover_train.runs.config import Sweep
    from grover_train.runs.sweep import run_sweep
    from grover_train.studies.capped_training import (
        anneal_tuning_specs,
        anneal_vs_backprop_specs,
        training_specs,
    )
    from grover_train.studies.replay_study import replay_specs, validation_specs
    from grover_train.studies.search_level import search_specs

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {str(out)!r} is a file: give a folder for the results")
    out.mkdir(parents=True, exist_ok=True)
    store = out / STORE_NAME
    tag = "quick" if quick else "full"
    sk = {} if search_seeds is None else {"seeds": tuple(search_seeds)}
    sweeps = [
        Sweep(f"replay-{tag}", "replay", replay_specs(quick=quick)),
        Sweep(f"replay-validation-{tag}", "train", validation_specs(quick=quick)),
        Sweep(f"search-level-{tag}", "search", search_specs(quick=quick, **sk)),
        Sweep(f"training-level-{tag}", "train", training_specs(quick=quick, seeds=train_seeds)),
    ]
    if not replay:
        sweeps = sweeps[2:]
    timings, counts = {}, {}

    def run(sweep: Sweep) -> None:
        t0 = time.perf_counter()
        res = run_sweep(sweep, store, workers=workers, dask_address=dask_address, progress=progress)
        timings[sweep.name] = round(time.perf_counter() - t0, 1)
        counts[sweep.name] = res.as_dict()

    for sweep in sweeps:
        run(sweep)
    if anneal and anneal_vs_backprop_hook(out, quick=quick, workers=workers, timings=timings):
        pass  # issue 19 item 5: its own module wrote anneal_vs_backprop.json into out
    elif anneal:
        # tuned on the validation split first, then compared on fresh seeds with that choice
        run(Sweep(f"anneal-tuning-{tag}", "train", anneal_tuning_specs(quick=quick)))
        budget = tuned_anneal_budget(store, f"anneal-tuning-{tag}")
        run(
            Sweep(
                f"anneal-vs-backprop-{tag}", "train", anneal_vs_backprop_specs(budget, quick=quick)
            )
        )
    if deep:
        t0 = time.perf_counter()
        run_deep_once(out, quick=quick, progress=progress)
        timings["deep-comparison"] = round(time.perf_counter() - t0, 1)
    if hardware:
        from grover_train.studies.hardware import hardware_section

        t0 = time.perf_counter()
        hardware_section(out, quick=quick, reuse=True)  # the report reads its files back
        timings["hardware"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    report = write_report(store, out, num_boot=num_boot)
    timings["report"] = round(time.perf_counter() - t0, 1)
    return {"store": str(store), "sweeps": counts, "timings_s": timings, **report}


def anneal_vs_backprop_hook(out: Path, *, quick: bool, workers: int, timings: dict) -> bool:
    """Run annealing vs backprop with :mod:`grover_train.studies.anneal_vs_backprop` when that
    module is installed (its result file is what the report reads); False without it, and the
    older tuning and comparison sweeps run instead."""
    try:
        from grover_train.studies import anneal_vs_backprop as avb
    except ImportError:
        return False
    t0 = time.perf_counter()
    avb.run_once(out, quick=quick, workers=workers)
    timings["anneal-vs-backprop"] = round(time.perf_counter() - t0, 1)
    return True


def run_deep_once(out: Path, *, quick: bool, progress: bool = False) -> bool:
    """Run the deep comparison unless ``out/deep_comparison.json`` already has its budget.

    Returns True when it ran. The comparison is a few minutes at most, so it is kept whole
    (one file) rather than stored run by run.
    """
    import json

    from grover_train.studies.deep_comparison import default_budget, run_deep_comparison

    path = out / "deep_comparison.json"
    if path.exists():
        try:
            done = json.loads(path.read_text()).get("budget") == default_budget(quick)
        except (OSError, ValueError):
            done = False
        if done:
            return False
    run_deep_comparison(out, quick=quick, progress=progress)
    return True


def tuned_anneal_budget(store_path, sweep: str) -> int:
    """The reads per search chosen by the tuning sweep (highest mean validation accuracy)."""
    from grover_train.reporting.report import open_store
    from grover_train.studies.capped_training import choose_anneal_budget

    store = open_store(store_path)
    try:
        return choose_anneal_budget(store.runs(sweep=sweep, status="finished"))[0]
    finally:
        store.close()
