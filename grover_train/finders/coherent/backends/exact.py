"""``exact``: analytic amplitude amplification from the preparation's distribution.

With a = A|0> = sin(theta)|good> + cos(theta)|bad> (sin^2 theta = p = P_A(marked)), every
iterate G(alpha, beta) = -(I + (e^{i beta} - 1)|a><a|) O(alpha) maps span{|good>, |bad>} to
itself, so the state after any iterates is c_g|good> + c_b|bad> and

    P(z) = |c_g|^2 |a_z|^2 / p on marked z,    |c_b|^2 |a_z|^2 / (1 - p) elsewhere.

Plain iterates give c_g = sin((2r+1) theta). Valid for any A. Up to
:data:`TABLE_PATH_VARIABLES` variables (and for every preparation other than ``uniform``),
sampling uses the states sorted by energy once per landscape (cached with ``problem.cached``) and
the prep's cumulative sums along that order, so a search round at a new threshold costs
O(n + log 2^n). Above it the uniform preparation streams (:mod:`grover_train.enumeration`):
inside each side the amplified distribution is uniform, so a round needs the head count at its
threshold (one pass over the blocks whose minimum lies below it, cached per threshold) and the
j-th head or non-head (one block). Memory stays O(block), which is what runs Durr-Hoyer at
n = 30.
"""

from __future__ import annotations

import math

import numpy as np

from grover_train.enumeration import MAX_STREAM_VARIABLES, check_memory
from grover_train.finders.coherent.backends.base import (
    Backend,
    Rng,
    cdf_picker,
    check_shots,
    draw_states,
    energy_order,
    no_circuit_resources,
)
from grover_train.finders.coherent.iterates import Iterates, as_phases
from grover_train.finders.coherent.prep import Preparation
from grover_train.finders.search_problem import SearchProblem

#: Largest n at which the uniform preparation keeps the in-memory path (the sorted table and the
#: draws of earlier versions, seed for seed); above it the uniform search streams.
TABLE_PATH_VARIABLES = 22
#: From this many variables the dqa preparation samples from the head mask and cumulative sums
#: of its probabilities at the threshold instead of the energy-sorted table: at training sizes
#: (18 spins) the sort cost as much as the compiled DQA ramp (issue 24); same distribution.
MASKED_DQA_VARIABLES = 15
#: Bytes per state of the in-memory path: energies, masks, the sorted order and its energies,
#: prep probabilities and cumulative sums (measured peak, rounded up).
TABLE_PATH_BYTES = {"uniform": 64, "dqa": 112}


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


def _prep_cdfs(problem: SearchProblem, prep: Preparation):
    """The energy order, and cumulative prep probabilities along it and over the excluded."""
    order = energy_order(problem)
    entry = problem.cached(("exact-cdfs", prep), dict)  # one entry, refreshed in place
    if entry.get("version") != order.version:  # the sums follow the order's reorderings
        probs = prep.probabilities(problem)
        entry["sums"] = (np.cumsum(probs[order.states]), np.cumsum(probs[order.excluded]))
        entry["version"] = order.version
    return (order, *entry["sums"])


def _masked_sums(problem: SearchProblem, prep: Preparation):
    """(heads, their cumulative prep probabilities, the other states, theirs, p_A) at the
    problem's threshold, from the head mask (cached per threshold)."""

    def build():
        probs = prep.probabilities(problem)
        marked = problem.marked
        heads, rest = np.flatnonzero(marked), np.flatnonzero(~marked)
        hcdf, rcdf = np.cumsum(probs[heads]), np.cumsum(probs[rest])
        pa = float(hcdf[-1]) if heads.size else 0.0
        return heads, hcdf, rest, rcdf, pa

    return problem.cached(("exact-masked", prep, problem.threshold), build)


