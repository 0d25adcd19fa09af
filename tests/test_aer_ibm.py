"""The aer, fake: and ibm: backends agree with the exact backend (docs/design.md section 5);
seeds, errors and resources keys of every backend: tests/test_backend_kit.py."""

from __future__ import annotations

import math

import dimod
import numpy as np
import pytest

from grover_train.errors import AccountError, TooManyQubitsError, UnknownNameError
from grover_train.finders.coherent.backends import get_backend
from grover_train.finders.coherent.backends.aer import AerBackend
from grover_train.finders.coherent.backends.ibm import IBMBackend
from grover_train.finders.coherent.prep import Preparation
from grover_train.finders.search_problem import SearchProblem


def random_bqm(rng, n, vartype, integer=True):
    draw = (lambda: int(rng.integers(-3, 4))) if integer else (lambda: float(rng.normal()))
    lin = {i: draw() for i in range(n)}
    quad = {(i, j): draw() for i in range(n) for j in range(i + 1, n) if rng.random() < 0.7}
    return dimod.BQM(lin, quad, 0.5, vartype)


def tvd(p, q):
    return 0.5 * float(np.abs(np.asarray(p) - np.asarray(q)).sum())


def shot_noise_tvd_bound(p, shots, sigmas=4.0):
    """TVD of an empirical distribution from p stays below 1/2 sum_z sigmas * sd_z (per-state
    binomial standard deviation); with 4 sigmas per state this fails with negligible probability
    and the seed is fixed anyway."""
    p = np.asarray(p)
    return 0.5 * sigmas * float(np.sqrt(p * (1 - p) / shots).sum()) + 1e-12


@pytest.fixture(scope="module")
def exact():
    return get_backend("exact")


@pytest.fixture(scope="module")
def aer():
    return AerBackend()


CASES = [(3, "SPIN"), (4, "BINARY"), (5, "SPIN"), (6, "BINARY")]


@pytest.mark.parametrize(("n", "vartype"), CASES)
def test_aer_hardware_oracle_matches_exact_on_integer_models(n, vartype, exact, aer):
    rng = np.random.default_rng(100 + n)
    bqm = random_bqm(rng, n, vartype)
    E = SearchProblem(bqm, 0.0).energies
    exclude = {n - 1: 1} if n % 2 else None
    others = [get_backend("statevector")]
    for prep in (Preparation("uniform"), Preparation("dqa", steps=4, dt=0.7)):
        for tau in (float(np.quantile(E, 0.3)), float(E.min()) + 0.5):
            problem = SearchProblem(bqm, tau, exclude)
            for iterates in (1, 3, [(2.0, 1.0), (math.pi, math.pi / 3)]):
                ref = exact.probabilities(problem, prep, iterates)
                p = aer.probabilities(problem, prep, iterates)
                assert p.shape == (2**n,)
                np.testing.assert_allclose(p, ref, atol=1e-9)
                for other in others:
                    np.testing.assert_allclose(
                        other.probabilities(problem, prep, iterates), p, atol=1e-9
                    )


@pytest.mark.parametrize(("n", "vartype"), [(3, "BINARY"), (5, "SPIN")])
def test_aer_gate_level_iterates_equal_fused_phase_iterates(n, vartype):
    # the default simulates the parity walks as one diagonal; the gate-level circuit (what
    # noisy runs and hardware execute) must give the same distribution
    rng = np.random.default_rng(200 + n)
    bqm = random_bqm(rng, n, vartype)
    E = SearchProblem(bqm, 0.0).energies
    fused, gates = AerBackend(), AerBackend(fuse_phases=False, incremental=False)
    for prep in (Preparation("uniform"), Preparation("dqa", steps=3, dt=0.6)):
        problem = SearchProblem(bqm, float(np.quantile(E, 0.4)), {0: 1})
        for iterates in (2, [(1.3, 2.0)]):
            np.testing.assert_allclose(
                gates.probabilities(problem, prep, iterates),
                fused.probabilities(problem, prep, iterates),
                atol=1e-9,
            )
        f_ops = fused._blocks(problem, prep)["iterate"].size()
        g_ops = gates._blocks(problem, prep)["iterate"].size()
        assert f_ops < g_ops
        assert fused.resources(problem, prep, 1) == gates.resources(problem, prep, 1)


@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
def test_aer_diagonal_oracle_matches_exact_on_any_model(vartype, exact):
    rng = np.random.default_rng(7)
    backend = AerBackend(oracle="diagonal")
    bqm = random_bqm(rng, 5, vartype, integer=False)
    E = SearchProblem(bqm, 0.0).energies
    for prep in (Preparation("uniform"), Preparation("dqa", steps=3)):
        problem = SearchProblem(bqm, float(np.quantile(E, 0.2)), {0: 1})
        for iterates in (2, [(1.0, 2.5)]):
            np.testing.assert_allclose(
                backend.probabilities(problem, prep, iterates),
                exact.probabilities(problem, prep, iterates),
                atol=1e-9,
            )


