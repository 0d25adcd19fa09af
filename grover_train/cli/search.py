"""``grover-train search``: coherent search for a state below a threshold in a BQM file.

BQM files are dimod ``to_serializable()`` JSON, dimod COO text or LP files
(:func:`grover_train.interop.load_bqm_file`). A bitstring lists the BINARY value of each
variable in the order of ``bqm.variables``, first variable leftmost (SPIN -1/+1 -> 0/1).
"""

from __future__ import annotations

import argparse
import ast
import math

import dimod

from grover_train.cli.main import print_json
from grover_train.errors import AccountError, InputError
from grover_train.finders.coherent.backends import backend_help
from grover_train.finders.coherent.prep import PREPARATIONS
from grover_train.finders.coherent.schedules import SCHEDULES


def load_bqm(path: str) -> dimod.BinaryQuadraticModel:
    """Read a BQM file: dimod ``to_serializable()`` JSON, dimod COO text or an LP file
    (:func:`grover_train.interop.load_bqm_file`); NaN or infinite biases are refused.

    >>> import json, os, tempfile
    >>> from pathlib import Path
    >>> bqm = dimod.BQM({'a': 1.0}, {}, 0.0, 'SPIN')
    >>> with tempfile.TemporaryDirectory() as d:
    ...     f = os.path.join(d, 'm.json')
    ...     _ = Path(f).write_text(json.dumps(bqm.to_serializable()))
    ...     load_bqm(f) == bqm
    True
    """
    from grover_train.interop import check_finite, load_bqm_file

    bqm = check_finite(load_bqm_file(path), f"the BQM in {str(path)!r}")
    if bqm.num_variables == 0:
        raise InputError(f"the BQM in {str(path)!r} has no variables: nothing to search")
    return bqm


def bitstring(z: int, n: int) -> str:
    """The bitstring of state index ``z``: BINARY value of variable i at position i.

    >>> bitstring(1, 3), bitstring(6, 3)
    ('100', '011')
    """
    return "".join("1" if (int(z) >> i) & 1 else "0" for i in range(n))


def sample_bitstring(sample: dict, variables: list) -> str:
    """Bitstring of a dimod sample (SPIN +1 or BINARY 1 -> '1')."""
    return "".join("1" if sample[v] > 0 else "0" for v in variables)


def check_threshold(value: float | None, required: bool = True) -> float | None:
    """A threshold must be a finite number.

    >>> check_threshold(-1.5)
    -1.5
    """
    if value is None:
        if required:
            raise InputError(
                "--threshold is required for this schedule: pass e.g. "
                "--threshold -3.5 (only --schedule dh can start without one)"
            )
        return None
    if not math.isfinite(value):
        raise InputError(
            f"--threshold must be a finite number, got {value}: pass e.g. --threshold -3.5"
        )
    return float(value)


def parse_backend_options(items: list[str] | None) -> dict:
    """``["method=matrix_product_state", "noise=true"]`` -> dict (values read as Python
    literals when they are, else kept as strings; true/false/none accepted).

    >>> parse_backend_options(["method=statevector", "noise=true", "shots=10"])
    {'method': 'statevector', 'noise': True, 'shots': 10}
    """
    out: dict = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise InputError(
                f"--backend-option {item!r} is not KEY=VALUE: pass e.g. "
                "--backend-option method=statevector"
            )
        low = raw.strip().lower()
        if low in ("true", "false", "none"):
            out[key] = {"true": True, "false": False, "none": None}[low]
            continue
        try:
            out[key] = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            out[key] = raw
    return out


def add_common(p: argparse.ArgumentParser, threshold_help: str) -> None:
    """Arguments shared by ``search`` and ``amplify``."""
    p.add_argument(
        "--bqm",
        required=True,
        metavar="FILE",
        help="the landscape: dimod to_serializable() JSON, dimod COO text ('# vartype=SPIN' "
        "header) or an LP file",
    )
    p.add_argument("--threshold", type=float, default=None, metavar="T", help=threshold_help)
    p.add_argument(
        "--prep",
        default="uniform",
        choices=list(PREPARATIONS),
        help="state preparation A (default uniform)",
    )
    p.add_argument("--steps", type=int, default=8, help="DQA steps p (default 8)")
    p.add_argument("--dt", type=float, default=0.8, help="DQA step size (default 0.8)")
    p.add_argument(
        "--backend",
        default="exact",
        metavar="B",
        help=f"{backend_help()} (default exact)",
    )
    p.add_argument(
        "--backend-option",
        action="append",
        metavar="KEY=VALUE",
        help="backend option, repeatable (e.g. method=matrix_product_state)",
    )
    p.add_argument("--seed", type=int, default=None, help="seed of every random stream")
    p.add_argument(
        "--json",
        action="store_true",
        help="print only the JSON result line (the default prints it too)",
    )


