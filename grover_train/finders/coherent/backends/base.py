"""The interface every coherent-search backend implements (docs/design.md section 5).

A backend runs psi = G_r ... G_1 A|0> for a preparation A (:class:`Preparation`) and a list of
generalised Grover iterates G(alpha, beta) = -A S_0(beta) A^dagger O(alpha), where O(alpha)
multiplies the marked states (heads of the :class:`SearchProblem`) by e^{i alpha} and S_0(beta)
multiplies |0...0> by e^{i beta}. Plain Grover is alpha = beta = pi.

``iterates`` is an int r (r plain iterates) or a sequence of (alpha, beta) pairs. Probabilities
are always a float array of length 2^n over the problem variables only (ancillas marginalised),
index bit i = BINARY value of ``list(bqm.variables)[i]`` (Qiskit qubit i).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import numpy as np

from grover_train.errors import BudgetError, InputError, TooManyQubitsError
from grover_train.finders.coherent.iterates import Iterates
from grover_train.finders.coherent.prep import Preparation
from grover_train.finders.search_problem import SearchProblem
from grover_train.rng import make_rng
from grover_train.validate import positive_int

#: the random stream of a call (None where the backend draws nothing)
Rng = np.random.Generator | None


def check_shots(shots: object) -> int:
    """A shot count must be a positive integer."""
    return positive_int(shots, "shots", BudgetError)


def shot_stream(rng: np.random.Generator | None, backend: str) -> np.random.Generator:
    """The random stream of a shot estimate: the caller's generator, never a fixed one.

    Raises:
        InputError: ``rng`` is None (a backend that estimates from shots needs the caller's
            stream, so that the seed of a search reaches it).

    >>> shot_stream(np.random.default_rng(0), "aer").random() < 1
    True
    """
    if rng is None:
        raise InputError(
            f"backend {backend!r} estimates probabilities from shots: pass "
            "rng=numpy.random.default_rng(seed)"
        )
    return make_rng(rng)


#: Keys of :meth:`Backend.resources` on every backend: qubits of the search circuit, of its value
#: register (0 when the oracle needs none), two-qubit gates and depth (None: no gate-level circuit).
RESOURCE_KEYS = ("num_qubits", "num_value_qubits", "two_qubit_gates", "depth")


def no_circuit_resources(problem: SearchProblem) -> dict:
    """:data:`RESOURCE_KEYS` of a backend that runs no gate-level circuit (n qubits).

    >>> import dimod
    >>> no_circuit_resources(SearchProblem(dimod.BQM({0: 1.0}, {}, 0.0, 'SPIN'), 0.0))
    {'num_qubits': 1, 'num_value_qubits': 0, 'two_qubit_gates': None, 'depth': None}
    """
    return {
        "num_qubits": problem.num_variables,
        "num_value_qubits": 0,
        "two_qubit_gates": None,
        "depth": None,
    }


class EnergyOrder:
    """The non-excluded states sorted by energy, and the excluded states: the heads below any
    threshold are a prefix of :attr:`states` (computed once per landscape, cached)."""

    def __init__(self, problem: SearchProblem) -> None:
        E = problem.energies
        excl = problem.excluded
        free = np.flatnonzero(~excl)
        self.states = free[np.argsort(E[free])]  # any deterministic sort will do
        self.energies = E[self.states]
        self.excluded = np.flatnonzero(excl)
        self.bqm = problem.bqm
        self.band = problem.enumeration.band
        #: bumped whenever a slice of :attr:`states` is reordered (cached sums must follow)
        self.version = 0

    def num_marked(self, threshold: float) -> int:
        """How many states are heads below ``threshold`` (they are ``states[:k]``), exact
        against ``bqm.energies``: the states within the rounding band of the threshold get their
        reference energies and are put in that order, so the heads stay a prefix."""
        if self.band == 0.0:
            return int(np.searchsorted(self.energies, threshold, side="left"))
        k0 = int(np.searchsorted(self.energies, threshold - self.band, side="left"))
        k1 = int(np.searchsorted(self.energies, threshold + self.band, side="left"))
        if k1 > k0:
            from grover_train.enumeration import reference_energies

            seg = self.states[k0:k1]
            ref = reference_energies(self.bqm, seg)
            order = np.lexsort((seg, ref))
            if np.any(order != np.arange(order.size)):
                self.states[k0:k1] = seg[order]
                self.version += 1
            self.energies[k0:k1] = ref[order]
            return k0 + int(np.count_nonzero(ref < threshold))
        return k0

    def rest(self, k: int) -> np.ndarray:
        """The non-heads: the free states above the k heads, then the excluded states."""
        return np.concatenate([self.states[k:], self.excluded])


def energy_order(problem: SearchProblem) -> EnergyOrder:
    """The cached :class:`EnergyOrder` of a problem's landscape (threshold-independent)."""
    return problem.cached(("energy-order",), lambda: EnergyOrder(problem))


