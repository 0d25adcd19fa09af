"""``grover-train demo --out DIR``: head cutting with simulated annealing against backprop.

Trains a dragon network on all ten digits with ``sa`` and with the ``backprop`` baseline and
prints a small comparison table (accuracy, eps, queries, wall time). ``make demo`` runs it; it
finishes in a few minutes on two cores.
"""

from __future__ import annotations

import argparse
from pathlib import Path

#: (finder, budget) of the quick demo and of the full one
QUICK_RUNS = (("sa", 300_000), ("backprop", 150_000))
FULL_RUNS = (("sa", 300_000), ("cyclic-sa", 300_000), ("sqa", 300_000), ("backprop", 300_000))


def run_demo_training(
    out: str | Path, quick: bool = True, *, seed: int = 0, progress: bool = True, runs=None
) -> list[dict]:
    """Train on digits (10 classes, --hidden 32) with each finder; write each run under
    ``out/<finder>`` and return their summaries.

    >>> rows = run_demo_training(__import__('tempfile').mkdtemp(), progress=False,
    ...                          runs=(('backprop', 500),))
    >>> rows[0]['finder'], rows[0]['queries']
    ('backprop', 500)
    """
    from grover_train.data.datasets import load_dataset
    from grover_train.finders import train_options
    from grover_train.train.checkpoint import train_in_folder
    from grover_train.train.options import method_options

    out = Path(out)
    dataset = load_dataset("digits", seed=seed)
    rows = []
    for finder, budget in runs or (QUICK_RUNS if quick else FULL_RUNS):
        result = train_in_folder(
            out / finder,
            dataset,
            method_options(finder, train_options(finder)),
            hidden=[32],
            budget=budget,
            seed=seed,
            overwrite=True,
            progress=progress,
            meta={"dataset_options": {"dataset": "digits", "data_seed": seed}},
        )
        rows.append(result.summary)
    return rows


def format_table(rows: list[dict]) -> str:
    """A plain-text table of the demo runs.

    >>> print(format_table([{'finder': 'sa', 'test_accuracy': 0.9, 'train_accuracy': 0.95,
    ...     'train_error': 0.1, 'queries': 10, 'wall_s': 1.0}]).splitlines()[2])
    sa         0.900      0.950    0.100          10      1.0
    """
    # plain f-strings, not tabulate: one fixed layout, and tabulate is no dependency of ours
    head = (
        f"{'finder':<10} {'test acc':>8} {'train acc':>10} {'eps':>8} {'queries':>11} {'wall s':>8}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['finder']:<10} {r['test_accuracy']:>8.3f} {r['train_accuracy']:>10.3f} "
            f"{r['train_error']:>8.3f} {r['queries']:>11d} {r['wall_s']:>8.1f}"
        )
    return "\n".join(lines)


def register(subparsers) -> None:
    """Add the ``demo`` subcommand."""
    p = subparsers.add_parser(
        "demo",
        help="train on digits with simulated annealing and with backprop; compare",
        description="Train a dragon network (--hidden 32) on the ten digits with the 'sa' "
        "finder and with the backprop baseline and print accuracy, eps, queries and wall "
        "time side by side. Each run is written to DIR/<finder>/.",
    )
    p.add_argument(
        "--out", default="demo-out", metavar="DIR", help="output folder (default demo-out)"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of data split and training")
    p.add_argument(
        "--full", action="store_true", help="also cyclic-sa and sqa, 300000 queries each (slower)"
    )
    p.add_argument("--json", action="store_true", help="print the summaries as one JSON line")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from grover_train.cli.main import print_json

    rows = run_demo_training(
        args.out, quick=not args.full, seed=args.seed, progress=not args.no_progress
    )
    print(format_table(rows))
    if args.json:
        print_json(
            {
                "runs": [
                    {
                        k: r[k]
                        for k in (
                            "finder",
                            "test_accuracy",
                            "train_accuracy",
                            "train_error",
                            "queries",
                            "wall_s",
                        )
                    }
                    for r in rows
                ]
            }
        )
    return 0