def test_aer_matrix_product_state_matches_exact(exact):
    bqm = dimod.BQM({0: 1, 1: -2, 2: 1}, {(0, 1): 2, (1, 2): -1}, 0, "BINARY")
    problem = SearchProblem(bqm, -1.5)
    mps = AerBackend(method="matrix_product_state")
    prep = Preparation("uniform")
    np.testing.assert_allclose(
        mps.probabilities(problem, prep, 1), exact.probabilities(problem, prep, 1), atol=1e-9
    )


def test_aer_rebinds_the_threshold_without_retranspiling(aer):
    rng = np.random.default_rng(3)
    bqm = random_bqm(rng, 4, "SPIN")
    prep = Preparation("uniform")
    aer.probabilities(SearchProblem(bqm, 0.0), prep, 1)
    cached = dict(aer._cache)
    for tau in (-2.0, 1.0, 3.5):
        aer.probabilities(SearchProblem(bqm, tau), prep, 2)
    assert len(aer._cache) == len(cached)  # same (landscape, prep, exclusion): one entry
    key = next(iter(k for k in aer._cache if k in cached))
    assert aer._cache[key]["iterate"] is cached[key]["iterate"]


def test_aer_resources_and_size_limit():
    bqm = dimod.BQM({i: 1 for i in range(4)}, {(0, 1): -2, (2, 3): 3}, 0, "SPIN")
    problem = SearchProblem(bqm, 0.0)
    res = AerBackend().resources(problem, Preparation("uniform"), 2)
    m = res["num_value_qubits"]
    assert res["num_qubits"] == 4 + m and m >= 1
    assert res["two_qubit_gates"] == 2 * res["per_iterate"]["two_qubit_gates"] > 0  # A: only H
    assert res["rounding_error_bound"] == 0.0
    small = AerBackend(max_qubits=6)
    with pytest.raises(TooManyQubitsError, match=rf"at most 6 qubits.*needs {4 + m} \(4 problem"):
        small.probabilities(problem, Preparation("uniform"), 1)
    assert AerBackend(oracle="diagonal", max_qubits=6).probabilities(
        problem, Preparation("uniform"), 1
    ).shape == (16,)


def test_aer_noise_degrades_but_keeps_amplification():
    # 2 variables + 4 value qubits, one marked state of four: noiseless one iterate finds it
    # with certainty; with 1e-2 CX depolarizing noise on ~60 CX the peak survives partly
    bqm = dimod.BQM({0: 1, 1: -2}, {(0, 1): 3}, 0, "BINARY")
    problem = SearchProblem(bqm, -1.0)
    noisy = AerBackend(noise=True)
    assert not noisy.exact_probabilities
    p = noisy.probabilities(problem, Preparation("uniform"), 1)
    assert p.sum() == pytest.approx(1.0, abs=1e-9)
    assert 0.4 < p[2] < 0.99  # prior 0.25, ideal 1.0


# --------------------------------------------------------------------------- fake: and ibm:
TOY = dimod.BQM({0: 1.0, 1: -1.0, 2: 1.0}, {(0, 1): 1.0, (1, 2): -1.0, (0, 2): 1.0}, 0.0, "SPIN")


def test_fake_backend_isa_circuit_without_noise_matches_exact_within_shot_noise(exact):
    # noise=False runs the ISA-transpiled circuit (device basis and coupling map) on an ideal
    # simulator: the only difference from exact is shot noise
    backend = get_backend("fake:guadalupe", noise=False, shots=4096, seed=1)
    assert isinstance(backend, IBMBackend) and not backend.exact_probabilities
    prep = Preparation("uniform")
    E = SearchProblem(TOY, 0.0).energies
    for tau in (float(E.min()) + 0.5, 0.0):
        problem = SearchProblem(TOY, tau)
        ref = exact.probabilities(problem, prep, 1)
        p = backend.probabilities(problem, prep, 1, np.random.default_rng(1))
        assert tvd(p, ref) < shot_noise_tvd_bound(ref, 4096)
    isa = backend.isa_circuit(problem, prep, 1)["isa"]
    assert {op for op in isa.count_ops()} <= set(backend.device.operation_names) | {"barrier"}


def test_fake_backend_with_device_noise_is_honestly_worse_but_amplifies():
    # FakeNairobi's calibrated noise over the ~90 ISA two-qubit gates of one iterate leaves
    # far from the ideal distribution (TVD ~0.5), so no tight bound can hold; what must hold is
    # that amplification still beats the prior 1/4 for the single marked state
    bqm = dimod.BQM({0: 1, 1: -2}, {(0, 1): 3}, 0, "BINARY")
    problem = SearchProblem(bqm, -1.0)
    backend = IBMBackend("fake:nairobi", shots=2000, seed=3)
    p = backend.probabilities(problem, Preparation("uniform"), 1, np.random.default_rng(3))
    assert p.sum() == pytest.approx(1.0)
    assert p[2] > 0.25 + 0.1
    res = backend.resources(problem, Preparation("uniform"), 1)
    assert res["device_qubits"] == 7 and res["num_qubits"] == 6 and res["shots"] == 2000


