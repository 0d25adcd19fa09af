"""Schedules of the coherent search: how many iterates each round runs (docs/design.md section 4).

A round prepares psi = G_r ... G_1 A|0> on a backend, measures once and checks the measured state
classically. It costs r + 1 queries: r oracle calls plus the classical check (docs/design.md
section 3); generalised (fixed-point) iterates count one oracle call each. Every round is recorded
as a dict (``r``, ``threshold``, ``found``, ``energy``, ``queries``) in ``info["rounds"]``.

- ``bbht`` (Boyer, Brassard, Hoyer, Tapp 1998): unknown number of heads. m = 1; each round draws
  r uniformly from {0, ..., ceil(m) - 1}; after a miss m = min(lambda m, m_max) with
  lambda = 6/5 and m_max = sqrt(2^n).
- ``dh`` (Durr, Hoyer 1996): minimum finding. The threshold starts at the given one, or at the
  energy of a uniformly random state (1 query); BBHT rounds run at the current threshold and each
  success lowers it to the energy found (and restarts m = 1). Runs until the budget is spent and
  returns the deepest heads found.
- ``fixed-point`` (Yoder, Low, Chuang 2014): for a lower bound w on P_A(marked) and error delta,
  L = 2l + 1 >= log(2/delta)/sqrt(w) (odd) and l generalised iterates with phases from the
  Chebyshev construction give P(head) >= 1 - delta^2 for every P_A(marked) >= w. After a miss
  w is halved (so L grows by about sqrt 2) down to ``w_min`` = 2^-n.

A round never spends more than the queries left; the last round is shortened to fit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from grover_train.enumeration import states_to_samples
from grover_train.errors import InputError, UnknownNameError
from grover_train.finders.coherent.backends.base import Backend
from grover_train.finders.coherent.iterates import Iterates, num_oracle_calls
from grover_train.finders.coherent.prep import Preparation
from grover_train.finders.search_problem import SearchProblem


def ylc_phases(
    w: float, delta: float, max_iterates: int | None = None
) -> list[tuple[float, float]]:
    """(alpha, beta) pairs of the Yoder-Low-Chuang fixed-point search.

    L is the smallest odd integer >= log(2/delta)/sqrt(w); there are l = (L-1)/2 iterates
    (fewer when ``max_iterates`` caps them, with L = 2 * max_iterates + 1). With
    gamma^-1 = T_{1/L}(1/delta), a_j = 2 arccot(tan(2 pi j/L) sqrt(1 - gamma^2)) and
    b_j = -a_{l-j+1}; iterate j is G(alpha = b_j, beta = -a_j) in the convention of
    :mod:`.backends.base` (our S_0 phase e^{i beta} is YLC's S_s(a) = e^{-i a} on |s>).

    >>> from grover_train.finders.coherent.backends.exact import two_level_amplitudes
    >>> ph = ylc_phases(0.05, 0.5)
    >>> len(ph), min(abs(two_level_amplitudes(p, ph)[0]) ** 2 for p in (0.05, 0.3, 0.9)) > 0.749
    (3, True)
    """
    if not (0.0 < w <= 1.0):
        raise InputError(f"the fixed-point lower bound w must be in (0, 1], got {w!r}")
    if not (0.0 < delta < 1.0):
        raise InputError(f"the fixed-point error delta must be in (0, 1), got {delta!r}")
    L = math.ceil(math.log(2.0 / delta) / math.sqrt(w))
    L += 1 - L % 2
    if max_iterates is not None:
        L = min(L, 2 * max(int(max_iterates), 0) + 1)
    ell = (L - 1) // 2
    if ell == 0:
        return []
    gamma = 1.0 / math.cosh(math.acosh(1.0 / delta) / L)
    root = math.sqrt(max(1.0 - gamma * gamma, 0.0))
    a = [2.0 * math.atan2(1.0, math.tan(2.0 * math.pi * j / L) * root) for j in range(1, ell + 1)]
    b = [-a[ell - j] for j in range(1, ell + 1)]
    return [(b[j], -a[j]) for j in range(ell)]


@dataclass
class RoundRunner:
    """Runs rounds on a backend, keeps the query count and the record of every round."""

    problem: SearchProblem
    prep: Preparation
    backend: Backend
    rng: np.random.Generator
    budget: int
    queries: int = 0
    rounds: list = field(default_factory=list)
    heads: dict = field(default_factory=dict)  # state index -> energy, every head seen
    max_calls: int = 0
    max_calls_iterates: Iterates = 0
    progress: Callable[[int], None] | None = None
    jobs: int = 0  # backend jobs submitted (a batched backend runs many rounds per job)
    wasted_queries: int = 0  # queries of rounds run but discarded (threshold changed)
    wasted_rounds: int = 0
    prep_reads: int = 0  # annealing reads of the anneal preparation's A and A^dagger

    @property
    def batch_size(self) -> int:
        """Rounds per job: > 1 when the backend runs K rounds as one job (``sample_rounds``)."""
        if not hasattr(self.backend, "sample_rounds"):
            return 1
        return max(1, int(getattr(self.backend, "batch_size", 1)))

    @property
    def remaining(self) -> int:
        return self.budget - self.queries

    def round_cost(self, r: int) -> int:
        """Queries of a round with r iterates: r + 1, plus the anneal preparation's reads."""
        return r + 1 + self.prep.reads_per_round(r)

    def max_iterates(self) -> int:
        """The most iterates a round within the remaining budget can run (-1: none fits)."""
        if self.prep.kind == "anneal":  # 3r + 2 <= remaining
            return (self.remaining - 2) // 3
        return self.remaining - 1

    def can_run(self) -> bool:
        """Whether a round without iterates still fits in the budget."""
        return self.remaining >= self.round_cost(0)

    def energy(self, z: int) -> float:
        row = states_to_samples(np.array([z]), self.problem.num_variables, self.problem.bqm.vartype)
        return float(self.problem.bqm.energies((row, self.problem.variables))[0])

    def is_head(self, z: int, threshold: float) -> bool:
        """Classical check of a measured state against a threshold (and the exclusion)."""
        p = self.problem
        row = states_to_samples(np.array([z]), p.num_variables, p.bqm.vartype)
        return bool(p.with_threshold(threshold).is_head(row)[0])

    def charge(self, queries: int) -> None:
        self.queries += int(queries)
        if self.progress is not None:
            self.progress(int(queries))

    def run(self, threshold: float, iterates: Iterates, **record) -> tuple[int, float, bool]:
        """One round: prepare, measure once, check. Returns (state, energy, is head)."""
        problem = self.problem.with_threshold(threshold)
        z = int(self.backend.sample(problem, self.prep, iterates, 1, self.rng)[0])
        self.jobs += 1
        return self._check(z, threshold, iterates, record)

    def run_batch(
        self,
        threshold: float,
        rounds: list[tuple[Iterates, dict]],
        stop: Callable[[tuple[int, float, bool]], bool],
    ) -> list[tuple[int, float, bool]]:
        """K rounds at one threshold as one backend job; results are checked in order until
        ``stop(result)``, and the rest of the job is discarded: its queries are still charged
        and counted in :attr:`wasted_queries`."""
        problem = self.problem.with_threshold(threshold)
        zs = self.backend.sample_rounds(problem, self.prep, [it for it, _ in rounds], self.rng)
        self.jobs += 1
        out = []
        for i, ((iterates, record), z) in enumerate(zip(rounds, zs, strict=True)):
            out.append(self._check(int(z), threshold, iterates, {**record, "job": self.jobs}))
            if stop(out[-1]):
                wasted = sum(num_oracle_calls(it) + 1 for it, _ in rounds[i + 1 :])
                self.charge(wasted)
                self.wasted_queries += wasted
                self.wasted_rounds += len(rounds) - i - 1
                break
        return out

    def draw_batch(
        self, m: float, lam: float, top: float, size: int | None = None
    ) -> tuple[list[tuple[Iterates, dict]], float]:
        """The next ``size`` (default :attr:`batch_size`) rounds of a BBHT schedule assuming
        every one misses (m grows by lam after each), within the budget; returns them and the
        m after the last."""
        rounds: list[tuple[Iterates, dict]] = []
        left = self.remaining
        size = self.batch_size if size is None else min(int(size), self.batch_size)
        while len(rounds) < size and left >= 1:
            r = min(int(self.rng.integers(0, math.ceil(m))), left - 1)
            rounds.append((r, {"m": m}))
            left -= r + 1
            m = min(lam * m, top)
        return rounds, m

    def _check(self, z: int, threshold: float, iterates: Iterates, record: dict):
        calls = num_oracle_calls(iterates)
        energy = self.energy(z)
        head = self.is_head(z, threshold)
        reads = self.prep.reads_per_round(calls)
        self.prep_reads += reads
        self.charge(calls + 1 + reads)
        if calls >= self.max_calls:
            self.max_calls, self.max_calls_iterates = calls, iterates
        if head and self.is_head(z, self.problem.threshold):
            self.heads[z] = energy
        self.rounds.append(
            {
                "r": calls,
                "threshold": float(threshold),
                "found": head,
                "energy": energy,
                "queries": calls + 1 + reads,
                **({"prep_reads": reads} if reads else {}),
                **record,
            }
        )
        return z, energy, head


def _m_max(problem: SearchProblem, m_max: float | None) -> float:
    return float(m_max) if m_max is not None else math.sqrt(2.0**problem.num_variables)


def run_bbht(
    runner: RoundRunner, max_heads: int = 1, lam: float = 6 / 5, m_max: float | None = None
) -> None:
    """BBHT at the problem's threshold until ``max_heads`` distinct heads or the budget."""
    _check_lambda(lam)
    top = _m_max(runner.problem, m_max)
    m, size = 1.0, 2
    t = runner.problem.threshold
    while runner.can_run() and len(runner.heads) < max_heads:
        if runner.batch_size > 1:
            # jobs of 2, 4, 8, ... rounds up to the batch size: a search that succeeds early
            # discards little
            rounds, m_next = runner.draw_batch(m, lam, top, size)
            out = runner.run_batch(t, rounds, lambda res: len(runner.heads) >= max_heads)
            m = m_next if len(out) == len(rounds) else rounds[len(out) - 1][1]["m"]
            size = min(2 * size, runner.batch_size)
            continue
        r = int(runner.rng.integers(0, math.ceil(m)))
        r = min(r, runner.max_iterates())
        _, _, found = runner.run(t, r, m=m)
        if not found:
            m = min(lam * m, top)


def run_dh(
    runner: RoundRunner,
    max_heads: int = 1,
    lam: float = 6 / 5,
    m_max: float | None = None,
    random_start: bool = False,
) -> None:
    """Durr-Hoyer: BBHT rounds with a threshold that descends to each energy found."""
    _check_lambda(lam)
    top = _m_max(runner.problem, m_max)
    t = runner.problem.threshold
    if random_start and runner.remaining >= 1:
        n = runner.problem.num_variables
        z = int(runner.rng.integers(0, 2**n)) if n < 63 else 0
        e = runner.energy(z)
        runner.charge(1)
        runner.rounds.append(
            {"r": 0, "threshold": None, "found": True, "energy": e, "queries": 1, "start": True}
        )
        if runner.is_head(z, t):
            runner.heads[z] = e
        t = min(t, e)
    m, size = 1.0, 2
    while runner.can_run():
        if runner.batch_size > 1:
            # rounds at the current threshold in one job; a success lowers the threshold,
            # so the rest of that job is discarded (charged as wasted queries); jobs start at
            # 2 rounds after each success and double, since early rounds succeed most often
            rounds, m_next = runner.draw_batch(m, lam, top, size)
            out = runner.run_batch(t, rounds, lambda res: res[2])
            if out[-1][2]:
                t, m, size = out[-1][1], 1.0, 2
            else:
                m, size = m_next, min(2 * size, runner.batch_size)
            continue
        r = int(runner.rng.integers(0, math.ceil(m)))
        r = min(r, runner.max_iterates())
        _, e, found = runner.run(t, r, m=m)
        if found:
            t = e
            m = 1.0
        else:
            m = min(lam * m, top)


def run_fixed_point(
    runner: RoundRunner,
    max_heads: int = 1,
    delta: float = 0.5,
    w0: float = 0.5,
    w_min: float | None = None,
    shrink: float = 2.0,
) -> None:
    """Yoder-Low-Chuang rounds with a lower bound w that halves after each miss."""
    if not shrink > 1.0:
        raise InputError(f"shrink must be > 1, got {shrink!r}")
    floor = float(w_min) if w_min is not None else 2.0**-runner.problem.num_variables
    w = float(w0)
    t = runner.problem.threshold
    while runner.can_run() and len(runner.heads) < max_heads:
        phases = ylc_phases(w, delta, max_iterates=runner.max_iterates())
        _, _, found = runner.run(t, phases, w=w)
        if not found:
            w = max(w / shrink, floor)


def bbht_expected_cost(
    p: float,
    lam: float = 6 / 5,
    m_max: float | None = None,
    prep_reads: bool = False,
    tol: float = 1e-12,
) -> tuple[float, int]:
    """Expected queries of :func:`run_bbht` until its first head, when one preparation
    measures a head with probability ``p`` (P_A(marked)), computed exactly from the schedule:
    round j (reached if every earlier round missed) draws r uniformly from
    {0, ..., ceil(m_j) - 1}, finds a head with probability sin^2((2r + 1) theta),
    sin^2 theta = p, and costs r + 1 queries (plus 2r + 1 annealing reads when
    ``prep_reads``: the ``anneal`` preparation's A and A^dagger). Returns (expected queries,
    rounds summed); inf when p = 0. ``m_max`` defaults to no cap.

    >>> round(bbht_expected_cost(1.0)[0], 6)          # the first round (r = 0) always succeeds
    1.0
    >>> c = bbht_expected_cost(2.0 ** -18, m_max=2 ** 9)[0]
    >>> 1.0 < c / math.sqrt(2 ** 18) < 4.5             # O(sqrt(N / k)), BBHT's 9/2 bound
    True
    """
    if not (0.0 <= p <= 1.0):
        raise InputError(f"p must be a probability in [0, 1], got {p!r}")
    _check_lambda(lam)
    if p == 0.0:
        return math.inf, 0
    theta = math.asin(math.sqrt(p))
    top = math.inf if m_max is None else float(m_max)
    m, reach, total, j = 1.0, 1.0, 0.0, 0
    while reach > tol and j < 100_000:
        r = np.arange(math.ceil(m))
        success = float(np.mean(np.sin((2 * r + 1) * theta) ** 2))
        cost = float(np.mean(r + 1 + (2 * r + 1 if prep_reads else 0)))
        total += reach * cost
        reach *= 1.0 - success
        m = min(lam * m, top)
        j += 1
    return total, j


def _check_lambda(lam: float) -> None:
    if not (1.0 < float(lam) < 4.0 / 3.0 + 1e-12):
        raise InputError(f"the BBHT growth factor lambda must be in (1, 4/3], got {lam!r}")


#: schedule name -> its round loop (a function of a :class:`RoundRunner`)
ROUND_LOOPS = {"bbht": run_bbht, "dh": run_dh, "fixed-point": run_fixed_point}
#: the schedule names
SCHEDULES = tuple(ROUND_LOOPS)


def get_schedule(name: str) -> Callable:
    """The round loop of a schedule by name.

    >>> get_schedule('dh').__name__
    'run_dh'
    """
    if name not in ROUND_LOOPS:
        raise UnknownNameError(f"unknown schedule {name!r}: choose one of {', '.join(SCHEDULES)}")
    return ROUND_LOOPS[name]
