"""Deep networks trained a few layers at a time: the comparison for the report and demo.

:func:`run_deep_comparison` trains one small deep network (pooled digits, 3 classes, hidden
8,8) from the same initial weights with

- ``backprop``: the whole network by gradient descent (the baseline, no windows);
- ``sa``: head cutting, every search limited to windows of at most ``max_qubits`` spins;
- ``grover``: the same windows searched by amplitude amplification on the ``exact`` backend;
- both again with column windows (the same units of every layer, docs/deep.md);

and records test accuracy against cumulative queries (design section 3) for each, as rows of
dicts, a JSON file and a PNG plot. Windows and their schedule are described in docs/deep.md.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np

from grover_train.data.datasets import load_dataset
from grover_train.model.deep import identity_init, plan_windows
from grover_train.model.network import DragonNetwork

#: head-cutting options of the comparison: a small training set (215 samples) needs more,
#: smaller steps than the digits defaults of train_model
CUTTING_OPTIONS = {"batch_size": 8, "eta": 0.1}

#: the methods of the comparison: label -> (finder, finder options, window shape or None)
METHODS: dict[str, tuple[str, dict, str | None]] = {
    "backprop": ("backprop", {}, None),
    "sa (windows)": ("sa", {}, "layers"),
    "grover exact (windows)": ("grover", {"backend": "exact"}, "layers"),
    "sa (column windows)": ("sa", {}, "columns"),
    "grover exact (column windows)": ("grover", {"backend": "exact"}, "columns"),
}


def comparison_setup(seed: int = 0) -> tuple:
    """The task of the comparison: pooled digits 0, 1, 2 (16 inputs) and an 8,8 network.

    >>> ds, net = comparison_setup(0)
    >>> ds.num_inputs, net.hidden, net.num_classes
    (16, [8, 8], 3)
    """
    ds = load_dataset("digits", seed=seed, classes=[0, 1, 2], pool=True)
    init_seed = int(np.random.SeedSequence([seed, 3]).generate_state(1)[0])
    net = identity_init(DragonNetwork.random(ds.num_inputs, [8, 8], ds.num_classes, seed=init_seed))
    return ds, net


def default_budget(quick: bool = True) -> int:
    """Queries per method of the comparison: 10000 quick, 40000 full.

    >>> default_budget(True), default_budget(False)
    (10000, 40000)
    """
    return 10_000 if quick else 40_000


def run_deep_comparison(
    out: str | os.PathLike,
    quick: bool = True,
    *,
    seed: int = 0,
    max_qubits: int = 16,
    budget: int | None = None,
    methods: list[str] | None = None,
    progress: bool = False,
) -> list[dict]:
    """Accuracy against queries for backprop, windowed sa and windowed grover (exact backend).

    Writes ``deep_comparison.json`` (the rows and a summary per method) and
    ``deep_comparison.png`` under ``out``.

    Args:
        out: output folder.
        quick: the smaller budget (about 15 s on 2 cores) instead of the full one.
        seed: one seed for data split, initial weights and training.
        max_qubits: largest window (spins) any search sees.
        budget: queries per method (default :func:`default_budget`).
        methods: a subset of :data:`METHODS` (default all three).
        progress: show tqdm bars.

    Returns:
        Rows ``{method, queries, test_accuracy, train_accuracy, train_error, wall_s,
        max_qubits_used}``; the first row of each method is the shared initial network
        (queries 0).
    """
    from grover_train.train.cutting import train_model

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    budget = int(budget or default_budget(quick))
    names = list(METHODS) if methods is None else list(methods)
    ds, net0 = comparison_setup(seed)
    windows = plan_windows(net0.hidden, net0.num_classes, max_qubits)
    rows: list[dict] = []
    summaries: dict[str, dict] = {}
    for name in names:
        finder, options, shape = METHODS[name]
        rows.append(
            {
                "method": name,
                "queries": 0,
                "test_accuracy": net0.accuracy(ds.X_test, ds.y_test),
                "train_accuracy": net0.accuracy(ds.X_train, ds.y_train),
                "train_error": float("nan"),
                "wall_s": 0.0,
                "max_qubits_used": 0,
            }
        )
        t0 = time.perf_counter()
        result = train_model(
            ds,
            hidden=net0.hidden,
            finder=finder,
            finder_options=options,
            budget=budget,
            seed=seed,
            init=net0,
            max_qubits=max_qubits if shape else None,
            progress=progress,
            num_evals=20,
            **({} if finder == "backprop" else {**CUTTING_OPTIONS, "windows": shape}),
        )
        used = int(result.summary.get("max_qubits_used", 0))
        for m in result.metrics:
            rows.append(
                {
                    "method": name,
                    "queries": int(m["queries"]),
                    "test_accuracy": float(m["test_accuracy"]),
                    "train_accuracy": float(m["train_accuracy"]),
                    "train_error": float(m["train_error"]),
                    "wall_s": float(m["wall_s"]),
                    "max_qubits_used": used,
                }
            )
        s = result.summary
        summaries[name] = {
            "initial_test_accuracy": rows[-len(result.metrics) - 1]["test_accuracy"],
            "test_accuracy": s["test_accuracy"],
            "train_accuracy": s["train_accuracy"],
            "queries": s["queries"],
            "wall_s": time.perf_counter() - t0,
            "max_qubits_used": used,
        }
    info = {
        "task": "digits, classes 0,1,2, 2x2 pooled (16 inputs), hidden 8,8",
        "seed": seed,
        "budget": budget,
        "max_qubits": max_qubits,
        "cutting_options": CUTTING_OPTIONS,
        "windows": [w.name for w in windows],
        "column_windows": [
            w.name for w in plan_windows(net0.hidden, net0.num_classes, max_qubits, "columns")
        ],
        "summary": summaries,
        "rows": rows,
    }
    (out / "deep_comparison.json").write_text(json.dumps(info, indent=1, default=float))
    plot_deep_comparison(rows, out / "deep_comparison.png", max_qubits=max_qubits)
    return rows


def plot_deep_comparison(rows: list[dict], path: str | os.PathLike, max_qubits: int = 16) -> Path:
    """Test accuracy against queries, one line per method (PNG).

    >>> import tempfile
    >>> rows = [{'method': 'a', 'queries': q, 'test_accuracy': q / 10} for q in (0, 5)]
    >>> plot_deep_comparison(rows, tempfile.mkdtemp() + '/p.png').suffix
    '.png'
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for name in dict.fromkeys(r["method"] for r in rows):
        pts = [(r["queries"], r["test_accuracy"]) for r in rows if r["method"] == name]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker=".", label=name)
    ax.set_xlabel("cumulative queries")
    ax.set_ylabel("test accuracy")
    ax.set_title(f"deep network (8,8), windows of at most {max_qubits} spins")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


__all__ = [
    "CUTTING_OPTIONS",
    "METHODS",
    "comparison_setup",
    "default_budget",
    "plot_deep_comparison",
    "run_deep_comparison",
]