class ExactBackend(Backend):
    """Analytic amplitude amplification (docs/design.md section 5).

    >>> import dimod
    >>> from grover_train.finders.search_problem import SearchProblem
    >>> bqm = dimod.BQM({0: 1.0, 1: 1.0}, {}, 0.0, 'SPIN')
    >>> p = SearchProblem(bqm, threshold=-1.0)          # one marked state out of 4
    >>> ExactBackend().probabilities(p, Preparation('uniform'), 1).round(12).tolist()
    [1.0, 0.0, 0.0, 0.0]
    """

    name = "exact"
    exact_probabilities = True
    max_qubits = MAX_STREAM_VARIABLES

    @staticmethod
    def streams(problem: SearchProblem, prep: Preparation) -> bool:
        """True when a search on ``problem`` with ``prep`` streams (no 2^n table)."""
        return prep.kind == "uniform" and problem.num_variables > TABLE_PATH_VARIABLES

    def check_preparation(self, problem: SearchProblem, prep: Preparation) -> None:
        """Refuse, before any work, a search whose in-memory path does not fit in memory."""
        self.check_size(problem)
        if self.streams(problem, prep) or prep.kind == "anneal":
            return  # no 2^n table: streamed, or a pool of annealing reads
        if prep.kind == "uniform":
            what, fix = "the exact backend's sorted table", ""
        else:
            what = f"preparation {prep.kind!r} (a statevector, energies and sorted table)"
            fix = "use --prep uniform (streamed, no table) or fewer variables"
        check_memory(problem.num_variables, TABLE_PATH_BYTES[prep.kind], what, fix)

    def probabilities(
        self, problem: SearchProblem, prep: Preparation, iterates: Iterates, rng: Rng = None
    ) -> np.ndarray:
        """The two-level formula on the preparation's distribution (``rng`` is not used)."""
        self.check_size(problem)
        check_memory(
            problem.num_variables,
            TABLE_PATH_BYTES[prep.kind],
            "a probability vector over all states",
            "sample from the backend instead (the uniform preparation streams)",
        )
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
        if self.streams(problem, prep):
            p = problem.num_heads() / 2.0**problem.num_variables
        elif self._masked(problem, prep):
            p = _masked_sums(problem, prep)[4]
        elif prep.kind == "anneal":
            p = prep.p_marked(problem)  # the pool's estimate (.anneal_prep)
        else:
            k = energy_order(problem).num_marked(problem.threshold)
            _, cdf, _ = _prep_cdfs(problem, prep)  # after num_marked: it may reorder
            p = float(cdf[k - 1]) if k else 0.0
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
        """The draw of :meth:`Backend.sample` without building the 2^n vector: inside each side
        the amplified distribution is the prep distribution, so the cached prep cumulative sums
        serve every round and threshold (O(n + shots log 2^n) per call)."""
        check_shots(shots)
        self.check_size(problem)
        if self.streams(problem, prep):
            return self._sample_streamed(problem, prep, iterates, shots, rng)
        if prep.kind == "anneal":
            return self._sample_anneal(problem, prep, iterates, shots, rng)
        if self._masked(problem, prep):
            heads, hcdf, rest, rcdf, _ = _masked_sums(problem, prep)
            pm = self.p_marked(problem, prep, iterates)
            pick_head = cdf_picker(heads, hcdf) if heads.size else None
            pick_rest = cdf_picker(rest, rcdf) if rest.size else None
            return draw_states(pm, shots, rng, pick_head, pick_rest)
        k = energy_order(problem).num_marked(problem.threshold)
        order, cdf, excl_cdf = _prep_cdfs(problem, prep)  # after num_marked: it may reorder
        pa = float(cdf[k - 1]) if k else 0.0
        n_free = order.states.size
        pick_head = cdf_picker(order.states[:k], cdf[:k]) if k else None
        # the rest: the free states above the heads (cdf shifted by pa), then the excluded
        # ones, as in Backend.sample, without an O(2^n) copy per round
        free_mass = float(cdf[-1]) - pa if k < n_free else 0.0
        excl_mass = float(excl_cdf[-1]) if excl_cdf.size else 0.0

        def pick_rest(u: np.ndarray) -> np.ndarray:
            w = u * (free_mass + excl_mass)
            out = np.empty(u.size, dtype=np.int64)
            free = w < free_mass if excl_cdf.size else np.ones(u.size, dtype=bool)
            if free.any():
                pos = np.searchsorted(cdf, pa + w[free], side="right")
                out[free] = order.states[np.clip(pos, k, n_free - 1)]
            if (~free).any():
                pos = np.searchsorted(excl_cdf, w[~free] - free_mass, side="right")
                out[~free] = order.excluded[np.minimum(pos, order.excluded.size - 1)]
            return out

        has_rest = k < n_free or order.excluded.size > 0
        pm = self.p_marked(problem, prep, iterates)
        return draw_states(pm, shots, rng, pick_head, pick_rest if has_rest else None)

    def _sample_streamed(self, problem, prep, iterates, shots: int, rng) -> np.ndarray:
        """Uniform preparation without a table: u in [0, 1) picks the floor(u k)-th head (or
        the floor(u (2^n - k))-th non-head) in state-index order, one block each. Without
        iterates the state is uniform over all 2^n and the head count is not needed, which is
        what lets Durr-Hoyer descend from a random start without a pass per threshold."""
        N = 2**problem.num_variables
        if not as_phases(iterates):
            # no iterate: the measurement of A|0> itself, a uniform state; no head count needed
            # (two uniforms per shot, as draw_states uses)
            rng.random(shots)
            u = rng.random(shots)
            return np.minimum((u * N).astype(np.int64), N - 1)
        k = problem.num_heads()

        def nth(count: int, pick) -> object:
            def f(u: np.ndarray) -> np.ndarray:
                return pick(np.minimum((u * count).astype(np.int64), count - 1))

            return f

        pick_head = nth(k, problem.nth_head) if k else None
        pick_rest = nth(N - k, problem.nth_other) if k < N else None
        pm = self.p_marked(problem, prep, iterates)
        return draw_states(pm, shots, rng, pick_head, pick_rest)

    @staticmethod
    def _masked(problem: SearchProblem, prep: Preparation) -> bool:
        return prep.kind == "dqa" and problem.num_variables >= MASKED_DQA_VARIABLES

    def _sample_anneal(self, problem, prep, iterates, shots: int, rng) -> np.ndarray:
        """The anneal preparation: the two-level formula on the pool's p_A estimate, a head or
        a non-head of the pool (:mod:`grover_train.finders.coherent.anneal_prep`)."""
        from grover_train.finders.coherent.anneal_prep import read_pool, sample_anneal

        p, _, _ = read_pool(problem, prep.sweeps).split(problem.threshold, rng)
        if p <= 0.0 or p >= 1.0:
            as_phases(iterates)
            pm = min(max(p, 0.0), 1.0)
        else:
            pm = abs(two_level_amplitudes(p, iterates)[0]) ** 2
        return sample_anneal(problem, prep.sweeps, pm, shots, rng)

    def resources(self, problem: SearchProblem, prep: Preparation, iterates: Iterates) -> dict:
        """n qubits and no value register; no gate-level circuit (gates and depth None)."""
        return no_circuit_resources(problem)
