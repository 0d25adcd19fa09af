"""Will a search circuit fit a device, and how well would one shot go? (no search is run)

:func:`circuit_report` builds the hardware-oracle search circuit of a BQM, transpiles one iterate
and the whole circuit to the target (an IBM device's ISA, or Aer's ``cx``/``u`` basis) and
reports problem and value (ancilla) qubits, two-qubit gates and depth, and the **estimated
success of one shot** from the device's reported error rates: the product of (1 - error) over
every ISA gate and measurement (the "estimated success probability" of the circuit, a standard
fidelity proxy), and, with a threshold, the head probability F * p_ideal + (1 - F) * p_uniform
that a depolarized shot would give. It reads the backends through their public methods
(``quantization``, ``pass_manager``, ``oracle_record``); the fake devices it names are in
:mod:`grover_train.finders.coherent.devices`.
"""

from __future__ import annotations

import math

import dimod
import numpy as np

from grover_train.errors import TooManyQubitsError
from grover_train.finders.coherent.devices import fit_hint


def _two_qubit(qc) -> int:
    return sum(1 for inst in qc.data if inst.operation.num_qubits == 2)


def estimated_success(isa, target) -> float:
    """Product of (1 - error) over the ISA circuit's gates and measurements (errors the
    target reports; gates without one count as perfect).

    >>> from qiskit import QuantumCircuit
    >>> estimated_success(QuantumCircuit(1), None)
    1.0
    """
    if target is None:
        return 1.0
    log_f = 0.0
    for inst in isa.data:
        name = inst.operation.name
        if name in ("barrier", "delay") or name not in target.operation_names:
            continue
        qargs = tuple(isa.find_bit(q).index for q in inst.qubits)
        props = target[name].get(qargs) if target[name] else None
        err = getattr(props, "error", None) if props is not None else None
        if err:
            log_f += math.log1p(-min(float(err), 1.0 - 1e-15))
    return float(math.exp(log_f))


def _noise_success(qc, noise_model) -> float:
    """One minus error per gate from a depolarizing noise model's basis (Aer)."""
    if noise_model is None:
        return 1.0
    from qiskit import transpile

    t = transpile(qc, basis_gates=noise_model.basis_gates, optimization_level=1, seed_transpiler=0)
    errors: dict[str, float] = {}
    for err in noise_model.to_dict()["errors"]:
        # the probability of the identity Pauli term is 1 - (probability of an error)
        probs = err.get("probabilities", [1.0])
        for name in err.get("operations", []):
            errors[name] = 1.0 - float(probs[0]) if len(probs) > 1 else 0.0
    log_f = sum(math.log1p(-errors.get(inst.operation.name, 0.0)) for inst in t.data)
    return float(math.exp(log_f))


