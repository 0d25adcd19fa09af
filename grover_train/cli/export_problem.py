"""``grover-train export-qasm --bqm FILE``: OpenQASM 3 of a user's own problem.

The problem comes through :func:`grover_train.interop.load_bqm_file` (dimod JSON, COO text or
an LP file). Three circuits are written, as for the canonical instances: the hardware oracle,
one Grover iterate with the uniform preparation, and a full search (one iterate, measured),
plus ``<stem>.json`` describing them (the threshold to bind, in quantized units, when
``--threshold`` is given).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import dimod

from grover_train.errors import TooManyQubitsError

#: name of the threshold input in the exported files (integer threshold, quantized units)
THRESHOLD_NAME = "threshold"
#: gate set of the exported files (all in OpenQASM 3's stdgates.inc, plus the builtin U)
EXPORT_BASIS = ("cx", "h", "x", "rz", "rx", "p", "cp", "u")
#: largest problem exported (the oracle's gate count grows as n^2 and the files with it)
MAX_VARIABLES = 64


def export_problem(
    bqm: dimod.BinaryQuadraticModel,
    out_dir: str | Path,
    *,
    threshold: float | None = None,
    stem: str = "problem",
) -> dict:
    """Write ``<stem>_oracle.qasm``, ``<stem>_iterate.qasm``, ``<stem>_search.qasm`` and
    ``<stem>.json`` into ``out_dir``; return the description.

    >>> import tempfile
    >>> bqm = dimod.BQM({0: 1.0, 1: -1.0}, {(0, 1): 2.0}, 0.0, "SPIN")
    >>> d = export_problem(bqm, tempfile.mkdtemp(), threshold=-1.0)
    >>> [c["file"] for c in d["circuits"]], d["bind"]["threshold"] is not None
    (['problem_oracle.qasm', 'problem_iterate.qasm', 'problem_search.qasm'], True)
    """
    from qiskit import qasm3, transpile
    from qiskit.circuit import Parameter

    from grover_train.finders.coherent.circuits import grover_iterate, search_circuit
    from grover_train.finders.coherent.phase_oracle import hardware_oracle, quantize
    from grover_train.finders.coherent.prep import Preparation

    n = bqm.num_variables
    if n > MAX_VARIABLES:
        raise TooManyQubitsError(
            f"the problem has {n} variables, more than the {MAX_VARIABLES} export-qasm writes: "
            "export a smaller window of it"
        )
    prep = Preparation("uniform")
    quant, oracle_rec = quantize(bqm), None
    if threshold is not None:
        # the scale and the bound threshold that mark exactly the heads (when enumerable)
        from grover_train.finders.coherent.marking import (
            choose_quantization,
            oracle_marking,
            quantization_record,
        )
        from grover_train.finders.search_problem import SearchProblem

        problem = SearchProblem(bqm, threshold)
        quant = choose_quantization(problem, min_bits=1)
        oracle_rec = quantization_record(quant, oracle_marking(quant, problem))
    oracle, info = hardware_oracle(bqm, None, quantization=quant)
    circuits = {
        "oracle": (oracle, "hardware oracle O(pi)"),
        "iterate": (
            grover_iterate(bqm, prep, quantization=quant),
            "one Grover iterate -A S0 A^dagger O with uniform A",
        ),
        "search": (
            search_circuit(bqm, prep, 1, quantization=quant),
            "full search A, 1 iterate, measurement of the problem qubits",
        ),
    }
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for kind, (qc, what) in circuits.items():
        if qc.parameters:  # 'tau' is a built-in constant (2 pi) in OpenQASM 3: rename
            qc = qc.assign_parameters({qc.parameters[0]: Parameter(THRESHOLD_NAME)})
        qc = transpile(qc, basis_gates=list(EXPORT_BASIS), optimization_level=0, seed_transpiler=0)
        data = qasm3.dumps(qc).encode()
        name = f"{stem}_{kind}.qasm"
        (out / name).write_bytes(data)
        entries.append(
            {
                "file": name,
                "description": what,
                "qubits": qc.num_qubits,
                "two_qubit_gates": sum(1 for i in qc.data if i.operation.num_qubits == 2),
                "depth": qc.depth(),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
    desc = {
        "n": n,
        "variables": [v if isinstance(v, int | str) else str(v) for v in bqm.variables],
        "vartype": bqm.vartype.name,
        "value_qubits": info.num_value_qubits,
        "scale": quant.scale,
        "rounding_error_bound": quant.rounding_error_bound,
        "energy_threshold": threshold,
        "bind": {THRESHOLD_NAME: None if oracle_rec is None else oracle_rec["integer_threshold"]},
        "oracle": oracle_rec,
        "basis": list(EXPORT_BASIS),
        "circuits": entries,
        "about": "Qubits 0..n-1 are the problem variables (BINARY value, 'variables' order), "
        "then the value register. Bind the input 'threshold' to bind.threshold (quantized "
        "energy units: states with E_int < threshold are marked).",
    }
    (out / f"{stem}.json").write_text(json.dumps(desc, indent=2) + "\n")
    return desc
