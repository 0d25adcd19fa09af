"""The training-level verdict: replay sweeps, their validation, the analysis and its report.

Three sweeps go into the results store (all resumable like every sweep):

- ``replay-<tag>`` (kind ``replay``): oracle trajectories on the growing-teacher task
  (:func:`grover_train.data.datasets.grown_teacher`: the teacher has as many hidden units as
  the student) with the uniform preparation at several sizes n = H + 3, several data seeds
  (teachers) and run seeds, the sa and sqa finders' reads measured on them, and with the dqa
  preparation at the smallest size of the full run; costs assigned
  (:mod:`grover_train.studies.replay`);
- ``replay-validation-<tag>`` (kind ``train``): real training runs at the smallest size with
  ``random`` and ``grover`` (uniform, ``bbht``, exact backend) that search until a head is found,
  capped only at the certification budgets, with the replay's step-size rule (per cut) and no
  weight averaging, so that their costs to target can be compared with the replay's.

:func:`analyse_replay` fits every size on the written target rule
(:mod:`grover_train.analysis.replay_fit`), the out-of-sample test of the size trend
(:mod:`grover_train.analysis.out_of_sample`), the size reading
(:mod:`grover_train.analysis.size_reading`), annealing vs Grover per cut
(:mod:`grover_train.analysis.anneal_vs_grover`) and the validation; the outputs (flat keys,
verdict, table, plots) are in :mod:`grover_train.studies.replay_report`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from grover_train.analysis.replay_fit import (
    SizeResult,
    _slope,
    exponent,
    first_reach,
    fit_size,
    preregistered_targets,
    rule_targets,
    size_trend,
)
from grover_train.errors import InputError
from grover_train.studies.base import ReportContext, RunContext, Section, Study
from grover_train.studies.replay import (
    ReplaySetup,
    certification_amplified,
    certification_classical,
    costs_from_rows,
)

#: the student sizes H of the uniform replay (n = H + 3), quick and full; the teacher grows
#: with the student (grown_teacher)
QUICK_HIDDEN = (10, 12, 14, 16)
FULL_HIDDEN = (8, 12, 16, 20, 24, 28)
#: data seeds (teachers and their data) and run seeds per data seed
QUICK_DATA_SEEDS = (0, 1)
FULL_DATA_SEEDS = (0, 1, 2)
QUICK_SEEDS = 4
FULL_SEEDS = 8
#: sizes with a dqa replay (a statevector per visit), full run only, data seed 0
FULL_DQA_HIDDEN = (8,)
#: epochs at most; a replay stops a tail after reaching the lowest target (ReplaySetup)
QUICK_EPOCHS = 80
REPLAY_EPOCHS = 150
#: measure the annealers' reads to their first head every this many head visits
QUICK_ANNEAL_EVERY = 10
FULL_ANNEAL_EVERY = 5
#: the annealers measured on the uniform replays
ANNEALERS = ("sa", "sqa")
#: epochs the validation runs' budgets are sized for
VALIDATION_EPOCHS = {"quick": 5, "full": 40}
#: validation seeds (per finder)
VALIDATION_SEEDS = {"quick": 4, "full": 16}
#: the widest 95 % half-width of the validation's ratio difference that still has power
VALIDATION_POWER = 0.15


def replay_specs(*, quick: bool = True) -> list[dict]:
    """Run specs of the replay sweep: every size x data seed x run seed.

    >>> specs = replay_specs(quick=True)
    >>> sorted({(s["prep"], s["hidden"]) for s in specs})
    [('uniform', 10), ('uniform', 12), ('uniform', 14), ('uniform', 16)]
    >>> len(specs), sorted({s["data_seed"] for s in specs}), specs[0]["teacher"]
    (32, [0, 1], [12, 10, 3])
    >>> full = replay_specs(quick=False)
    >>> len([s for s in full if s["hidden"] == 28]), max(s["hidden"] + 3 for s in full)
    (24, 31)
    """
    from grover_train.analysis.replay_fit import TARGET_FLOOR
    from grover_train.data.datasets import GROWN_TEACHER_SAMPLES, grown_teacher

    hidden = QUICK_HIDDEN if quick else FULL_HIDDEN
    data_seeds = QUICK_DATA_SEEDS if quick else FULL_DATA_SEEDS
    seeds = QUICK_SEEDS if quick else FULL_SEEDS
    base = {
        "kind": "replay",
        "num_samples": GROWN_TEACHER_SAMPLES,
        "max_epochs": QUICK_EPOCHS if quick else REPLAY_EPOCHS,
        "stop_eps": TARGET_FLOOR,
    }
    groups = [("uniform", H, data_seeds) for H in hidden]
    if not quick:
        groups += [("dqa", H, data_seeds[:1]) for H in FULL_DQA_HIDDEN]
    specs = []
    for prep, H, dss in groups:
        for ds in dss:
            for s in range(seeds):
                spec = {**base, "hidden": H, "teacher": list(grown_teacher(H)), "prep": prep}
                spec["data_seed"] = ds
                if prep == "uniform":
                    spec["anneal_every"] = QUICK_ANNEAL_EVERY if quick else FULL_ANNEAL_EVERY
                    spec["annealers"] = list(ANNEALERS)
                specs.append({**spec, "seed": s})
    return specs


def validation_hidden(quick: bool) -> int:
    """The size of the validation: the smallest replayed one (data seed 0)."""
    return min(QUICK_HIDDEN if quick else FULL_HIDDEN)


def validation_specs(*, quick: bool = True, seeds: Sequence[int] | None = None) -> list[dict]:
    """Real training runs at the smallest size (data seed 0) that search until a head is found.

    The per-sample search budget is the certification budget (a sample whose search ends
    without a head counts as having none), the step size is scheduled per cut and the weights
    are not averaged, as in the replay. Budgets cover about ``VALIDATION_EPOCHS`` epochs.

    >>> [(s["finder"], s["teacher"]) for s in validation_specs(seeds=[0])]
    [('random', [12, 10, 3]), ('grover', [12, 10, 3])]
    """
    tag = "quick" if quick else "full"
    if seeds is None:
        seeds = range(VALIDATION_SEEDS[tag])
    setup = ReplaySetup.grown(validation_hidden(quick), data_seed=0)
    n = setup.num_variables
    epochs = VALIDATION_EPOCHS[tag]
    visits = epochs * int(0.8 * setup.num_samples)
    base = {
        "kind": "train",
        "dataset": "teacher",
        "teacher": list(setup.teacher),
        "num_samples": setup.num_samples,
        "data_seed": setup.data_seed,
        "hidden": setup.hidden,
        "margin": setup.margin,
        "batch_size": setup.batch_size,
        "eta": setup.eta,
        "eta_decay": setup.eta_decay,
        "eta_schedule": "cuts",
        "average": 0,
        "max_heads": 1,
        "num_evals": 300,
        "eval_size": 10_000,
    }
    cert_c, cert_a = certification_classical(n), certification_amplified(n)
    finders = [
        {"finder": "random", "search_budget": cert_c, "budget": visits * cert_c},
        {
            "finder": "grover",
            "prep": "uniform",
            "backend": "exact",
            "schedule": "bbht",
            "search_budget": cert_a,
            "budget": visits * cert_a,
        },
    ]
    return [{**base, **f, "seed": int(s)} for f in finders for s in seeds]


# ----------------------------------------------------------------------------------- analysis
def replay_runs(store) -> dict[tuple[str, int], list[tuple[str, Any]]]:
    """Finished replay runs grouped by (prep, n): lists of (label, ReplayCosts), the label
    ``d<data seed>s<seed>`` naming the teacher and the run.

    When a store holds replays of one (prep, n) with different setups (e.g. an older grid
    and a newer one), only the setup of the most recently finished run is used, so seeds of
    different setups are never pooled; data seeds of one setup are pooled.
    """
    groups: dict[tuple[str, int], dict[str, list]] = {}
    latest: dict[tuple[str, int], tuple[str, str]] = {}
    for rec in store.runs(kind="replay", status="finished"):
        spec = rec["spec"]
        key = (str(spec.get("prep", "uniform")), int(rec["summary"]["num_variables"]))
        setup = json.dumps(
            {k: v for k, v in spec.items() if k not in ("seed", "data_seed")}, sort_keys=True
        )
        groups.setdefault(key, {}).setdefault(setup, []).append(rec)
        when = str(rec.get("finished") or "")
        if key not in latest or when >= latest[key][0]:
            latest[key] = (when, setup)
    out: dict[tuple[str, int], list] = {}
    for key, by_setup in groups.items():
        for rec in by_setup[latest[key][1]]:
            rows = store.metrics(rec["run_id"])
            if rows:
                ds = int(rec["spec"].get("data_seed", 0))
                label = f"d{ds}s{int(rec['seed'])}"
                out.setdefault(key, []).append((label, costs_from_rows(rows)))
    for v in out.values():
        v.sort(key=lambda t: _label_key(t[0]))
    return out


def _label_key(label: str) -> tuple[int, int]:
    """Sort key of a ``d<data seed>s<seed>`` label.

    >>> _label_key("d1s10")
    (1, 10)
    """
    ds, _, s = label[1:].partition("s")
    return int(ds), int(s)


def data_seed_of(label: str) -> int:
    """The data seed of a run label.

    >>> data_seed_of("d2s5")
    2
    """
    return _label_key(label)[0]


def _num_train(store) -> dict[tuple[str, int], int]:
    """Training samples of the replays of each (prep, n) (the target rule depends on it)."""
    out = {}
    for rec in store.runs(kind="replay", status="finished"):
        summ = rec["summary"]
        key = (str(summ.get("prep", "uniform")), int(summ["num_variables"]))
        num = int(summ.get("num_samples", 300))
        out[key] = num - int(round(0.2 * num))  # the 80/20 split of load_dataset
    return out


def validation_runs(store) -> dict[str, list[tuple[int, np.ndarray, np.ndarray]]]:
    """Finished validation runs by finder: (seed, cumulative queries, eps)."""
    from grover_train.studies.capped_training import curves_by_finder

    curves = curves_by_finder(store, sweeps="replay-validation")
    return {f: [(int(seed), q, e) for q, e, seed in runs] for f, runs in curves.items()}


def analyse_validation(
    replays: list[tuple[Any, Any]], real: dict[str, list]
) -> dict[str, Any] | None:
    """Compare real runs' costs to target with the replay's (certification included).

    On common pre-registered targets (from every curve's eps), per seed: the level
    (mean over targets of log C) and alpha (1 / slope of log C against log 1/eps*) of ``random``
    against the replay's classical cost and of ``grover`` against its amplified cost, and the
    paired ratio. They agree when every 95 % Welch interval of a difference contains 0.
    """
    if not replays or not real.get("random") or not real.get("grover"):
        return None
    curves = [c.eps for _, c in replays] + [e for f in real.values() for _, _, e in f]
    try:
        targets = preregistered_targets(curves)
    except InputError as exc:
        return {"agrees": False, "note": str(exc)}

    def per_seed(C: np.ndarray, seed: int) -> tuple[float, float]:
        logs = np.log(C)
        return float(logs.mean()), exponent(C, targets.eps, seed=seed)

    try:
        return _compare(replays, real, targets, per_seed)
    except InputError as exc:
        return {"agrees": False, "note": f"the validation could not be fitted: {exc}"}


def _compare(replays, real, targets, per_seed) -> dict[str, Any]:

    rep: dict[str, list] = {"classical": [], "amplified": [], "ratio": []}
    for seed, c in replays:
        idx = first_reach(c.eps, targets.eps)
        cl = c.total("classical", True, expected=True)[idx]
        am = c.total("amplified", True, expected=True)[idx]
        rep["classical"].append(per_seed(cl, seed))
        rep["amplified"].append(per_seed(am, seed))
        rep["ratio"].append(_slope(np.log(am), np.log(cl)))
    got: dict[str, dict] = {"random": {}, "grover": {}}
    for finder in ("random", "grover"):
        for seed, q, e in real[finder]:
            idx = first_reach(e, targets.eps)
            if np.any(idx < 0):
                raise InputError(f"{finder} seed {seed} never reaches eps = {targets.lo:.3g}")
            got[finder][seed] = q[idx]
    ratios = [
        _slope(np.log(got["grover"][s]), np.log(got["random"][s]))
        for s in sorted(set(got["random"]) & set(got["grover"]))
    ]
    checks = {}
    for name, real_costs, replay_vals in (
        ("classical", list(got["random"].items()), rep["classical"]),
        ("amplified", list(got["grover"].items()), rep["amplified"]),
    ):
        real_vals = [per_seed(C, s) for s, C in real_costs]
        for j, what in enumerate(("log_cost", "alpha")):
            a = np.array([v[j] for v in real_vals])
            b = np.array([v[j] for v in replay_vals])
            checks[f"{name}.{what}"] = _welch(a, b)
    checks["ratio"] = _welch(np.array(ratios), np.array(rep["ratio"]))
    agrees = all(c["lo"] <= 0 <= c["hi"] for c in checks.values())
    half = (checks["ratio"]["hi"] - checks["ratio"]["lo"]) / 2
    return {
        "agrees": bool(agrees),
        "ratio_half_width": float(half),
        # a difference of VALIDATION_POWER in the ratio would be detected only when the
        # interval is narrower than that
        "power": bool(half < VALIDATION_POWER),
        "targets": targets.to_dict(),
        "checks": checks,
        "seeds": {k: len(v) for k, v in real.items()},
        "ratio_real": float(np.mean(ratios)) if ratios else None,
        "ratio_replay": float(np.mean(rep["ratio"])),
    }


def _welch(a: np.ndarray, b: np.ndarray) -> dict:
    """Difference of means a - b with a 95 % Welch interval."""
    if a.size < 2 or b.size < 2 or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise InputError("a comparison needs at least 2 fitted seeds on each side")
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    dof = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1)) if se > 0 else 1.0
    half = float(stats.t.ppf(0.975, dof) * se)
    d = float(a.mean() - b.mean())
    return {
        "diff": d,
        "lo": d - half,
        "hi": d + half,
        "real": float(a.mean()),
        "replay": float(b.mean()),
    }


def analyse_replay(store) -> dict[str, Any] | None:
    """Fit every (prep, n) of the store's replays on the rule's targets, then the
    out-of-sample test, the size reading, annealing vs Grover and the validation."""
    from grover_train.analysis import anneal_vs_grover
    from grover_train.analysis.out_of_sample import out_of_sample
    from grover_train.analysis.size_reading import TARGET_INDICES, size_reading

    runs = replay_runs(store)
    if not runs:
        return None
    num_train = _num_train(store)
    sizes: dict[str, dict[int, SizeResult | str]] = {"uniform": {}, "dqa": {}}
    for (prep, n), rs in sorted(runs.items()):
        try:
            targets = rule_targets(num_train.get((prep, n), 240))
            dss = [data_seed_of(lab) for lab, _ in rs]
            sizes.setdefault(prep, {})[n] = fit_size(
                rs, n=n, prep=prep, targets=targets, data_seeds=dss
            )
        except InputError as exc:
            sizes.setdefault(prep, {})[n] = str(exc)
    ok = {n: r for n, r in sizes["uniform"].items() if isinstance(r, SizeResult)}
    trends: dict[str, Any] = {}
    oos: Any = None
    reading: Any = None
    if len(ok) >= 2:
        trends = {
            "cost_per_cut_classical": size_trend(ok, "classical"),
            "cost_per_cut_amplified": size_trend(ok, "amplified"),
        }
        try:
            oos = out_of_sample({n: [f.ratio for f in r.fits] for n, r in ok.items()})
        except InputError as exc:
            oos = str(exc)
        try:
            reading = _size_reading(ok, TARGET_INDICES, size_reading)
        except InputError as exc:
            reading = str(exc)
    smallest = min((n for (p, n) in runs if p == "uniform"), default=None)
    validation = None
    if smallest is not None:
        first = [(lab, c) for lab, c in runs[("uniform", smallest)] if data_seed_of(lab) == 0]
        validation = analyse_validation(first, validation_runs(store))
    return {
        "sizes": sizes,
        "trends": trends,
        "out_of_sample": oos,
        "size_reading": reading,
        "anneal_vs_grover": anneal_vs_grover.cost_per_cut(ok),
        "validation": validation,
        "smallest": smallest,
    }


def _size_reading(ok: dict[int, SizeResult], indices, size_reading):
    """The size reading on the rule targets of ``indices``, over the seeds every size fitted."""
    targets = next(iter(ok.values())).targets.eps
    if any(not np.allclose(r.targets.eps, targets) for r in ok.values()):
        raise InputError("the sizes do not share one target rule (different training sets)")
    pick = list(indices)
    methods = [m for m in next(iter(ok.values())).fits[0].cost_to_target]
    methods = [
        m for m in methods if all(m in f.cost_to_target for r in ok.values() for f in r.fits)
    ]
    costs = {
        n: {m: [[f.cost_to_target[m][i] for i in pick] for f in r.fits] for m in methods}
        for n, r in ok.items()
    }
    return size_reading(costs, [float(targets[i]) for i in pick])


from grover_train.studies.replay_report import (  # noqa: E402  (re-exported outputs)
    plot_replay,
    replay_exponents,
    replay_section,
    replay_table,
    replay_verdict,
)

__all__ = [
    "analyse_replay",
    "analyse_validation",
    "plot_replay",
    "replay_exponents",
    "replay_runs",
    "replay_section",
    "replay_specs",
    "replay_table",
    "replay_verdict",
    "validation_specs",
]


def _run(ctx: RunContext) -> None:
    ctx.sweep(f"replay-{ctx.tag}", "replay", replay_specs(quick=ctx.quick))
    ctx.sweep(f"replay-validation-{ctx.tag}", "train", validation_specs(quick=ctx.quick))


def _report(ctx: ReportContext) -> Section:
    result = analyse_replay(ctx.store)
    runs = replay_runs(ctx.store) if result is not None else None
    files = (
        ("replay_scaling.png",) if plot_replay(result, runs, ctx.out / "replay_scaling.png") else ()
    )
    if (ctx.out / "anneal_vs_grover.png").exists():
        files += ("anneal_vs_grover.png",)
    verdict = replay_verdict(result) if result is not None else ""
    return Section(replay_section(result), replay_exponents(result), files, verdict=verdict)


#: the study's registry entry (:data:`grover_train.studies.STUDIES`)
STUDY = Study(
    "replay",
    "training-level replay on the growing teacher: every method's cost on one trajectory",
    _report,
    _run,
    switch="replay",
)
