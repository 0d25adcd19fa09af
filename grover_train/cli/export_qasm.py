"""``grover-train export-qasm``: OpenQASM 3 exports of the canonical search circuits.

Writes, for a 3-spin toy model and two dragon landscapes (n = 6 and n = 8, fixed seeds), the
hardware oracle, one Grover iterate and a full search circuit, plus ``manifest.json`` (what each
file is, n, qubits, gate counts, the threshold parameter and the value to bind, sha256).
Circuits are decomposed to a standard gate set (``stdgates.inc`` plus ``u``) at optimization
level 0, so the export is deterministic: the committed ``circuits/`` folder is regenerated
byte for byte (a test checks it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import dimod
import numpy as np

from grover_train.cli.export_problem import EXPORT_BASIS, THRESHOLD_NAME
from grover_train.cli.main import print_json


def _toy() -> tuple[dimod.BinaryQuadraticModel, float, dict | None]:
    """3-spin frustrated triangle with fields; E in {-4, -2, 0, 2, 4}, ground state unique."""
    bqm = dimod.BQM(
        {0: 1.0, 1: -1.0, 2: 1.0}, {(0, 1): 1.0, (1, 2): -1.0, (0, 2): 1.0}, 0.0, "SPIN"
    )
    return bqm, -3.0, None


def _dragon(D: int, H: int, C: int, seed: int):
    """Free landscape of a random dragon network at a fixed input, its head threshold
    (E+ of label 0) and the exclusion of label 0."""
    from grover_train.model.landscape import free_bqm, head_threshold, label_exclusion
    from grover_train.model.network import DragonNetwork

    net = DragonNetwork.random(D, H, C, seed=seed)
    x = np.where(np.random.default_rng(seed).random(D) < 0.5, -1.0, 1.0)
    return free_bqm(net, x), head_threshold(net, x, 0), label_exclusion(net, 0)


def canonical_circuits() -> list[dict]:
    """The exported circuits: dicts with file, description, circuit, n, bind, quantization.

    >>> [c["file"] for c in canonical_circuits()][:3]
    ['toy3_oracle.qasm', 'toy3_iterate.qasm', 'toy3_search.qasm']
    """
    from grover_train.finders.coherent.circuits import grover_iterate, search_circuit
    from grover_train.finders.coherent.marking import (
        choose_quantization,
        oracle_marking,
        quantization_record,
    )
    from grover_train.finders.coherent.phase_oracle import hardware_oracle
    from grover_train.finders.coherent.prep import Preparation
    from grover_train.finders.search_problem import SearchProblem

    instances = [
        ("toy3", "3-spin toy model (frustrated triangle)", *_toy()),
        (
            "dragon6",
            "dragon landscape n = 6 (D=4, H=4, C=2, seed 11), label 0 excluded",
            *_dragon(4, 4, 2, 11),
        ),
        (
            "dragon8",
            "dragon landscape n = 8 (D=5, H=5, C=3, seed 12), label 0 excluded",
            *_dragon(5, 5, 3, 12),
        ),
    ]
    prep = Preparation("uniform")
    out = []
    for key, what, bqm, tau, exclude in instances:
        # the fewest bits whose scale, with the integer threshold placed in the gap between
        # heads and non-heads, marks exactly the heads
        problem = SearchProblem(bqm, tau, exclude)
        quant = choose_quantization(problem, min_bits=1)
        marking = oracle_marking(quant, problem)
        oracle, info = hardware_oracle(bqm, exclude, quantization=quant)
        iterate = grover_iterate(bqm, prep, exclude=exclude, quantization=quant)
        search = search_circuit(bqm, prep, 1, exclude=exclude, quantization=quant)
        bind = {THRESHOLD_NAME: marking.integer_threshold}
        rec = quantization_record(quant, marking)
        common = {
            "n": bqm.num_variables,
            "bind": bind,
            "energy_threshold": float(tau),
            "scale": quant.scale,
            "rounding_error_bound": quant.rounding_error_bound,
            "oracle": {
                k: rec[k]
                for k in ("exact", "bits", "offset", "band", "band_states", "heads", "marked")
            },
            "value_qubits": info.num_value_qubits,
            "exclude": {str(k): v for k, v in (exclude or {}).items()},
        }
        out += [
            {
                "file": f"{key}_oracle.qasm",
                "description": f"{what}: hardware oracle O(pi)",
                "circuit": oracle,
                **common,
            },
            {
                "file": f"{key}_iterate.qasm",
                "description": f"{what}: one Grover iterate -A S0 A^dagger O with uniform A",
                "circuit": iterate,
                **common,
            },
            {
                "file": f"{key}_search.qasm",
                "description": f"{what}: full search A, 1 iterate, "
                "measurement of the problem qubits",
                "circuit": search,
                **common,
            },
        ]
    return out


def export_circuits(out_dir: str | Path) -> dict:
    """Write the QASM files and ``manifest.json`` into ``out_dir``; return the manifest.

    The bound value of ``threshold`` in the manifest is the integer threshold (quantized units)
    of the instance's energy threshold.
    """
    from qiskit import qasm3, transpile
    from qiskit.circuit import Parameter

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for c in canonical_circuits():
        qc = c["circuit"]
        if qc.parameters:  # 'tau' is a built-in constant (2 pi) in OpenQASM 3: rename
            qc = qc.assign_parameters({qc.parameters[0]: Parameter(THRESHOLD_NAME)})
        qc = transpile(qc, basis_gates=list(EXPORT_BASIS), optimization_level=0, seed_transpiler=0)
        text = qasm3.dumps(qc)
        data = text.encode()
        (out / c["file"]).write_bytes(data)
        two = sum(1 for inst in qc.data if inst.operation.num_qubits == 2)
        entries.append(
            {
                "file": c["file"],
                "description": c["description"],
                "n": c["n"],
                "qubits": qc.num_qubits,
                "value_qubits": c["value_qubits"],
                "gates": {k: int(v) for k, v in sorted(qc.count_ops().items())},
                "two_qubit_gates": two,
                "depth": qc.depth(),
                "threshold_parameter": THRESHOLD_NAME if qc.parameters else None,
                "bind": c["bind"],
                "energy_threshold": c["energy_threshold"],
                "scale": c["scale"],
                "rounding_error_bound": round(c["rounding_error_bound"], 12),
                "oracle": {
                    k: round(v, 12) if isinstance(v, float) else v for k, v in c["oracle"].items()
                },
                "exclude": c["exclude"],
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
    manifest = {
        "about": "Canonical coherent-search circuits of grover-train, regenerated by "
        "'grover-train export-qasm'. Qubits 0..n-1 are the problem variables (BINARY value, "
        "bqm.variables order), then the value register (sign qubit last). Bind the input "
        "'threshold' to the integer 'bind.threshold' (quantized energy units: states with "
        "E_int < threshold are marked). 'oracle.exact' is true when the marked states are exactly "
        "the heads (E < energy_threshold, exclusion respected); 'band' is the energy interval "
        "in which rounding could misplace a state.",
        "basis": list(EXPORT_BASIS),
        "circuits": entries,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")
    return manifest


def register(subparsers) -> None:
    """Add the ``export-qasm`` subcommand."""
    p = subparsers.add_parser(
        "export-qasm",
        help="write OpenQASM 3 files of the canonical search circuits and a manifest",
        description="Write OpenQASM 3 exports of the canonical circuits (3-spin toy, dragon "
        "landscapes n = 6 and 8: hardware oracle, one Grover iterate, a full search) and "
        "manifest.json into --out.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--out", default="circuits", help="output folder")
    p.add_argument(
        "--bqm",
        default=None,
        metavar="FILE",
        help="export this problem instead (dimod JSON, COO text or LP file): "
        "problem_oracle/iterate/search.qasm and problem.json",
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=None,
        metavar="T",
        help="with --bqm: the energy threshold whose integer value problem.json gives to bind",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    if args.bqm is not None or args.threshold is not None:
        return _run_problem(args)
    manifest = export_circuits(args.out)
    print_json(
        {
            "out": str(args.out),
            "files": [e["file"] for e in manifest["circuits"]],
            "qubits": {e["file"]: e["qubits"] for e in manifest["circuits"]},
        }
    )
    return 0


def _run_problem(args) -> int:
    """``export-qasm --bqm FILE [--threshold T]``: the user's problem."""
    from grover_train.cli.export_problem import export_problem
    from grover_train.cli.search import check_threshold, load_bqm
    from grover_train.errors import InputError

    if args.bqm is None:
        raise InputError("--threshold applies with --bqm FILE: add --bqm or drop --threshold")
    threshold = check_threshold(args.threshold, required=False)
    desc = export_problem(load_bqm(args.bqm), args.out, threshold=threshold)
    print_json(
        {
            "out": str(args.out),
            "files": [e["file"] for e in desc["circuits"]],
            "qubits": {e["file"]: e["qubits"] for e in desc["circuits"]},
            "bind": desc["bind"],
        }
    )
    return 0
