"""``grover-train resources``: fit, gates and one-shot success without running a search."""

from __future__ import annotations

import json

import dimod
import numpy as np
import pytest

from grover_train.cli.main import main

TOY = dimod.BQM({0: 1.0, 1: -1.0, 2: 1.0}, {(0, 1): 1.0, (1, 2): -1.0, (0, 2): 1.0}, 0.0, "SPIN")


@pytest.fixture()
def toy(tmp_path):
    path = tmp_path / "toy.json"
    path.write_text(json.dumps(TOY.to_serializable()))
    return str(path)


def last_json(capsys):
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_resources_on_aer_and_a_fake_device(toy, capsys):
    assert main(["resources", "--bqm", toy, "--backend", "aer", "--threshold", "-3", "--json"]) == 0
    aer = last_json(capsys)
    assert (aer["problem_qubits"], aer["ancilla_qubits"], aer["num_qubits"]) == (3, 5, 8)
    assert aer["per_iterate"]["two_qubit_gates"] > 0 and aer["estimated_success"]["fidelity"] == 1
    # ideal head probability after one iterate with one head of eight: sin^2(3 asin(1/sqrt 8))
    ideal = np.sin(3 * np.arcsin(np.sqrt(1 / 8))) ** 2
    assert aer["estimated_success"]["p_head_ideal"] == pytest.approx(ideal, abs=1e-9)
    args = ["resources", "--bqm", toy, "--backend", "fake:guadalupe", "--threshold", "-3"]
    assert main([*args, "--iterations", "2", "--json"]) == 0
    dev = last_json(capsys)
    assert dev["device_qubits"] == 16 and dev["num_qubits"] == 8 and dev["iterations"] == 2
    # routing on the heavy-hex device costs gates; two iterates cost about twice one
    assert dev["per_iterate"]["two_qubit_gates"] >= aer["per_iterate"]["two_qubit_gates"]
    assert dev["circuit"]["two_qubit_gates"] > 1.5 * dev["per_iterate"]["two_qubit_gates"]
    est = dev["estimated_success"]
    assert 0.0 < est["fidelity"] < 0.5  # hundreds of CX at ~1e-2 each
    assert est["p_head_uniform"] < est["p_head"] < est["p_head_ideal"]


def test_estimated_success_tracks_a_depolarizing_simulation(tmp_path, capsys):
    # 2 variables, one head of four: compare the estimate F p_ideal + (1 - F) p_uniform with
    # Aer's exact density-matrix result under the same depolarizing model
    from grover_train.finders.coherent.backends.aer import AerBackend
    from grover_train.finders.coherent.prep import Preparation
    from grover_train.finders.search_problem import SearchProblem

    bqm = dimod.BQM({0: 1, 1: -2}, {(0, 1): 3}, 0, "BINARY")
    path = tmp_path / "two.json"
    path.write_text(json.dumps(bqm.to_serializable()))
    args = ["resources", "--bqm", str(path), "--backend", "aer", "--threshold", "-1"]
    assert main([*args, "--backend-option", "noise=true", "--json"]) == 0
    est = last_json(capsys)["estimated_success"]
    p = AerBackend(noise=True).probabilities(SearchProblem(bqm, -1.0), Preparation("uniform"), 1)
    assert 0.2 < est["fidelity"] < 0.9
    assert est["p_head"] == pytest.approx(float(p[2]), abs=0.15)


def test_too_large_for_the_device_names_the_smallest_fake_that_fits(toy, capsys):
    code = main(["resources", "--bqm", toy, "--backend", "fake:manila", "--json"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "has 5 qubits" in err and "needs 8" in err and "fake:melbourne (15 qubits)" in err


def test_missing_account_suggests_a_fake_device_that_fits(toy, capsys, monkeypatch):
    import qiskit_ibm_runtime

    def no_account(*args, **kwargs):
        raise qiskit_ibm_runtime.accounts.AccountNotFoundError("Unable to find account.")

    monkeypatch.setattr(qiskit_ibm_runtime, "QiskitRuntimeService", no_account)
    for cmd in (["resources"], ["amplify", "--iterations", "1", "--threshold", "-3"]):
        code = main([*cmd, "--bqm", toy, "--backend", "ibm:ibm_brisbane"])
        err = capsys.readouterr().err
        assert code == 2 and "save_account" in err
        assert "needs 8 qubits" in err and "fake:melbourne (15 qubits)" in err


def test_resources_count_circuits_aer_cannot_simulate(tmp_path, capsys):
    # 24-spin chain: 33 circuit qubits, beyond Aer's statevector limit but countable
    rng = np.random.default_rng(0)
    n = 24
    bqm = dimod.BQM(
        {i: int(rng.integers(-3, 4)) for i in range(n)},
        {(i, i + 1): int(rng.integers(-3, 4)) for i in range(n - 1)},
        0,
        "SPIN",
    )
    path = tmp_path / "chain.json"
    path.write_text(json.dumps(bqm.to_serializable()))
    assert main(["resources", "--bqm", str(path), "--backend", "aer", "--json"]) == 0
    out = last_json(capsys)
    assert out["num_qubits"] == 24 + out["ancilla_qubits"] > 28 and out["simulable"] is False
    assert out["smallest_fake_device"].startswith("fake:")
    assert out["per_iterate"]["two_qubit_gates"] > 0


def test_fake_device_sizes_match_the_devices():
    from grover_train.finders.coherent.backends.ibm import fake_backend
    from grover_train.finders.coherent.devices import fake_device_sizes, smallest_fake_device

    sizes = dict(fake_device_sizes())
    for name in ("manila", "nairobi", "guadalupe", "melbourne"):
        assert sizes[name] == fake_backend(name).num_qubits
    name, q = smallest_fake_device(17)
    assert q >= 17 and all(v < 17 or v >= q for v in sizes.values())
