"""Annealing head finders: ``sa``, ``cyclic-sa``, ``sqa`` and ``dwave`` (docs/design.md
section 4).

One query is one annealing read (docs/design.md section 3). Reads are run in batches of
``num_reads`` for speed but *counted as if run one after another*: a search stops at the read
that yields the ``max_heads``-th distinct head, and the reads after it in the same batch are
neither counted nor returned (so ``queries`` is the number of reads a one-read-at-a-time machine
would have needed, comparable with the coherent finders). ``info['reads_run']`` holds the reads
actually computed. A search never counts more reads than its budget.

``sa`` and ``cyclic-sa`` call the Cython routine behind dwave-samplers'
:class:`~dwave.samplers.SimulatedAnnealingSampler` directly (the same routine the sampler runs
with ``initial_states``), which skips the sampler's input parsing and keeps one call near
1 ms of CPU time for 42 spins, 8 reads and 100 sweeps: the trainer calls these finders
thousands of times.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import dimod
import numpy as np
from dwave.samplers.sa.simulated_annealing import simulated_annealing

from grover_train.errors import AccountError, InputError
from grover_train.finders.base import FindResult, HeadFinder, batch_rng
from grover_train.finders.batch import BatchHeads, BatchLandscape, search_rounds
from grover_train.finders.collector import ReadCollector
from grover_train.finders.ising import ising_arrays
from grover_train.finders.search_problem import SearchProblem
from grover_train.rng import child_seed
from grover_train.validate import positive_int


def _beta_range(value, name: str = "beta_range") -> tuple[float, float] | None:
    if value is None:
        return None
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a pair (hot beta, cold beta), got {value!r}") from None
    if not (0 < lo <= hi and np.isfinite(hi)):
        raise InputError(f"{name} must satisfy 0 < hot beta <= cold beta, got {value!r}")
    return lo, hi


def default_beta_range(
    h: np.ndarray, irow: np.ndarray, icol: np.ndarray, J: np.ndarray
) -> tuple[float, float]:
    """dwave-samplers' default (hot, cold) beta range, computed with numpy.

    Hot: every spin flips with probability >= 1/2 against its largest possible field. Cold:
    a single-spin excitation across the smallest gap has probability 0.01 (scaled by the
    number of spins sharing that gap). Equal to
    ``dwave.samplers.sa.sampler.default_beta_range`` (checked in the tests), without its
    Python loop over the couplers.

    >>> default_beta_range(np.array([1.0, 0.0]), np.array([0]), np.array([1]), np.array([0.5]))
    (0.23104906018664842, 5.298317366548036)
    """
    n = h.size
    absJ = np.abs(J)
    total = np.abs(h).copy()
    np.add.at(total, irow, absJ)
    np.add.at(total, icol, absJ)
    smallest = np.where(h != 0, np.abs(h), np.inf)
    nz = absJ != 0
    np.minimum.at(smallest, irow[nz], absJ[nz])
    np.minimum.at(smallest, icol[nz], absJ[nz])
    smallest = smallest[np.isfinite(smallest)]
    if n == 0 or smallest.size == 0:
        return 0.1, 1.0  # all biases zero: every state has the same energy
    max_field = float(total.max())
    hot = float(np.log(2) / (2 * max_field))
    min_field = float(smallest.min())
    count = int(np.sum(smallest == min_field))
    cold = float(np.log(count / 0.01) / (2 * min_field))
    return hot, cold


def anneal(
    h, irow, icol, J, betas: np.ndarray, seed: int, states: np.ndarray, sweeps_per_beta: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Run dwave-samplers' SA core from ``states`` (rows of +-1, int8); return the final
    states and their energies without the offset. ``states`` is not modified.

    >>> h, J = np.array([-1.0, -1.0]), np.array([-1.0])
    >>> i, j = np.array([0], np.int32), np.array([1], np.int32)
    >>> s, e = anneal(h, i, j, J, np.geomspace(0.1, 5.0, 20), 12345, -np.ones((2, 2), np.int8))
    >>> s.tolist(), e.tolist()
    ([[1, 1], [1, 1]], [-3.0, -3.0])
    """
    work = np.array(states, dtype=np.int8, order="C", copy=True)
    if work.shape[0] == 0 or work.shape[1] == 0:
        return work, np.zeros(work.shape[0])
    out, energies = simulated_annealing(
        work.shape[0],
        h,
        irow,
        icol,
        J,
        int(sweeps_per_beta),
        np.asarray(betas, dtype=np.float64),
        int(seed),
        work,
    )
    return out, energies