def cdf_picker(states: np.ndarray, cdf: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """u in [0, 1) -> the state whose cumulative weight interval holds u * total."""

    def pick(u: np.ndarray) -> np.ndarray:
        pos = np.searchsorted(cdf, u * cdf[-1], side="right")
        return states[np.minimum(pos, states.size - 1)]

    return pick


def draw_states(
    p_head: float,
    shots: int,
    rng: np.random.Generator,
    pick_head: Callable[[np.ndarray], np.ndarray] | None,
    pick_rest: Callable[[np.ndarray], np.ndarray] | None,
) -> np.ndarray:
    """Two-stage draw: a head with probability ``p_head``, then a state of that side by its
    picker (None: the side is empty). Two uniform numbers per shot, always in the same order,
    so backends with equal distributions give equal samples.

    >>> heads = cdf_picker(np.array([3]), np.array([1.0]))
    >>> rest = cdf_picker(np.array([0, 1]), np.array([0.5, 1.0]))
    >>> draw_states(1.0, 2, np.random.default_rng(0), heads, rest).tolist()
    [3, 3]
    """
    shots = check_shots(shots)
    u_side = rng.random(shots)
    u = rng.random(shots)
    good = u_side < p_head
    if pick_head is None:
        good[:] = False
    if pick_rest is None:
        good[:] = True
    out = np.empty(shots, dtype=np.int64)
    for mask, pick in ((good, pick_head), (~good, pick_rest)):
        if mask.any():
            out[mask] = pick(u[mask])
    return out


class Backend:
    """Base class of the coherent-search backends.

    Subclasses implement :meth:`probabilities` (and may override :meth:`sample`, e.g. to run
    shots on a device, and :meth:`resources`).
    """

    name: str = "backend"
    #: True when :meth:`probabilities` is exact (simulators); False when estimated from shots
    exact_probabilities: bool = True
    #: the largest number of problem variables handled (None: no limit)
    max_qubits: int | None = None
    #: True when the ``rng`` of a call decides its shots (False: hardware, not reproducible)
    seeded: bool = True

    def probabilities(
        self, problem: SearchProblem, prep: Preparation, iterates: Iterates, rng: Rng = None
    ) -> np.ndarray:
        """P(z) over the 2^n problem states after the iterates.

        ``rng`` is the caller's random stream; only a backend that estimates the distribution
        from shots draws from it, and then requires it (``fake:``/``ibm:``, a noisy ``aer``
        beyond its density-matrix width): no backend keeps a stream of its own.

        Raises:
            BudgetError: a negative or non-integer number of iterates.
            InputError: iterates that are not finite (alpha, beta) pairs; ``rng`` None for a
                shot estimate.
            TooManyQubitsError: the problem is too large for the backend.
        """
        raise NotImplementedError

    def sample(
        self,
        problem: SearchProblem,
        prep: Preparation,
        iterates: Iterates,
        shots: int,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Measure ``shots`` times; return the state indices, shape (shots,).

        The default draws from :meth:`probabilities` with :func:`draw_states`, the procedure the
        ``exact`` backend reproduces analytically: backends whose probabilities agree give the
        same samples for the same ``rng`` state.

        Raises:
            BudgetError: ``shots`` is not a positive integer (and as :meth:`probabilities`).
        """
        check_shots(shots)
        p = self.probabilities(problem, prep, iterates, rng)
        p = np.clip(np.asarray(p, dtype=float), 0, None)
        order = energy_order(problem)
        k = order.num_marked(problem.threshold)
        heads, rest = order.states[:k], order.rest(k)
        pick_head = cdf_picker(heads, np.cumsum(p[heads])) if heads.size else None
        pick_rest = cdf_picker(rest, np.cumsum(p[rest])) if rest.size else None
        return draw_states(float(p[heads].sum()), shots, rng, pick_head, pick_rest)

    def execution(self, adaptive: bool = True):
        """Context of one whole search (a device's Batch or Session); nothing by default."""
        return contextlib.nullcontext(self)

    def oracle_record(self, problem: SearchProblem) -> dict | None:
        """How a quantized (hardware) oracle marks this problem: bits, scale, offset, integer
        threshold, rounding band and whether the marked set equals the heads (``exact``).
        None for backends that mark the heads themselves (analytic and diagonal oracles)."""
        return None

    def resources(self, problem: SearchProblem, prep: Preparation, iterates: Iterates) -> dict:
        """The circuit's size: at least the keys of :data:`RESOURCE_KEYS` (every backend has
        them; ``two_qubit_gates`` and ``depth`` are None when no gate-level circuit runs), then
        backend details (``circuits``, ``shots``, ``per_iterate``...)."""
        return no_circuit_resources(problem)

    def check_size(self, problem: SearchProblem) -> None:
        """Raise :class:`TooManyQubitsError` when the problem is too large for this backend."""
        n = problem.num_variables
        if self.max_qubits is not None and n > self.max_qubits:
            raise TooManyQubitsError(
                f"backend {self.name!r} handles at most {self.max_qubits} qubits, the problem "
                f"needs {n}: use a smaller landscape (--max-qubits / a smaller window) or a "
                "sampling finder such as 'sa'"
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"
