"""Coherent training on the flagship task (issue 24): where the heads are, and what a coherent
search pays per cut under each preparation.

:func:`diagnose` trains the digits network (``--hidden 32 --max-qubits 20``) with ``sa`` and, at
the start, middle and end of the run, enumerates the windows (18 spins: 8 hidden units and the
10 outputs) of a fixed subset of training samples: the head count k, and p_A, the probability
that one preparation measures a head, for

- ``uniform``: k / 2^n;
- ``dqa``: |A|0>|^2 summed over the heads (the statevector of the default ramp);
- ``anneal``: the share of ``sa`` reads (the training finder's 10 sweeps) that are heads,
  estimated from :data:`SA_READS` reads.

From p_A the expected BBHT cost of one cut
(:func:`grover_train.finders.coherent.schedules.bbht_expected_cost`) follows, in queries as
docs/design.md section 3 counts them (anneal: every application of A or A^dagger is one read).
Costs are queries; wall time is recorded beside, never used.

Run ``python -m grover_train.studies.coherent_training diagnose OUT.json``.
"""

from __future__ import annotations

import json
import math
import re
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from grover_train.studies.base import ReportContext, Section, Study

#: reads per window for the annealer's p_A
SA_READS = 2048


@dataclass
class WindowStat:
    """One window of one sample at one point of the run."""

    point: str
    sample: int
    window: str
    num_variables: int
    heads: int
    p_uniform: float
    p_dqa: float
    p_anneal: float


def window_stats(net, X, y, idx, margin: float, max_qubits: int, point: str, seed: int):
    """Head counts and p_A per window for the samples ``idx`` of (X, y)."""
    from grover_train.finders.annealing import SAFinder, _random_spins, anneal, sa_seed
    from grover_train.finders.coherent.prep import Preparation
    from grover_train.finders.ising import ising_arrays
    from grover_train.finders.search_problem import SearchProblem
    from grover_train.train.problems import sample_problems

    rng = np.random.default_rng(seed)
    sa = SAFinder(num_reads=8, num_sweeps=10)
    dqa = Preparation("dqa")
    out = []
    for i in idx:
        for prob in sample_problems(net, X[i], int(y[i]), margin=margin, max_qubits=max_qubits):
            sp = SearchProblem(prob.bqm, prob.threshold, prob.exclude)
            k = int(sp.num_heads())
            n = sp.num_variables
            pd = dqa.p_marked(sp) if k else 0.0
            arrays = ising_arrays(sp)
            betas, _ = sa._schedule(arrays)
            states, _ = anneal(*arrays[:4], betas, sa_seed(rng), _random_spins(rng, SA_READS, n))
            rows = states if sp.bqm.vartype.name == "SPIN" else (states + 1) // 2
            pa = float(sp.is_head(rows).mean())
            out.append(WindowStat(point, int(i), prob.window.name, n, k, k / 2.0**n, pd, pa))
    return out


def expected_costs(p: float, n: int, budget: float = math.inf) -> dict:
    """Expected queries per cut (a head found) for each preparation at head probability p."""
    from grover_train.finders.coherent.schedules import bbht_expected_cost

    return {
        "grover": bbht_expected_cost(p, m_max=math.sqrt(2.0**n))[0],
        "grover_anneal": bbht_expected_cost(p, m_max=math.sqrt(2.0**n), prep_reads=True)[0],
        "sa": (1.0 / p) if p > 0 else math.inf,
    }


