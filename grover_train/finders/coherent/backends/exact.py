"""``exact``: analytic amplitude amplification from the preparation's distribution.

With a = A|0> = sin(theta)|good> + cos(theta)|bad> (sin^2 theta = p = P_A(marked)), every
iterate G(alpha, beta) = -(I + (e^{i beta} - 1)|a><a|) O(alpha) maps span{|good>, |bad>} to
itself, so the state after any iterates is c_g|good> + c_b|bad> and

    P(z) = |c_g|^2 |a_z|^2 / p on marked z,    |c_b|^2 |a_z|^2 / (1 - p) elsewhere.

Plain iterates give c_g = sin((2r+1) theta). Valid for any A. Sampling uses the states sorted by
energy once per landscape and preparation (cached in ``problem._cache``), so a search round at a
new threshold costs O(n) (two binary searches), which is what makes large sweeps possible.
"""

from __future__ import annotations

import math

import numpy as np

from grover_train.errors import BudgetError
from grover_train.finders.coherent.backends.base import Backend, Iterates, as_phases
from grover_train.finders.coherent.prep import Preparation
from grover_train.finders.problem import SearchProblem
from grover_train.model.landscape import MAX_ENUMERATION_VARIABLES


def two_level_amplitudes(p: float, iterates: Iterates) -> tuple[complex, complex]:
    """(c_good, c_bad) after the iterates, starting from (sqrt(p), sqrt(1 - p)).

    >>> cg, cb = two_level_amplitudes(0.25, 1)   # theta = pi/6: one iterate hits sin(pi/2) = 1
    >>> round(abs(cg) ** 2, 12), round(abs(cb) ** 2, 12)
    (1.0, 0.0)
    """
    phases = as_phases(iterates)
    s, c = math.sqrt(min(max(p, 0.0), 1.0)), math.sqrt(min(max(1.0 - p, 0.0), 1.0))
    if all(a == math.pi and b == math.pi for a, b in phases):
        # plain Grover: a rotation by 2 theta per iterate
        theta = math.asin(s)
        r = len(phases)
        return complex(math.sin((2 * r + 1) * theta)), complex(math.cos((2 * r + 1) * theta))
    v = np.array([s, c], dtype=complex)
    proj = np.outer([s, c], [s, c])
    for alpha, beta in phases:
        v[0] *= np.exp(1j * alpha)
        v = -(v + (np.exp(1j * beta) - 1.0) * (proj @ v))
    return complex(v[0]), complex(v[1])


class _SortedIndex:
    """The non-excluded states sorted by energy with cumulative prep probabilities, and the
    excluded states with theirs: heads below a threshold are a prefix of the first list."""

    def __init__(self, problem: SearchProblem, prep: Preparation) -> None:
        probs = prep.probabilities(problem)
        E = problem.energies
        excl = problem.excluded
        free = np.flatnonzero(~excl)
        order = free[np.argsort(E[free])]  # any deterministic sort will do
        self.states = order
        self.energies = E[order]
        self.cdf = np.cumsum(probs[order])
        self.excl_states = np.flatnonzero(excl)
        self.excl_cdf = np.cumsum(probs[self.excl_states])

    def num_marked(self, threshold: float) -> int:
        return int(np.searchsorted(self.energies, threshold, side="left"))

    def p_marked(self, threshold: float) -> float:
        k = self.num_marked(threshold)
        return float(self.cdf[k - 1]) if k else 0.0


def sorted_index(problem: SearchProblem, prep: Preparation) -> _SortedIndex:
    """The cached :class:`_SortedIndex` of a problem's landscape (threshold-independent)."""
    key = ("exact-sorted-index", prep)
    if key not in problem._cache:
        problem._cache[key] = _SortedIndex(problem, prep)
    return problem._cache[key]


class ExactBackend(Backend):
    """Analytic amplitude amplification (design section 5).

    >>> import dimod
    >>> from grover_train.finders.problem import SearchProblem
    >>> bqm = dimod.BQM({0: 1.0, 1: 1.0}, {}, 0.0, 'SPIN')
    >>> p = SearchProblem(bqm, threshold=-1.0)          # one marked state out of 4
    >>> ExactBackend().probabilities(p, Preparation('uniform'), 1).round(12).tolist()
    [1.0, 0.0, 0.0, 0.0]
    """

    name = "exact"
    exact_probabilities = True
    max_qubits = MAX_ENUMERATION_VARIABLES

    def probabilities(
        self, problem: SearchProblem, prep: Preparation, iterates: Iterates
    ) -> np.ndarray:
        self.check_size(problem)
        phases = as_phases(iterates)
        base = prep.probabilities(problem)
        p = prep.p_marked(problem)
        if p <= 0.0 or p >= 1.0:
            # A|0> lies in one of the two subspaces: the iterates only change its phase
            return np.array(base, dtype=float)
        cg, cb = two_level_amplitudes(p, phases)
        good = abs(cg) ** 2 / p
        bad = abs(cb) ** 2 / (1.0 - p)
        return base * np.where(problem.marked, good, bad)

    def p_marked(self, problem: SearchProblem, prep: Preparation, iterates: Iterates) -> float:
        """P(measure a head) after the iterates, in O(n) once the landscape is indexed."""
        self.check_size(problem)
        p = sorted_index(problem, prep).p_marked(problem.threshold)
        if p <= 0.0 or p >= 1.0:
            as_phases(iterates)
            return min(max(p, 0.0), 1.0)
        return abs(two_level_amplitudes(p, iterates)[0]) ** 2

    def sample(
        self,
        problem: SearchProblem,
        prep: Preparation,
        iterates: Iterates,
        shots: int,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Two-stage draw: head or not with P(marked), then a state of that side from the prep
        distribution restricted to it (binary search in the cached cumulative sums)."""
        if isinstance(shots, bool) or not isinstance(shots, int | np.integer) or shots < 1:
            raise BudgetError(f"shots must be a positive integer, got {shots!r}")
        idx = sorted_index(problem, prep)
        k = idx.num_marked(problem.threshold)
        pa = float(idx.cdf[k - 1]) if k else 0.0
        total = float(idx.cdf[-1]) if idx.cdf.size else 0.0
        total_excl = float(idx.excl_cdf[-1]) if idx.excl_cdf.size else 0.0
        pm = self.p_marked(problem, prep, iterates)
        u_side = rng.random(int(shots))
        u = rng.random(int(shots))
        out = np.empty(int(shots), dtype=np.int64)
        good = (u_side < pm) if 0.0 < pa else np.zeros(int(shots), dtype=bool)
        if good.any():
            pos = np.searchsorted(idx.cdf, u[good] * pa, side="right")
            out[good] = idx.states[np.minimum(pos, k - 1)]
        bad = ~good
        if bad.any():
            # unmarked mass: the non-excluded suffix (beyond the k heads) then the excluded
            w = u[bad] * ((total - pa) + total_excl)
            res = np.empty(int(bad.sum()), dtype=np.int64)
            in_free = w < (total - pa)
            if in_free.any():
                pos = np.searchsorted(idx.cdf, pa + w[in_free], side="right")
                pos = np.clip(pos, k, idx.states.size - 1)
                res[in_free] = idx.states[pos]
            if (~in_free).any():
                pos = np.searchsorted(idx.excl_cdf, w[~in_free] - (total - pa), side="right")
                res[~in_free] = idx.excl_states[np.minimum(pos, idx.excl_states.size - 1)]
            out[bad] = res
        return out

    def resources(self, problem: SearchProblem, prep: Preparation, iterates: Iterates) -> dict:
        return {"num_qubits": problem.num_variables}
