"""The report: exponents from a results store, side by side with the paper's values.

:func:`write_report` reads the finished ``search`` and ``train`` runs of a store and writes

- ``report.md``: the side-by-side table (paper vs ours with 95% intervals and fit windows),
  the search-level slopes and ratio, and a plain verdict on "coherent search raises the
  exponent by up to 2x";
- ``search_scaling.png``: mean queries to the first head against 1/p_A with both fitted slopes;
- ``training_scaling.png``: eps against cumulative queries per finder with fitted lines;
- ``exponents.json``: flat keys ``search.coherent_slope``, ``search.classical_slope``,
  ``search.ratio`` (and ``..._ci``), ``training.<finder>.alpha`` and ``training.<finder>.ci``
  for every finder of :data:`FINDER_LABELS`, and ``paper.*``.
"""

from __future__ import annotations

import json
import math
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from grover_train import jsonify
from grover_train.analysis.fits import TrainingFit
from grover_train.analysis.replay_fit import MIN_DECADES as _MIN_DECADES
from grover_train.errors import InputError
from grover_train.studies.capped_training import (
    FINDER_LABELS,
    anneal_curves,
    choose_anneal_budget,
    compare,
    curves_from_store,
    fit_training,
)
from grover_train.studies.search_level import SearchFit, fit_search_scaling, points_from_runs

#: the paper's numbers (abstract of arXiv:2506.05244)
PAPER = {"backprop": 0.78, "annealing": 1.01, "coherent_max_factor": 2.0}
#: the classical finder each coherent preparation is compared with ("the same preparation":
#: uniform sampling is classical repetition of the uniform A; the simulated quantum annealer
#: is the classical counterpart of the digitized annealer used as A)
SAME_PREP = {"grover-uniform": "random", "grover-dqa": "sqa"}
#: fewest seeds and decades of eps* for an ordering or ratio to be called resolved; the
#: decades are the target rule's (replay_fit.MIN_DECADES: 0.4 down to 0.0125)
MIN_SEEDS = 8
MIN_DECADES = _MIN_DECADES


def open_store(path: str | os.PathLike):
    """Open an existing store for reading; a missing one is an :class:`InputError`."""
    from grover_train.runs.store import Store

    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"results store {str(path)!r} not found: run 'grover-train reproduce --quick --out "
            "DIR' (then use DIR/results.sqlite) or 'grover-train sweep CONFIG.toml --store FILE' "
            "first"
        )
    return Store(path, readonly=True)


def _fmt(x: float | None, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x:.{digits}f}"


def _ci(lo: float | None, hi: float | None) -> str:
    return f"[{_fmt(lo)}, {_fmt(hi)}]"


