"""``grover-train amplify``: the distribution after R Grover iterations on a BQM file."""

from __future__ import annotations

import argparse

import numpy as np

from grover_train.cli.main import print_json
from grover_train.cli.search import (
    add_common,
    bitstring,
    check_threshold,
    load_bqm,
    parse_backend_options,
)
from grover_train.errors import AccountError, BudgetError


def register(subparsers) -> None:
    """Add the ``amplify`` subcommand."""
    p = subparsers.add_parser(
        "amplify",
        help="probabilities over the BQM's states after R Grover iterations",
        description="Run A Q^R (Q = -A S0 A^dagger O_T) and print the probability of every "
        "state of the problem variables (bitstring: BINARY value of each variable in "
        "bqm.variables order, first leftmost) and p_marked. Exact on simulators, estimated "
        "from --shots on fake:/ibm: backends.",
    )
    add_common(p, "oracle threshold: states with energy below T are marked")
    p.add_argument(
        "--iterations",
        type=int,
        required=True,
        metavar="R",
        help="number of plain Grover iterations (>= 1)",
    )
    p.add_argument(
        "--shots", type=int, default=4096, help="shots for fake:/ibm: backends (default 4096)"
    )
    p.add_argument(
        "--min-probability",
        type=float,
        default=0.0,
        metavar="P",
        help="list only states with probability > P (default 0: all non-zero)",
    )
    p.add_argument(
        "--top",
        type=int,
        default=None,
        metavar="K",
        help="list only the K most probable states (needed above 2^16 listed states)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compute (or estimate) the distribution and print it as JSON."""
    from grover_train.cli.checks import build_backend, check_amplify_sizes, check_listing
    from grover_train.finders.coherent.prep import Preparation
    from grover_train.finders.search_problem import SearchProblem
    from grover_train.rng import make_rng

    threshold = check_threshold(args.threshold, required=True)
    if args.iterations < 1:
        raise BudgetError(
            f"--iterations must be a positive number of Grover iterations, got "
            f"{args.iterations}: pass e.g. --iterations 1"
        )
    if args.shots < 1:
        raise BudgetError(f"--shots must be positive, got {args.shots}: pass e.g. --shots 4096")
    check_amplify_sizes(args.iterations, args.steps, args.top, args.min_probability)
    prep = Preparation(args.prep, steps=args.steps, dt=args.dt)
    bqm = load_bqm(args.bqm)
    try:
        backend = build_backend(args.backend, parse_backend_options(args.backend_option))
    except AccountError as exc:  # name a local fake device this circuit fits on
        from grover_train.finders.coherent.circuit_report import account_error_with_fit

        raise account_error_with_fit(exc, bqm, threshold) from exc
    problem = SearchProblem(bqm, threshold)
    backend.check_size(problem)
    n = problem.num_variables
    check_listing(n, args.top, args.min_probability)
    if backend.exact_probabilities:
        probs = np.asarray(backend.probabilities(problem, prep, args.iterations), dtype=float)
        shots = None
    else:
        rng = make_rng(args.seed)
        z = backend.sample(problem, prep, args.iterations, args.shots, rng)
        probs = np.bincount(np.asarray(z, dtype=np.int64), minlength=2**n) / args.shots
        shots = args.shots
    keep = np.flatnonzero(probs > args.min_probability)
    if args.top is not None and len(keep) > args.top:  # the K most probable, in state order
        keep = np.sort(keep[np.argsort(-probs[keep], kind="stable")[: args.top]])
    # "exact": exact probabilities of exactly the heads (a quantized oracle may mark others)
    oracle = backend.oracle_record(problem)
    exact = bool(backend.exact_probabilities) and (oracle is None or oracle["exact"])
    out = {
        "probabilities": {bitstring(int(z), n): float(probs[z]) for z in keep},
        "p_marked": float(probs[problem.marked].sum()),
        "p_marked_prep": prep.p_marked(problem),
        "iterations": args.iterations,
        "threshold": threshold,
        "exact": exact,
        "oracle": oracle,
        "shots": shots,
        "num_qubits": backend.resources(problem, prep, args.iterations).get("num_qubits", n),
        "prep": prep.label(),
        "backend": backend.name,
        "variables": [v if isinstance(v, int | str) else str(v) for v in bqm.variables],
    }
    print_json(out)
    return 0