def test_fake_backend_too_small_names_both_counts():
    backend = get_backend("fake:manila")
    problem = SearchProblem(TOY, 0.0)
    with pytest.raises(
        TooManyQubitsError, match=r"'fake:manila' has 5 qubits.*needs 8 \(3 problem"
    ):
        backend.probabilities(problem, Preparation("uniform"), 1, np.random.default_rng(0))


def test_unknown_fake_backend_lists_names():
    with pytest.raises(UnknownNameError, match="unknown fake backend 'nosuch'.*manila"):
        get_backend("fake:nosuch")
    assert IBMBackend("fake:FakeManilaV2").device.name == IBMBackend("fake:manila").device.name


def test_ibm_backend_without_account_says_how_to_save_one(monkeypatch):
    import qiskit_ibm_runtime

    def no_account(*args, **kwargs):
        raise qiskit_ibm_runtime.accounts.AccountNotFoundError("Unable to find account.")

    monkeypatch.setattr(qiskit_ibm_runtime, "QiskitRuntimeService", no_account)
    with pytest.raises(AccountError, match=r"save_account\(channel=.*token=") as info:
        get_backend("ibm:ibm_brisbane")
    assert "fake:guadalupe" in str(info.value) and "\n" not in str(info.value)


def test_ibm_backend_uses_the_service_backend(monkeypatch):
    # a stand-in service whose backend is a fake device: no network
    from qiskit_ibm_runtime.fake_provider import FakeNairobiV2

    class Service:
        def backend(self, name):
            assert name == "ibm_test"
            return FakeNairobiV2()

    backend = IBMBackend("ibm:ibm_test", service=Service())
    assert backend.device_qubits == 7 and not backend.is_fake
    with pytest.raises(UnknownNameError, match="fake:<name>"):
        IBMBackend("qpu:x")


# --------------------------------------------------------------------------- batched execution
def test_durr_hoyer_on_a_fake_device_runs_many_rounds_per_job_and_counts_them():
    # noiseless mode: the ISA circuits on an ideal simulator, K rounds per job in a Session
    import warnings

    from grover_train.finders.coherent.grover import GroverFinder

    backend = IBMBackend("fake:guadalupe", noise=False, seed=1, batch_size=16)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # the current sampler API
        ss = GroverFinder(schedule="dh", backend=backend).sample(
            TOY, threshold=10.0, budget=300, seed=3
        )
    info, rounds = ss.info, ss.info["rounds"]
    assert ss.first.energy == SearchProblem(TOY, 0.0).energies.min()  # the ground state
    assert info["jobs"] * 5 <= len(rounds)  # at least 5 times fewer jobs than rounds
    assert info["execution_mode"] == "session"  # Durr-Hoyer adapts its threshold
    # accounting: every query is a checked round or a discarded one; one shot per round run
    assert info["queries"] == sum(r["queries"] for r in rounds) + info["wasted_queries"] == 300
    assert info["shots"] == len(rounds) + info["wasted_rounds"] == backend.shots_run
    assert info["jobs"] == backend.jobs == max(r["job"] for r in rounds)
    # a job is cut exactly after a success at its threshold, never after a miss
    last = {}
    for r in rounds:
        last[r["job"]] = r
    cut = sum(1 for r in last.values() if r["found"])
    assert info["wasted_rounds"] == 0 or cut >= 1
    for r in rounds[:-1]:
        nxt = rounds[rounds.index(r) + 1]
        if nxt["job"] == r["job"]:
            assert not r["found"] and nxt["threshold"] == r["threshold"]


def test_sampler_options_pass_through_and_are_recorded():
    backend = IBMBackend("fake:guadalupe", noise=False, seed=2, twirling=True)
    assert backend.sampler_options["twirling"]["enable_gates"] is True
    problem = SearchProblem(TOY, 0.0)
    z = backend.sample(problem, Preparation("uniform"), 1, 8, np.random.default_rng(0))
    assert z.shape == (8,)
    assert backend.shots_run > 8  # twirling runs several randomizations per shot request
    res = backend.resources(problem, Preparation("uniform"), 1)
    assert res["sampler_options"]["twirling"]["enable_measure"] is True
    dd = IBMBackend("fake:nairobi", dynamical_decoupling={"sequence_type": "XpXm"})
    assert dd.sampler_options == {"dynamical_decoupling": {"enable": True, "sequence_type": "XpXm"}}
    with pytest.raises(UnknownNameError, match="execution mode"):
        IBMBackend("fake:nairobi", mode="nope")


def test_aer_warns_when_a_search_circuit_is_simulated_gate_by_gate():
    from grover_train.finders.coherent.backends.aer import SlowSimulationWarning

    bqm = dimod.BQM({0: 1, 1: -2}, {(0, 1): 3}, 0, "BINARY")  # 2 + 4 qubits
    narrow = AerBackend()
    narrow.FUSE_MAX_QUBITS = 5  # pretend the fused path stops below this circuit
    with pytest.warns(SlowSimulationWarning, match=r"6-qubit search circuit \(2 problem \+ 4"):
        narrow.probabilities(SearchProblem(bqm, -1.0), Preparation("uniform"), 1)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", SlowSimulationWarning)
        AerBackend().probabilities(SearchProblem(bqm, -1.0), Preparation("uniform"), 1)
