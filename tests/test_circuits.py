"""Oracles and circuit builders: quantization, value register, marks, iterates, QASM exports."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import dimod
import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator, Statevector

from grover_train.errors import BudgetError, InputError, UnknownNameError
from grover_train.finders.coherent.circuits import (
    circuit_resources,
    grover_iterate,
    prep_circuit,
    search_circuit,
)
from grover_train.finders.coherent.iterates import as_phases
from grover_train.finders.coherent.phase_oracle import (
    diagonal_oracle,
    energy_bounds,
    hardware_oracle,
    quantize,
    register_bounds,
    value_loader,
    value_register_size,
)
from grover_train.finders.coherent.prep import Preparation
from grover_train.finders.search_problem import SearchProblem

ROOT = Path(__file__).resolve().parents[1]


def random_int_bqm(rng, n, vartype, lo=-4, hi=4, density=0.8, offset=0.0):
    lin = {i: int(rng.integers(lo, hi + 1)) for i in range(n)}
    quad = {
        (i, j): int(rng.integers(lo, hi + 1))
        for i in range(n)
        for j in range(i + 1, n)
        if rng.random() < density
    }
    return dimod.BQM(lin, quad, offset, vartype)


def amplified_reference(problem, prep, pairs):
    """Independent numpy amplitude amplification: psi <- -(I + (e^{ib}-1)|a><a|) O(alpha) psi."""
    a = prep.statevector(problem)
    psi = a.copy()
    for alpha, beta in pairs:
        psi = psi * np.where(problem.marked, np.exp(1j * alpha), 1.0)
        psi = -(psi + (np.exp(1j * beta) - 1.0) * a * (a.conj() @ psi))
    return np.abs(psi) ** 2


def oracle_diagonal(qc, info, threshold=None):
    """Phases the oracle puts on |z>|0> (value register must return to |0>), from one
    statevector of H^n|0>|0> (an Operator would cost 4^(n+m))."""
    if info.threshold_parameter is not None:
        qc = qc.assign_parameters({info.threshold_parameter: info.bind_value(threshold)})
    n = info.num_problem_qubits
    psi = QuantumCircuit(qc.num_qubits)
    psi.h(range(n))
    psi.compose(qc, inplace=True)
    amp = Statevector(psi).data[: 2**n] * 2 ** (n / 2)
    # every |z>|0> keeps modulus 1: nothing leaks into the value register
    np.testing.assert_allclose(np.abs(amp), 1.0, atol=1e-9)
    return amp


# --------------------------------------------------------------------------- quantization
@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
def test_integer_models_quantize_exactly_and_bounds_hold(vartype):
    rng = np.random.default_rng(3)
    for _ in range(20):
        n = int(rng.integers(1, 7))
        bqm = random_int_bqm(rng, n, vartype, -9, 9, offset=float(rng.integers(-5, 5)) + 0.5)
        q = quantize(bqm)
        E = SearchProblem(bqm, 0.0).energies
        Eint = q.energies()
        assert q.scale == 1.0 and q.exact
        np.testing.assert_array_equal(Eint - q.offset, E - q.source_offset)
        assert q.lower <= Eint.min() and Eint.max() <= q.upper


def test_energy_bounds_are_the_tightest_of_spin_and_row_bounds():
    # E = -3 b0 - 3 b1 + 6 b0 b1: values 0, -3, -3, 0. Sum of negative parts gives -6; the row
    # bound min(0, -3 + 0) + min(0, -3) also gives -6, the spin bound (-3, 0) is exact.
    assert energy_bounds((-3, -3), ((0, 1, 6),)) == (-3, 0)
    # a ferromagnetic chain where the row bound is exact: E = -b0 - b1 - b0 b1 in {0,-1,-1,-3}
    assert energy_bounds((-1, -1), ((0, 1, -1),))[0] == -3


def test_register_bounds_exact_up_to_twenty_variables_roof_duality_above():
    rng = np.random.default_rng(5)
    for n in (3, 8, 20):
        q = quantize(random_int_bqm(rng, n, "BINARY", -10, 10, density=1.0))
        E = q.energies() if n <= 10 else SearchProblem(_bqm_of(q), 0.0).energies
        assert q.bounds_method == "exact"
        assert (q.lower, q.upper) == (E.min(), E.max())
    # above the enumeration limit the bounds come from the coefficients; still valid, and at
    # least as tight as the spin/row bounds alone
    lin = tuple(int(a) for a in rng.integers(-10, 11, 22))
    quad = tuple((i, j, int(rng.integers(-10, 11))) for i in range(22) for j in range(i + 1, 22))
    lo, hi, method = register_bounds(lin, quad, 3)
    E = SearchProblem(
        dimod.BQM(dict(enumerate(lin)), {(i, j): q for i, j, q in quad}, 3, "BINARY"), 0.0
    ).energies
    rows = energy_bounds(lin, quad, 3)
    assert method == "roof-duality"
    assert rows[0] <= lo <= E.min() and E.max() <= hi <= rows[1]
    assert (lo, hi) != rows  # roof duality tightened at least one side on this dense model


def _bqm_of(q):
    return dimod.BQM(
        dict(enumerate(q.linear)), {(i, j): v for i, j, v in q.quadratic}, q.offset, "BINARY"
    )


def test_diagonal_phase_block_is_the_same_unitary_as_the_parity_walks():
    rng = np.random.default_rng(9)
    for n in (2, 3):
        bqm = random_int_bqm(rng, n, "BINARY", -2, 2, density=1.0)
        gates, _ = hardware_oracle(bqm, {0: 1}, threshold=0.5)
        fused, _ = hardware_oracle(bqm, {0: 1}, threshold=0.5, phase_block="diagonal")
        assert fused.size() < gates.size()
        np.testing.assert_allclose(Operator(fused).data, Operator(gates).data, atol=1e-9)
    with pytest.raises(InputError, match="phase_block"):
        hardware_oracle(bqm, threshold=0.5, phase_block="dense")


def test_non_integer_models_record_the_rounding_bound():
    rng = np.random.default_rng(0)
    lin = {i: float(rng.normal()) for i in range(4)}
    quad = {(0, 1): float(rng.normal()), (2, 3): float(rng.normal())}
    bqm = dimod.BQM(lin, quad, 0.3, "SPIN")
    q = quantize(bqm, bits=5)
    assert not q.exact
    E = SearchProblem(bqm, 0.0).energies
    err = np.abs(q.scale * (E - q.source_offset) - (q.energies() - q.offset))
    assert err.max() <= q.rounding_error_bound + 1e-9
    assert q.rounding_error_bound <= 0.5 * 10  # at most 1/2 per nonzero coefficient
    # a finer scale shrinks the relative error
    q8 = quantize(bqm, bits=8)
    assert q8.rounding_error_bound / q8.scale < q.rounding_error_bound / q.scale
    # exactly representable halves/quarters get an exact small scale
    assert quantize(dimod.BQM({0: 0.5, 1: 0.25}, {}, 0, "BINARY")).scale == 4.0


def test_decimal_models_are_exact_and_thresholds_at_levels_mark_only_lower_levels():
    # 0.1-style biases: BINARY coefficients carry float residue; scale 5 makes them integers
    bqm = dimod.BQM({0: 0.1, 1: 0.2, 2: -0.3}, {(0, 1): 0.3, (1, 2): -0.1}, 0.1, "SPIN")
    q = quantize(bqm)
    assert q.exact and q.scale in (5.0, 10.0)
    E = SearchProblem(bqm, 0.0).energies
    levels = np.unique(np.round(E, 9))
    for tau in [*levels, *(0.5 * (levels[1:] + levels[:-1]))]:
        marks = q.energies() < q.threshold_to_int(float(tau))
        tie = np.abs(E - tau) <= 1e-9  # the float reference is ambiguous exactly at a level
        np.testing.assert_array_equal(marks[~tie], SearchProblem(bqm, float(tau)).marked[~tie])
        assert not marks[tie].any()  # E < tau is strict: the level itself is never marked


def test_quantize_rejects_bad_input():
    with pytest.raises(InputError, match="no variables"):
        quantize(dimod.BQM("SPIN"))
    with pytest.raises(InputError, match="NaN or infinite"):
        quantize(dimod.BQM({0: float("nan")}, {}, 0, "SPIN"))
    with pytest.raises(InputError, match="positive"):
        quantize(dimod.BQM({0: 1.0}, {}, 0, "SPIN"), scale=-1)


def test_value_register_size_rule():
    # range [lo, hi]: thresholds t in [lo, hi + 1] give v in [lo - hi - 1, hi - lo];
    # m = 1 + ceil(log2(hi - lo + 1)) and one qubit fewer would wrap at t = hi + 1
    rng = np.random.default_rng(1)
    for _ in range(30):
        q = quantize(random_int_bqm(rng, int(rng.integers(1, 6)), "BINARY", -7, 7))
        m = value_register_size(q)
        half = 2 ** (m - 1)
        assert q.lower - q.upper - 1 >= -half and q.upper - q.lower <= half - 1
        if m > 1:
            assert q.lower - q.upper - 1 < -(half // 2)  # m - 1 qubits would not do
    assert value_register_size(quantize(dimod.BQM({0: 0.0}, {}, 0, "BINARY"))) == 1


# --------------------------------------------------------------------------- the value register
def test_value_loader_writes_energy_minus_threshold_without_wrapping():
    rng = np.random.default_rng(2)
    for vartype in ("SPIN", "BINARY"):
        bqm = random_int_bqm(rng, 3, vartype, -3, 3, density=1.0)
        q = quantize(bqm)
        m = value_register_size(q)
        Eint = q.energies()
        n = 3
        for t in (q.lower, q.upper + 1, (q.lower + q.upper) // 2):
            L = value_loader(q, m, t)
            for z in range(2**n):
                qc = QuantumCircuit(n + m)
                for i in range(n):
                    if z >> i & 1:
                        qc.x(i)
                qc.compose(L, inplace=True)
                p = Statevector(qc).probabilities()
                idx = int(np.argmax(p))
                assert p[idx] == pytest.approx(1.0, abs=1e-9)
                assert idx & (2**n - 1) == z
                v = idx >> n
                assert v == (Eint[z] - t) % 2**m
                assert (v >> (m - 1)) == int(Eint[z] < t)  # sign qubit


# --------------------------------------------------------------------------- oracle marks
@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
def test_hardware_oracle_marks_exactly_the_diagonal_marks(vartype):
    rng = np.random.default_rng(4 if vartype == "SPIN" else 5)
    for trial in range(4):
        n = int(rng.integers(2, 5))
        bqm = random_int_bqm(rng, n, vartype, -3, 3, offset=0.5 * trial)
        exclude = None
        if trial % 2:
            good = 1 if vartype == "SPIN" else 1
            exclude = {n - 1: good, 0: -1 if vartype == "SPIN" else 0}
        qc, info = hardware_oracle(bqm, exclude)
        E = SearchProblem(bqm, 0.0).energies
        levels = np.unique(E)
        thresholds = [levels[0] - 1, levels[0], levels[0] + 0.5, *levels[1:], levels[-1] + 1]
        for tau in thresholds:
            problem = SearchProblem(bqm, float(tau), exclude)
            d = oracle_diagonal(qc, info, tau)
            phase = d / d[0]  # global phase of the block removed
            expected = np.where(problem.marked, -1.0, 1.0) / (-1.0 if problem.marked[0] else 1.0)
            np.testing.assert_allclose(phase, expected, atol=1e-9)
            diag = np.diag(Operator(diagonal_oracle(problem)).data)
            np.testing.assert_allclose(diag, np.where(problem.marked, -1.0, 1.0), atol=1e-12)


def test_hardware_oracle_with_a_general_phase_and_a_numeric_threshold():
    bqm = dimod.BQM({0: 1, 1: -2}, {(0, 1): 3}, 0, "BINARY")  # E = 0, 1, -2, 2
    qc, info = hardware_oracle(bqm, threshold=0.5, phase=0.7)
    assert info.threshold_parameter is None and not qc.parameters
    d = oracle_diagonal(qc, info)
    np.testing.assert_allclose(d / d[1], np.exp(0.7j * np.array([1, 0, 1, 0])), atol=1e-9)


# --------------------------------------------------------------------------- iterates
@pytest.mark.parametrize("kind", ["uniform", "dqa"])
def test_search_circuit_matches_numpy_amplitude_amplification(kind):
    rng = np.random.default_rng(6)
    prep = Preparation(kind, steps=3)
    for trial, vartype in enumerate(["SPIN", "BINARY", "SPIN"]):
        n = 3 + trial % 2
        bqm = random_int_bqm(rng, n, vartype, -3, 3)
        E = SearchProblem(bqm, 0.0).energies
        exclude = {n - 1: 1} if trial == 2 else None
        for tau in (float(np.median(E)), float(E.min()) + 0.5):
            problem = SearchProblem(bqm, tau, exclude)
            for iterates in (1, 2, [(1.0, 2.0), (math.pi, 0.5)]):
                ref = amplified_reference(problem, prep, as_phases(iterates))
                for oracle in ("hardware", "diagonal"):
                    qc = search_circuit(
                        bqm,
                        prep,
                        iterates,
                        exclude=exclude,
                        oracle=oracle,
                        threshold=None if oracle == "hardware" else tau,
                        measure=False,
                    )
                    if qc.parameters:
                        info = qc.metadata["oracle_info"]
                        qc = qc.assign_parameters({info.threshold_parameter: info.bind_value(tau)})
                    p = Statevector(qc).probabilities(list(range(n)))
                    np.testing.assert_allclose(p, ref, atol=1e-9)


def test_prep_circuit_matches_preparation_statevector():
    rng = np.random.default_rng(7)
    bqm = dimod.BQM(
        {i: float(rng.normal()) for i in range(4)},
        {(0, 1): 0.7, (1, 3): -1.2, (2, 3): 0.4},
        1.5,
        "SPIN",
    )
    for prep in (Preparation("uniform"), Preparation("dqa", steps=5, dt=0.6)):
        sv = Statevector(prep_circuit(bqm, prep)).data
        ref = prep.statevector(SearchProblem(bqm, 0.0))
        assert abs(np.vdot(ref, sv)) == pytest.approx(1.0, abs=1e-10)


def test_iterate_validation_and_structure():
    bqm = dimod.BQM({0: 1, 1: -2}, {(0, 1): 3}, 0, "BINARY")
    g = grover_iterate(bqm, "uniform")
    assert [p.name for p in g.parameters] == ["tau"]
    assert g.num_qubits == 2 + value_register_size(quantize(bqm))
    assert grover_iterate(bqm, "uniform", oracle="diagonal", threshold=0.0).num_qubits == 2
    with pytest.raises(InputError, match="numeric threshold"):
        grover_iterate(bqm, "uniform", oracle="diagonal")
    with pytest.raises(UnknownNameError, match="hardware, diagonal"):
        grover_iterate(bqm, "uniform", oracle="magic")
    with pytest.raises(BudgetError):
        as_phases(-1)
    with pytest.raises(InputError, match="finite"):
        as_phases([(float("nan"), 1.0)])
    qc = search_circuit(bqm, "uniform", 3, threshold=0.0)
    assert qc.num_clbits == 2 and qc.metadata["iterates"] == 3 and not qc.parameters


def test_resources_per_iterate_scale_with_coefficients():
    # 2-qubit gates per iterate: the loader costs about one CX per (parity, value qubit), so a
    # dense n = 6 QUBO stays far below the textbook 8 CX per doubly-controlled phase
    rng = np.random.default_rng(8)
    bqm = dimod.BQM(
        {i: int(rng.integers(-10, 11)) for i in range(6)},
        {(i, j): int(rng.integers(-10, 11)) for i in range(6) for j in range(i + 1, 6)},
        0,
        "BINARY",
    )
    m = value_register_size(quantize(bqm))
    g = grover_iterate(bqm, "uniform")
    r = circuit_resources(g.assign_parameters({g.parameters[0]: 0}))
    assert r["num_qubits"] == 6 + m
    textbook = 2 * (m * 15 * 8 + m * 6 * 2)  # CCP + CP per value qubit, loader and uncompute
    assert 0 < r["two_qubit_gates"] < 0.5 * textbook
    assert set(r["ops"]) <= {"cx", "u"}


# --------------------------------------------------------------------------- circuits/ folder
def test_export_is_byte_identical_to_the_committed_circuits(tmp_path):
    from grover_train.cli.export_qasm import export_circuits

    committed = ROOT / "circuits"
    manifest = json.loads((committed / "manifest.json").read_text())
    export_circuits(tmp_path)
    for entry in manifest["circuits"]:
        new = (tmp_path / entry["file"]).read_bytes()
        assert new == (committed / entry["file"]).read_bytes(), entry["file"]
        assert hashlib.sha256(new).hexdigest() == entry["sha256"]
    assert (tmp_path / "manifest.json").read_bytes() == (committed / "manifest.json").read_bytes()


def test_exported_qasm_loads_back_with_the_same_distribution():
    from qiskit import qasm3

    from grover_train.cli.export_qasm import canonical_circuits

    committed = ROOT / "circuits"
    originals = {c["file"]: c for c in canonical_circuits()}
    manifest = json.loads((committed / "manifest.json").read_text())
    checked = 0
    for entry in manifest["circuits"]:
        assert entry["qubits"] <= 16  # small enough to compare full unitaries' outputs fast
        loaded = qasm3.loads((committed / entry["file"]).read_text())
        original = originals[entry["file"]]["circuit"]
        binding = entry.get("bind", {})
        p_loaded = _distribution(loaded, binding)
        p_orig = _distribution(original, binding)
        np.testing.assert_allclose(p_loaded, p_orig, atol=1e-9)
        checked += 1
    assert checked >= 4


def _distribution(qc, binding):
    qc = qc.remove_final_measurements(inplace=False)
    if qc.parameters:  # one parameter: 'tau' in the original, 'threshold' in the file
        (value,) = binding.values()
        qc = qc.assign_parameters({qc.parameters[0]: value})
    # a fixed non-trivial input so that oracles (diagonal in the computational basis) are probed
    init = QuantumCircuit(qc.num_qubits)
    init.h(range(qc.num_qubits))
    init.compose(qc, inplace=True)
    init.h(range(qc.num_qubits))
    return _aer_probabilities(init)


def _aer_probabilities(qc):
    from qiskit_aer import AerSimulator

    sim = AerSimulator(method="statevector", max_parallel_threads=1)  # small: threads only cost
    qc = qc.copy()  # the export basis is native to Aer: no transpile needed
    qc.save_statevector()
    return np.abs(np.asarray(sim.run(qc, shots=1).result().get_statevector())) ** 2
