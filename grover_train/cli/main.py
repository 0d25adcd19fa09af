"""The ``grover-train`` command.

Each subcommand lives in its own module under :mod:`grover_train.cli` and exposes
``register(subparsers)`` that adds its parser and sets ``func(args) -> int``. Input errors
(:class:`grover_train.errors.InputError` and friends) are printed on one line to stderr and the
command exits with status 2, never with a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys

from grover_train import __version__
from grover_train.errors import AccountError, DiskFullError, InputError

#: subcommand modules, in the order ``--help`` lists them
COMMANDS = [
    "grover_train.cli.train",
    "grover_train.cli.predict",
    "grover_train.cli.search",
    "grover_train.cli.amplify",
    "grover_train.cli.export_qasm",
    "grover_train.cli.resources",
    "grover_train.cli.sweep",
    "grover_train.cli.export",
    "grover_train.cli.report",
    "grover_train.cli.reproduce",
    "grover_train.cli.demo",
]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line and status 2, like every other input error
        self.exit(2, f"grover-train: error: {message} (see 'grover-train --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="grover-train",
        description="Train Ising ('dragon') networks by finding and cutting their deep "
        "spurious minima with classical, annealing and Grover-style coherent search.",
    )
    parser.add_argument("--version", action="version", version=f"grover-train {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def print_json(obj) -> None:
    """Print one JSON object on the last line of stdout (numpy scalars converted; NaN and
    infinities, which JSON does not have, become null)."""
    from grover_train import jsonify

    print(json.dumps(jsonify.finite(obj), default=jsonify.default, allow_nan=False), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ImportError as exc:  # an optional dependency: name its extra
        from grover_train.extras import missing_extra

        err = missing_extra(exc)
        if err is None:
            raise
        print(f"grover-train: error: {err}", file=sys.stderr)
        return 2
    except (InputError, AccountError, FileNotFoundError, DiskFullError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"grover-train: error: {msg}", file=sys.stderr)
        return 2
    except OSError as exc:  # unreadable input, unwritable output, full disk
        where = f" {exc.filename!r}" if getattr(exc, "filename", None) else ""
        print(
            f"grover-train: error: cannot read or write{where} ({exc.strerror or exc}): check "
            "the path, its permissions and the free disk space",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("grover-train: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
