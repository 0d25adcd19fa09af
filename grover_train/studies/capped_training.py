"""Training-level experiment: eps against cumulative queries per finder, and its fits.

Every finder trains the same network on the same data with the same seeds (the ``train`` sweep
runner, :func:`grover_train.runs.runners.run_train_spec`); each run's metrics hold the
cumulative ``queries`` and the exact training error ``train_error`` (eps) after each step.
:func:`fit_training` fits eps ~ C^-alpha per seed on targets eps* chosen from the eps curves
alone (:func:`grover_train.analysis.fits.fit_training_curves`), with a t interval over seeds;
:func:`compare` puts two finders on one common target range and pairs their ratio by seed.

These runs give every finder a fixed per-sample search budget, so their exponent ratios mix
search cost with missed cuts (the report shows them as that artefact); the training-level
verdict comes from the trajectory replay (:mod:`grover_train.studies.replay_study`).

Finder labels: ``backprop``, ``random``, ``sa``, ``sqa``, ``grover-uniform``, ``grover-dqa``
(the ``grover`` finder with the ``exact`` backend and the ``bbht`` schedule, by preparation).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from grover_train.analysis.fits import TrainingFit, fit_training_curves
from grover_train.errors import InputError

#: the finders the report needs, in table order
FINDER_LABELS = ("backprop", "random", "sa", "sqa", "grover-uniform", "grover-dqa")
#: the task every training-level run learns: a realizable teacher, one data set for all runs
TASK = {
    "kind": "train",
    "dataset": "teacher",
    "teacher": [12, 6, 3],
    "num_samples": 300,
    "hidden": 8,
    "data_seed": 0,
    "margin": 0.0,
}
#: metric keys accepted for eps and for the cumulative query count (first one present wins)
EPS_KEYS = ("train_error", "eps")
QUERY_KEYS = ("cumulative_queries", "queries")


def finder_label(spec: Mapping[str, Any]) -> str:
    """The run's label: the finder registry's (``grover-<prep>`` for the coherent finder),
    else the finder's name (``backprop``).

    >>> finder_label({"finder": "grover", "prep": "dqa"}), finder_label({"finder": "sa"})
    ('grover-dqa', 'sa')
    """
    from grover_train.finders.registry import FINDERS

    name = str(spec.get("finder", "?"))
    return FINDERS[name].label(spec) if name in FINDERS else name


def curve_of(metrics: Sequence[Mapping[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """(cumulative queries, eps) of one run's metric rows, rows without eps dropped.

    Per-step query counts are summed when the rows hold no cumulative count (detected by a
    decreasing ``queries`` column).

    >>> curve_of([{"queries": 0, "train_error": 1.0}, {"queries": 10, "train_error": 0.5}])
    (array([ 0., 10.]), array([1. , 0.5]))
    """
    q, e = [], []
    for row in metrics:
        eps = next((row[k] for k in EPS_KEYS if row.get(k) is not None), None)
        queries = next((row[k] for k in QUERY_KEYS if row.get(k) is not None), None)
        if eps is None or queries is None:
            continue
        q.append(float(queries))
        e.append(float(eps))
    q_arr, e_arr = np.asarray(q), np.asarray(e)
    if q_arr.size > 1 and np.any(np.diff(q_arr) < 0):
        q_arr = np.cumsum(q_arr)
    return q_arr, e_arr


def curves_by_finder(
    store,
    *,
    sweeps: str | tuple[str, ...] = "",
    skip: tuple[str, ...] = (),
    label: Callable[[dict], str] = lambda spec: spec["finder"],
) -> dict[str, list[tuple[np.ndarray, np.ndarray, int | None]]]:
    """(cumulative queries, eps, seed) of the finished ``train`` runs of a store, grouped by
    ``label(spec)``: only runs of sweeps whose name starts with ``sweeps``, none of those whose
    name starts with one of ``skip``; runs without an eps curve are left out."""
    out: dict[str, list] = {}
    for rec in store.runs(kind="train", status="finished"):
        name = str(rec.get("sweep", ""))
        if not name.startswith(sweeps) or (skip and name.startswith(skip)):
            continue
        q, e = curve_of(store.metrics(rec["run_id"]))
        if q.size:
            out.setdefault(label(rec["spec"]), []).append((q, e, rec.get("seed")))
    return out


def curves_from_store(store) -> dict[str, list[tuple[np.ndarray, np.ndarray, int]]]:
    """Finished ``train`` runs of a store grouped by finder label: (queries, eps, seed). The
    replay's validation and the annealing comparison are their own and left out."""
    return curves_by_finder(store, skip=("replay-validation", "anneal-"), label=finder_label)