def analyse(store, *, num_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Fits of everything in a store: ``search`` (SearchFit or reason), ``search_points``,
    ``training`` (label -> TrainingFit or reason), ``curves``, ``ratios``."""
    runs = [
        (rec["summary"], store.metrics(rec["run_id"]))
        for rec in store.runs(kind="search", status="finished")
    ]
    points = points_from_runs(runs)
    try:
        search: SearchFit | str = fit_search_scaling(points, num_boot=num_boot, seed=seed)
    except InputError as exc:
        search = str(exc) if runs else "no search-level runs in the store"
    curves = curves_from_store(store)
    training = fit_training(curves, num_boot=num_boot, seed=seed)
    from grover_train.studies.replay_study import analyse_replay, replay_runs

    replay = analyse_replay(store)
    ratios = {}
    for coh, cls in SAME_PREP.items():
        if coh not in curves:
            continue
        if cls not in curves:  # no stand-in partner: only the same preparation is like for like
            ratios[coh] = {"versus": cls, "reason": f"{cls} not run (the same-preparation partner)"}
            continue
        # from the lowest starting eps down: a finder that stalls under the cap still has a
        # common range with its partner, which is what shows the cap's artefact
        c = compare(curves[coh], curves[cls], hi=1.0)
        ratios[coh] = {"versus": cls, **_ratio_entry(c)}
    orderings, tuning = [], None
    anneal = anneal_curves(store)
    if anneal.get("backprop") and (anneal.get("sa") or anneal.get("sqa")):
        source = "tuned comparison (8 seeds, reads chosen on a validation split)"
        for ann in ("sa", "sqa"):
            if anneal.get(ann):
                c = compare(anneal[ann], anneal["backprop"])
                orderings.append({"annealer": ann, "source": source, **c})
        tuning_runs = [
            r
            for r in store.runs(kind="train", status="finished")
            if str(r.get("sweep", "")).startswith("anneal-tuning")
        ]
        if tuning_runs:
            tuning = choose_anneal_budget(tuning_runs)
    else:
        ann = next((k for k in ("sqa", "sa") if k in curves), None)
        if ann and "backprop" in curves:
            c = compare(curves[ann], curves["backprop"])
            orderings.append({"annealer": ann, "source": "capped runs", **c})
    return {
        "search": search,
        "search_points": points,
        "training": training,
        "curves": curves,
        "ratios": ratios,
        "orderings": orderings,
        "anneal_tuning": tuning,
        "replay": replay,
        "replay_runs": replay_runs(store) if replay is not None else None,
    }


def exponents(result: dict[str, Any]) -> dict[str, Any]:
    """The flat ``exponents.json`` dictionary of an :func:`analyse` result."""
    from grover_train.studies.replay_study import replay_exponents

    out: dict[str, Any] = {f"paper.{k}": v for k, v in PAPER.items()}
    out.update(replay_exponents(result.get("replay")))
    s = result["search"]
    if isinstance(s, SearchFit):
        out.update(
            {
                "search.coherent_slope": s.coherent.slope,
                "search.coherent_slope_ci": [s.coherent_ci.low, s.coherent_ci.high],
                "search.classical_slope": s.classical.slope,
                "search.classical_slope_ci": [s.classical_ci.low, s.classical_ci.high],
                "search.ratio": s.ratio,
                "search.ratio_ci": [s.ratio_ci.low, s.ratio_ci.high],
                "search.decades": s.decades,
                "search.num_points": s.num_points,
            }
        )
        for name, (f, ci) in s.annealers.items():
            out[f"search.{name}_slope"] = f.slope
            out[f"search.{name}_slope_ci"] = [ci.low, ci.high]
    else:
        for key in ("coherent_slope", "classical_slope", "ratio"):
            out[f"search.{key}"] = None
            out[f"search.{key}_ci"] = None
        out["search.note"] = s
    labels = list(FINDER_LABELS) + sorted(set(result["training"]) - set(FINDER_LABELS))
    for label in labels:
        f = result["training"].get(label)
        if isinstance(f, TrainingFit):
            out[f"training.{label}.alpha"] = f.alpha
            out[f"training.{label}.ci"] = [f.ci.low, f.ci.high]
            out[f"training.{label}.window"] = [f.fit.x_min, f.fit.x_max]
            out[f"training.{label}.targets"] = [f.targets[0], f.targets[-1]]
            out[f"training.{label}.window_rule"] = f.window_rule
            out[f"training.{label}.seeds"] = f.num_seeds
            if f.failed:
                out[f"training.{label}.failed_seeds"] = {str(k): v for k, v in f.failed.items()}
        else:
            out[f"training.{label}.alpha"] = None
            out[f"training.{label}.ci"] = None
            out[f"training.{label}.note"] = f or "not run"
    for coh, r in result["ratios"].items():
        out[f"training.{coh}.ratio_vs_{r['versus']}"] = r.get("ratio")
        out[f"training.{coh}.ratio_vs_{r['versus']}_ci"] = r.get("ci")
        if "reason" in r:
            out[f"training.{coh}.ratio_vs_{r['versus']}.note"] = r["reason"]
    return out


def _ratio_entry(c: dict) -> dict:
    """A :func:`compare` result as a ratio row: value, interval, common range, or reason."""
    if "ratio" not in c:
        return {"reason": c.get("reason", "not fitted")}
    t = c["targets"]
    return {
        "ratio": c["ratio"],
        "ci": c["ratio_ci"],
        "seeds": c["seeds"],
        "range": [t[0], t[-1]],
    }


def _resolution(seeds: int, lo_eps: float, hi_eps: float) -> str:
    """Why a comparison is too weak to call anything reproduced ("" when it is not)."""
    why = []
    if seeds < MIN_SEEDS:
        why.append(f"{seeds} seeds (< {MIN_SEEDS})")
    decades = math.log10(hi_eps / lo_eps) if lo_eps > 0 else float("inf")
    if decades < MIN_DECADES:
        why.append(f"eps* spans {decades:.2f} decades (< {MIN_DECADES:g})")
    return ", ".join(why)


def _row_training(label: str, paper: str, f) -> str:
    if isinstance(f, TrainingFit):
        weak = _resolution(f.num_seeds, f.targets[-1], f.targets[0])
        failed = f", {len(f.failed)} seeds not fitted" if f.failed else ""
        return (
            f"| alpha {label} | {paper} | {_fmt(f.alpha)} {_ci(f.ci.low, f.ci.high)} | "
            f"eps* {f.targets[0]:.3g} to {f.targets[-1]:.3g}, C in [{f.fit.x_min:.3g}, "
            f"{f.fit.x_max:.3g}] ({f.num_seeds} seeds{failed})"
            + (f"; weak: {weak}" if weak else "")
            + " |"
        )
    reason = f if isinstance(f, str) else "not run"
    return f"| alpha {label} | {paper} | n/a | {reason} |"


def table(result: dict[str, Any]) -> str:
    """The side-by-side Markdown table."""
    tr = result["training"]
    lines = [
        "| quantity | paper | ours (95% CI) | fit window / notes |",
        "|---|---|---|---|",
        _row_training("backprop", "0.78", tr.get("backprop")),
        _row_training("sa (annealing)", "1.01", tr.get("sa")),
        _row_training("sqa (annealing)", "1.01", tr.get("sqa")),
        _row_training("random", "-", tr.get("random")),
        _row_training("grover-uniform", "up to 2x classical", tr.get("grover-uniform")),
        _row_training("grover-dqa", "up to 2x annealing", tr.get("grover-dqa")),
    ]
    for coh, cls in SAME_PREP.items():
        r = result["ratios"].get(coh)
        if r and "ratio" in r:
            note = (
                f"same preparation, paired by seed ({r['seeds']} seeds), common eps* "
                f"{r['range'][0]:.3g} to {r['range'][1]:.3g}; capped per-sample budget"
            )
            lines.append(
                f"| ratio alpha {coh} / alpha {cls} | <= 2 | {_fmt(r['ratio'])} "
                f"{_ci(*r['ci'])} | {note} |"
            )
        else:
            why = r["reason"] if r else "a fit is missing"
            lines.append(f"| ratio alpha {coh} / alpha {cls} | <= 2 | n/a | {why} |")
    s = result["search"]
    if isinstance(s, SearchFit):
        w = f"1/p_A in [{s.classical.x_min:.3g}, {s.classical.x_max:.3g}] "
        w += f"({s.decades:.1f} decades, {s.num_points} landscape x prep points)"
        lines += [
            f"| search slope, classical repetition | 1 (theory) | {_fmt(s.classical.slope, 3)} "
            f"{_ci(s.classical_ci.low, s.classical_ci.high)} | {w} |",
            f"| search slope, amplified (bbht) | 0.5 (theory) | {_fmt(s.coherent.slope, 3)} "
            f"{_ci(s.coherent_ci.low, s.coherent_ci.high)} | {w} |",
            f"| search ratio classical / coherent | up to 2 | {_fmt(s.ratio, 3)} "
            f"{_ci(s.ratio_ci.low, s.ratio_ci.high)} | exponent gain of amplitude amplification |",
        ]
        for name, (f, ci) in s.annealers.items():
            lines.append(
                f"| search slope, {name} reads per head | - | {_fmt(f.slope, 3)} "
                f"{_ci(ci.low, ci.high)} | vs 1/p_uniform |"
            )
    else:
        lines.append(f"| search slopes | 1 and 0.5 | n/a | {s} |")
    return "\n".join(lines)


def verdict(result: dict[str, Any]) -> str:
    """One plain paragraph: does "up to 2x" hold in this measurement?"""
    parts = []
    s = result["search"]
    if isinstance(s, SearchFit):
        lo, hi = s.ratio_ci.low, s.ratio_ci.high
        if hi < 1.8 or lo > 2.2:
            word = "does not reach" if hi < 1.8 else "exceeds"
            parts.append(
                f"At the search level the exponent gain {word} 2: ratio {s.ratio:.2f} "
                f"[{lo:.2f}, {hi:.2f}]."
            )
        else:
            parts.append(
                f"At the search level amplitude amplification gains the full factor of "
                f"2 in the exponent (ratio {s.ratio:.2f} [{lo:.2f}, {hi:.2f}]), as "
                "theory says: 2x is the ceiling."
            )
    else:
        parts.append("The search level was not measured.")
    for coh, r in result["ratios"].items():
        cls = r["versus"]
        if "ratio" not in r:
            parts.append(f"Training with {coh} vs {cls}: not measured ({r['reason']}).")
            continue
        lo, hi = r["ci"]
        if not (math.isfinite(lo) and math.isfinite(hi)):
            parts.append(f"Training with {coh} vs {cls}: ratio {r['ratio']:.2f}, no interval.")
        elif hi < 1:
            parts.append(
                f"Training with {coh} scales worse than {cls} (alpha ratio "
                f"{r['ratio']:.2f} [{lo:.2f}, {hi:.2f}]): no gain."
            )
        elif lo <= 1:
            parts.append(
                f"Training with {coh} vs {cls}: alpha ratio {r['ratio']:.2f} "
                f"[{lo:.2f}, {hi:.2f}] is not significantly above 1: no measurable "
                "gain in the training exponent."
            )
        elif hi <= 2:
            parts.append(
                f"Training with {coh} vs {cls}: alpha ratio {r['ratio']:.2f} "
                f"[{lo:.2f}, {hi:.2f}] is above 1 and at most 2: 'up to 2x' holds here."
            )
        elif lo <= 2:
            parts.append(
                f"Training with {coh} vs {cls}: alpha ratio {r['ratio']:.2f} "
                f"[{lo:.2f}, {hi:.2f}] is above 1 and its interval contains 2: a gain "
                "consistent with 'up to 2x', though a larger one is not ruled out."
            )
        else:
            parts.append(
                f"Training with {coh} vs {cls}: alpha ratio {r['ratio']:.2f} "
                f"[{lo:.2f}, {hi:.2f}] exceeds 2, beyond the search-level ceiling: in our "
                "reconstruction the training exponent also reflects heads the classical "
                "finder misses within its per-sample budget, not only the search cost."
            )
    for o in result.get("orderings") or []:
        parts.append(_ordering_text(o))
    if not result["ratios"]:
        parts.append("The training-level ratios could not be fitted (missing finders).")
    return " ".join(parts)


def anneal_section(result: dict[str, Any]) -> str:
    """The annealing vs backprop section: the tuning table and the orderings ("" if none)."""
    tuning, orderings = result.get("anneal_tuning"), result.get("orderings") or []
    if not tuning and not any(o.get("source", "").startswith("tuned") for o in orderings):
        return ""
    lines = ["## Annealing vs backprop (the paper's 1.01 vs 0.78)", ""]
    if tuning:
        best, rows = tuning
        lines += [
            "The sa finder's reads per sample search, tuned on a validation split (15 % of the "
            "training data, carved with the data seed; never the test set):",
            "",
            "| reads per search | mean validation accuracy | seeds |",
            "|---|---|---|",
            *[
                f"| {r['search_budget']} | {r['validation_accuracy']:.3f} | {r['seeds']} |"
                for r in rows
            ],
            "",
            f"Chosen: {best} reads per search.",
            "",
        ]
    for o in orderings:
        lines.append(_ordering_text(o))
        lines.append("")
    lines.append(
        "Like for like? One query is one annealing read (a full sa or sqa anneal of one "
        "sample's landscape) for the annealers and one forward plus backward pass of one sample "
        "for backprop. Both are the unit of work each method spends per sample, and both "
        "exponents are fitted on the same eps* range with the same estimator, but the units "
        "differ in cost and kind, so the ordering compares how each method's own cost scales, "
        "not wall time or energy."
    )
    return "\n".join(lines) + "\n\n"


def _ordering_text(o: dict) -> str:
    """The paper's ordering, annealing (1.01) above backprop (0.78), judged on one eps range."""
    if "ratio" in o:
        a, bp = o["first"], o["second"]
        lo_eps, hi_eps = o["targets"][-1], o["targets"][0]
        weak = _resolution(o["seeds"], lo_eps, hi_eps)
        if weak:
            order = f"not resolved ({weak})"
        elif a.ci.low > bp.ci.high:
            order = "reproduced"
        elif a.ci.high < bp.ci.low:
            order = "reversed"
        else:
            order = "not resolved (intervals overlap)"
        return (
            f"In the {o['source']}, the paper's ordering, annealing (1.01) above backprop "
            f"(0.78), is {order}; "
            f"both fitted on the same eps* range {hi_eps:.3g} to {lo_eps:.3g}: {o['annealer']} "
            f"{a.alpha:.2f} [{a.ci.low:.2f}, {a.ci.high:.2f}] vs backprop "
            f"{bp.alpha:.2f} [{bp.ci.low:.2f}, {bp.ci.high:.2f}] (queries are annealing reads "
            "for one and forward-backward passes for the other: not the same unit)."
        )
    return f"The annealing vs backprop ordering could not be fitted: {o['reason']}."


def plot_search(result: dict[str, Any], path: Path) -> bool:
    """Queries to the first head against 1/p_A (error bars: standard error over searches),
    with reference slopes 1 and 1/2 and the fits; annealer reads on their own axis (against
    1/p_uniform, a different quantity). Writes nothing and returns False without points."""
    pts = result["search_points"]
    if not pts:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = result["search"]
    from grover_train.finders.registry import FINDERS

    annealing = [m for m, e in FINDERS.items() if e.family == "annealing"]
    annealers = [m for m in annealing if any(m in p.queries for p in pts)]
    fig, axes = plt.subplots(1, 2 if annealers else 1, figsize=(12 if annealers else 6.4, 4.8))
    axes = np.atleast_1d(axes)
    ax = axes[0]
    styles = {
        "classical": ("tab:blue", "classical repetition"),
        "amplified": ("tab:red", "amplified (bbht)"),
        **{
            m: ({"sa": "tab:green", "sqa": "tab:purple"}.get(m, "tab:gray"), f"{m} reads")
            for m in annealers
        },
    }
    for method, (color, label) in styles.items():
        target = ax if method in ("classical", "amplified") else axes[-1]
        for prep, marker in (("uniform", "o"), ("dqa", "s")):
            use = [p for p in pts if p.prep == prep and method in p.queries]
            if not use:
                continue
            x = [p.inv_p if method in ("classical", "amplified") else 1 / p.p_uniform for p in use]
            q = [np.asarray(p.queries[method], dtype=float) for p in use]
            y = [v.mean() for v in q]
            err = [v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else 0.0 for v in q]
            target.errorbar(
                x,
                y,
                yerr=err,
                fmt=marker,
                color=color,
                ms=4,
                alpha=0.7,
                capsize=2,
                label=f"{label} ({prep})",
            )
    xs_all = [p.inv_p for p in pts]
    lo, hi = min(xs_all), max(xs_all)
    xs = np.logspace(np.log10(lo), np.log10(hi), 50)
    for slope, ls in ((1.0, ":"), (0.5, "-.")):
        ax.plot(
            xs,
            (xs / lo) ** slope * lo**slope,
            color="gray",
            ls=ls,
            lw=1,
            label=f"reference slope {slope:g}",
        )
    if isinstance(s, SearchFit):
        for f, color, name in (
            (s.classical, "tab:blue", "classical"),
            (s.coherent, "tab:red", "coherent"),
        ):
            xf = np.logspace(np.log10(f.x_min), np.log10(f.x_max), 50)
            ax.plot(
                xf, f.predict(xf), color=color, lw=1.5, label=f"{name} fit: slope {f.slope:.3f}"
            )
    for a in axes:
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_ylabel("mean queries to the first head")
        a.legend(fontsize=7, loc="upper left", framealpha=0.6)
    ax.set_xlabel("1 / p_A")
    ax.set_title("Search level: amplitude amplification vs classical repetition")
    if annealers:
        axes[-1].set_xlabel("1 / p_uniform")
        axes[-1].set_title("Annealers: reads to the first head")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def plot_training(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from grover_train.analysis.fits import curve_on_grid, query_grid

    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    colors = dict(
        zip(
            FINDER_LABELS,
            ["k", "tab:gray", "tab:green", "tab:purple", "tab:red", "tab:orange"],
            strict=True,
        )
    )
    for label, runs in result["curves"].items():
        color = colors.get(label)
        f = result["training"].get(label)
        curves = [(r[0], r[1]) for r in runs]
        try:
            grid = query_grid(curves)
        except InputError:
            continue
        mean = curve_on_grid(curves, grid)
        keep = mean > 0
        (line,) = ax.plot(grid[keep], mean[keep], color=color, lw=1, alpha=0.8, label=label)
        if len(curves) > 1:  # the spread over seeds: 16-84 % of the seeds' curves
            each = np.array([curve_on_grid([c], grid) for c in curves])
            lo, hi = np.percentile(each, [16, 84], axis=0)
            band = keep & (lo > 0)
            ax.fill_between(grid[band], lo[band], hi[band], color=line.get_color(), alpha=0.12)
        if isinstance(f, TrainingFit):
            xs = np.logspace(np.log10(f.fit.x_min), np.log10(f.fit.x_max), 30)
            ax.plot(
                xs,
                f.fit.predict(xs),
                color=line.get_color(),
                lw=2.2,
                ls="--",
                label=f"{label} fit: alpha {f.alpha:.2f}",
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("cumulative queries C")
    ax.set_ylabel("training error eps (seed mean, band: 16-84 % of seeds)")
    ax.set_title("Training level, capped per-sample budget")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="lower left", framealpha=0.6)
    else:
        ax.text(0.5, 0.5, "no runs in the store", ha="center", transform=ax.transAxes)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(
    store_path: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    num_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Write report.md, the two PNG plots and exponents.json into ``out_dir``.

    Returns the ``exponents.json`` dictionary plus ``files`` (the paths written) and ``table``.
    """
    out = Path(out_dir)
    store = open_store(store_path)
    try:
        out.mkdir(parents=True, exist_ok=True)
        result = analyse(store, num_boot=num_boot, seed=seed)
        counts = store.counts()
        n_search = len(store.runs(kind="search", status="finished"))
        n_train = len(store.runs(kind="train", status="finished"))
        failures: dict[str, int] = {}
        for rec in store.runs(status="failed"):
            key = f"{rec['kind']}: {(rec.get('error') or '?').splitlines()[0][:160]}"
            failures[key] = failures.get(key, 0) + 1
    finally:
        store.close()
    exps = exponents(result)
    hardware_md = ""
    if (out / "noise_study.json").exists() and (out / "ft_estimates.json").exists():
        from grover_train.studies.hardware import hardware_section

        hw = hardware_section(out, reuse=True)  # reads the files reproduce wrote
        hardware_md = hw["markdown"] + "\n\n"
        exps["hardware.break_even"] = hw["noise"].break_even
        exps["hardware.lambda"] = hw["noise"].lam
        exps["hardware.ft_crossover_n"] = hw["ft"].get("crossover_n")
    avb_keys, avb_md = anneal_vs_backprop_hook(out)
    exps.update(avb_keys)
    exps = jsonify.finite(exps)
    (out / "exponents.json").write_text(json.dumps(exps, indent=2, allow_nan=False) + "\n")
    has_search = plot_search(result, out / "search_scaling.png")
    plot_training(result, out / "training_scaling.png")
    from grover_train.studies.replay_study import plot_replay, replay_section

    has_replay = plot_replay(result["replay"], result["replay_runs"], out / "replay_scaling.png")
    tbl = table(result)
    from grover_train import __version__

    text = f"""# grover-train report: does coherent search raise the scaling exponent?

Store `{store_path}`: {n_search} search-level runs and {n_train} training runs finished
({", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))}). grover-train {__version__},
written {datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}.

This is a **reconstruction**: only the abstract of Zhang & Kamenev (arXiv:2506.05244, Commun.
Phys. 8, 478) is public, so the training scheme and the measured quantities are ours (see
`docs/measuring.md`). All exponents are fitted on queries (docs/design.md section 3), never on
simulator wall time. Training-level intervals are 95% t intervals over seeds; search-level
intervals are 95% percentile bootstrap intervals over landscapes and their searches.

{replay_section(result["replay"])}## Search level and capped-budget training runs

The search level validates the simulator: classical repetition has slope 1 and amplitude
amplification 1/2 in log(queries) against log(1/p_A) by construction, so the measured slopes
check the engines, not the paper's claim. The training runs below give every finder a fixed
per-sample search budget (128 queries): a finder that misses heads within it stops cutting
(`random` finds the single head of a 2^11 landscape within 128 queries with probability 0.06,
BBHT with 0.95), so its eps stalls. Their same-preparation ratio is fitted here on one eps range
common to both finders, from the lowest starting eps down, paired by seed: a stalled finder
leaves a short range and a wide interval. Fitted instead on each finder's own late window (what
this report did before), such runs gave grover-uniform / random = 3.92, above the ceiling of 2
that search cost alone allows: the signature of the cap together with windows over different eps
ranges. The replay above is the measurement.

{tbl}

{verdict(result)}

{avb_md or anneal_section(result)}{hardware_md}
{_failures_text(failures)}{deep_section(out)}{coherent_training_section()}## Plots

- `search_scaling.png`: mean queries to the first head against 1/p_A (circles: uniform A,
  squares: dqa A) with both fitted slopes.
- `training_scaling.png`: seed-mean eps against cumulative queries per finder, fitted lines
  dashed over their windows.

## Definitions

- Replay (leading section): one training trajectory per seed with an oracle that always
  returns a head; every method's cost is charged to the same visits (classical repetition:
  geometric with mean 1/p_A; amplitude amplification: BBHT rounds with the exact success
  probabilities; a visit to a sample without heads: the certification budget, shown
  separately). Targets eps* are fixed from the training errors alone; per seed, the exponent
  ratio is the slope of log C_classical against log C_amplified over the targets, each alpha
  1 / slope of log C against log(1/eps*); intervals are t intervals over seeds.
- alpha (capped-budget runs): per seed, 1 / slope of log C(eps*) against log(1/eps*) on
  targets fixed from that finder's eps curves (a ratio: on the common range of both finders,
  paired by seed); t intervals over seeds.
- search slopes: least-squares slope of log(mean queries to first head) against log(1/p_A),
  points with 1/p_A >= 10.

See `docs/measuring.md` for the rules and the model behind the verdict.
"""
    (out / "report.md").write_text(text)
    names = ["report.md", "exponents.json", "training_scaling.png"]
    names += ["search_scaling.png"] if has_search else []
    names += ["replay_scaling.png"] if has_replay else []
    extra = ("anneal_vs_grover.png", "anneal_vs_backprop.png", "deep_comparison.png")
    names += [n for n in extra if (out / n).exists()]
    files = [str(out / n) for n in names]
    from grover_train.studies.replay_study import replay_verdict

    lead = replay_verdict(result["replay"]) + "\n\n" if result["replay"] is not None else ""
    return {**exps, "files": files, "table": tbl, "verdict": lead + verdict(result)}


def anneal_vs_backprop_hook(out: Path) -> tuple[dict[str, Any], str]:
    """The ``anneal_vs_backprop.*`` keys and report section of issue 19's item 5, from the
    result :mod:`grover_train.studies.anneal_vs_backprop` saved in ``out`` (({}, "") when the
    module or its result is not there).

    >>> anneal_vs_backprop_hook(Path("/nonexistent"))
    ({}, '')
    """
    try:
        from grover_train.studies import anneal_vs_backprop as avb
    except ImportError:
        return {}, ""
    result = avb.load(out)
    if result is None:
        return {}, ""
    return avb.exponent_keys(result), avb.section(result).rstrip() + "\n\n"


def coherent_training_section() -> str:
    """The committed comparison of coherent training on the flagship task (issue 24, module
    :mod:`grover_train.studies.coherent_training`; "" without it)."""
    from grover_train.studies.coherent_training import report_section

    return report_section()


def deep_section(out: Path) -> str:
    """The report's section on deep networks from ``out/deep_comparison.json`` ("" if none).

    >>> deep_section(Path("/nonexistent"))
    ''
    """
    path = out / "deep_comparison.json"
    if not path.exists():
        return ""
    try:
        info = json.loads(path.read_text())
        summary, methods = info["summary"], info.get("methods", {})
    except (OSError, ValueError, KeyError):
        return ""

    def acc(r: dict, key: str) -> str:
        return (
            f"{_fmt(r.get(key + '_mean'), 3)} ± {_fmt(r.get(key + '_sd'), 3)} "
            f"({_fmt(r.get(key + '_min'), 3)}–{_fmt(r.get(key + '_max'), 3)})"
        )

    lines = [
        "## Deep networks, a few layers at a time",
        "",
        f"Task: {info.get('task', '?')}; seeds {info.get('seeds', '?')}; deep methods train "
        "every hidden layer from its own label-coupled readouts (one per window block below "
        "the last layer), one layer's window per search (docs/deep.md). Accuracy: mean ± "
        "standard deviation over the seeds (range). Plot: `deep_comparison.png` (test "
        "accuracy against cumulative queries, one line per seed).",
        "",
        "| method | hidden | max qubits (used) | queries | validation acc | test acc | wall s |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in summary.items():
        m = methods.get(name, {})
        hidden = ",".join(str(h) for h in m.get("hidden", [])) or "?"
        lines.append(
            f"| {name} | {hidden} | {m.get('max_qubits') or '-'} ({r.get('max_qubits_used', '?')})"
            f" | {r.get('queries', 0):.0f} | {acc(r, 'val')} | {acc(r, 'test')} | "
            f"{_fmt(r.get('wall_s'), 1)} |"
        )
    return "\n".join(lines) + "\n\n"


def _failures_text(failures: dict[str, int]) -> str:
    if not failures:
        return ""
    lines = [
        "## Failed runs",
        "",
        "Runs that failed are left out of every fit; rerun the same "
        "command to retry them once the cause is fixed.",
        "",
    ]
    lines += [f"- {n} x {msg}" for msg, n in sorted(failures.items(), key=lambda kv: -kv[1])]
    return "\n".join(lines) + "\n\n"
