"""Outputs of the replay analysis (:func:`grover_train.studies.replay_study.analyse_replay`):
the flat ``replay.*``, ``size_reading.*`` and ``anneal_vs_grover.*`` keys of exponents.json,
the verdict paragraph, the report's tables and the plots.

The one model everywhere (table column, verdict, plots): 1/alpha = 1/a + gamma beta, with
beta the slope of log mean(1/p_A) against log(1/eps*) (the quantity the classical cost
follows), gamma = 1 for classical repetition and 1/2 for amplitude amplification, so that
alpha_amplified / alpha_classical = 2 (1 + a beta) / (2 + a beta)
(:func:`grover_train.analysis.replay_fit.model_ratio`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from grover_train.analysis.replay_fit import TARGET_RULE, SizeResult
from grover_train.studies.base import fmt

#: the model as the report and exponents.json quote it
MODEL = (
    "1/alpha = 1/a + gamma*beta (gamma 1 classical, 1/2 amplified; beta: slope of log "
    "mean(1/p_A) against log(1/eps*)), so ratio = 2 (1 + a beta) / (2 + a beta)"
)


def _est(e: dict, digits: int = 2) -> str:
    if e.get("mean") is None:
        return "n/a"
    return f"{fmt(e['mean'], digits)} [{fmt(e['lo'], digits)}, {fmt(e['hi'], digits)}]"


def _ok(result: dict[str, Any], prep: str = "uniform") -> dict[int, SizeResult]:
    return {n: r for n, r in result["sizes"].get(prep, {}).items() if isinstance(r, SizeResult)}


# ------------------------------------------------------------------------------ exponents.json
def replay_exponents(result: dict[str, Any] | None) -> dict[str, Any]:
    """The flat ``replay.*``, ``size_reading.*`` and ``anneal_vs_grover.*`` keys.

    >>> replay_exponents(None)["replay.sizes"]
    []
    """
    from grover_train.data.datasets import GROWN_TEACHER_RULE

    if result is None:
        return {"replay.sizes": [], "replay.note": "no replay runs in the store"}
    uni = result["sizes"].get("uniform", {})
    dqa = result["sizes"].get("dqa", {})
    out: dict[str, Any] = {
        "replay.sizes": sorted(uni),
        "replay.teacher_rule": GROWN_TEACHER_RULE,
        "replay.target_rule": TARGET_RULE,
        "replay.model": MODEL,
    }
    data_seeds: set[int] = set()
    for n in sorted(uni):
        r, k = uni[n], f"replay.n{n}"
        if not isinstance(r, SizeResult):
            out[f"{k}.ratio_expected"] = None
            out[f"{k}.note"] = r
            continue
        s = r.summary()
        data_seeds.update(s["data_seeds"])
        out[f"{k}.eps_targets"] = s["targets"]["eps"]
        out[f"{k}.decades"] = s["decades"]
        out[f"{k}.seeds"] = s["seeds"]
        out[f"{k}.data_seeds"] = s["data_seeds"]
        if s["failed_seeds"]:
            out[f"{k}.failed_seeds"] = s["failed_seeds"]
        for key, name in (
            ("ratio", "ratio_expected"),
            ("ratio_sampled", "ratio_sampled"),
            ("ratio_certified", "ratio_expected_certified"),
            ("alpha_classical", "alpha_classical"),
            ("alpha_amplified", "alpha_amplified"),
            ("alpha_sa", "alpha_sa"),
            ("alpha_sqa", "alpha_sqa"),
            ("a", "a"),
            ("beta", "beta"),
            ("predicted_ratio", "model_ratio"),
            ("predicted_alpha_classical", "model_alpha_classical"),
        ):
            if key in s:
                out[f"{k}.{name}"] = s[key]["mean"]
                out[f"{k}.{name}_ci"] = [s[key]["lo"], s[key]["hi"]]
        if s["ratio"].get("bca_lo") is not None:
            out[f"{k}.ratio_expected_bca"] = [s["ratio"]["bca_lo"], s["ratio"]["bca_hi"]]
        out[f"{k}.cost_per_cut_classical"] = s["cost_per_cut_classical"]
        out[f"{k}.cost_per_cut_amplified"] = s["cost_per_cut_amplified"]
        out[f"{k}.eps_one_head"] = s["eps_one_head"]
        d = dqa.get(n)
        if isinstance(d, SizeResult):
            sd = d.summary()
            out[f"{k}.ratio_dqa"] = sd["ratio"]["mean"]
            out[f"{k}.ratio_dqa_ci"] = [sd["ratio"]["lo"], sd["ratio"]["hi"]]
    out["replay.data_seeds"] = sorted(data_seeds)
    for name, t in result.get("trends", {}).items():
        if "slope" in t:
            out[f"replay.trend.{name}"] = t["slope"]
            out[f"replay.trend.{name}_ci"] = [t["lo"], t["hi"]]
    out.update(_out_of_sample_keys(result.get("out_of_sample")))
    out.update(_size_reading_keys(result.get("size_reading")))
    from grover_train.analysis.anneal_vs_grover import exponents_keys

    out.update(exponents_keys(result.get("anneal_vs_grover") or {}))
    v = result.get("validation")
    if v is None:
        out["replay.validation.agrees"] = None
        out["replay.validation.note"] = "no validation runs in the store"
    else:
        out["replay.validation.agrees"] = v["agrees"]
        out["replay.validation.power"] = v.get("power", False)
        if "checks" in v:
            c = v["checks"]["ratio"]
            out["replay.validation.ratio_difference"] = c["diff"]
            out["replay.validation.ratio_difference_ci"] = [c["lo"], c["hi"]]
        out["replay.validation.note"] = validation_note(v)
    return out


def _out_of_sample_keys(oos: Any) -> dict[str, Any]:
    """Scalar keys describe the largest held-out size; ``held_out`` lists both."""
    pre = "replay.out_of_sample"
    if oos is None or isinstance(oos, str):
        return {
            f"{pre}.{k}": None for k in ("predicted", "predicted_ci", "measured", "measured_ci")
        } | {f"{pre}.hit": None, f"{pre}.note": oos or "fewer than two fitted sizes"}
    last = oos.held_out[-1]
    out = {
        f"{pre}.quantity": "ratio_expected (per seed) against n, a straight line",
        f"{pre}.fit_sizes": list(oos.fit_sizes),
        f"{pre}.held_out": [h.n for h in oos.held_out],
        f"{pre}.n": last.n,
        f"{pre}.predicted": last.predicted,
        f"{pre}.predicted_ci": list(last.predicted_ci),
        f"{pre}.measured": last.measured,
        f"{pre}.measured_ci": list(last.measured_ci),
        f"{pre}.hit": oos.hit,
        f"{pre}.slope": oos.slope,
    }
    for h in oos.held_out:
        out[f"{pre}.n{h.n}"] = {
            "predicted": h.predicted,
            "predicted_ci": list(h.predicted_ci),
            "measured": h.measured,
            "measured_ci": list(h.measured_ci),
            "hit": h.hit,
        }
    if oos.far:
        for n, (p, lo, hi) in oos.far.items():
            out[f"{pre}.prediction_n{n}"] = p
            out[f"{pre}.prediction_n{n}_ci"] = [lo, hi]
        out[f"{pre}.prediction_label"] = (
            "linear trend fitted on n = "
            + ", ".join(str(n) for n in oos.fit_sizes)
            + ", which passed the out-of-sample test"
        )
    else:
        out[f"{pre}.prediction_note"] = "no prediction beyond the measured sizes: the test failed"
    return out


def _size_reading_keys(reading: Any) -> dict[str, Any]:
    if reading is None or isinstance(reading, str):
        return {"size_reading.note": reading or "fewer than two fitted sizes"}
    out: dict[str, Any] = {
        "size_reading.eps_targets": list(reading.eps_targets),
        "size_reading.sizes": list(reading.sizes),
    }
    for m, k in reading.kappa.items():
        out[f"size_reading.kappa_{m}"] = k.value
        out[f"size_reading.kappa_{m}_ci"] = [k.lo, k.hi]
        out[f"size_reading.kappa_{m}_per_target"] = list(reading.per_target[m])
    out["size_reading.ratio"] = reading.ratio.value
    out["size_reading.ratio_ci"] = [reading.ratio.lo, reading.ratio.hi]
    return out


def validation_note(v: dict) -> str:
    """The validation in one paragraph (or why it could not be fitted)."""
    if "checks" not in v:
        return v.get("note", "")
    parts = [
        f"{name}: real {c['real']:.3g} vs replay {c['replay']:.3g} "
        f"(difference {c['diff']:+.3g}, 95% [{c['lo']:+.3g}, {c['hi']:+.3g}])"
        for name, c in v["checks"].items()
    ]
    t = v["targets"]
    decades = math.log10(t["hi"] / t["lo"])
    power = (
        f" The ratio difference's 95 % half-width is {v['ratio_half_width']:.2f}: "
        + (
            "narrower than 0.15, so a wrong ratio of that size would be detected."
            if v.get("power")
            else "wider than 0.15, so this validation has **no power** to detect a wrong "
            "ratio; only its levels and exponents check the replay."
        )
        if "ratio_half_width" in v
        else ""
    )
    return (
        f"real runs ({v['seeds'].get('random', 0)} random, {v['seeds'].get('grover', 0)} grover "
        f"seeds, searching until a head or the certification budget) against the replay at the "
        f"smallest size (data seed 0), eps* from {t['hi']:.3g} to {t['lo']:.3g} "
        f"({decades:.2f} decades): " + "; ".join(parts) + "." + power
    )


# ------------------------------------------------------------------------------------ verdict
def replay_verdict(result: dict[str, Any] | None) -> str:
    """The plain-words verdict paragraph: the error reading and the size reading."""
    if result is None:
        return "No replay runs: run `grover-train reproduce` to measure the training exponent."
    uni = _ok(result)
    if not uni:
        return "The replay runs could not be fitted (see the table)."
    parts, widths, alphas = [], [], []
    for n, r in sorted(uni.items()):
        s = r.summary()
        parts.append(
            f"n = {n}: {_est(s['ratio'])} (model {fmt(s['predicted_ratio']['mean'])}, "
            f"{s['seeds']} seeds)"
        )
        model_alpha = s["predicted_alpha_classical"]["mean"]
        alphas.append(f"{fmt(s['alpha_classical']['mean'])} vs {fmt(model_alpha)}")
        if s["ratio"]["mean"] is not None:
            widths.append(s["ratio"]["hi"] - s["ratio"]["lo"])
    decs = min(r.summary()["decades"] for r in uni.values())
    text = (
        "**Training-level verdict (trajectory replay, growing teacher).** Error reading: with "
        "every search charged its exact expected cost on the same training trajectory, "
        "amplitude amplification raises the training exponent (cost against 1/eps, fitted "
        f"over {decs:.2f} decades of eps*) over classical repetition of the same uniform "
        f"preparation by a factor alpha_amplified / alpha_classical of {'; '.join(parts)}. "
        f"The one model, {MODEL}, gives the bracketed values from the same seeds; its "
        "alpha_classical = 1/(1/a + beta) against the measured one is "
        + "; ".join(f"n = {n}: {a}" for n, a in zip(sorted(uni), alphas, strict=True))
        + " (measured vs model): the power laws it assumes between targets are "
        "approximations, and where the model's ratio exceeds the measured one it is an upper "
        "guide, not a measurement. Most of the "
        "training cost is the number of cuts, which search speed does not change, and the "
        "factor 2 needs a*beta >> 1."
    )
    oos = result.get("out_of_sample")
    if oos is not None and not isinstance(oos, str):
        held = "; ".join(
            f"n = {h.n}: predicted {h.predicted:.3f} [{h.predicted_ci[0]:.3f}, "
            f"{h.predicted_ci[1]:.3f}], measured {h.measured:.3f} [{h.measured_ci[0]:.3f}, "
            f"{h.measured_ci[1]:.3f}] ({'hit' if h.hit else 'miss'})"
            for h in oos.held_out
        )
        text += (
            f" A straight line of the ratio against n fitted on n = "
            f"{', '.join(str(n) for n in oos.fit_sizes)} ({oos.slope:+.4f} per spin) predicts "
            f"the two largest sizes: {held}."
        )
        if oos.far:
            far = "; ".join(
                f"n = {n}: {p:.2f} [{lo:.2f}, {hi:.2f}]" for n, (p, lo, hi) in oos.far.items()
            )
            wide = max(hi - lo for _, lo, hi in oos.far.values()) > 0.5
            text += (
                f" Since it passed, its predictions further out are {far} (a linear trend, "
                "labelled as such; the model caps the ratio at 2)"
                + (": these intervals are too wide to say anything." if wide else ".")
            )
        else:
            text += " It failed, so nothing is extrapolated beyond the measured sizes."
    reading = result.get("size_reading")
    if reading is not None and not isinstance(reading, str):
        kc, ka, kr = reading.kappa["classical"], reading.kappa["amplified"], reading.ratio
        text += (
            " Size reading: at a fixed target error (eps* = "
            + ", ".join(f"{e:.3g}" for e in reading.eps_targets)
            + f"), the cost to reach it grows as exp(kappa n) with kappa {kc.value:.3f} "
            f"[{kc.lo:.3f}, {kc.hi:.3f}] for classical repetition and {ka.value:.3f} "
            f"[{ka.lo:.3f}, {ka.hi:.3f}] amplified (ln 2 = 0.693 and ln 2 / 2 = 0.347 once "
            f"heads are single): a kappa ratio of {kr.value:.2f} [{kr.lo:.2f}, {kr.hi:.2f}]. "
            "In plain words: what doubles is the rate at which the cost of training to a "
            "fixed error grows with the network size (the quadratic search speed-up, seen at "
            "the training level); what does not double is the exponent of cost against "
            "1/error at a fixed size."
        )
        annealers = [m for m in ("sa", "sqa") if m in reading.kappa]
        if annealers:
            text += (
                " The annealers' reads to a head on the same visits grow with kappa "
                + ", ".join(
                    f"{reading.kappa[m].value:.3f} [{reading.kappa[m].lo:.3f}, "
                    f"{reading.kappa[m].hi:.3f}] ({m})"
                    for m in annealers
                )
                + " (one read is a whole anneal, not one energy evaluation)."
            )
    v = result.get("validation")
    if v is not None and "checks" in v:
        text += (
            " The replay's assigned costs "
            + ("agree" if v["agrees"] else "do **not** agree")
            + " with real training runs (random and grover, exact backend, smallest size) "
            "within 95% intervals"
            + (
                "."
                if v.get("power")
                else ", but that comparison has no power on the ratio "
                f"(half-width {v['ratio_half_width']:.2f} > 0.15)."
            )
        )
    widest = max(widths, default=float("inf"))
    text += " Intervals are 95 % t intervals over seeds (BCa beside them in exponents.json)."
    if widest > 0.3:
        text += f" The widest ratio interval is {widest:.2f} wide: read those sizes as unresolved."
    text += (
        " This is our reconstruction of the paper's setting (only its abstract is public); a"
        " different cut rule, data set or preparation would change a and beta, and with them"
        " the answer."
    )
    return text


# -------------------------------------------------------------------------------------- table
def replay_table(result: dict[str, Any] | None) -> str:
    """Markdown tables: every fitted size, the size reading, annealing vs Grover, validation."""
    if result is None:
        return ""
    from grover_train.analysis import anneal_vs_grover

    head = (
        "| prep | n | seeds (data seeds) | eps* range (decades) | ratio expected | ratio sampled "
        "| ratio expected, cert. | model 2(1+a beta)/(2+a beta) | alpha classical | model "
        "1/(1/a+beta) | alpha amplified | a | beta | cost/cut cl. | cost/cut amp. |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    rows = [head]
    for prep in ("uniform", "dqa"):
        for n, r in sorted(result["sizes"].get(prep, {}).items()):
            if not isinstance(r, SizeResult):
                rows.append(f"| {prep} | {n} | - | - | not fitted: {r} |" + " |" * 10)
                continue
            s = r.summary()
            t = s["targets"]
            failed = f", {len(s['failed_seeds'])} not fitted" if s["failed_seeds"] else ""
            rows.append(
                f"| {prep} | {n} | {s['seeds']}{failed} ({len(s['data_seeds'])}) | "
                f"{t['hi']:.2f}-{t['lo']:.4f} ({s['decades']:.2f}) | {_est(s['ratio'], 3)} | "
                f"{_est(s['ratio_sampled'], 3)} | {_est(s['ratio_certified'], 3)} | "
                f"{_est(s['predicted_ratio'])} | {_est(s['alpha_classical'])} | "
                f"{_est(s['predicted_alpha_classical'])} | {_est(s['alpha_amplified'])} | "
                f"{_est(s['a'])} | {_est(s['beta'])} | {s['cost_per_cut_classical']:.3g} | "
                f"{s['cost_per_cut_amplified']:.3g} |"
            )
    lines = ["\n".join(rows), ""]
    failed_all = {
        f"n = {n} {lab}": why
        for prep in ("uniform", "dqa")
        for n, r in sorted(result["sizes"].get(prep, {}).items())
        if isinstance(r, SizeResult)
        for lab, why in r.failed.items()
    }
    if failed_all:
        lines.append(
            "Seeds not fitted (named, not dropped silently; the ratios above are over the "
            "seeds that reached every target): "
            + "; ".join(f"{k}: {v}" for k, v in failed_all.items())
        )
        lines.append("")
    reading = result.get("size_reading")
    if reading is not None and not isinstance(reading, str):
        lines.append(
            "Size reading (slope kappa of log cost to eps* against n, per target; mean over "
            "targets with a 95 % bootstrap interval over seeds within sizes):"
        )
        lines.append("")
        hdr = "| method | " + " | ".join(f"eps* {e:.3g}" for e in reading.eps_targets)
        lines.append(hdr + " | mean [95 %] |")
        lines.append("|---" * (len(reading.eps_targets) + 2) + "|")
        for m, k in reading.kappa.items():
            per = " | ".join(f"{v:.3f}" for v in reading.per_target[m])
            lines.append(f"| {m} | {per} | {k.value:.3f} [{k.lo:.3f}, {k.hi:.3f}] |")
        r = reading.ratio
        lines.append("")
        lines.append(
            f"kappa classical / kappa amplified = {r.value:.2f} [{r.lo:.2f}, {r.hi:.2f}] "
            "(2 is the search-level speed-up)."
        )
        lines.append("")
    avg = result.get("anneal_vs_grover") or {}
    if avg:
        lines.append(
            "Annealing vs Grover, cost of one cut on the same visits (mean over seeds, 95 % t "
            "interval; queries in each method's unit, then Ising-term operations, "
            "docs/measuring.md):"
        )
        lines.append("")
        lines.append(anneal_vs_grover.markdown(avg))
        lines.append("")
    trends = result.get("trends", {})
    if trends:
        lines.append(
            "Cost per cut against n (all seeds of all sizes, 95% regression intervals): "
            + "; ".join(
                f"{name.replace('_', ' ')}: slope {fmt(t['slope'], 3)} "
                f"[{fmt(t['lo'], 3)}, {fmt(t['hi'], 3)}]"
                for name, t in trends.items()
                if "slope" in t
            )
            + " (ln 2 = 0.693 classical, ln 2 / 2 = 0.347 amplified once heads are single)."
        )
    v = result.get("validation")
    if v is not None:
        lines.append("")
        lines.append(
            "Validation: "
            + ("agrees. " if v.get("agrees") else "does not agree. ")
            + validation_note(v)
        )
    return "\n".join(lines) + "\n"


def replay_section(result: dict[str, Any] | None) -> str:
    """The report's leading section: verdict, tables, plots."""
    if result is None:
        return ""
    from grover_train.data.datasets import GROWN_TEACHER_RULE

    return (
        "## Training-level verdict\n\n"
        + replay_verdict(result)
        + "\n\nTask: "
        + GROWN_TEACHER_RULE
        + ". Targets: "
        + TARGET_RULE
        + ".\n\n"
        + replay_table(result)
        + "\n`replay_scaling.png`: cost-to-target curves (solid classical repetition, dashed "
        "amplitude amplification; expected costs), the ratio against n with the model and the "
        "out-of-sample line, and the size reading. `anneal_vs_grover.png`: cost per cut "
        "against n, in queries and in Ising-term operations.\n\n" + DEFINITION
    )