def diagnose(
    seed: int = 0, budget: int = 300_000, num_samples: int = 48, max_qubits: int = 20
) -> dict:
    """Train with ``sa`` and measure the windows at the start, middle and end of the run."""
    import grover_train
    from grover_train.data.datasets import load_dataset
    from grover_train.model.network import DragonNetwork
    from grover_train.train.loop import _from_arrays
    from grover_train.train.options import HeadCuttingOptions
    from grover_train.train.run import train_model

    ds = load_dataset("digits", seed=seed)
    rng = np.random.default_rng([seed, 24])
    idx = np.sort(rng.choice(len(ds.y_train), size=num_samples, replace=False))
    t0 = time.perf_counter()
    nets = {}
    options = HeadCuttingOptions("sa", max_qubits=max_qubits)
    common = dict(hidden=32, seed=seed, progress=False)
    half = train_model(ds, options, budget=budget // 2, **common)
    full = train_model(ds, options, budget=budget, init=half.net, resume=True, **common)
    init_seed = int(np.random.SeedSequence([seed, 3]).generate_state(1)[0])
    nets["start"] = DragonNetwork.random(ds.num_inputs, [32], ds.num_classes, seed=init_seed)
    for name, r in (("middle", half), ("end", full)):
        raw = r.net.meta["train_state"].get("raw")
        nets[name] = _from_arrays(raw, r.net.meta) if raw else r.net
    margin = float(half.summary.get("margin", 1.0))
    stats = []
    for name, net in nets.items():
        stats += window_stats(net, ds.X_train, ds.y_train, idx, margin, max_qubits, name, seed)
    points = {}
    for name in nets:
        rows = [s for s in stats if s.point == name]
        with_heads = [s for s in rows if s.heads]
        n = rows[0].num_variables
        med = lambda v: float(np.median(v)) if v else float("nan")  # noqa: E731
        pu = med([s.p_uniform for s in with_heads])
        pdq = med([s.p_dqa for s in with_heads])
        pa = med([s.p_anneal for s in with_heads])
        # the mean cost per cut over the windows with heads (not the cost at the median p)
        cost = {
            "uniform": float(
                np.mean([expected_costs(s.p_uniform, n)["grover"] for s in with_heads])
            )
            if with_heads
            else None,
            "dqa": float(
                np.mean([expected_costs(max(s.p_dqa, 1e-300), n)["grover"] for s in with_heads])
            )
            if with_heads
            else None,
            "anneal": float(
                np.mean(
                    [
                        expected_costs(s.p_anneal, n)["grover_anneal"]
                        for s in with_heads
                        if s.p_anneal > 0
                    ]
                    or [math.inf]
                )
            )
            if with_heads
            else None,
            "sa_reads": float(np.mean([1.0 / s.p_anneal for s in with_heads if s.p_anneal > 0]))
            if with_heads
            else None,
        }
        points[name] = {
            "windows": len(rows),
            "windows_with_heads": len(with_heads),
            "share_with_heads": len(with_heads) / len(rows),
            "heads_median": med([s.heads for s in with_heads]),
            "heads_mean": float(np.mean([s.heads for s in with_heads])) if with_heads else 0.0,
            "p_uniform_median": pu,
            "p_dqa_median": pdq,
            "p_anneal_median": pa,
            "anneal_zero_share": float(np.mean([s.p_anneal == 0 for s in with_heads]))
            if with_heads
            else None,
            "mean_cost_per_cut": cost,
            "certify_no_head_uniform": bbht_certify(n),
        }
    return {
        "task": "digits --hidden 32 --max-qubits 20 (windows of 18 spins)",
        "seed": seed,
        "budget": budget,
        "samples": num_samples,
        "sa_reads_per_window": SA_READS,
        "test_accuracy_sa": {
            "middle": half.metrics[-1]["test_accuracy"],
            "end": full.metrics[-1]["test_accuracy"],
        },
        "points": points,
        "windows": [asdict(s) for s in stats],
        "wall_s": time.perf_counter() - t0,
        "version": grover_train.__version__,
    }


def bbht_certify(n: int) -> float:
    """Queries of BBHT at one head in 2^n: the budget that certifies a window holds no head
    with the confidence of finding a single one (its expected cost)."""
    from grover_train.finders.coherent.schedules import bbht_expected_cost

    return bbht_expected_cost(2.0**-n, m_max=math.sqrt(2.0**n))[0]


#: the query budgets at which the comparison reads every run's curve
CHECKPOINTS = (10_000, 20_000, 30_000, 60_000, 100_000, 300_000)


def run_record(run_dir: str | Path, label: str) -> dict:
    """One training run (a ``grover-train train --out`` folder) as a record of the comparison:
    its summary (queries, wall time, seed, versions, options), the CPU seconds ``/usr/bin/time``
    wrote to ``<run_dir>.log`` when present, and test accuracy / training error at each
    :data:`CHECKPOINTS` budget it reached (the last evaluation at or below it)."""
    run_dir = Path(run_dir)
    if (run_dir / "summary.json").exists():
        summary = json.loads((run_dir / "summary.json").read_text())
        metrics = [json.loads(line) for line in (run_dir / "metrics.jsonl").open()]
    else:  # a run stopped before its end: what its metrics file holds (marked unfinished)
        metrics = [json.loads(line) for line in (run_dir / "metrics.jsonl.tmp").open()]
        last = metrics[-1]
        summary = {
            "queries": last["queries"],
            "wall_s": last.get("wall_s"),
            "test_accuracy": last["test_accuracy"],
            "train_error": last["train_error"],
            "unfinished": True,
            "seed": int(run_dir.name.rsplit("-s", 1)[1]) if "-s" in run_dir.name else None,
        }
    cpu = None
    log = run_dir.with_suffix(".log")
    if log.exists():
        found = re.search(r"([\d.]+) s user ([\d.]+) s sys", log.read_text())
        if found:
            cpu = float(found.group(1)) + float(found.group(2))
    at = {}
    for q in CHECKPOINTS:
        rows = [m for m in metrics if m["queries"] <= q * 1.02]
        if rows and summary["queries"] >= q * 0.98:
            m = rows[-1]
            at[str(q)] = {
                "queries": m["queries"],
                "test_accuracy": m["test_accuracy"],
                "train_error": m["train_error"],
            }
    keep = ("seed", "queries", "budget", "test_accuracy", "train_error", "wall_s", "steps")
    keep += ("unfinished",)
    keep += ("search_budget", "finder", "finder_options", "max_qubits", "versions")
    return {"label": label, **{k: summary.get(k) for k in keep}, "cpu_s": cpu, "at": at}


def comparison_table(records: list[dict]) -> list[dict]:
    """Per label and checkpoint budget: mean and standard deviation of test accuracy and
    training error over the seeds, and the mean wall and CPU seconds of the runs."""
    out = []
    labels = list(dict.fromkeys(r["label"] for r in records))
    for label in labels:
        runs = [r for r in records if r["label"] == label]
        for q in CHECKPOINTS:
            got = [r["at"][str(q)] for r in runs if str(q) in r["at"]]
            if not got:
                continue
            acc = [g["test_accuracy"] for g in got]
            err = [g["train_error"] for g in got]
            out.append(
                {
                    "label": label,
                    "budget": q,
                    "seeds": len(got),
                    "test_accuracy_mean": float(np.mean(acc)),
                    "test_accuracy_sd": float(np.std(acc, ddof=1)) if len(acc) > 1 else 0.0,
                    "train_error_mean": float(np.mean(err)),
                    "search_budget": next(
                        (r["search_budget"] for r in runs if r.get("search_budget")), None
                    ),
                    "run_budget": runs[0]["budget"],
                    # whole runs only (a stopped run's seconds cover part of its budget)
                    "wall_s_mean": _mean([r["wall_s"] for r in runs if not r["unfinished"]]),
                    "cpu_s_mean": _mean([r["cpu_s"] for r in runs if not r["unfinished"]]),
                }
            )
    return out


def _mean(values: list) -> float | None:
    """Mean of the values that are not None (None if there are none)."""
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None


def section(results: dict, budgets: tuple[int, ...] = (30_000, 60_000, 300_000)) -> str:
    """The report's section on coherent training of the flagship task at ``budgets`` ("" without
    results; docs/coherent.md has every budget).

    >>> section({})
    ''
    """
    rows = results.get("table")
    if not rows:
        return ""
    lines = [
        "## Coherent training on the flagship task (issue 24)",
        "",
        f"{results.get('task', '')}. Measured once and committed "
        "(`grover_train/studies/coherent_training_results.json`, "
        "`python -m grover_train.studies.coherent_training`), not from this store. Test "
        "accuracy: mean ± sd over the seeds at each query budget (the last evaluation at or "
        "below it); wall and CPU seconds of a whole run on 2 shared cores (means over the "
        "finished runs with a reading).",
        "",
        "| finder | per-sample budget | queries | seeds | test acc | eps | run wall s | "
        "run CPU s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["budget"] not in budgets:
            continue
        cpu = f"{r['cpu_s_mean']:.0f}" if r.get("cpu_s_mean") is not None else "-"
        wall = f"{r['wall_s_mean']:.0f}" if r.get("wall_s_mean") is not None else "-"
        lines.append(
            f"| {r['label']} | {r['search_budget']} | {r['budget']:,} | {r['seeds']} | "
            f"{r['test_accuracy_mean']:.3f} ± {r['test_accuracy_sd']:.3f} | "
            f"{r['train_error_mean']:.3f} | {wall} | {cpu} |"
        )
    if results.get("verdict"):
        lines += ["", results["verdict"]]
    return "\n".join(lines) + "\n\n"


#: the committed results of the comparison (read by the report)
RESULTS_PATH = Path(__file__).with_name("coherent_training_results.json")


def report_section() -> str:
    """:func:`section` of the committed results ("" when the file is absent or unreadable)."""
    try:
        return section(json.loads(RESULTS_PATH.read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def _report(ctx: ReportContext) -> Section:
    return Section(report_section())


#: the study's registry entry (:data:`grover_train.studies.STUDIES`): committed results, so
#: ``reproduce`` runs nothing for it (:func:`main` reruns the comparison, docs/coherent.md)
STUDY = Study(
    "coherent-training",
    "coherent training on digits: grover against random and sa at equal budgets (committed)",
    _report,
)


def main(argv: list[str]) -> None:
    """``diagnose OUT.json`` or ``compare OUT.json LABEL=RUN_DIR[,RUN_DIR...] ...``."""
    if argv[:1] == ["diagnose"]:
        out = diagnose()
        with open(argv[1], "w") as f:
            json.dump(out, f, indent=1)
        print(json.dumps(out["points"], indent=1))
    elif argv[:1] == ["compare"]:
        records = []
        for arg in argv[2:]:
            label, dirs = arg.split("=", 1)
            records += [run_record(d, label) for d in dirs.split(",")]
        table = comparison_table(records)
        with open(argv[1], "w") as f:
            json.dump({"runs": records, "table": table}, f, indent=1)
        print(section({"table": table, "task": "digits --hidden 32 --max-qubits 20"}, CHECKPOINTS))


if __name__ == "__main__":
    main(sys.argv[1:])