def fit_training(
    curves: Mapping[str, Sequence[tuple]], *, num_boot: int = 0, seed: int = 0
) -> dict[str, TrainingFit | str]:
    """Fit every finder's curves on its own pre-registered targets; a finder whose fit fails
    maps to the reason (a string). ``num_boot`` and ``seed`` are unused (t intervals).

    >>> C = np.logspace(0, 4, 30)
    >>> fits = fit_training({"sa": [(C, (1 + C) ** -1.0 * s, i) for i, s in enumerate((0.9, 1.1))]})
    >>> round(fits["sa"].alpha, 1)
    1.0
    """
    out: dict[str, TrainingFit | str] = {}
    for label, runs in curves.items():
        try:
            out[label] = fit_training_curves(label, runs)
        except InputError as exc:
            out[label] = str(exc)
    return out


def compare(first: Sequence[tuple], second: Sequence[tuple], hi: float = 0.4) -> dict[str, Any]:
    """Two finders on one common target range: each alpha there and alpha_first / alpha_second
    paired by seed (per-seed ratios over the seeds both ran), with 95 % t intervals. ``hi``: the
    highest target (the range starts at the lower of ``hi`` and the lowest starting eps).

    Returns ``{"targets", "first", "second", "ratio", "ratio_ci", "seeds"}`` or
    ``{"reason": ...}`` when there is no common range or fewer than 2 common seeds.

    >>> C = np.logspace(2, 6, 400)
    >>> a = [(C, 50 / C * s, i) for i, s in enumerate((0.9, 1.0, 1.1))]
    >>> b = [(C, 5 / C**0.5 * s, i) for i, s in enumerate((1.0, 1.1, 0.9))]
    >>> round(compare(a, b)["ratio"], 1)
    2.0
    """
    from grover_train.analysis.replay_fit import estimate, preregistered_targets

    try:
        targets = preregistered_targets([r[1] for r in list(first) + list(second)], hi=hi).eps
    except InputError as exc:
        return {"reason": f"no common eps range: {exc}"}
    out: dict[str, Any] = {"targets": [float(t) for t in targets]}
    alphas = []
    for key, runs in (("first", first), ("second", second)):
        try:
            out[key] = fit_training_curves(key, runs, targets=targets)
        except InputError as exc:
            return {"reason": str(exc), "targets": out["targets"]}
        alphas.append(out[key].seed_alphas)
    common = sorted(set(alphas[0]) & set(alphas[1]), key=str)
    if len(common) < 2:
        return {**out, "reason": "fewer than 2 seeds fitted for both finders: no paired ratio"}
    est = estimate([alphas[0][s] / alphas[1][s] for s in common])
    out.update({"ratio": est.mean, "ratio_ci": [est.lo, est.hi], "seeds": len(common)})
    return out


def training_specs(*, quick: bool = True, seeds: Sequence[int] | None = None) -> list[dict]:
    """Run specs of the training-level experiment.

    Task: a realizable teacher (D, H, C) = (12, 6, 3), 300 samples (data seed 0, the same data
    for every run), student with 8 hidden units: every free landscape has n = 8 + 3 = 11 spins,
    small enough for the exact backend. Head cutting: margin 0, one head per sample search, a
    search budget of 128 queries per sample (a trained sample costs all 128), batches of
    4 samples, eta = 0.1 / (1 + 0.2 epochs). Backprop: batches of 16, same margin for eps.
    ``sqa`` (slow: OpenJij) runs in the full grid only, with 4 reads x 20 sweeps per batch.

    >>> specs = training_specs(quick=False)
    >>> sorted({finder_label(s) for s in specs}) == sorted(FINDER_LABELS)
    True
    >>> "sqa" in {s["finder"] for s in training_specs(quick=True)}
    False
    """
    seeds = list(seeds if seeds is not None else (range(4) if quick else range(6)))
    base = dict(TASK)
    cutting = {
        "search_budget": 128,
        "max_heads": 1,
        "batch_size": 4,
        "eta": 0.1,
        "eta_decay": 0.2,
        "budget": 100_000 if quick else 1_000_000,
    }
    finders: list[dict] = [
        {"finder": "backprop", "batch_size": 16, "budget": 60_000 if quick else 200_000},
        {"finder": "random", **cutting},
        {"finder": "sa", **cutting},
        {"finder": "grover", "prep": "uniform", "backend": "exact", "schedule": "bbht", **cutting},
        {"finder": "grover", "prep": "dqa", "backend": "exact", "schedule": "bbht", **cutting},
    ]
    if not quick:
        finders.append(
            {
                "finder": "sqa",
                "finder_options": {"num_reads": 4, "num_sweeps": 20},
                **cutting,
                "budget": 100_000,
            }
        )
    specs = []
    for f in finders:
        for s in seeds:
            specs.append({**base, **f, "seed": int(s)})
    return specs


