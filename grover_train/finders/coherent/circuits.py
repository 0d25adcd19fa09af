"""Qiskit circuits of the coherent search (docs/design.md section 6).

Builders for the state preparation A, the generalised Grover iterate
G(alpha, beta) = -A S_0(beta) A^dagger O(alpha) and the full search circuit
A G_r ... G_1 (A applied to |0>), with the hardware oracle (n problem qubits + m value qubits)
or the diagonal simulation oracle (n qubits). Qubits ``0..n-1`` are the problem variables in
``bqm.variables`` order (bit = BINARY value, little-endian); the value register follows.

Every circuit carries ``metadata`` (problem/value qubit counts, threshold parameter, scale,
rounding bound) and :func:`circuit_resources` counts qubits, 2-qubit gates and depth after
transpiling to a basis.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import dimod
import numpy as np
from qiskit import ClassicalRegister, QuantumCircuit, transpile
from qiskit.circuit import Parameter, ParameterExpression

from grover_train.errors import InputError, UnknownNameError
from grover_train.finders.coherent.iterates import as_phases
from grover_train.finders.coherent.phase_oracle import diagonal_oracle, hardware_oracle, quantize
from grover_train.finders.coherent.prep import Preparation
from grover_train.finders.ising import ising_arrays

ORACLES = ("hardware", "diagonal")


# --------------------------------------------------------------------------- preparation
def as_preparation(prep) -> Preparation:
    """A :class:`Preparation`, or a bare kind name with the default steps and dt.

    >>> as_preparation('dqa')
    Preparation(kind='dqa', steps=8, dt=0.8)
    """
    return prep if isinstance(prep, Preparation) else Preparation(prep)


def dqa_angles(bqm: dimod.BinaryQuadraticModel, prep) -> tuple[np.ndarray, np.ndarray]:
    """(gammas, betas) of the digitized-annealing preparation: :meth:`Preparation.angles`,
    the one schedule every backend applies.

    >>> g, b = dqa_angles(dimod.BQM({0: 2.0}, {}, 0.0, 'SPIN'), 'dqa')
    >>> len(g), round(float(g[0]), 4), round(float(b[0]), 4)
    (8, 0.025, 0.75)
    """
    from grover_train.finders.search_problem import SearchProblem

    gammas, betas = as_preparation(prep).angles(SearchProblem(bqm, 0.0))
    return np.asarray(gammas, float), np.asarray(betas, float)


def prep_circuit(bqm: dimod.BinaryQuadraticModel, prep) -> QuantumCircuit:
    """The state preparation A on n qubits: Hadamards (uniform) or digitized annealing (dqa).

    DQA step k: RZ(-2 gamma h_i), RZZ(2 gamma J_ij) (= exp(-i gamma H_P), H_P the SPIN energy
    without offset, s_i = -Z_i), then RX(-2 beta) on every qubit (= exp(+i beta sum X)).

    >>> bqm = dimod.BQM({0: 1.0, 1: -1.0}, {(0, 1): 0.5}, 0.0, 'SPIN')
    >>> dict(prep_circuit(bqm, 'uniform').count_ops())
    {'h': 2}
    >>> sorted(prep_circuit(bqm, 'dqa').count_ops().items())
    [('h', 2), ('rx', 16), ('rz', 16), ('rzz', 8)]
    """
    prep = as_preparation(prep)
    kind = prep.kind
    n = bqm.num_variables
    qc = QuantumCircuit(n, name=f"A_{kind}")
    if n == 0:
        return qc
    qc.h(range(n))
    if kind == "uniform":
        return qc
    h, irow, icol, J, _ = ising_arrays(bqm)
    couplers = [(int(i), int(j), float(c)) for i, j, c in zip(irow, icol, J, strict=True) if c]
    gammas, betas = dqa_angles(bqm, prep)
    for gamma, beta in zip(gammas, betas, strict=True):
        for i in range(n):
            if h[i] != 0.0:
                qc.rz(-2.0 * gamma * h[i], i)
        for i, j, Jij in couplers:
            qc.rzz(2.0 * gamma * Jij, i, j)
        qc.rx(-2.0 * beta, range(n))
    return qc


def zero_reflection(n: int, beta: float | ParameterExpression = math.pi) -> QuantumCircuit:
    """S_0(beta): multiply |0...0> by e^{i beta} (X on all, multi-controlled phase, X on all).

    >>> from qiskit.quantum_info import Operator
    >>> np.round(np.diag(Operator(zero_reflection(2)).data).real, 6).tolist()
    [-1.0, 1.0, 1.0, 1.0]
    """
    qc = QuantumCircuit(n, name="S0")
    qc.x(range(n))
    if n == 1:
        qc.p(beta, 0)
    elif n == 2:
        qc.cp(beta, 0, 1)
    else:
        qc.mcp(beta, list(range(n - 1)), n - 1)
    qc.x(range(n))
    return qc


# --------------------------------------------------------------------------- iterates
def _check_oracle(oracle: str) -> None:
    if oracle not in ORACLES:
        raise UnknownNameError(f"unknown oracle {oracle!r}: choose one of {', '.join(ORACLES)}")


def oracle_circuit(
    bqm: dimod.BinaryQuadraticModel,
    *,
    exclude: Mapping | None = None,
    oracle: str = "hardware",
    threshold: float | Parameter | None = None,
    alpha: float | ParameterExpression = math.pi,
    **quant_options,
) -> tuple[QuantumCircuit, dict]:
    """O(alpha) as a circuit plus metadata (``hardware``: n + m qubits; ``diagonal``: n)."""
    _check_oracle(oracle)
    n = bqm.num_variables
    if oracle == "diagonal":
        from grover_train.finders.search_problem import SearchProblem

        if threshold is None or isinstance(threshold, ParameterExpression):
            raise InputError(
                "the diagonal oracle needs a numeric threshold (marks are precomputed)"
            )
        if isinstance(alpha, ParameterExpression):
            raise InputError("the diagonal oracle needs a numeric phase alpha")
        qc = diagonal_oracle(SearchProblem(bqm, threshold, exclude), phase=alpha)
        meta = {"oracle": "diagonal", "num_problem_qubits": n, "num_value_qubits": 0}
        return qc, meta
    qc, info = hardware_oracle(bqm, exclude, threshold, alpha, **quant_options)
    q = info.quantization
    meta = {
        "oracle": "hardware",
        "num_problem_qubits": n,
        "num_value_qubits": info.num_value_qubits,
        "sign_qubit": info.sign_qubit,
        "threshold_parameter": None
        if info.threshold_parameter is None
        else str(info.threshold_parameter.name),
        "scale": q.scale,
        "rounding_error_bound": q.rounding_error_bound,
        "energy_bounds": [q.lower, q.upper],
        "bounds_method": q.bounds_method,
        "oracle_info": info,
    }
    return qc, meta


def grover_iterate(
    bqm: dimod.BinaryQuadraticModel,
    prep,
    *,
    exclude: Mapping | None = None,
    oracle: str = "hardware",
    threshold: float | Parameter | None = None,
    alpha: float | ParameterExpression = math.pi,
    beta: float | ParameterExpression = math.pi,
    **quant_options,
) -> QuantumCircuit:
    """One generalised iterate G(alpha, beta) = -A S_0(beta) A^dagger O(alpha).

    With the hardware oracle the threshold is a parameter (default ``tau``) unless a number is
    given; bind it to ``qc.metadata["oracle_info"].bind_value(energy_threshold)``.

    >>> bqm = dimod.BQM({0: 1.0, 1: -2.0}, {(0, 1): 3.0}, 0.0, 'BINARY')
    >>> g = grover_iterate(bqm, 'uniform')
    >>> g.num_qubits, [p.name for p in g.parameters]
    (6, ['tau'])
    """
    qc, meta = oracle_circuit(
        bqm, exclude=exclude, oracle=oracle, threshold=threshold, alpha=alpha, **quant_options
    )
    n = bqm.num_variables
    A = prep_circuit(bqm, prep)
    qc.name = "G"
    qc.compose(A.inverse(), range(n), inplace=True)
    qc.compose(zero_reflection(n, beta), range(n), inplace=True)
    qc.compose(A, range(n), inplace=True)
    qc.global_phase += math.pi
    qc.metadata = meta
    return qc


def search_circuit(
    bqm: dimod.BinaryQuadraticModel,
    prep,
    iterates,
    *,
    exclude: Mapping | None = None,
    oracle: str = "hardware",
    threshold: float | Parameter | None = None,
    measure: bool = True,
    **quant_options,
) -> QuantumCircuit:
    """The full search G_r ... G_1 A |0> (optionally measuring the problem qubits into "meas").

    >>> bqm = dimod.BQM({0: 1.0, 1: -2.0}, {(0, 1): 3.0}, 0.0, 'BINARY')
    >>> qc = search_circuit(bqm, 'uniform', 1, threshold=-1.0)
    >>> qc.num_qubits, qc.num_clbits, qc.metadata["num_value_qubits"]
    (6, 2, 4)
    """
    pairs = as_phases(iterates)
    n = bqm.num_variables
    _check_oracle(oracle)
    if oracle == "hardware":
        # one quantization and one threshold parameter shared by every iterate
        if quant_options.get("quantization") is None:
            quant_options = {"quantization": quantize(bqm, **quant_options)}
        if threshold is None:
            threshold = Parameter("tau")
    _, meta = oracle_circuit(
        bqm, exclude=exclude, oracle=oracle, threshold=threshold, **quant_options
    )
    blocks = {
        pair: grover_iterate(
            bqm,
            prep,
            exclude=exclude,
            oracle=oracle,
            threshold=threshold,
            alpha=pair[0],
            beta=pair[1],
            **quant_options,
        )
        for pair in dict.fromkeys(pairs)
    }
    width = n + meta["num_value_qubits"]
    qc = QuantumCircuit(width, name="search")
    qc.compose(prep_circuit(bqm, prep), range(n), inplace=True)
    for pair in pairs:
        qc.compose(blocks[pair], range(width), inplace=True)
    if measure:
        creg = ClassicalRegister(n, "meas")
        qc.add_register(creg)
        qc.measure(range(n), creg)
    qc.metadata = {**meta, "iterates": len(pairs)}
    return qc


# --------------------------------------------------------------------------- resources
def circuit_resources(
    qc: QuantumCircuit, basis: Sequence[str] = ("cx", "u"), optimization_level: int = 1
) -> dict:
    """Qubits, 2-qubit gates and depth of ``qc`` after transpiling to ``basis`` (fixed seed).

    >>> r = circuit_resources(zero_reflection(3))
    >>> r["num_qubits"], r["two_qubit_gates"] > 0
    (3, True)
    """
    t = transpile(
        qc.remove_final_measurements(inplace=False),
        basis_gates=list(basis),
        optimization_level=optimization_level,
        seed_transpiler=0,
    )
    two = sum(1 for inst in t.data if inst.operation.num_qubits == 2)
    return {
        "num_qubits": t.num_qubits,
        "two_qubit_gates": two,
        "depth": t.depth(),
        "ops": dict(t.count_ops()),
    }
