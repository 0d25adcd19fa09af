"""``grover-train export --store FILE --out DIR``: runs and metrics of a store as tables."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from grover_train.errors import InputError

FORMATS = ("csv", "jsonl", "parquet")


def register(subparsers) -> None:
    """Add the ``export`` subcommand."""
    p = subparsers.add_parser(
        "export",
        help="write the runs and metrics of a results store as CSV, JSON lines or Parquet",
        description="Write DIR/runs.<ext> (one row per run: its columns, spec.* and "
        "summary.*) and DIR/metrics.<ext> (one row per step: run_id, step and the step's "
        "values). The store is opened read-only.",
    )
    p.add_argument("--store", required=True, metavar="FILE", help="SQLite results store")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--format", default="csv", choices=FORMATS, help="file format (default csv)")
    p.set_defaults(func=run)


def _cell(v):
    return json.dumps(v) if isinstance(v, list | dict) else v


def write_table(rows: list[dict], path: Path, fmt: str) -> None:
    """Write rows (dicts; the union of their keys is the header) in ``fmt``.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> write_table([{"a": 1}, {"a": 2, "b": [1, 2]}], p, "csv")
    >>> p.read_text().splitlines()
    ['a,b', '1,', '2,"[1, 2]"']
    """
    columns: dict[str, None] = {}
    for r in rows:
        columns.update(dict.fromkeys(r))
    if fmt == "csv":
        with path.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(columns))
            w.writeheader()
            for r in rows:
                w.writerow({k: _cell(v) for k, v in r.items()})
    elif fmt == "jsonl":
        with path.open("w") as fh:
            for r in rows:
                fh.write(json.dumps(r, default=str) + "\n")
    else:
        import pandas as pd

        frame = pd.DataFrame([{k: _cell(v) for k, v in r.items()} for r in rows])
        frame.to_parquet(path)


def run(args: argparse.Namespace) -> int:
    from grover_train.cli.main import print_json
    from grover_train.runs.store import Store

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {str(out)!r} is a file: give a folder")
    if args.format == "parquet":
        import importlib.util

        if (
            importlib.util.find_spec("pandas") is None
            or importlib.util.find_spec("pyarrow") is None
        ):
            raise InputError(
                "--format parquet needs pandas and pyarrow: pip install 'grover-train[parquet]', "
                "or use --format csv"
            )
    with Store(args.store, readonly=True) as store:
        runs, metrics = store.tables()
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for name, rows in (("runs", runs), ("metrics", metrics)):
        path = out / f"{name}.{args.format}"
        write_table(rows, path, args.format)
        files.append(str(path))
    print_json({"runs": len(runs), "metrics": len(metrics), "files": files})
    return 0
