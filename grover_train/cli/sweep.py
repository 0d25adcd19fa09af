"""``grover-train sweep CONFIG.toml --store results.sqlite [--workers N] [--dask ADDRESS]``."""

from __future__ import annotations

import argparse
import sys

from grover_train.cli.main import print_json
from grover_train.errors import InputError


def register(subparsers) -> None:
    """Add the ``sweep`` subcommand."""
    p = subparsers.add_parser(
        "sweep",
        help="run a grid of training or search runs into an SQLite store (resumable)",
        description="Run every run of the grid in CONFIG.toml that STORE does not hold as "
        "finished; each finished run is committed at once, so an interrupted sweep resumes "
        "where it stopped. Schema: docs/sweeps.md and docs/example-sweep.toml.",
    )
    p.add_argument("config", metavar="CONFIG.toml", help="sweep file (TOML)")
    p.add_argument(
        "--store", required=True, metavar="FILE", help="SQLite results file (created when missing)"
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="local worker processes (default 1: run in this process)",
    )
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        default=None,
        help="run on an existing dask.distributed scheduler, e.g. tcp://host:8786",
    )
    p.add_argument(
        "--list",
        action="store_true",
        help="print the runs of the grid (id, finished or not, spec) and exit",
    )
    p.add_argument(
        "--allow-plugins",
        action="store_true",
        help='allow kind = "package.module:function" runners from outside grover-train '
        "(they import and run that code)",
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the sweep; print its counts as JSON; exit 1 when a run failed."""
    from pathlib import Path

    from grover_train.runs.config import load_sweep, run_id
    from grover_train.runs.store import Store
    from grover_train.runs.sweep import check_plugins, run_sweep

    if args.workers < 1:
        raise InputError(f"--workers must be at least 1, got {args.workers}: pass e.g. --workers 2")
    sweep = load_sweep(args.config)
    if args.list:
        path = Path(args.store)
        done: set[str] = set()
        # reading only: a read-only store or folder is fine. A 0-byte file is a store with
        # no runs yet, as for the sweep itself, which starts it
        if path.exists() and not (path.is_file() and path.stat().st_size == 0):
            with Store(path, readonly=True) as store:
                done = store.finished_ids()
        for spec in sweep.specs:
            rid = run_id(spec)
            print_json({"run_id": rid, "finished": rid in done, "spec": spec})
        return 0
    check_plugins(sweep.specs, args.allow_plugins)
    # run_sweep checks every run (and the Dask address) before it opens or creates the store
    result = run_sweep(
        sweep,
        args.store,
        workers=args.workers,
        dask_address=args.dask,
        progress=not args.no_progress,
        allow_plugins=args.allow_plugins,
    )
    if result.failed:
        with Store(args.store, readonly=True) as store:
            for rec in store.runs(status="failed"):
                if rec["run_id"] in result.failed:
                    print(
                        f"grover-train: run {rec['run_id'][:12]} failed: {rec['error']}",
                        file=sys.stderr,
                    )
    print_json({**result.as_dict(), "store": str(args.store)})
    return 1 if result.failed else 0
