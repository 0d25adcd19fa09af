"""``grover-train resources``: qubits, gates, depth and one-shot success of a search circuit on a
device, without running a search."""

from __future__ import annotations

import argparse

from grover_train.cli.main import print_json
from grover_train.errors import AccountError, BudgetError, InputError
from grover_train.finders.coherent.backends import backend_entry, backend_help
from grover_train.finders.coherent.prep import PREPARATIONS


def register(subparsers) -> None:
    """Add the ``resources`` subcommand."""
    p = subparsers.add_parser(
        "resources",
        help="qubits, two-qubit gates, depth and estimated one-shot success on a device",
        description="Build the hardware-oracle search circuit of a BQM, transpile one iterate "
        "and the whole circuit (R iterates) to the device (fake:NAME, ibm:NAME) or to Aer's "
        "cx/u basis (aer), and print problem and ancilla qubits, two-qubit gates, depth and "
        "the estimated success of one shot from the device's error rates. Runs no search. "
        "A circuit too large for the device exits with status 2 naming the smallest fake "
        "device that fits. See docs/hardware.md.",
    )
    p.add_argument("--bqm", required=True, metavar="FILE", help="the landscape (as for search)")
    p.add_argument("--backend", required=True, metavar="B", help=backend_help(circuits=True))
    p.add_argument("--backend-option", action="append", metavar="KEY=VALUE", help="backend option")
    p.add_argument("--prep", default="uniform", choices=list(PREPARATIONS))
    p.add_argument("--steps", type=int, default=8, help="DQA steps p (default 8)")
    p.add_argument("--dt", type=float, default=0.8, help="DQA step size (default 0.8)")
    p.add_argument("--iterations", type=int, default=1, metavar="R", help="iterates (default 1)")
    p.add_argument(
        "--threshold",
        type=float,
        default=None,
        metavar="T",
        help="oracle threshold: adds the ideal and estimated head probability of one shot",
    )
    p.add_argument("--json", action="store_true", help="print only the JSON line")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from grover_train.cli.checks import build_backend
    from grover_train.cli.search import check_threshold, load_bqm, parse_backend_options
    from grover_train.finders.coherent.circuit_report import account_error_with_fit, circuit_report
    from grover_train.finders.coherent.prep import Preparation

    if args.iterations < 0:
        raise BudgetError(f"--iterations must be >= 0, got {args.iterations}: pass e.g. 1")
    name = str(args.backend)
    entry = backend_entry(name)
    if entry is None or not entry.circuits:
        raise InputError(
            f"resources needs a circuit backend, got {name!r}: use {backend_help(circuits=True)}"
        )
    threshold = check_threshold(args.threshold, required=False)
    prep = Preparation(args.prep, steps=args.steps, dt=args.dt)
    bqm = load_bqm(args.bqm)
    options = parse_backend_options(args.backend_option)
    try:
        backend = build_backend(name, options)
    except AccountError as exc:  # say which local fake device this circuit fits on
        raise account_error_with_fit(exc, bqm, threshold) from exc
    report = circuit_report(bqm, backend, prep, args.iterations, threshold)
    if not args.json:
        est = report["estimated_success"]
        print(
            f"{report['num_qubits']} qubits ({report['problem_qubits']} problem + "
            f"{report['ancilla_qubits']} ancilla); per iterate "
            f"{report['per_iterate']['two_qubit_gates']} two-qubit gates, depth "
            f"{report['per_iterate']['depth']}; whole circuit "
            f"{report['circuit']['two_qubit_gates']} / {report['circuit']['depth']}; "
            f"estimated one-shot fidelity {est['fidelity']:.3g}"
        )
    print_json(report)
    return 0