def circuit_report(
    bqm: dimod.BinaryQuadraticModel,
    backend,
    prep,
    iterations: int = 1,
    threshold: float | None = None,
    exclude=None,
) -> dict:
    """Qubits, gates, depth and one-shot success of the search circuit on ``backend`` (an
    ``IBMBackend`` or ``AerBackend``); raises :class:`TooManyQubitsError` naming the smallest
    fake device that fits when the device is too small.

    >>> from grover_train.finders.coherent.backends.aer import AerBackend
    >>> bqm = dimod.BQM({0: 1.0, 1: -2.0}, {(0, 1): 3.0}, 0.0, 'BINARY')
    >>> r = circuit_report(bqm, AerBackend(), 'uniform', 1, threshold=-1.0)
    >>> r['problem_qubits'], r['ancilla_qubits'], r['estimated_success']['p_head_ideal']
    (2, 4, 1.0)
    """
    from grover_train.finders.coherent.backends import get_backend
    from grover_train.finders.coherent.circuits import (
        circuit_resources,
        grover_iterate,
        search_circuit,
    )
    from grover_train.finders.coherent.phase_oracle import value_register_size
    from grover_train.finders.coherent.prep import Preparation
    from grover_train.finders.search_problem import SearchProblem

    if isinstance(prep, str):
        prep = Preparation(prep)
    n = bqm.num_variables
    problem = SearchProblem(bqm, 0.0 if threshold is None else threshold, exclude)
    quant = backend.quantization(problem)
    m = value_register_size(quant)
    width = n + m
    device_qubits = getattr(backend, "device_qubits", None)
    if device_qubits is not None and width > device_qubits:
        raise TooManyQubitsError(
            f"backend {backend.name!r} has {device_qubits} qubits, this search circuit needs "
            f"{width} ({n} problem + {m} value qubits): the smallest fake device that fits is "
            f"{fit_hint(width)}"
        )
    iterate = grover_iterate(bqm, prep, exclude=problem.exclude, quantization=quant)
    whole = search_circuit(
        bqm, prep, int(iterations), exclude=problem.exclude, quantization=quant, measure=True
    )

    def bound(qc):
        return qc.assign_parameters({p: 0 for p in qc.parameters}) if qc.parameters else qc

    out = {
        "backend": backend.name,
        "problem_qubits": n,
        "ancilla_qubits": m,
        "num_qubits": width,
        "iterations": int(iterations),
        "prep": prep.label() if hasattr(prep, "label") else str(prep),
    }
    if device_qubits is not None:
        pm = backend.pass_manager()
        isa_it, isa_all = pm.run(bound(iterate)), pm.run(bound(whole))
        per_it = {"two_qubit_gates": _two_qubit(isa_it), "depth": isa_it.depth()}
        total = {"two_qubit_gates": _two_qubit(isa_all), "depth": isa_all.depth()}
        fidelity = estimated_success(isa_all, backend.device.target)
        out.update(
            device_qubits=device_qubits,
            basis=sorted(backend.device.operation_names),
            error_source="device target (reported gate and readout errors)",
        )
    else:
        ri, rw = circuit_resources(bound(iterate)), circuit_resources(bound(whole))
        per_it = {k: ri[k] for k in ("two_qubit_gates", "depth")}
        total = {k: rw[k] for k in ("two_qubit_gates", "depth")}
        fidelity = _noise_success(
            bound(whole).remove_final_measurements(inplace=False), backend.noise_model
        )
        limit = backend.max_qubits
        out.update(
            basis=["cx", "u"],
            error_source="noise model" if backend.noise_model is not None else "noiseless",
            # counting needs no simulation; running does (Aer's default statevector limit)
            simulable=limit is None or width <= limit,
            smallest_fake_device=fit_hint(width),
        )
    out["per_iterate"] = per_it
    out["circuit"] = total
    est: dict = {"fidelity": fidelity}
    if threshold is not None:
        exact = get_backend("exact")
        p = np.asarray(exact.probabilities(problem, prep, int(iterations)))
        p_ideal = float(p[problem.marked].sum())
        p_uniform = float(problem.marked.mean())
        est.update(
            p_head_ideal=p_ideal,
            p_head_uniform=p_uniform,
            p_head=fidelity * p_ideal + (1.0 - fidelity) * p_uniform,
        )
        out["oracle"] = backend.oracle_record(problem)
    out["estimated_success"] = est
    return out


def account_error_with_fit(exc: Exception, bqm: dimod.BinaryQuadraticModel, threshold=None):
    """The missing-account error, extended with the smallest fake device this circuit fits."""
    from grover_train.errors import AccountError
    from grover_train.finders.coherent.marking import OracleQuantizer
    from grover_train.finders.coherent.phase_oracle import value_register_size
    from grover_train.finders.search_problem import SearchProblem

    probe = SearchProblem(bqm, 0.0 if threshold is None else threshold)
    width = bqm.num_variables + value_register_size(OracleQuantizer().quantization(probe))
    head = str(exc).split(" (")[0]
    return AccountError(
        f"{head}; this circuit needs {width} qubits, which fit on --backend {fit_hint(width)}"
    )
