"""Every registered backend passes the backend kit (grover_train.testing): distributions
against the analytic exact backend, seeds, errors, resources and info keys; and a backend
added with one registry line runs through it and through a search."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grover_train import testing
from grover_train.finders.coherent.backends import (
    BACKENDS,
    Backend,
    BackendEntry,
    get_backend,
    register_backend,
)
from grover_train.finders.coherent.backends.base import no_circuit_resources
from grover_train.finders.coherent.iterates import as_phases

# the stand-in device below has no calibration data, which Aer's noise-model builder notes
pytestmark = pytest.mark.filterwarnings("ignore:Qiskit backend .* has no QubitProperties")


class StandInService:
    """A QiskitRuntimeService stand-in whose device is a local noiseless one: ``ibm:`` runs
    without an account or network."""

    def backend(self, name):
        from qiskit.providers.fake_provider import GenericBackendV2

        # a 16-qubit line without noise: the ISA circuits must reproduce exact
        return GenericBackendV2(16, coupling_map=[[i, i + 1] for i in range(15)], noise_info=False)


#: how the kit builds a prefixed backend locally: name and options (fake and ibm devices run
#: the ISA circuits on a noiseless simulator, so their estimates must match exact)
PREFIXED_EXAMPLES = {
    "fake": ("fake:guadalupe", {"noise": False, "shots": 4096}),
    "ibm": ("ibm:stand_in", {"service": StandInService(), "shots": 4096}),
}


def kit_backends() -> list:
    out = []
    for entry in BACKENDS.values():
        if not entry.prefixed:
            out.append(pytest.param((entry.name, {}), id=entry.name))
        else:
            name, options = PREFIXED_EXAMPLES.get(entry.name, (f"{entry.name}:?", {}))
            out.append(pytest.param((name, options), id=entry.name))
    return out


@pytest.fixture(scope="module", params=kit_backends())
def backend(request):
    name, options = request.param
    prefix = name.partition(":")[0]
    if name.endswith(":?"):
        pytest.fail(f"add an example name for the prefixed backend {prefix!r} to the kit test")
    if prefix in ("fake", "ibm"):
        pytest.importorskip("qiskit_ibm_runtime")
    if name == "pennylane":
        pytest.importorskip("pennylane")
    return get_backend(name, **options)


def test_distributions_match_the_exact_backend(backend):
    testing.check_backend_against_exact(backend, seed=0)


def test_the_seed_of_each_call_decides_the_shots(backend):
    testing.check_backend_seeds(backend, seed=0)


def test_bad_input_raises_the_project_errors(backend):
    testing.check_backend_errors(backend)


def test_an_option_the_backend_does_not_take_is_refused(backend):
    from grover_train.errors import OptionError

    with pytest.raises(OptionError, match=r"takes no option 'no_such_option': it takes"):
        get_backend(backend.name, no_such_option=1)


def test_requests_in_any_order_give_the_exact_answers(backend):
    # e.g. aer's saved-state continuation, pennylane's reused QNodes, exact's cached sums
    testing.check_backend_repeats(backend, seed=0)


def test_resources_and_info_keys_are_the_same_on_every_backend(backend):
    testing.check_backend_resources(backend)


# --------------------------------------------------------------------------- a new backend
class DenseBackend(Backend):
    """A backend in a few lines: the dense algebra of G = -A S_0(beta) A^dagger O(alpha) on
    the preparation's statevector (an independent reference for the kit)."""

    name = "dense"
    max_qubits = 12

    def probabilities(self, problem, prep, iterates, rng=None):
        self.check_size(problem)
        a = prep.statevector(problem)
        psi = a.copy()
        for alpha, beta in as_phases(iterates):
            psi = np.where(problem.marked, np.exp(1j * alpha), 1.0) * psi
            psi = -(psi - (1 - np.exp(1j * beta)) * a * np.vdot(a, psi))
        return np.abs(psi) ** 2

    def resources(self, problem, prep, iterates):
        return no_circuit_resources(problem)


