"""The hardware oracle marks exactly the heads, or says it does not (quantized energies)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import dimod
import numpy as np
import pytest

from grover_train.finders.coherent.backends import get_backend
from grover_train.finders.coherent.backends.aer import AerBackend
from grover_train.finders.coherent.marking import (
    OracleQuantizer,
    QuantizationWarning,
    choose_quantization,
    oracle_marking,
)
from grover_train.finders.coherent.phase_oracle import quantize
from grover_train.finders.coherent.prep import Preparation
from grover_train.finders.search_problem import SearchProblem

ROOT = Path(__file__).resolve().parents[1]


def float_bqm(rng, n):
    lin = {i: float(rng.normal()) for i in range(n)}
    quad = {(i, j): float(rng.normal()) for i in range(n) for j in range(i + 1, n)}
    return dimod.BQM(lin, quad, float(rng.normal()), "SPIN" if n % 2 else "BINARY")


def oracle_marks(quant, t, n):
    """Marks by the integer energies: independent of the marking module's gap search."""
    return quant.energies() < t


def test_twenty_float_models_aer_equals_exact_whenever_it_says_exact():
    # 20 random float-coefficient models, n = 4..10: the aer backend with the hardware oracle
    # must reproduce the analytic engine to 1e-9 when its record says exact, and otherwise
    # say not exact with a positive band count that matches the marks it really uses
    rng = np.random.default_rng(2024)
    exact, aer = get_backend("exact"), AerBackend()
    prep = Preparation("uniform")
    said_exact = 0
    for k in range(20):
        n = 4 + k % 7
        bqm = float_bqm(rng, n)
        E = SearchProblem(bqm, 0.0).energies
        tau = float(np.sort(E)[int(rng.integers(1, 6))])  # a threshold at an energy level
        problem = SearchProblem(bqm, tau, {0: 1} if k % 3 == 0 else None)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            rec = aer.oracle_record(problem)
        quant = aer.quantization(problem)
        marks = oracle_marks(quant, rec["integer_threshold"], n) & ~problem.excluded
        assert rec["scale"] == quant.scale and rec["offset"] == quant.offset
        assert rec["band"][0] <= tau <= rec["band"][1]
        if rec["exact"]:
            said_exact += 1
            np.testing.assert_array_equal(marks, problem.marked)
            for iterates in (1, 2):
                np.testing.assert_allclose(
                    aer.probabilities(problem, prep, iterates),
                    exact.probabilities(problem, prep, iterates),
                    atol=1e-9,
                )
        else:
            assert rec["mismarked"] == int(np.count_nonzero(marks != problem.marked)) > 0
            assert rec["band_states"] >= rec["mismarked"]
            assert any(issubclass(w.category, QuantizationWarning) for w in caught)
    assert said_exact >= 15  # the bit search resolves most head thresholds


def test_fixed_coarse_bits_are_reported_not_exact_with_the_band_count():
    # 2 bits cannot separate close levels: the record must say so, count the mismarks and warn
    rng = np.random.default_rng(5)
    bqm = float_bqm(rng, 8)
    E = SearchProblem(bqm, 0.0).energies
    problem = SearchProblem(bqm, float(np.sort(E)[40]))
    q = quantize(bqm, bits=2)
    m = oracle_marking(q, problem)
    assert not m.exact and m.mismarked > 0 and m.band_states >= m.mismarked
    assert m.mismarked == int(
        np.count_nonzero((q.energies() < m.integer_threshold) != problem.marked)
    )
    qz = OracleQuantizer({"bits": 2})
    with pytest.warns(QuantizationWarning, match=r"not exact.*inside the rounding band"):
        rec = qz.record(problem)
    assert rec["exact"] is False and rec["bits"] == 2 and rec["band_states"] == m.band_states


def test_gap_threshold_beats_rounding_the_threshold():
    # the rounded threshold alone can cut through a rounded level; placed in the gap it cannot
    bqm = dimod.BQM({0: 1.0, 1: 1.001}, {}, 0.0, "BINARY")  # E = 0, 1, 1.001, 2.001
    problem = SearchProblem(bqm, 1.0005)  # heads: E = 0 and 1
    q = choose_quantization(problem)
    m = oracle_marking(q, problem)
    assert m.exact and m.heads == 2
    assert np.array_equal(q.energies() < m.integer_threshold, problem.marked)


