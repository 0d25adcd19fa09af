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

from grover_train.errors import BudgetError, InputError, UnknownNameError
from grover_train.finders.coherent.oracle import diagonal_oracle, hardware_oracle, quantize

ORACLES = ("hardware", "diagonal")


# --------------------------------------------------------------------------- preparation
def _prep_fields(prep) -> tuple[str, int, float]:
    """(kind, steps, dt) of a Preparation (or of a bare kind name)."""
    if isinstance(prep, str):
        kind, steps, dt = prep, 8, 0.8
    else:
        kind, steps, dt = prep.kind, int(getattr(prep, "steps", 8)), float(getattr(prep, "dt", 0.8))
    if kind not in ("uniform", "dqa"):
        raise UnknownNameError(f"unknown preparation {kind!r}: choose 'uniform' or 'dqa'")
    return kind, steps, dt


def _spin_terms(bqm: dimod.BinaryQuadraticModel):
    """SPIN linear vector and [(i, j, J)] in bqm.variables order."""
    spin = bqm if bqm.vartype is dimod.SPIN else bqm.spin
    order = list(bqm.variables)
    index = {v: i for i, v in enumerate(order)}
    h = np.array([spin.get_linear(v) for v in order], dtype=float)
    J = [(index[u], index[v], float(b)) for (u, v), b in spin.quadratic.items()]
    return h, J


def dqa_angles(bqm: dimod.BinaryQuadraticModel, prep) -> tuple[np.ndarray, np.ndarray]:
    """(gammas, betas) of the digitized-annealing preparation (the shared contract).

    Uses ``prep.angles`` when the preparation provides it, so that every backend applies the
    same schedule; otherwise s_k = (k - 1/2)/p, gamma_k = dt s_k / scale, beta_k = dt (1 - s_k)
    with scale = max |SPIN bias| (1 if all are 0).

    >>> g, b = dqa_angles(dimod.BQM({0: 2.0}, {}, 0.0, 'SPIN'), 'dqa')
    >>> len(g), round(float(g[0]), 4), round(float(b[0]), 4)
    (8, 0.025, 0.75)
    """
    if hasattr(prep, "angles"):
        from grover_train.finders.search_problem import SearchProblem

        gammas, betas = prep.angles(SearchProblem(bqm, 0.0))
        return np.asarray(gammas, float), np.asarray(betas, float)
    _, p, dt = _prep_fields(prep)
    h, J = _spin_terms(bqm)
    biases = np.concatenate([np.abs(h), np.abs([j for *_, j in J])])
    scale = float(biases.max()) if biases.size and biases.max() > 0 else 1.0
    s = (np.arange(1, p + 1) - 0.5) / p
    return dt * s / scale, dt * (1 - s)


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
    kind, _, _ = _prep_fields(prep)
    n = bqm.num_variables
    qc = QuantumCircuit(n, name=f"A_{kind}")
    if n == 0:
        return qc
    qc.h(range(n))
    if kind == "uniform":
        return qc
    h, J = _spin_terms(bqm)
    gammas, betas = dqa_angles(bqm, prep)
    for gamma, beta in zip(gammas, betas, strict=True):
        for i in range(n):
            if h[i] != 0.0:
                qc.rz(-2.0 * gamma * h[i], i)
        for i, j, Jij in J:
            if Jij != 0.0:
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
def normalize_iterates(iterates) -> list[tuple[float, float]]:
    """An int r (r plain Grover iterates) or a sequence of (alpha, beta) pairs, as pairs.

    >>> normalize_iterates(2)
    [(3.141592653589793, 3.141592653589793), (3.141592653589793, 3.141592653589793)]
    """
    if isinstance(iterates, bool):
        raise BudgetError(f"iterations must be a non-negative integer, got {iterates!r}")
    if isinstance(iterates, int | np.integer):
        if iterates < 0:
            raise BudgetError(f"iterations must be >= 0, got {iterates}: pass e.g. 1")
        return [(math.pi, math.pi)] * int(iterates)
    if isinstance(iterates, Sequence) or isinstance(iterates, np.ndarray):
        out = []
        for pair in iterates:
            a, b = (float(x) for x in pair)
            if not (math.isfinite(a) and math.isfinite(b)):
                raise InputError(f"iterate phases must be finite, got {pair!r}")
            out.append((a, b))
        return out
    raise BudgetError(f"iterations must be an int or (alpha, beta) pairs, got {iterates!r}")


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
    pairs = normalize_iterates(iterates)
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