#: the sa finder's reads per sample search tried when tuning it (on the validation split)
ANNEAL_BUDGETS = (8, 32, 128)
#: fraction of the training data held out for tuning
VALIDATION_FRACTION = 0.15


def _anneal_base(quick: bool) -> dict:
    return {**TASK, "validation_fraction": VALIDATION_FRACTION}


def anneal_tuning_specs(*, quick: bool = True) -> list[dict]:
    """The sa finder with each of :data:`ANNEAL_BUDGETS` reads per sample search, seeds 0-1
    (quick) or 0-3, chosen later by validation accuracy (:func:`choose_anneal_budget`).

    >>> sorted({s["search_budget"] for s in anneal_tuning_specs()})
    [8, 32, 128]
    """
    cutting = {"max_heads": 1, "batch_size": 4, "eta": 0.1, "eta_decay": 0.2}
    budget = 40_000 if quick else 300_000
    return [
        {
            **_anneal_base(quick),
            **cutting,
            "finder": "sa",
            "search_budget": b,
            "budget": budget,
            "seed": s,
        }
        for b in ANNEAL_BUDGETS
        for s in range(2 if quick else 4)
    ]


def choose_anneal_budget(runs: Sequence[dict]) -> tuple[int, list[dict]]:
    """The reads per search with the highest mean final validation accuracy (ties: fewer
    reads), and the tuning table. ``runs`` are finished tuning run records.

    >>> recs = [{"spec": {"search_budget": b}, "summary": {"validation_accuracy": a}}
    ...         for b, a in ((8, 0.7), (8, 0.8), (32, 0.9), (32, 0.85))]
    >>> choose_anneal_budget(recs)[0]
    32
    >>> tie = [{"spec": {"search_budget": b}, "summary": {"validation_accuracy": a}}
    ...        for b, a in ((32, 0.1 + 0.2), (8, 0.3))]
    >>> choose_anneal_budget(tie)[0]   # 0.1 + 0.2 != 0.3 in floating point, still a tie
    8
    """
    by: dict[int, list[float]] = {}
    for rec in runs:
        acc = rec["summary"].get("validation_accuracy")
        if acc is not None:
            by.setdefault(int(rec["spec"]["search_budget"]), []).append(float(acc))
    if not by:
        raise InputError("no finished tuning run has a validation accuracy")
    table = [
        {"search_budget": b, "validation_accuracy": float(np.mean(v)), "seeds": len(v)}
        for b, v in sorted(by.items())
    ]
    # rounded so that equal accuracies summed in another order still tie (ties: fewer reads)
    best = max(table, key=lambda r: (round(r["validation_accuracy"], 9), -r["search_budget"]))
    return int(best["search_budget"]), table


def anneal_vs_backprop_specs(search_budget: int, *, quick: bool = True) -> list[dict]:
    """The paper's 1.01 vs 0.78: sa with its tuned reads and backprop on the same data and
    8 seeds (and sqa in the full run), with the validation split held out.

    >>> sorted({s["finder"] for s in anneal_vs_backprop_specs(32)})
    ['backprop', 'sa']
    """
    cutting = {"max_heads": 1, "batch_size": 4, "eta": 0.1, "eta_decay": 0.2}
    finders = [
        {
            "finder": "sa",
            **cutting,
            "search_budget": int(search_budget),
            "budget": 100_000 if quick else 1_000_000,
        },
        {"finder": "backprop", "batch_size": 16, "budget": 30_000 if quick else 200_000},
    ]
    if not quick:
        finders.append(
            {
                "finder": "sqa",
                "finder_options": {"num_reads": 4, "num_sweeps": 20},
                **cutting,
                "search_budget": int(search_budget),
                "budget": 100_000,
            }
        )
    return [{**_anneal_base(quick), **f, "seed": s} for f in finders for s in range(8)]


def anneal_curves(store) -> dict[str, list[tuple[np.ndarray, np.ndarray, int]]]:
    """Curves of the anneal-vs-backprop sweep by finder: (queries, eps, seed)."""
    return curves_by_finder(store, sweeps="anneal-vs-backprop")
