"""``grover-train reproduce``: run both experiments and write the report."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "reproduce",
        help="run the search-level and training-level experiments and write the report",
        description="Run both experiments of docs/measuring.md into OUT/results.sqlite "
        "(resumable: run it again to finish an interrupted run) and write OUT/report.md, "
        "the log-log plots and OUT/exponents.json.",
    )
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument(
        "--quick",
        action="store_true",
        help="the reduced grid that 'make demo' runs (minutes on 2 cores)",
    )
    p.add_argument("--workers", type=int, default=2, help="local worker processes (2)")
    p.add_argument(
        "--dask",
        dest="dask_address",
        default=None,
        metavar="ADDRESS",
        help="run the sweeps on an existing dask.distributed scheduler",
    )
    from grover_train.studies import STUDIES

    p.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="STUDY",
        help="leave a study out (repeatable): a name of the study registry "
        f"({', '.join(STUDIES)}) or a study's switch (replay, anneal, deep, hardware)",
    )
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (1000)")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from grover_train.cli.main import print_json
    from grover_train.errors import BudgetError
    from grover_train.reporting.reproduce import reproduce

    if args.workers < 1:
        raise BudgetError(f"--workers must be a positive integer, got {args.workers}")
    if args.bootstrap < 1:
        raise BudgetError(f"--bootstrap must be a positive integer, got {args.bootstrap}")
    res = reproduce(
        args.out,
        quick=args.quick,
        workers=args.workers,
        dask_address=args.dask_address,
        progress=args.progress,
        num_boot=args.bootstrap,
        skip=args.skip,
    )
    print(res.pop("table"))
    print()
    print(res.pop("verdict"))
    print_json(res)
    return 0