def _spin_to_vartype(rows: np.ndarray, vartype) -> np.ndarray:
    return rows if vartype is dimod.SPIN else ((rows + 1) // 2).astype(np.int8)


def sa_seed(rng: np.random.Generator) -> int:
    """A 64-bit seed for the SA core from two :func:`child_seed` draws. The core's xorshift
    generator gives tiny first numbers for small seeds (accepting uphill moves early), so
    the seed uses all 64 bits.

    >>> from grover_train.rng import make_rng
    >>> sa_seed(make_rng(0)) > 2**32
    True
    """
    return (child_seed(rng) << 32) | child_seed(rng) | 1


def _random_spins(rng: np.random.Generator, k: int, n: int) -> np.ndarray:
    return (2 * rng.integers(0, 2, size=(k, n), dtype=np.int8) - 1).astype(np.int8)


def _anneal_rounds(land: BatchLandscape, budget: int, rng, max_heads: int, num_reads: int, plan):
    """Rounds of ``num_reads`` annealing reads (:func:`~grover_train.finders.batch.search_rounds`).
    ``plan(rng, k, best)`` gives a round's initial states (None: uniformly random) and
    schedules, ``best`` the lowest state counted so far per landscape (None in the first
    round)."""
    from grover_train.kernels import anneal_batch, couplings_csr

    n = land.num_variables
    csr = couplings_csr(land.irow, land.icol, land.J, n)

    def draw(idx, k, best):
        init, sched = plan(rng, k, best)
        if init is None:
            init = _random_spins(rng, len(idx) * k, n).reshape(len(idx), k, n)
        return anneal_batch(land.fields[idx], csr, sched[idx], init, sa_seed(rng))

    return search_rounds(land, budget, max_heads, lambda active: num_reads, draw)


class SAFinder(HeadFinder):
    """``sa``: simulated annealing (dwave-samplers) from uniformly random states.

    One query = one annealing read. Batches of ``num_reads`` reads run until ``max_heads``
    distinct heads are found or the budget is spent (reads counted one after another, see the
    module docstring).

    Args:
        num_reads: reads per batch (default 16).
        num_sweeps: Metropolis sweeps per read (default 100).
        beta_range: (hot, cold) inverse temperatures; default: dwave-samplers' rule computed
            from the model's biases.
        beta_schedule_type: ``'geometric'`` (default) or ``'linear'`` interpolation.

    Raises:
        InputError: a bad option value (a non-positive count, a beta range that is not
            0 < hot <= cold, an unknown schedule type).

    >>> bqm = dimod.BQM({0: -1.0, 1: -1.0}, {(0, 1): -1.0}, 0.0, 'SPIN')
    >>> ss = SAFinder(num_reads=4).sample(bqm, threshold=-2.5, budget=100, seed=1)
    >>> ss.record.sample.tolist(), float(ss.first.energy), ss.info['queries']
    ([[1, 1]], -3.0, 1)
    """

    name = "sa"
    property_names = ("num_reads", "num_sweeps", "beta_range", "beta_schedule_type")

    def __init__(
        self,
        num_reads: int = 16,
        num_sweeps: int = 100,
        beta_range: tuple[float, float] | None = None,
        beta_schedule_type: str = "geometric",
    ) -> None:
        self.num_reads = positive_int(num_reads, "num_reads")
        self.num_sweeps = positive_int(num_sweeps, "num_sweeps")
        self.beta_range = _beta_range(beta_range)
        if beta_schedule_type not in ("geometric", "linear"):
            raise InputError(
                f"beta_schedule_type must be 'geometric' or 'linear', got {beta_schedule_type!r}"
            )
        self.beta_schedule_type = beta_schedule_type

    def _schedule(self, arrays, lo_hi=None, num=None) -> tuple[np.ndarray, tuple[float, float]]:
        lo, hi = lo_hi or self.beta_range or default_beta_range(*arrays[:4])
        num = self.num_sweeps if num is None else num
        if num == 1:
            return np.array([hi]), (lo, hi)
        if self.beta_schedule_type == "linear":
            return np.linspace(lo, hi, num), (lo, hi)
        return np.geomspace(lo, hi, num), (lo, hi)

    def _info(self, beta_range) -> dict:
        return {
            "num_reads": self.num_reads,
            "num_sweeps": self.num_sweeps,
            "beta_range": [float(beta_range[0]), float(beta_range[1])],
            "beta_schedule_type": self.beta_schedule_type,
        }

    def _find(self, problem: SearchProblem, budget, rng, max_heads=1, **kw) -> FindResult:
        arrays = ising_arrays(problem)
        betas, beta_range = self._schedule(arrays)
        n, vartype = problem.num_variables, problem.bqm.vartype
        col = ReadCollector(problem, budget, max_heads)
        while not col.done:
            k = col.next_batch(self.num_reads)
            states, energies = anneal(*arrays[:4], betas, sa_seed(rng), _random_spins(rng, k, n))
            col.add(_spin_to_vartype(states, vartype), energies + arrays[4])
        return col.result(**self._info(beta_range))

    def _batch_schedules(self, land: BatchLandscape) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per landscape: the schedule and its (hot, cold) ends, as ``_schedule`` builds them."""
        from grover_train.kernels import batch_beta_ranges, schedules

        if self.beta_range is not None:
            lo = np.full(land.size, self.beta_range[0])
            hi = np.full(land.size, self.beta_range[1])
        else:
            lo, hi = batch_beta_ranges(land.fields, land.irow, land.icol, land.J)
        return schedules(lo, hi, self.num_sweeps, self.beta_schedule_type), lo, hi

    def find_batch(
        self, landscapes: BatchLandscape, *, budget: int, seed=None, max_heads: int = 1
    ) -> BatchHeads:
        """Every landscape of the batch annealed in one compiled call per round of
        ``num_reads`` reads (:mod:`grover_train.kernels`), each with the schedule
        ``sample`` would use for it; reads are counted one after another as in ``sample``.
        The random stream differs from ``sample``'s; the distribution of the heads is the
        same (``tests/test_batch_search.py``).

        >>> from grover_train.finders.batch import BatchLandscape
        >>> land = BatchLandscape(np.array([[-1.0, -1.0]]), np.array([0]), np.array([1]),
        ...                       np.array([-1.0]), np.array([-2.5]), np.zeros(0, int),
        ...                       np.zeros((1, 0), int))
        >>> found = SAFinder(num_reads=4).find_batch(land, budget=8, seed=1)
        >>> found.queries.tolist(), [h.tolist() for h in found.heads]
        ([1], [[[1, 1]]])
        """
        betas, _, _ = self._batch_schedules(landscapes)
        return _anneal_rounds(
            landscapes,
            budget,
            batch_rng(seed),
            max_heads,
            self.num_reads,
            lambda rng, k, best: (None, betas),
        )


class CyclicSAFinder(SAFinder):
    """``cyclic-sa``: reverse-annealing-style restarts from the best state found so far.

    The first batch is a full SA anneal from random states. Every later batch starts all its
    reads from the lowest-energy state seen so far (SimulatedAnnealingSampler's
    ``initial_states``, tiled) with a short schedule that starts hot enough to leave that state
    and cools to the cold end again, so it explores the neighbourhood of the best state: where
    the heads of a nearly trained landscape sit, next to the correct configuration.

    Args:
        num_reads, num_sweeps, beta_range, beta_schedule_type: as for :class:`SAFinder`.
        restart_sweeps: sweeps of each restart (default ``max(1, num_sweeps // 4)``).
        restart_beta: hot end of the restart schedule (default: the geometric mean of the
            hot and cold betas, a "mid-anneal" temperature).

    Raises:
        InputError: a bad option value, as for :class:`SAFinder`, or a restart beta <= 0.

    >>> bqm = dimod.BQM({0: -1.0, 1: -1.0}, {(0, 1): -1.0}, 0.0, 'SPIN')
    >>> ss = CyclicSAFinder(num_reads=2).sample(bqm, threshold=0.0, budget=50, seed=0,
    ...                                        max_heads=3)
    >>> sorted(ss.record.energy.tolist())
    [-3.0]
    """

    name = "cyclic-sa"
    property_names = (*SAFinder.property_names, "restart_sweeps", "restart_beta")

    def __init__(
        self,
        num_reads: int = 16,
        num_sweeps: int = 100,
        beta_range: tuple[float, float] | None = None,
        beta_schedule_type: str = "geometric",
        restart_sweeps: int | None = None,
        restart_beta: float | None = None,
    ) -> None:
        super().__init__(num_reads, num_sweeps, beta_range, beta_schedule_type)
        self.restart_sweeps = (
            max(1, self.num_sweeps // 4)
            if restart_sweeps is None
            else positive_int(restart_sweeps, "restart_sweeps")
        )
        if restart_beta is not None and not (np.isfinite(restart_beta) and restart_beta > 0):
            raise InputError(f"restart_beta must be a positive number, got {restart_beta!r}")
        self.restart_beta = None if restart_beta is None else float(restart_beta)

    def _find(self, problem: SearchProblem, budget, rng, max_heads=1, **kw) -> FindResult:
        arrays = ising_arrays(problem)
        betas, (lo, hi) = self._schedule(arrays)
        start = self.restart_beta if self.restart_beta is not None else float(np.sqrt(lo * hi))
        restart, _ = self._schedule(arrays, (min(start, hi), hi), self.restart_sweeps)
        n, vartype = problem.num_variables, problem.bqm.vartype
        col = ReadCollector(problem, budget, max_heads)
        restarts = 0
        while not col.done:
            k = col.next_batch(self.num_reads)
            if col.best_state is None:
                init, sched = _random_spins(rng, k, n), betas
            else:
                best = col.best_state if vartype is dimod.SPIN else 2 * col.best_state - 1
                init, sched = np.tile(best.astype(np.int8), (k, 1)), restart
                restarts += 1
            states, energies = anneal(*arrays[:4], sched, sa_seed(rng), init)
            col.add(_spin_to_vartype(states, vartype), energies + arrays[4])
        return col.result(
            **self._info((lo, hi)),
            restart_sweeps=self.restart_sweeps,
            restart_beta=float(min(start, hi)),
            restarts=restarts,
        )

    def find_batch(
        self, landscapes: BatchLandscape, *, budget: int, seed=None, max_heads: int = 1
    ) -> BatchHeads:
        """As :meth:`SAFinder.find_batch`, with every round after the first restarted from
        each landscape's lowest state so far on the restart schedule, as ``sample`` does.

        >>> from grover_train.finders.batch import BatchLandscape
        >>> land = BatchLandscape(np.array([[-1.0, -1.0]]), np.array([0]), np.array([1]),
        ...                       np.array([-1.0]), np.array([-2.5]), np.zeros(0, int),
        ...                       np.zeros((1, 0), int))
        >>> CyclicSAFinder(num_reads=2).find_batch(land, budget=8, seed=0).queries.tolist()
        [1]
        """
        from grover_train.kernels import schedules

        betas, lo, hi = self._batch_schedules(landscapes)
        start = (
            np.full(lo.shape, self.restart_beta)
            if self.restart_beta is not None
            else np.sqrt(lo * hi)
        )
        restart = schedules(np.minimum(start, hi), hi, self.restart_sweeps, self.beta_schedule_type)

        def plan(rng, k, best):
            if best is None:
                return None, betas
            return np.repeat(best[:, None, :], k, axis=1), restart

        return _anneal_rounds(landscapes, budget, batch_rng(seed), max_heads, self.num_reads, plan)


class SQAFinder(HeadFinder):
    """``sqa``: simulated quantum annealing (OpenJij ``SQASampler``, path-integral Monte
    Carlo with ``trotter`` slices). One query = one read.

    Args:
        num_reads: reads per batch (default 16).
        num_sweeps: Monte Carlo sweeps per read (default 100).
        beta: inverse temperature (OpenJij's default when None).
        gamma: initial transverse field (OpenJij's default when None).
        trotter: Trotter slices (OpenJij's default when None).

    Raises:
        InputError: a non-positive count, beta or gamma.
        ExtraMissingError: OpenJij is not installed (at the first search).

    >>> bqm = dimod.BQM({0: -1.0, 1: -1.0}, {(0, 1): -1.0}, 0.0, 'SPIN')
    >>> ss = SQAFinder(num_reads=4).sample(bqm, threshold=-2.5, budget=20, seed=1)
    >>> ss.record.sample.tolist()
    [[1, 1]]
    """

    name = "sqa"
    property_names = ("num_reads", "num_sweeps", "beta", "gamma", "trotter")

    def __init__(
        self,
        num_reads: int = 16,
        num_sweeps: int = 100,
        beta: float | None = None,
        gamma: float | None = None,
        trotter: int | None = None,
    ) -> None:
        self.num_reads = positive_int(num_reads, "num_reads")
        self.num_sweeps = positive_int(num_sweeps, "num_sweeps")
        for name, v in (("beta", beta), ("gamma", gamma)):
            if v is not None and not (np.isfinite(v) and v > 0):
                raise InputError(f"{name} must be a positive number, got {v!r}")
        self.beta, self.gamma = beta, gamma
        self.trotter = None if trotter is None else positive_int(trotter, "trotter")
        self._sampler = None

    def _find(self, problem: SearchProblem, budget, rng, max_heads=1, **kw) -> FindResult:
        if self._sampler is None:
            import openjij

            self._sampler = openjij.SQASampler()
        opts = {
            k: v
            for k, v in (("beta", self.beta), ("gamma", self.gamma), ("trotter", self.trotter))
            if v is not None
        }
        col = ReadCollector(problem, budget, max_heads)
        # OpenJij sorts labels and fails on mixed or tuple ones: it sees variables 0..n-1 in
        # the problem's order (dimod's relabelling), so column i is problem.variables[i]
        bqm, _ = problem.bqm.relabel_variables_as_integers(inplace=False)
        order = list(range(problem.num_variables))
        while not col.done:
            k = col.next_batch(self.num_reads)
            if not problem.num_variables:  # OpenJij rejects empty models
                col.add(np.zeros((k, 0), np.int8))
                continue
            # OpenJij returns one row per read (no aggregation), in read order.
            res = self._sampler.sample(
                bqm,
                num_reads=k,
                num_sweeps=self.num_sweeps,
                seed=child_seed(rng) % 2**31,
                **opts,
            )
            rows = _reorder(res, order)
            col.add(_expand(rows, res)[:k], reads=k)
        return col.result(num_reads=self.num_reads, num_sweeps=self.num_sweeps, **opts)


def _reorder(ss: dimod.SampleSet, order: list) -> np.ndarray:
    """Sample rows of ``ss`` with columns in ``order``."""
    cols = [ss.variables.index(v) for v in order]
    return np.ascontiguousarray(ss.record.sample[:, cols]).astype(np.int8)


def _expand(rows: np.ndarray, ss: dimod.SampleSet) -> np.ndarray:
    """One row per read: repeat aggregated rows by their ``num_occurrences``."""
    occ = ss.record.num_occurrences
    return rows if np.all(occ == 1) else np.repeat(rows, occ, axis=0)


def dwave_token() -> str | None:
    """The D-Wave Leap token from ``DWAVE_API_TOKEN`` or a dwave-cloud-client config file,
    or None. Reads local files only (never the network)."""
    token = os.environ.get("DWAVE_API_TOKEN")
    if token:
        return token
    try:
        from dwave.cloud.config import load_config
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("dwave"):
            raise
        return None  # no dwave-cloud-client (the [dwave] extra): no account either
    try:
        return load_config().get("token") or None
    except Exception:  # noqa: BLE001 - any unreadable config means "not configured"
        return None


NO_ACCOUNT = (
    "no D-Wave account is configured: run 'dwave config create' (or set "
    "DWAVE_API_TOKEN), or pass sampler= any dimod sampler"
)


class DWaveFinder(HeadFinder):
    """``dwave``: any dimod sampler, by default a D-Wave QPU through
    ``EmbeddingComposite(DWaveSampler())``. One query = one read.

    Args:
        sampler: a dimod sampler (e.g. ``EmbeddingComposite(MockDWaveSampler())``); default
            builds ``EmbeddingComposite(DWaveSampler())`` on first use, which needs a Leap
            account (``dwave config create`` or ``DWAVE_API_TOKEN``); without one,
            :class:`~grover_train.errors.AccountError` says how to configure it.
        num_reads: reads per sampler call (default 16).
        sample_kwargs: extra keyword arguments for every ``sampler.sample`` call (e.g.
            ``{'annealing_time': 20}``).

    The finder's seed is passed to the sampler as ``seed`` (and to minorminer as the
    embedding's ``random_seed``) only where the sampler accepts it; a real QPU is not
    reproducible by seed.

    Raises:
        AccountError: no sampler given and no Leap account configured.
        InputError: a non-positive ``num_reads``.

    >>> from dwave.system import EmbeddingComposite
    >>> from dwave.system.testing import MockDWaveSampler
    >>> f = DWaveFinder(sampler=EmbeddingComposite(MockDWaveSampler()), num_reads=4)
    >>> bqm = dimod.BQM({0: -1.0, 1: -1.0}, {(0, 1): -1.0}, 0.0, 'SPIN')
    >>> f.sample(bqm, threshold=-2.5, budget=8, seed=0).record.sample.tolist()
    [[1, 1]]
    """

    name = "dwave"

    def __init__(
        self,
        sampler: dimod.Sampler | None = None,
        num_reads: int = 16,
        sample_kwargs: dict | None = None,
        factory: Callable[[], dimod.Sampler] | None = None,
    ) -> None:
        self.num_reads = positive_int(num_reads, "num_reads")
        self.sample_kwargs = dict(sample_kwargs or {})
        self._sampler = sampler
        self._factory = factory
        if sampler is None and factory is None and dwave_token() is None:
            raise AccountError(NO_ACCOUNT)

    @property
    def sampler(self) -> dimod.Sampler:
        """The dimod sampler used (built on first use when none was given)."""
        if self._sampler is None:
            if self._factory is not None:
                self._sampler = self._factory()
            else:
                self._sampler = _default_dwave_sampler()
        return self._sampler

    @property
    def properties(self) -> dict:
        return {
            **super().properties,
            "num_reads": self.num_reads,
            "sample_kwargs": dict(self.sample_kwargs),
        }

    def _find(self, problem: SearchProblem, budget, rng, max_heads=1, **kw) -> FindResult:
        sampler = self.sampler
        params = getattr(sampler, "parameters", {}) or {}
        col = ReadCollector(problem, budget, max_heads)
        order = problem.variables
        calls = 0
        while not col.done:
            k = col.next_batch(self.num_reads)
            opts = dict(self.sample_kwargs)
            opts["num_reads"] = k
            if "answer_mode" in params:
                opts.setdefault("answer_mode", "raw")  # one row per read, in read order
            # Ocean's samplers take seeds below 2^31 (dwave-samplers refuses larger ones)
            if "seed" in params:
                opts["seed"] = child_seed(rng) % 2**31
            if "embedding_parameters" in params:
                opts.setdefault("embedding_parameters", {"random_seed": child_seed(rng) % 2**31})
            ss = sampler.sample(problem.bqm, **opts)
            calls += 1
            rows = _expand(_reorder(ss, order), ss)[:k]
            if ss.vartype is not problem.bqm.vartype:  # a sampler answering in the other one
                rows = (
                    _spin_to_vartype(rows, dimod.BINARY)
                    if ss.vartype is dimod.SPIN
                    else (2 * rows - 1).astype(np.int8)
                )
            col.add(rows, reads=k)
        return col.result(
            num_reads=self.num_reads, sampler=type(sampler).__name__, sampler_calls=calls
        )


def _default_dwave_sampler() -> dimod.Sampler:
    try:
        from dwave.system import DWaveSampler, EmbeddingComposite
    except ModuleNotFoundError as exc:  # name the extra, do not call it a missing account
        from grover_train.extras import missing_extra

        raise (missing_extra(exc) or exc) from None
    try:
        return EmbeddingComposite(DWaveSampler())
    except Exception as exc:  # noqa: BLE001 - the cloud client raises many kinds
        raise AccountError(
            f"{NO_ACCOUNT} (DWaveSampler failed: {type(exc).__name__}: {exc})"
        ) from None