def test_amplify_json_says_exact_only_for_exact_marking(tmp_path, capsys):
    from grover_train.cli.main import main

    rng = np.random.default_rng(9)
    bqm = float_bqm(rng, 6)
    path = tmp_path / "m.json"
    path.write_text(json.dumps(bqm.to_serializable()))
    E = SearchProblem(bqm, 0.0).energies
    tau = float(np.sort(E)[3])
    args = ["amplify", "--bqm", str(path), "--threshold", repr(tau), "--iterations", "1"]
    assert main([*args, "--backend", "aer", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert main([*args, "--backend", "exact", "--json"]) == 0
    ref = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["exact"] is True and out["oracle"]["exact"] is True
    assert out["p_marked"] == pytest.approx(ref["p_marked"], abs=1e-9)
    assert {"bits", "scale", "offset", "band", "band_states"} <= set(out["oracle"])
    assert ref["oracle"] is None
    # one bit cannot separate these levels: the JSON must say not exact and count the band
    coarse = ["--backend", "aer", "--backend-option", "quantization={'bits': 1}", "--json"]
    with pytest.warns(QuantizationWarning):
        assert main([*args, *coarse]) == 0
    bad = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert bad["exact"] is False and bad["oracle"]["exact"] is False
    assert bad["oracle"]["bits"] == 1 and bad["oracle"]["band_states"] >= 1
    assert bad["oracle"]["mismarked"] >= 1


def test_dragon_exports_mark_exactly_the_heads():
    # simulate each exported oracle file on every problem basis state: the states it flips
    # are exactly the heads of the instance (energy below the head threshold, label excluded)
    from qiskit import QuantumCircuit, qasm3
    from qiskit.quantum_info import Statevector

    from grover_train.cli.export_qasm import _dragon

    manifest = json.loads((ROOT / "circuits" / "manifest.json").read_text())
    seen = 0
    for entry in manifest["circuits"]:
        if not entry["file"].startswith("dragon") or not entry["file"].endswith("oracle.qasm"):
            continue
        args = (4, 4, 2, 11) if entry["n"] == 6 else (5, 5, 3, 12)
        bqm, tau, exclude = _dragon(*args)
        problem = SearchProblem(bqm, tau, exclude)
        loaded = qasm3.loads((ROOT / "circuits" / entry["file"]).read_text())
        bound = loaded.assign_parameters({loaded.parameters[0]: entry["bind"]["threshold"]})
        n = entry["n"]
        psi = QuantumCircuit(bound.num_qubits)
        psi.h(range(n))
        psi.compose(bound, inplace=True)
        amp = Statevector(psi).data[: 2**n] * np.sqrt(2**n)  # value register back to |0>
        np.testing.assert_allclose(np.abs(amp), 1.0, atol=1e-9)
        flipped = amp.real < 0
        np.testing.assert_array_equal(flipped, problem.marked)
        assert entry["oracle"]["exact"] is True
        assert entry["oracle"]["heads"] == int(problem.marked.sum())
        seen += 1
    assert seen == 2


def test_exported_user_problem_marks_exactly_the_heads(tmp_path):
    # export-qasm --bqm: the bound threshold of a float model's oracle marks exactly the heads
    from qiskit import QuantumCircuit, qasm3
    from qiskit.quantum_info import Statevector

    from grover_train.cli.export_problem import export_problem

    bqm = float_bqm(np.random.default_rng(31), 6)
    E = SearchProblem(bqm, 0.0).energies
    tau = float(np.sort(E)[4])
    desc = export_problem(bqm, tmp_path, threshold=tau)
    assert desc["oracle"]["exact"] is True
    loaded = qasm3.loads((tmp_path / "problem_oracle.qasm").read_text())
    bound = loaded.assign_parameters({loaded.parameters[0]: desc["bind"]["threshold"]})
    psi = QuantumCircuit(bound.num_qubits)
    psi.h(range(6))
    psi.compose(bound, inplace=True)
    amp = Statevector(psi).data[:64] * 8.0
    np.testing.assert_array_equal(amp.real < 0, SearchProblem(bqm, tau).marked)


def test_pennylane_arithmetic_oracle_uses_the_same_honest_marking():
    pytest.importorskip("pennylane")
    from grover_train.finders.coherent.backends.pennylane import PennyLaneBackend

    rng = np.random.default_rng(77)
    exact, prep = get_backend("exact"), Preparation("uniform")
    for n in (4, 5):
        bqm = float_bqm(rng, n)
        tau = float(np.sort(SearchProblem(bqm, 0.0).energies)[2])
        problem = SearchProblem(bqm, tau)
        pl = PennyLaneBackend(oracle="arithmetic")
        rec = pl.oracle_record(problem)
        assert rec == AerBackend().oracle_record(problem) and rec["exact"]
        np.testing.assert_allclose(
            pl.probabilities(problem, prep, 1), exact.probabilities(problem, prep, 1), atol=1e-9
        )
