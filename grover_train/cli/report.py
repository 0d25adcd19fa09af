"""``grover-train report``: exponents, plots and the verdict from a results store."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "report",
        help="write report.md, log-log plots and exponents.json from a results store",
        description="Fit the search-level slopes and the training exponents in a results "
        "store and write report.md (the paper's values beside ours), search_scaling.png, "
        "training_scaling.png and exponents.json into --out.",
    )
    p.add_argument("--store", required=True, help="SQLite results store (from sweep/reproduce)")
    p.add_argument("--out", required=True, help="folder for the report files")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (1000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (0)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from grover_train.cli.main import print_json
    from grover_train.errors import BudgetError
    from grover_train.reporting.report import write_report

    if args.bootstrap < 1:
        raise BudgetError(f"--bootstrap must be a positive integer, got {args.bootstrap}")
    res = write_report(args.store, args.out, num_boot=args.bootstrap, seed=args.seed)
    print(res.pop("table"))
    print()
    print(res.pop("verdict"))
    print_json(res)
    return 0
