"""The finder interface shared by classical and coherent head finders.

A finder is a :class:`dimod.Sampler`: ``finder.sample(bqm, threshold=..., exclude=...,
budget=..., seed=...)`` returns the heads it found (states with energy below ``threshold`` that
do not match ``exclude``) as a :class:`dimod.SampleSet` whose energies are recomputed
classically from ``bqm``. ``sampleset.info`` holds ``queries`` (docs/design.md section 3),
``timing`` (ns, like dwave-samplers), ``threshold``, ``seed`` and method details.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import dimod
import numpy as np
from dimod.core.sampler import Sampler

from grover_train.errors import BudgetError
from grover_train.finders.batch import BatchHeads, BatchLandscape
from grover_train.finders.search_problem import SearchProblem, energy_upper_bound
from grover_train.rng import check_seed, make_rng


@dataclass
class FindResult:
    """What a finder's ``_find`` returns: candidate sample rows (heads or not; the base class
    keeps the heads), the queries spent, and extra info for ``SampleSet.info``."""

    samples: list[np.ndarray] = field(default_factory=list)
    queries: int = 0
    info: dict[str, Any] = field(default_factory=dict)


def check_budget(budget: object, what: str = "budget") -> int:
    """A query budget must be a positive integer.

    >>> check_budget(10)
    10
    """
    if isinstance(budget, bool) or not isinstance(budget, int | np.integer):
        raise BudgetError(f"{what} must be a positive integer number of queries, got {budget!r}")
    if budget <= 0:
        raise BudgetError(
            f"{what} must be a positive number of queries, got {budget}: pass e.g. --budget 1000"
        )
    return int(budget)


#: default query budget factor: ceil(22.5 sqrt(2^n)) queries, enough for Dürr-Høyer minimum
#: finding to succeed with high probability (docs/coherent.md); the ``search`` command's default
DH_BUDGET_FACTOR = 22.5


def batch_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """The stream of a batched search: ``seed`` itself if it is a generator, else a new one.

    >>> g = make_rng(0); batch_rng(g) is g
    True
    """
    return seed if isinstance(seed, np.random.Generator) else make_rng(check_seed(seed))


def default_budget(num_variables: int) -> int:
    """The default query budget of a search over ``num_variables`` variables.

    >>> default_budget(8), default_budget(20)
    (360, 23040)
    """
    return math.ceil(DH_BUDGET_FACTOR * math.sqrt(2.0 ** int(num_variables)))


class HeadFinder(Sampler):  # dimod re-exports Sampler by a star import mypy cannot follow
    """Base class: subclasses implement ``_find(problem, budget, rng, max_heads, **call)``.

    ``call_parameters`` names the keyword arguments a subclass's ``_find`` takes beyond the
    common ones; :attr:`parameters` declares them (as dimod samplers do), and ``sample`` drops
    any other keyword with a :class:`dimod.exceptions.SamplerUnknownArgWarning`.
    """

    name: str = "finder"
    #: Largest model the finder accepts (None: no limit).
    max_variables: int | None = None
    #: Per-call keyword arguments of ``sample`` beyond threshold, exclude, budget, seed and
    #: max_heads (passed on to ``_find``).
    call_parameters: tuple[str, ...] = ()

    @property
    def parameters(self) -> dict[str, list[Any]]:
        common = ("threshold", "exclude", "budget", "seed", "max_heads")
        return {name: [] for name in (*common, *self.call_parameters)}

    #: Constructor options reported in :attr:`properties` (attribute names).
    property_names: tuple[str, ...] = ()

    @property
    def properties(self) -> dict[str, Any]:
        own = {k: getattr(self, k) for k in self.property_names}
        return {"name": self.name, "max_variables": self.max_variables, **own}

    def sample(
        self,
        bqm: dimod.BinaryQuadraticModel,
        *,
        threshold: float | None = None,
        exclude: Mapping[Any, int] | None = None,
        budget: int | None = None,
        seed: int | None = None,
        max_heads: int = 1,
        **kwargs: Any,
    ) -> dimod.SampleSet:
        """Search ``bqm`` for heads; stop after ``max_heads`` distinct heads or ``budget``
        queries, whichever comes first.

        With no ``threshold`` the finder looks for the minimum (every state counts; the
        coherent finder runs Dürr-Høyer from a random state's energy), as ``grover-train
        search`` does without ``--threshold``. With no ``budget``, :func:`default_budget`
        queries (``ceil(22.5 sqrt(2^n))``, the ``search`` command's default). Unknown keyword
        arguments are dropped with a :class:`dimod.exceptions.SamplerUnknownArgWarning`, as
        dimod's samplers do. So ``sample_qubo(Q)`` and ``sample_ising(h, J)`` work alone.

        Raises:
            InputError: NaN or infinite biases, a bad threshold or exclusion, an out-of-range
                seed (:class:`~grover_train.errors.OptionError` for a non-integer one).
            BudgetError: the budget is not a positive integer.
            TooManyQubitsError: the model is larger than the finder handles.

        >>> from grover_train.finders import get_finder
        >>> bqm = dimod.BQM({0: 1.0, 1: -1.0}, {(0, 1): 0.5}, 0.0, 'SPIN')
        >>> ss = get_finder('exact').sample(bqm, threshold=0.0, budget=10, max_heads=4)
        >>> sorted(ss.record.energy.tolist()), ss.info['queries']
        ([-2.5], 4)
        >>> ss = get_finder('grover').sample_qubo({(0, 0): -1.0, (0, 1): 2.0}, seed=0)
        >>> float(ss.first.energy), ss.info['budget']
        (-1.0, 45)
        """
        from grover_train.interop import check_finite

        start = time.perf_counter_ns()
        kwargs = self.remove_unknown_kwargs(**kwargs)
        seed = check_seed(seed)
        check_finite(bqm)
        minimum = threshold is None
        finder = self
        if threshold is None:  # minimum finding (mypy narrows on this test, not on minimum)
            # above every energy: every state is a head, so the lowest one found is returned
            threshold = energy_upper_bound(bqm) + 1.0
            finder, extra = self._for_minimum()
            kwargs = {**extra, **kwargs}
        budget = default_budget(bqm.num_variables) if budget is None else check_budget(budget)
        problem = SearchProblem(bqm, threshold, exclude)
        built = time.perf_counter_ns()
        ss = finder.search(problem, budget, seed=seed, max_heads=max_heads, **kwargs)
        ss.info["timing"]["preprocessing_ns"] += built - start  # checks and the problem
        ss.info["minimum_finding"] = minimum
        ss.info["budget"] = budget
        if minimum:
            ss.info["threshold"] = None
        return ss

    def search(
        self,
        problem: SearchProblem,
        budget: int,
        *,
        seed: int | None = None,
        max_heads: int = 1,
        **kwargs: Any,
    ) -> dimod.SampleSet:
        """Search a prepared :class:`SearchProblem` for heads (``sample`` builds one from a
        BQM). A problem that is searched again (or at other thresholds, see
        :meth:`SearchProblem.with_threshold`) reuses its cached energies and preparation
        distributions. Keyword arguments are as for ``sample``; unknown ones warn.

        Raises:
            BudgetError: the budget is not a positive integer.
            TooManyQubitsError: the model is larger than the finder handles.

        >>> from grover_train.finders import get_finder
        >>> p = SearchProblem(dimod.BQM({0: 1.0, 1: -1.0}, {(0, 1): 0.5}, 0.0, 'SPIN'), 0.0)
        >>> ss = get_finder('random').search(p, 50, seed=0)
        >>> ss.record.sample.tolist(), ss.info['finder']
        ([[-1, 1]], 'random')
        """
        start = time.perf_counter_ns()
        kwargs = self.remove_unknown_kwargs(**kwargs)
        budget = check_budget(budget)
        self._check_size(problem)
        seed = check_seed(seed)
        rng = make_rng(seed)
        t0 = time.perf_counter_ns()
        try:
            result = self._find(problem, budget, rng, max_heads=max(1, int(max_heads)), **kwargs)
        except ModuleNotFoundError as exc:  # an optional dependency: name its extra
            from grover_train.extras import missing_extra

            err = missing_extra(exc)
            if err is None:
                raise
            raise err from None
        t1 = time.perf_counter_ns()
        ss = self._sampleset(problem, result, seed, t1 - t0)
        # measured like dwave-samplers' timing: checks / search / SampleSet built from the heads
        ss.info["timing"] = {
            "preprocessing_ns": t0 - start,
            "sampling_ns": t1 - t0,
            "postprocessing_ns": time.perf_counter_ns() - t1,
        }
        return ss

    def find_batch(
        self,
        landscapes: BatchLandscape,
        *,
        budget: int,
        seed: int | np.random.Generator | None = None,
        max_heads: int = 1,
    ) -> BatchHeads:
        """Search every landscape of a mini-batch (:class:`BatchLandscape`) for heads, each
        with its own ``budget``: the training hot path. This reference implementation calls
        :meth:`sample` once per landscape with seeds drawn in order from ``seed``; finders
        with a batched search (``sa``, ``cyclic-sa``, ``random``) override it. ``seed`` may
        be a generator, whose stream is then used (training passes its step's stream).

        >>> from grover_train.finders import get_finder
        >>> land = BatchLandscape(np.array([[1.0, -1.0]]), np.array([0]), np.array([1]),
        ...                       np.array([0.5]), np.array([0.0]), np.array([0]),
        ...                       np.array([[1]]))
        >>> found = get_finder('exact').find_batch(land, budget=10, seed=0)
        >>> found.queries.tolist(), [h.tolist() for h in found.heads]
        ([4], [[[-1, 1]]])
        """
        from grover_train.rng import child_seed

        rng = batch_rng(seed)
        queries = np.zeros(landscapes.size, dtype=np.int64)
        heads = []
        for b in range(landscapes.size):
            ss = self.sample(
                landscapes.bqm(b),
                threshold=float(landscapes.threshold[b]),
                exclude=landscapes.exclude(b),
                budget=budget,
                seed=child_seed(rng),
                max_heads=max_heads,
            )
            queries[b] = int(ss.info["queries"])
            rows = ss.record.sample[np.argsort(ss.record.energy, kind="stable")]
            heads.append(np.asarray(rows[:max_heads], dtype=np.int8))
        return BatchHeads(queries, heads, reads_run=int(queries.sum()))

    def _for_minimum(self) -> tuple[HeadFinder, dict[str, Any]]:
        """The finder (and extra ``_find`` arguments) that does minimum finding when no
        threshold is given; a coherent finder switches to Dürr-Høyer."""
        return self, {}

    # ------------------------------------------------------------------ helpers
    def _check_size(self, problem: SearchProblem) -> None:
        from grover_train.errors import TooManyQubitsError

        if self.max_variables is not None and problem.num_variables > self.max_variables:
            raise TooManyQubitsError(
                f"finder {self.name!r} handles at most {self.max_variables} variables, the "
                f"model has {problem.num_variables}: use a sampling finder such as 'sa' or "
                "a smaller window (--max-qubits)"
            )

    def _sampleset(
        self, problem: SearchProblem, result: FindResult, seed: int | None, elapsed_ns: int
    ) -> dimod.SampleSet:
        n = problem.num_variables
        if result.samples:
            rows = np.unique(np.atleast_2d(np.vstack(result.samples)).astype(np.int8), axis=0)
            rows = rows[problem.is_head(rows)] if len(rows) else rows
        else:
            rows = np.empty((0, n), dtype=np.int8)
        ss: dimod.SampleSet = dimod.SampleSet.from_samples_bqm(
            (rows, problem.variables), problem.bqm
        )
        ss = ss.truncate(len(ss)) if len(ss) else ss  # sorted by energy
        ss.info.update(
            {
                "finder": self.name,
                "queries": int(result.queries),
                "threshold": problem.threshold,
                "exclude": dict(problem.exclude) if problem.exclude else None,
                "seed": seed,
                "num_heads": len(ss),
                "timing": {"sampling_ns": int(elapsed_ns)},  # completed by search
                "wall_s": elapsed_ns / 1e9,
                **result.info,
            }
        )
        return ss

    def _find(
        self,
        problem: SearchProblem,
        budget: int,
        rng: np.random.Generator,
        max_heads: int = 1,
        **kwargs: Any,
    ) -> FindResult:
        raise NotImplementedError
