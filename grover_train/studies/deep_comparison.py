"""Deep networks trained a few layers at a time: the comparison for the report and demo.

:func:`run_deep_comparison` trains the 3 x 32 network on digits (validation split 0.15 carved
from the training data with the seed) over seeds 0, 1, 2 with

- ``sa (windows)``: local block readouts (docs/deep.md), every search a window of at most 24 spins;
- ``grover exact (windows)``: the same method, windows searched by amplitude amplification on
  the ``exact`` backend (windows of at most 16 spins and a tenth of the budget: the exact
  backend enumerates 2^n energies per search, so 21-spin windows cost ~0.1 s each);
- ``backprop``: the same network by gradient descent (no windows);
- ``one layer (sa)``: a one-hidden-layer network of 32 units, windows of at most 24 spins;

and stores every run (``deep_comparison.json``, rewritten after each run, so an interrupted
comparison continues where it stopped) with validation and test accuracy, queries and the
largest window searched, plus a summary per method (mean, standard deviation, range over the
seeds) and a plot of test accuracy against queries (``deep_comparison.png``).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np

from grover_train.data.datasets import load_dataset, split_validation
from grover_train.model.deep import identity_init
from grover_train.model.network import DragonNetwork
from grover_train.studies.base import (
    ReportContext,
    RunContext,
    Section,
    Study,
    fmt,
)

#: grover's share of the budget and its oracle queries per sample search (SA's 8 reads find
#: heads in 15-16 spin windows; 8 oracle queries do so only while heads are abundant, so
#: training stalls at the initial accuracy: docs/deep.md)
GROVER_SHARE = 0.1
GROVER_SEARCH_BUDGET = 8

#: the runs compared per seed: label -> (finder, finder options, hidden layers, max qubits,
#: share of the budget, training options)
COMPARISON_RUNS: dict[str, tuple[str, dict, tuple[int, ...], int | None, float, dict]] = {
    "sa (windows)": ("sa", {"num_reads": 8, "num_sweeps": 10}, (32, 32, 32), 24, 1.0, {}),
    "grover exact (windows)": (
        "grover",
        {"backend": "exact"},
        (32, 32, 32),
        16,
        GROVER_SHARE,
        {"search_budget": GROVER_SEARCH_BUDGET},
    ),
    "backprop": ("backprop", {}, (32, 32, 32), None, 1.0, {}),
    "one layer (sa)": ("sa", {"num_reads": 8, "num_sweeps": 10}, (32,), 24, 1.0, {}),
}

#: seeds of the comparison
SEEDS = (0, 1, 2)

#: share of the training data held out for validation
VALIDATION_FRACTION = 0.15


def comparison_setup(seed: int = 0, hidden=(32, 32, 32), **data) -> tuple:
    """Data (with its validation split) and the initial network of one seed: the network
    train_model starts from for that seed (near-identity above the first layer).

    >>> ds, net = comparison_setup(0)
    >>> ds.num_inputs, net.hidden, net.num_classes, len(ds.y_val) > 0
    (64, [32, 32, 32], 10, True)
    """
    ds = split_validation(load_dataset("digits", seed=seed, **data), VALIDATION_FRACTION, seed)
    init_seed = int(np.random.SeedSequence([seed, 3]).generate_state(1)[0])
    net = DragonNetwork.random(ds.num_inputs, list(hidden), ds.num_classes, seed=init_seed)
    return ds, identity_init(net) if len(hidden) > 1 else net


def default_budget(quick: bool = True) -> int:
    """Queries per run of the comparison (grover gets its share, see :data:`COMPARISON_RUNS`):
    20000 quick, 600000 full (the acceptance setting of docs/deep.md).

    >>> default_budget(True), default_budget(False)
    (20000, 600000)
    """
    return 20_000 if quick else 600_000


def run_deep_comparison(
    out: str | os.PathLike,
    quick: bool = True,
    *,
    seeds=None,
    budget: int | None = None,
    methods: list[str] | None = None,
    progress: bool = False,
    data: dict | None = None,
    hidden: tuple[int, ...] | None = None,
    max_qubits: int | None = None,
) -> list[dict]:
    """Train every method for every seed; store the runs and their summary.

    Args:
        out: output folder (``deep_comparison.json``, ``deep_comparison.png``).
        quick: the small budget (about a minute on 2 cores) instead of the full one.
        seeds: seeds (default :data:`SEEDS`).
        budget: queries per run (default :func:`default_budget`).
        methods: a subset of :data:`COMPARISON_RUNS` (default all).
        progress: show tqdm bars.
        data: dataset options instead of all of digits (tests: e.g. pooled classes 0, 1, 2).
        hidden: hidden layers of the deep methods instead of 32,32,32 (tests).
        max_qubits: window bound of the windowed methods instead of theirs (tests).

    Returns:
        The stored runs: ``{method, seed, budget, initial_test_accuracy (the network every
        method of that seed starts from), validation_accuracy, test_accuracy,
        train_accuracy, queries, wall_s, max_qubits_used, curve}`` with ``curve`` the
        (queries, test accuracy) pairs of the run's metrics.
    """
    from grover_train.train.options import method_options
    from grover_train.train.run import train_model

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "deep_comparison.json"
    budget = int(budget or default_budget(quick))
    seeds = list(SEEDS if seeds is None else seeds)
    names = list(COMPARISON_RUNS) if methods is None else list(methods)
    data = dict(data or {})
    info = {
        "task": "digits"
        + (f" {data}" if data else " (all 10 classes, 64 inputs)")
        + f", validation fraction {VALIDATION_FRACTION}",
        "budget": budget,
        "seeds": seeds,
        "methods": {},
        "runs": [],
    }
    if path.exists():  # stored runs of the same budget and task are kept
        try:
            old = json.loads(path.read_text())
            if old.get("budget") == budget and old.get("task") == info["task"]:
                info["runs"] = list(old.get("runs", []))
        except (OSError, ValueError):
            pass
    for name in names:
        finder, options, hid, mq, share, train_opts = COMPARISON_RUNS[name]
        if hidden is not None and len(hid) > 1:
            hid = tuple(hidden)
        if max_qubits is not None and mq is not None:
            mq = max_qubits
        run_budget = max(1, int(round(budget * share)))
        info["methods"][name] = {
            "finder": finder,
            "finder_options": options,
            "hidden": list(hid),
            "max_qubits": mq,
            "budget": run_budget,
            "train_options": train_opts,
        }
        for seed in seeds:
            if any(r["method"] == name and r["seed"] == seed for r in info["runs"]):
                continue
            ds, net0 = comparison_setup(seed, hid, **data)
            t0 = time.perf_counter()
            result = train_model(
                ds,
                method_options(finder, options, max_qubits=mq, **train_opts),
                hidden=list(hid),
                budget=run_budget,
                seed=seed,
                progress=progress,
                num_evals=12,
            )
            s = result.summary
            info["runs"].append(
                {
                    "method": name,
                    "seed": seed,
                    "budget": run_budget,
                    "initial_test_accuracy": net0.accuracy(ds.X_test, ds.y_test),
                    "validation_accuracy": s.get("validation_accuracy"),
                    "test_accuracy": s["test_accuracy"],
                    "train_accuracy": s["train_accuracy"],
                    "queries": s["queries"],
                    "wall_s": time.perf_counter() - t0,
                    "max_qubits_used": int(s.get("max_qubits_used", 0)),
                    "windows": s.get("windows"),
                    "curve": [
                        [int(m["queries"]), float(m["test_accuracy"])] for m in result.metrics
                    ],
                }
            )
            _write(path, info, names)
    _write(path, info, names)
    plot_deep_comparison(info["runs"], out / "deep_comparison.png")
    return [r for r in info["runs"] if r["method"] in names]


def summarize(runs: list[dict], names: list[str]) -> dict[str, dict]:
    """Mean, standard deviation (ddof 1) and range over seeds of each method's accuracies,
    mean queries, the largest window searched and the mean wall time.

    >>> runs = [{'method': 'a', 'seed': s, 'test_accuracy': t, 'validation_accuracy': t,
    ...          'queries': 10, 'max_qubits_used': 5, 'wall_s': 1.0} for s, t in [(0, .8), (1, .9)]]
    >>> r = summarize(runs, ['a'])['a']
    >>> round(r['test_mean'], 3), round(r['test_sd'], 3), r['seeds']
    (0.85, 0.071, [0, 1])
    """
    out = {}
    for name in names:
        rs = [r for r in runs if r["method"] == name]
        if not rs:
            continue
        row: dict = {"seeds": [r["seed"] for r in rs]}
        for key, short in (("test_accuracy", "test"), ("validation_accuracy", "val")):
            v = np.array([np.nan if r.get(key) is None else r[key] for r in rs], dtype=float)
            row[f"{short}_mean"] = float(np.mean(v))
            row[f"{short}_sd"] = float(np.std(v, ddof=1)) if len(v) > 1 else float("nan")
            row[f"{short}_min"], row[f"{short}_max"] = float(np.min(v)), float(np.max(v))
        row["queries"] = float(np.mean([r["queries"] for r in rs]))
        row["max_qubits_used"] = int(max(r["max_qubits_used"] for r in rs))
        row["wall_s"] = float(np.mean([r["wall_s"] for r in rs]))
        out[name] = row
    return out


def _write(path: Path, info: dict, names: list[str]) -> None:
    info["summary"] = summarize(info["runs"], names)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(info, indent=1, default=float))
    os.replace(tmp, path)


def plot_deep_comparison(runs: list[dict], path: str | os.PathLike) -> Path:
    """Test accuracy against queries: one colour per method, one line per seed (PNG).

    >>> import tempfile
    >>> runs = [{'method': 'a', 'seed': 0, 'curve': [[0, 0.1], [5, 0.5]]}]
    >>> plot_deep_comparison(runs, tempfile.mkdtemp() + '/p.png').suffix
    '.png'
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    names = list(dict.fromkeys(r["method"] for r in runs))
    for i, name in enumerate(names):
        for j, r in enumerate(x for x in runs if x["method"] == name):
            q = [p[0] for p in r["curve"]]
            a = [p[1] for p in r["curve"]]
            ax.plot(q, a, color=f"C{i}", alpha=0.8, label=name if j == 0 else None)
    ax.set_xscale("symlog", linthresh=100)
    ax.set_xlabel("cumulative queries")
    ax.set_ylabel("test accuracy")
    ax.set_title("deep networks: one line per seed")
    ax.grid(alpha=0.3)
    if names:
        ax.legend()
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


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
            f"{fmt(r.get(key + '_mean'), 3)} ± {fmt(r.get(key + '_sd'), 3)} "
            f"({fmt(r.get(key + '_min'), 3)}–{fmt(r.get(key + '_max'), 3)})"
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
            f"{fmt(r.get('wall_s'), 1)} |"
        )
    return "\n".join(lines) + "\n\n"


def run_deep_once(out: Path, *, quick: bool, progress: bool = False) -> bool:
    """Run the deep comparison unless ``out/deep_comparison.json`` already has its budget.

    Returns True when it ran. The comparison is a few minutes at most, so it is kept whole
    (one file) rather than stored run by run.
    """
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


def _run(ctx: RunContext) -> None:
    t0 = time.perf_counter()
    run_deep_once(ctx.out, quick=ctx.quick, progress=ctx.progress)
    ctx.time("deep-comparison", time.perf_counter() - t0)


def _report(ctx: ReportContext) -> Section:
    files = ("deep_comparison.png",) if (ctx.out / "deep_comparison.png").exists() else ()
    return Section(deep_section(ctx.out), files=files)


#: the study's registry entry (:data:`grover_train.studies.STUDIES`)
STUDY = Study(
    "deep-comparison",
    "deep networks a few layers at a time: windowed sa and grover against backprop",
    _report,
    _run,
    switch="deep",
)


__all__ = [
    "STUDY",
    "deep_section",
    "run_deep_once",
    "COMPARISON_RUNS",
    "SEEDS",
    "comparison_setup",
    "default_budget",
    "plot_deep_comparison",
    "run_deep_comparison",
    "summarize",
]