def test_a_backend_added_with_one_registry_line_passes_the_kit_and_searches(tmp_path, capsys):
    import json

    from grover_train.cli.main import main
    from grover_train.finders.coherent.backends import backend_help
    from grover_train.finders.coherent.grover import GroverFinder

    register_backend(BackendEntry("dense", f"{__name__}:DenseBackend", "dense numpy algebra"))
    try:
        assert "dense" in backend_help() and "dense" not in backend_help(circuits=True)
        testing.check_backend(get_backend("dense"))
        problem, _, _ = testing.backend_instances()[0]
        kw = dict(threshold=problem.threshold, exclude=problem.exclude, budget=64)
        dense = GroverFinder(backend="dense").sample(problem.bqm, seed=4, **kw)
        exact = GroverFinder(backend="exact").sample(problem.bqm, seed=4, **kw)
        # equal distributions and the shared draw: the same search for the same seed
        assert dense.record.sample.tolist() == exact.record.sample.tolist()
        assert dense.info["rounds"] == exact.info["rounds"]
        # and through the command line, whose help lists it
        path = tmp_path / "m.json"
        path.write_text(json.dumps(problem.bqm.to_serializable()))
        out = {}
        for name in ("dense", "exact"):
            argv = ["search", "--bqm", str(path), "--backend", name, "--seed", "2", "--json"]
            assert main(argv) == 0
            out[name] = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert out["dense"]["backend"] == "dense"
        assert {k: v for k, v in out["dense"].items() if k not in ("backend", "wall_s")} == {
            k: v for k, v in out["exact"].items() if k not in ("backend", "wall_s")
        }
    finally:
        del BACKENDS["dense"]


def test_the_kit_catches_a_wrong_distribution():
    class Wrong(DenseBackend):
        def probabilities(self, problem, prep, iterates, rng=None):
            p = super().probabilities(problem, prep, iterates)
            return np.roll(p, 1)

    with pytest.raises(AssertionError, match="differ from exact"):
        testing.check_backend_against_exact(Wrong())


def test_the_kit_catches_a_fixed_stream():
    class Fixed(DenseBackend):
        def sample(self, problem, prep, iterates, shots, rng):
            return super().sample(problem, prep, iterates, shots, np.random.default_rng(0))

    with pytest.raises(AssertionError, match="another seed gave the same samples"):
        testing.check_backend_seeds(Fixed())


def test_the_kit_catches_a_shot_estimate_with_a_stream_of_its_own():
    class OwnStream(DenseBackend):
        exact_probabilities = False
        shots = 256

        def probabilities(self, problem, prep, iterates, rng=None):
            p = super().probabilities(problem, prep, iterates)
            rng = np.random.default_rng(0) if rng is None else rng  # the fault
            return np.bincount(rng.choice(p.size, self.shots, p=p), minlength=p.size) / self.shots

    with pytest.raises(AssertionError, match="stream of its own"):
        testing.check_backend_errors(OwnStream())


def test_noisy_aer_takes_the_stream_of_the_call():
    pytest.importorskip("qiskit_aer")
    # a density matrix draws nothing; beyond its width the estimate needs the caller's rng
    testing.check_backend_errors(get_backend("aer", noise=True))
    testing.check_backend_errors(get_backend("aer", noise=True, max_density_qubits=2, shots=64))


def test_the_kit_catches_a_cache_that_ignores_the_threshold():
    class Stale(DenseBackend):
        def __init__(self):
            self.saved = {}

        def probabilities(self, problem, prep, iterates, rng=None):
            key = (problem.num_variables, repr(iterates))  # forgets the threshold
            if key not in self.saved:
                self.saved[key] = super().probabilities(problem, prep, iterates)
            return self.saved[key]

    with pytest.raises(AssertionError, match="after others differs from exact"):
        testing.check_backend_repeats(Stale())


def test_kit_instances_have_heads_and_non_heads():
    for problem, _, iterates in testing.backend_instances():
        assert 0 < problem.marked.sum() < 2**problem.num_variables
        assert len(as_phases(iterates)) >= 1
    assert math.isclose(testing.BACKEND_ATOL, 1e-9)


def test_dimod_sampler_tests_pass_on_grover_with_every_backend(backend):
    # dimod's own suite (empty, one-variable and path models); a small budget keeps the
    # device backends (ISA circuits, shots) quick
    from grover_train.finders.coherent.grover import GroverFinder

    finder = GroverFinder(backend=backend)
    assert testing.check_dimod_bqm_tests(lambda: finder, defaults={"budget": 8}) == 32
