"""A shipped test kit for head finders and coherent backends, in the spirit of
:mod:`dimod.testing`.

Use it to check a new finder against the exact enumeration::

    from grover_train import testing
    testing.assert_finder_api(my_finder)
    bqm, tau, exclude = testing.dragon_instance(6, 8, 3, seed=0)
    testing.check_finder_against_exact(my_finder, bqm, tau, exclude, budget=500, seed=1)

and a new backend against the analytic ``exact`` backend (distributions, seeds, errors,
resources and ``info`` keys; tests/test_backend_kit.py runs it on every registered backend)::

    testing.check_backend(my_backend)

and dimod's own sampler tests on it (``testing.check_dimod_bqm_tests(lambda: my_finder)``).

Every function raises :class:`AssertionError` with a message saying what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import dimod
import numpy as np

from grover_train.enumeration import MAX_ENUMERATION_VARIABLES
from grover_train.finders.base import HeadFinder
from grover_train.finders.search_problem import SearchProblem
from grover_train.model.landscape import free_bqm, head_threshold, label_exclusion
from grover_train.model.network import DragonNetwork
from grover_train.rng import child_seed, make_rng

#: Keys every finder's ``SampleSet.info`` must hold.
INFO_KEYS = ("finder", "queries", "threshold", "exclude", "seed", "num_heads", "timing", "wall_s")

#: Energies of the same state computed two ways may differ by rounding only.
ENERGY_ATOL = 1e-9


def assert_finder_api(finder: HeadFinder) -> None:
    """Check that ``finder`` has the interface every finder shares.

    It must be a :class:`dimod.Sampler` and a :class:`HeadFinder`, declare the common
    parameters, and return a :class:`dimod.SampleSet` with the common ``info`` keys on a
    two-spin model, in the model's vartype and variable labels.

    >>> from grover_train.finders import get_finder
    >>> assert_finder_api(get_finder('random'))
    """
    assert isinstance(finder, dimod.Sampler), f"{finder!r} is not a dimod.Sampler"
    assert isinstance(finder, HeadFinder), f"{finder!r} is not a HeadFinder"
    assert isinstance(finder.name, str) and finder.name, "a finder needs a non-empty name"
    params = finder.parameters
    assert isinstance(params, Mapping), "parameters must be a mapping"
    for p in ("threshold", "exclude", "budget", "seed", "max_heads"):
        assert p in params, f"parameter {p!r} missing from {finder.name}.parameters"
    props = finder.properties
    assert isinstance(props, Mapping) and props.get("name") == finder.name, (
        "properties must be a mapping with the finder's name"
    )
    for vartype, ground in ((dimod.SPIN, {"a": 1, "b": 1}), (dimod.BINARY, {"a": 1, "b": 1})):
        bqm = dimod.BQM({"a": -1.0, "b": -1.0}, {("a", "b"): -1.0}, 0.5, vartype)
        tau = bqm.energy(ground) + 0.5  # only the ground state is below it
        ss = finder.sample(bqm, threshold=tau, budget=64, seed=3)
        assert isinstance(ss, dimod.SampleSet), f"sample returned {type(ss).__name__}"
        assert ss.vartype is vartype, f"sampleset vartype {ss.vartype} != model's {vartype}"
        assert set(ss.variables) == {"a", "b"}, f"sampleset variables {list(ss.variables)}"
        missing = [k for k in INFO_KEYS if k not in ss.info]
        assert not missing, f"{finder.name}: info lacks {missing}"
        assert isinstance(ss.info["queries"], int) and ss.info["queries"] >= 0, (
            f"queries must be a non-negative int, got {ss.info['queries']!r}"
        )
        for s in ss.samples():
            assert dict(s) == ground, f"{finder.name} returned a non-head {dict(s)}"


def check_finder_against_exact(
    finder: HeadFinder,
    bqm: dimod.BinaryQuadraticModel,
    threshold: float,
    exclude: Mapping | None = None,
    *,
    budget: int = 1000,
    seed: int | None = 0,
    max_heads: int = 1,
) -> dimod.SampleSet:
    """Run ``finder`` and check its answer against the full enumeration of ``bqm``.

    Checks: every returned sample is a head of the exact enumeration (E < threshold and not
    matching ``exclude``; a tie with the threshold within :data:`ENERGY_ATOL` may go either
    way), with the energy of the enumeration; samples are distinct, sorted by
    energy and at most ``max_heads``; ``info`` records the threshold, the seed, the number of
    heads and at most ``budget`` queries (the ``exact`` finder, the reference, always costs
    2^n); a landscape without heads gives an empty SampleSet. Returns the SampleSet.

    >>> from grover_train.finders import get_finder
    >>> bqm, tau, exc = dragon_instance(4, 5, 3, seed=0, margin=0.5)
    >>> ss = check_finder_against_exact(get_finder('random'), bqm, tau, exc, budget=200)
    """
    n = bqm.num_variables
    assert n <= MAX_ENUMERATION_VARIABLES, f"{n} variables are too many to enumerate"
    problem = SearchProblem(bqm, threshold, exclude)
    ss = finder.sample(
        bqm, threshold=threshold, exclude=exclude, budget=budget, seed=seed, max_heads=max_heads
    )
    name = finder.name
    assert list(ss.variables) == list(bqm.variables) or set(ss.variables) == set(bqm.variables), (
        f"{name}: sampleset variables differ from the model's"
    )
    rows = np.atleast_2d(ss.record.sample)
    # A state whose energy equals the threshold up to rounding may go either way: two exact
    # energy paths (dimod's and the enumeration's) can round a tie differently.
    near = np.abs(problem.energies - problem.threshold) <= ENERGY_ATOL
    possible = problem.marked | (near & ~problem.excluded)
    if len(ss):
        cols = [list(ss.variables).index(v) for v in bqm.variables]
        rows = rows[:, cols]
        z = problem.states(rows)
        assert possible[z].all(), (
            f"{name} returned states {z[~possible[z]].tolist()} that are not heads of "
            "the exact enumeration"
        )
        exact = problem.energies[z]
        assert np.allclose(ss.record.energy, exact, rtol=0, atol=ENERGY_ATOL), (
            f"{name}: energies {ss.record.energy.tolist()} differ from the enumeration's "
            f"{exact.tolist()}"
        )
        assert len(np.unique(z)) == len(z), f"{name} returned duplicate samples"
        assert np.all(np.diff(ss.record.energy) >= 0), f"{name}: samples not sorted by energy"
    if not possible.any():
        assert len(ss) == 0, f"{name} returned {len(ss)} samples but there are no heads"
    assert len(ss) <= max_heads, f"{name} returned {len(ss)} > max_heads={max_heads} heads"
    queries = ss.info["queries"]
    if name == "exact":
        assert queries == 2**n, f"exact must cost 2^{n} queries, got {queries}"
    else:
        assert 0 <= queries <= budget, f"{name} spent {queries} queries, budget {budget}"
    assert ss.info["num_heads"] == len(ss), "info['num_heads'] differs from the sampleset"
    assert ss.info["threshold"] == float(threshold), "info['threshold'] is not the threshold"
    assert ss.info["seed"] == seed, "info['seed'] is not the seed"
    return ss


def mock_dwave_sampler(**mock_options) -> dimod.Sampler:
    """``EmbeddingComposite(MockDWaveSampler(...))`` whose mock accepts a ``seed``.

    dwave-system's mock QPU runs a classical substitute sampler (steepest descent by default)
    on the embedded problem; this variant forwards ``seed`` to it, so the ``dwave`` finder is
    reproducible in tests. No network is touched.

    >>> from grover_train.finders import get_finder
    >>> f = get_finder('dwave', sampler=mock_dwave_sampler(), num_reads=4)
    >>> bqm = dimod.BQM({0: -1.0}, {}, 0.0, 'SPIN')
    >>> f.sample(bqm, threshold=-0.5, budget=4, seed=0).record.sample.tolist()
    [[1]]
    """
    from dwave.system import EmbeddingComposite
    from dwave.system.testing import MockDWaveSampler

    class SeededMockDWaveSampler(MockDWaveSampler):
        def __init__(self, **options) -> None:
            super().__init__(**options)
            self.parameters = {**self.parameters, "seed": []}
            self.mocked_parameters = {*self.mocked_parameters, "seed"}

    return EmbeddingComposite(SeededMockDWaveSampler(**mock_options))


# ---------------------------------------------------------------------- instance generators
def random_bqm(
    n: int,
    vartype=dimod.SPIN,
    *,
    seed: int | None = 0,
    density: float = 0.5,
    labels: list | None = None,
) -> dimod.BinaryQuadraticModel:
    """A random model with Gaussian biases, each coupler present with probability ``density``;
    its variables are in the order of ``labels`` (default ``0..n-1``).

    >>> bqm = random_bqm(5, 'BINARY', seed=1, labels=list('abcde'))
    >>> bqm.num_variables, bqm.vartype is dimod.BINARY, list(bqm.variables)
    (5, True, ['a', 'b', 'c', 'd', 'e'])
    """
    rng = make_rng(seed)
    labels = list(range(n)) if labels is None else list(labels)
    if len(labels) != n:
        raise ValueError(f"{len(labels)} labels for {n} variables")
    linear = {v: float(rng.normal()) for v in labels}
    quad = {}
    for i in range(n):
        for j in range(i + 1, n):
            if rng.random() < density:
                quad[labels[i], labels[j]] = float(rng.normal())
    bqm = dimod.BQM(vartype)
    bqm.add_linear_from(linear)  # variables in the order of ``labels``
    bqm.add_quadratic_from(quad)
    bqm.offset = float(rng.normal())
    return bqm


def dragon_instance(
    num_inputs: int = 6,
    hidden: int = 8,
    num_classes: int = 3,
    *,
    seed: int | None = 0,
    margin: float = 0.0,
    label: int | None = None,
    scale: float = 1.0,
) -> tuple[dimod.BinaryQuadraticModel, float, dict]:
    """A dragon landscape: ``free_bqm`` of a random network for a random +-1 input, with the
    head threshold of a label and its exclusion. Returns ``(bqm, threshold, exclude)``.

    >>> bqm, tau, exclude = dragon_instance(6, 8, 3, seed=0)
    >>> bqm.num_variables, sorted(exclude)
    (11, [8, 9, 10])
    """
    rng = make_rng(seed)
    net = DragonNetwork.random(num_inputs, hidden, num_classes, seed=child_seed(rng), scale=scale)
    x = 2.0 * rng.integers(0, 2, size=num_inputs) - 1.0
    k = int(rng.integers(num_classes)) if label is None else int(label)
    return free_bqm(net, x), head_threshold(net, x, k, margin), label_exclusion(net, k)


def dragon_instances(count: int, *, seed: int = 0, max_variables: int = 14) -> list:
    """``count`` small dragon instances of mixed sizes and margins (n <= ``max_variables``).

    >>> [b.num_variables for b, _, _ in dragon_instances(3)]
    [13, 9, 9]
    """
    rng = make_rng(seed)
    out = []
    for i in range(count):
        C = 2 + i % 3
        H = int(rng.integers(min(4, max_variables - C), max_variables - C + 1))
        out.append(
            dragon_instance(
                int(rng.integers(3, 9)),
                H,
                C,
                seed=child_seed(rng),
                margin=float(rng.choice([0.0, 0.5, 2.0])),
            )
        )
    return out


# ---------------------------------------------------------------------- backend kit
#: Probabilities of a backend with exact probabilities agree with the analytic ``exact``
#: backend to this (the backends agree to 1e-9).
BACKEND_ATOL = 1e-9
#: A shot estimate stays within this many binomial standard deviations per state of the exact
#: distribution (summed into a total-variation bound); the seed is fixed, so the check is too.
SHOT_SIGMAS = 5.0


def backend_instances(seed: int = 0) -> list[tuple]:
    """The cases of the backend kit: ``(problem, prep, iterates)`` triples on small
    integer-valued models (a quantized oracle then marks exactly the heads), SPIN and BINARY,
    with and without an exclusion, both preparations, plain and (alpha, beta) iterates.

    >>> [(p.num_variables, prep.kind, it) for p, prep, it in backend_instances()]
    [(3, 'uniform', 1), (4, 'dqa', [(2.0, 1.0), (3.141592653589793, 1.0471975511965976)])]
    """
    from grover_train.finders.coherent.prep import Preparation

    rng = make_rng(seed)
    cases = (
        (3, dimod.SPIN, Preparation("uniform"), 1),
        (4, dimod.BINARY, Preparation("dqa", steps=2, dt=0.7), [(2.0, 1.0), (np.pi, np.pi / 3)]),
    )
    out = []
    for n, vartype, prep, iterates in cases:
        lin = {i: int(rng.integers(-3, 4)) for i in range(n)}
        quad = {(i, j): int(rng.integers(-3, 4)) for i in range(n) for j in range(i + 1, n)}
        bqm = dimod.BQM(lin, quad, 0.5, vartype)
        exclude = {n - 1: 1} if n % 2 else None
        free = SearchProblem(bqm, 0.0, exclude)
        E = np.sort(free.energies[~free.excluded])
        # energies are k + 1/2: an integer threshold separates heads from the rest
        out.append((SearchProblem(bqm, float(np.floor(E[len(E) // 4])), exclude), prep, iterates))
    return out


def _tvd_bound(p: np.ndarray, shots: int) -> float:
    """Total variation of a ``shots``-shot histogram from ``p``: at most 1/2 sum_z of
    :data:`SHOT_SIGMAS` binomial standard deviations."""
    return 0.5 * SHOT_SIGMAS * float(np.sqrt(p * (1 - p) / shots).sum()) + 1e-12


def _raises(error: type[Exception], call, what: str) -> None:
    try:
        call()
    except error:
        return
    except Exception as exc:  # noqa: BLE001 - report what was raised instead
        got = f"raised {type(exc).__name__} ({exc})"
        raise AssertionError(f"{what}: {got}, not {error.__name__}") from exc
    raise AssertionError(f"{what}: no {error.__name__} raised")


def check_backend_against_exact(backend, *, seed: int = 0) -> None:
    """The backend's distributions equal the analytic ``exact`` backend's on
    :func:`backend_instances`: within :data:`BACKEND_ATOL` when ``backend.exact_probabilities``,
    else (shot estimates, drawn from ``default_rng(seed)``) within the shot noise of its
    ``shots``.

    >>> from grover_train.finders.coherent.backends import get_backend
    >>> check_backend_against_exact(get_backend('statevector'))
    """
    from grover_train.finders.coherent.backends import get_backend

    exact = get_backend("exact")
    name = backend.name
    for problem, prep, iterates in backend_instances(seed):
        ref = exact.probabilities(problem, prep, iterates)
        if backend.exact_probabilities:
            p = np.asarray(backend.probabilities(problem, prep, iterates), dtype=float)
            assert p.shape == ref.shape, f"{name}: probabilities of shape {p.shape} != {ref.shape}"
            err = float(np.abs(p - ref).max())
            assert err <= BACKEND_ATOL, f"{name}: probabilities differ from exact by {err:.3g}"
        else:
            p = np.asarray(backend.probabilities(problem, prep, iterates, make_rng(seed)))
            tvd = 0.5 * float(np.abs(p - ref).sum())
            bound = _tvd_bound(ref, int(backend.shots))
            assert tvd <= bound, f"{name}: shot estimate {tvd:.3g} from exact (bound {bound:.3g})"


def check_backend_seeds(backend, *, seed: int = 0, shots: int = 2000) -> None:
    """The seed of each call decides the shots: equal generators give equal samples, another
    seed other samples, and the histogram follows the exact distribution (shot noise bound).
    Shot estimates of :meth:`probabilities` repeat for equal generators too. Hardware
    (``backend.seeded`` False) is checked for the distribution only.

    >>> from grover_train.finders.coherent.backends import get_backend
    >>> check_backend_seeds(get_backend('exact'))
    """
    from grover_train.finders.coherent.backends import get_backend

    name = backend.name
    problem, prep, iterates = backend_instances(seed)[1]
    a = backend.sample(problem, prep, iterates, shots, make_rng(seed))
    b = backend.sample(problem, prep, iterates, shots, make_rng(seed))
    c = backend.sample(problem, prep, iterates, shots, make_rng(seed + 1))
    assert a.shape == (shots,) and a.dtype == np.int64, f"{name}: sample shape/dtype {a.shape}"
    if backend.seeded:  # hardware (``seeded`` False) cannot repeat its shots
        assert np.array_equal(a, b), f"{name}: the same seed gave different samples"
        assert not np.array_equal(a, c), f"{name}: another seed gave the same samples"
    ref = get_backend("exact").probabilities(problem, prep, iterates)
    freq = np.bincount(a, minlength=ref.size) / shots
    tvd, bound = 0.5 * float(np.abs(freq - ref).sum()), _tvd_bound(ref, shots)
    assert tvd <= bound, f"{name}: samples {tvd:.3g} from the distribution (bound {bound:.3g})"
    if backend.seeded and not backend.exact_probabilities:
        p = backend.probabilities(problem, prep, iterates, make_rng(seed))
        q = backend.probabilities(problem, prep, iterates, make_rng(seed))
        assert np.array_equal(p, q), f"{name}: the same seed gave different estimates"


def check_backend_errors(backend) -> None:
    """Bad iterates and shots raise the project's :class:`ValueError` subclasses
    (:class:`~grover_train.errors.BudgetError`, :class:`InputError`); a shot estimate without
    the caller's ``rng`` is refused (:class:`InputError`), never drawn from a stream of its own.

    >>> from grover_train.finders.coherent.backends import get_backend
    >>> check_backend_errors(get_backend('exact'))
    """
    from grover_train.errors import BudgetError, InputError

    name = backend.name
    problem, prep, _ = backend_instances()[0]
    rng = make_rng(0)
    for bad, error in ((-1, BudgetError), (True, BudgetError), ([(np.nan, 1.0)], InputError)):
        _raises(
            error,
            lambda bad=bad: backend.probabilities(problem, prep, bad, rng),
            f"{name}: iterates {bad!r}",
        )
    for shots in (0, 2.5):
        _raises(
            BudgetError,
            lambda shots=shots: backend.sample(problem, prep, 1, shots, rng),
            f"{name}: shots {shots!r}",
        )
    if not backend.exact_probabilities:
        # without the caller's stream: refused, or computed without random numbers (a noisy
        # density matrix), never drawn from a stream of the backend's own
        try:
            p = backend.probabilities(problem, prep, 1)
        except InputError:
            return
        q = backend.probabilities(problem, prep, 1, make_rng(1))
        assert np.array_equal(p, q), f"{name}: probabilities without rng use a stream of its own"


def check_backend_resources(backend) -> dict:
    """:meth:`resources` holds :data:`RESOURCE_KEYS` with consistent values, and a search's
    ``SampleSet.info`` has the same keys as on the ``exact`` backend. Returns the resources.

    >>> from grover_train.finders.coherent.backends import get_backend
    >>> check_backend_resources(get_backend('exact'))['num_qubits']
    3
    """
    from grover_train.finders.coherent.backends.base import RESOURCE_KEYS
    from grover_train.finders.coherent.grover import GroverFinder

    name = backend.name
    problem, prep, iterates = backend_instances()[0]
    res = backend.resources(problem, prep, iterates)
    missing = [k for k in RESOURCE_KEYS if k not in res]
    assert not missing, f"{name}: resources lack {missing}"
    n, m = problem.num_variables, res["num_value_qubits"]
    assert isinstance(m, int) and m >= 0, f"{name}: num_value_qubits {m!r}"
    assert res["num_qubits"] == n + m, f"{name}: num_qubits {res['num_qubits']} != {n} + {m}"
    for key in ("two_qubit_gates", "depth"):
        v = res[key]
        assert v is None or (isinstance(v, int) and v >= 0), f"{name}: {key} = {v!r}"
    kw = dict(threshold=problem.threshold, exclude=problem.exclude, budget=16, seed=0)
    info = GroverFinder(backend=backend).sample(problem.bqm, **kw).info
    ref = GroverFinder(backend="exact").sample(problem.bqm, **kw).info
    assert set(info) == set(ref), f"{name}: info keys differ from exact's: {set(info) ^ set(ref)}"
    assert set(RESOURCE_KEYS) <= set(info["resources"]), f"{name}: info['resources'] keys"
    return res


def check_backend_repeats(backend, *, seed: int = 0) -> None:
    """Whatever a backend keeps between calls (transpiled circuits, saved states, devices) does
    not change an answer: requests at two thresholds and several iterates, in an order that
    goes back and forth on one instance, equal the ``exact`` backend's within
    :data:`BACKEND_ATOL`. Exact-probability backends only.

    >>> from grover_train.finders.coherent.backends import get_backend
    >>> check_backend_repeats(get_backend('statevector'))
    """
    from grover_train.finders.coherent.backends import get_backend

    if not backend.exact_probabilities:
        return
    exact = get_backend("exact")
    for base, prep, _ in backend_instances(seed):
        E = np.sort(base.energies[~base.excluded])
        for t in (float(np.floor(E[1])), float(np.floor(E[len(E) // 2])), float(np.floor(E[1]))):
            problem = base.with_threshold(t)
            for it in (3, 1, 0, 4, [(1.0, 2.0), (np.pi, np.pi)], [(1.0, 2.0)], 2):
                p = np.asarray(backend.probabilities(problem, prep, it))
                err = float(np.abs(p - exact.probabilities(problem, prep, it)).max())
                assert err <= BACKEND_ATOL, (
                    f"{backend.name}: request (threshold {t}, iterates {it!r}) after others "
                    f"differs from exact by {err:.3g}"
                )


def check_backend(backend, *, seed: int = 0) -> None:
    """Every check of the backend kit: distributions against ``exact``, seeds, errors,
    resources and info keys.

    >>> from grover_train.finders.coherent.backends import get_backend
    >>> check_backend(get_backend('statevector'))
    """
    check_backend_against_exact(backend, seed=seed)
    check_backend_seeds(backend, seed=seed)
    check_backend_errors(backend)
    check_backend_repeats(backend, seed=seed)
    check_backend_resources(backend)


class _SeededSampler(dimod.Sampler):
    """A finder whose calls without a seed get one from a seeded stream: dimod's tests call
    ``sample(bqm)`` alone, and a test must not depend on luck."""

    def __init__(self, finder: dimod.Sampler, seed: int, defaults: Mapping) -> None:
        self.finder, self._rng, self.defaults = finder, make_rng(seed), dict(defaults)

    @property
    def parameters(self) -> dict:
        return dict(self.finder.parameters)

    @property
    def properties(self) -> dict:
        return dict(self.finder.properties)

    def sample(self, bqm, **kwargs) -> dimod.SampleSet:
        kwargs.setdefault("seed", child_seed(self._rng))
        return self.finder.sample(bqm, **{**self.defaults, **kwargs})


def check_dimod_bqm_tests(
    finder_factory: Callable[[], dimod.Sampler],
    *,
    seed: int = 0,
    max_num_variables: int | None = None,
    defaults: Mapping | None = None,
) -> int:
    """Run dimod's own sampler tests (:func:`dimod.testing.load_sampler_bqm_tests`: empty,
    one-variable and path models of every BQM type and vartype) on the finders
    ``finder_factory`` builds, seeded from ``seed``; ``defaults`` are sample keywords the tests
    do not give (e.g. a small ``budget`` for a slow device backend). Returns how many ran.

    Raises:
        AssertionError: naming every failing test and its last error line.

    >>> from grover_train.finders import get_finder
    >>> check_dimod_bqm_tests(lambda: get_finder('random'))
    32
    """
    import unittest

    from dimod.testing import load_sampler_bqm_tests

    stream = make_rng(seed)

    def factory() -> dimod.Sampler:
        return _SeededSampler(finder_factory(), child_seed(stream), defaults or {})

    factory.__name__ = "factory"

    @load_sampler_bqm_tests(factory, max_num_variables=max_num_variables)
    class DimodBQMTests(unittest.TestCase):
        pass

    suite = unittest.TestLoader().loadTestsFromTestCase(DimodBQMTests)
    result = unittest.TestResult()
    suite.run(result)
    bad = [
        f"{test.id().rsplit('.', 1)[-1]}: {trace.strip().splitlines()[-1]}"
        for test, trace in [*result.failures, *result.errors]
    ]
    assert not bad, f"{len(bad)} of {result.testsRun} dimod sampler tests fail: " + "; ".join(bad)
    return result.testsRun


__all__ = [
    "BACKEND_ATOL",
    "SHOT_SIGMAS",
    "backend_instances",
    "check_backend",
    "check_backend_against_exact",
    "check_backend_errors",
    "check_backend_repeats",
    "check_backend_resources",
    "check_backend_seeds",
    "check_dimod_bqm_tests",
    "ENERGY_ATOL",
    "INFO_KEYS",
    "assert_finder_api",
    "check_finder_against_exact",
    "dragon_instance",
    "dragon_instances",
    "mock_dwave_sampler",
    "random_bqm",
]