def register(subparsers) -> None:
    """Add the ``search`` subcommand."""
    p = subparsers.add_parser(
        "search",
        help="coherent (Grover-type) search of a BQM for a state below a threshold",
        description="Amplitude amplification with a schedule (bbht, dh, fixed-point) on a "
        "backend. Each round runs A Q^r, measures once and checks classically: r + 1 "
        "queries. The last stdout line is a JSON object. See docs/coherent.md.",
    )
    add_common(
        p,
        "find a state with energy below T (optional for --schedule dh: it then "
        "starts from a random state's energy)",
    )
    p.add_argument(
        "--schedule",
        default="dh",
        choices=list(SCHEDULES),
        help="round schedule (default dh)",
    )
    p.add_argument(
        "--budget",
        type=int,
        default=None,
        metavar="Q",
        help="query budget (default ceil(22.5 sqrt(2^n)))",
    )
    p.add_argument("--progress", action="store_true", help="show a progress bar on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the search and print its JSON summary."""
    from grover_train.cli.checks import build_backend, check_search_sizes
    from grover_train.finders.base import check_budget, default_budget
    from grover_train.finders.coherent.grover import GroverFinder
    from grover_train.finders.search_problem import SearchProblem, energy_upper_bound

    threshold = check_threshold(args.threshold, required=args.schedule != "dh")
    bqm = load_bqm(args.bqm)
    n = bqm.num_variables
    budget = default_budget(n) if args.budget is None else check_budget(args.budget, "--budget")
    check_search_sizes(budget, args.steps)
    try:
        backend = build_backend(args.backend, parse_backend_options(args.backend_option))
    except AccountError as exc:  # name a local fake device this circuit fits on
        from grover_train.finders.coherent.circuit_report import account_error_with_fit

        raise account_error_with_fit(exc, bqm, threshold) from exc
    finder = GroverFinder(
        prep=args.prep,
        schedule=args.schedule,
        backend=backend,
        steps=args.steps,
        dt=args.dt,
        progress=args.progress,
    )
    random_start = threshold is None
    # no threshold: every state counts, and dh starts from a random state's energy
    tau = energy_upper_bound(bqm) + 1.0 if random_start else threshold
    finder.backend.check_size(SearchProblem(bqm, tau))
    kw = {"random_start": True} if random_start else {}
    ss = finder.sample(bqm, threshold=tau, budget=budget, seed=args.seed, **kw)
    info = ss.info
    found = len(ss) > 0
    variables = list(bqm.variables)
    out = {
        "found": found,
        "sample": sample_bitstring(ss.first.sample, variables) if found else None,
        "energy": float(ss.first.energy) if found else None,
        "queries": info["queries"],
        "circuits": info["circuits"],
        "shots": info["shots"],
        "jobs": info.get("jobs"),
        "wasted_queries": info.get("wasted_queries"),
        "oracle": info.get("oracle"),
        "num_qubits": info["num_qubits"],
        "wall_s": info["wall_s"],
        "threshold": threshold,
        "thresholds": info["thresholds"][:50],
        "rounds": len(info["rounds"]),
        "oracle_calls": info["oracle_calls"],
        "budget": budget,
        "schedule": args.schedule,
        "prep": finder.prep.label(),
        "backend": finder.backend.name,
        "variables": [v if isinstance(v, int | str) else str(v) for v in variables],
        "seed": args.seed,
    }
    if not args.json:
        verdict = (
            f"found {out['sample']} with energy {out['energy']:g}"
            if found
            else "no state below the threshold found"
        )
        print(
            f"{verdict} after {out['queries']} queries ({out['circuits']} circuits, "
            f"{out['num_qubits']} qubits, {out['wall_s']:.3f} s)"
        )
    print_json(out)
    return 0


__all__ = [
    "bitstring",
    "check_threshold",
    "load_bqm",
    "parse_backend_options",
    "register",
    "run",
    "sample_bitstring",
]