#: how the replay measures, as the report states it under its tables
DEFINITION = (
    "Definition: one training trajectory per seed with an oracle that always returns a head; "
    "every method's cost is charged to the same visits (classical repetition: geometric with "
    "mean 1/p_A; amplitude amplification: BBHT rounds with the exact success probabilities; "
    "the annealers: their measured reads to a head; a visit to a sample without heads: the "
    "certification budget, shown separately). The verdict uses each visit's exact expected "
    "cost, the sampled costs are the check. Targets eps* are fixed from the training errors "
    "alone; per seed, the exponent ratio is the slope of log C_classical against log "
    "C_amplified over the targets, each alpha 1 / slope of log C against log(1/eps*); "
    "intervals are 95 % t intervals over seeds.\n\n"
)


# -------------------------------------------------------------------------------------- plots
def plot_replay(result: dict[str, Any] | None, store_runs: dict | None, path: Path) -> bool:
    """Cost-to-target curves per size and method, the ratio against n (measured, model, and
    the out-of-sample line), and log cost at fixed eps* against n. False when empty; also
    writes ``anneal_vs_grover.png`` beside ``path`` when sa was measured."""
    if result is None:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from grover_train.analysis import anneal_vs_grover
    from grover_train.analysis.replay_fit import first_reach

    uni = _ok(result)
    if not uni:
        return False
    anneal_vs_grover.plot(
        result.get("anneal_vs_grover") or {}, path.parent / "anneal_vs_grover.png"
    )
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    ax = axes[0]
    colors = plt.cm.viridis(np.linspace(0, 0.85, len(uni)))
    for color, (n, r) in zip(colors, sorted(uni.items()), strict=True):
        runs = (store_runs or {}).get(("uniform", n), [])
        for method, style in (("classical", "-"), ("amplified", "--")):
            Cs = np.array(
                [c.total(method, False, True)[first_reach(c.eps, r.targets.eps)] for _, c in runs]
            )
            if not len(Cs):
                continue
            lo, med, hi = np.percentile(Cs, [16, 50, 84], axis=0)
            ax.plot(med, r.targets.eps, style, color=color, label=f"n={n} {method}")
            ax.fill_betweenx(r.targets.eps, lo, hi, color=color, alpha=0.15)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("expected queries to reach eps* (no certification)")
    ax.set_ylabel("target training error eps*")
    ax.set_title("cost to target (median, 16-84 % over seeds)")
    ax.legend(fontsize=6, loc="lower left")
    ns = sorted(uni)
    summ = [uni[n].summary() for n in ns]
    ax = axes[1]
    for key, label, marker in (
        ("ratio", "measured (expected costs)", "o"),
        ("predicted_ratio", "model 2(1+a beta)/(2+a beta)", "^"),
    ):
        _errorbar(ax, ns, [s[key] for s in summ], marker=marker, label=label)
    oos = result.get("out_of_sample")
    if oos is not None and not isinstance(oos, str):
        xs = np.array([min(ns), max(ns)], dtype=float)
        ax.plot(
            xs,
            oos.intercept + oos.slope * xs,
            ":",
            color="k",
            label="line fitted on n = " + ", ".join(str(n) for n in oos.fit_sizes),
        )
    ax.axhline(2.0, color="gray", ls=":", label="search-level ceiling 2")
    ax.axhline(1.0, color="gray", ls="-", lw=0.5)
    ax.set_xlabel("n = H + 3 spins")
    ax.set_ylabel("alpha_amplified / alpha_classical")
    ax.set_title("error reading: exponent ratio against n")
    ax.legend(fontsize=7)
    ax = axes[2]
    reading = result.get("size_reading")
    if reading is not None and not isinstance(reading, str):
        from grover_train.analysis.size_reading import TARGET_INDICES as idx

        for method, style in (("classical", "-o"), ("amplified", "--s")):
            for j, e in zip(idx, reading.eps_targets, strict=True):
                med = [np.median([f.cost_to_target[method][j] for f in uni[n].fits]) for n in ns]
                ax.plot(ns, med, style, label=f"{method}, eps* {e:.3g}", ms=4)
        ax.set_yscale("log")
        ax.set_title(
            f"size reading: kappa {reading.kappa['classical'].value:.2f} vs "
            f"{reading.kappa['amplified'].value:.2f}"
        )
        ax.legend(fontsize=6)
    ax.set_xlabel("n")
    ax.set_ylabel("expected queries to reach eps* (median over seeds)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _errorbar(ax, ns, estimates, **kw) -> None:
    pts = [(n, e) for n, e in zip(ns, estimates, strict=True) if e.get("mean") is not None]
    if not pts:
        return
    x = [n for n, _ in pts]
    m = np.array([e["mean"] for _, e in pts])
    err = [m - np.array([e["lo"] for _, e in pts]), np.array([e["hi"] for _, e in pts]) - m]
    ax.errorbar(x, m, yerr=err, capsize=3, **kw)


__all__ = [
    "MODEL",
    "plot_replay",
    "replay_exponents",
    "replay_section",
    "replay_table",
    "replay_verdict",
    "validation_note",
]
