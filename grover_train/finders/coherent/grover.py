"""The ``grover`` head finder: amplitude amplification Q = -A S_0 A^dagger O_tau
(docs/design.md section 4).

``GroverFinder(prep, schedule, backend)`` combines a state preparation (:mod:`.prep`), a schedule
(:mod:`.schedules`) and a backend (:mod:`.backends`). Every round runs A Q^r (or generalised
iterates), measures once and checks the state classically: r + 1 queries (docs/design.md section 3).
Heads come back as a :class:`dimod.SampleSet` with energies recomputed classically; ``info`` holds
``queries``, ``circuits``, ``shots``, ``num_qubits``, ``rounds`` and ``thresholds``.
"""

from __future__ import annotations

import inspect

import numpy as np
from tqdm.auto import tqdm

from grover_train.enumeration import states_to_samples
from grover_train.errors import OptionError
from grover_train.finders.base import FindResult, HeadFinder
from grover_train.finders.coherent.backends import Backend, get_backend
from grover_train.finders.coherent.prep import Preparation
from grover_train.finders.coherent.schedules import RoundRunner, get_schedule
from grover_train.finders.search_problem import SearchProblem


class GroverFinder(HeadFinder):
    """Coherent head finder.

    Args:
        prep: "uniform", "dqa" or "anneal" (amplitude amplification over ``sa`` reads of
            ``sweeps`` sweeps; exact backend only, :mod:`.anneal_prep`); "auto" (what
            ``train`` uses by default): anneal on the exact backend, else uniform.
        schedule: "bbht", "dh" or "fixed-point".
        backend: a backend name (see :func:`get_backend`) or a :class:`Backend`.
        steps, dt: DQA ramp (ignored for uniform).
        backend_options: keyword options of the backend (e.g. ``{"method": "statevector"}``).
        progress: show a tqdm bar of the queries spent (stderr).
        **schedule_options: ``lam``, ``m_max`` (bbht, dh), ``delta``, ``w0``, ``w_min``,
            ``shrink`` (fixed-point).

    Raises:
        UnknownNameError: an unknown preparation, schedule or backend.
        OptionError: a schedule option the schedule does not take (also a TypeError);
            ``random_start`` with a schedule other than ``dh``.
        InputError: a bad option value; a model too large for the backend
            (:class:`~grover_train.errors.TooManyQubitsError`, at the search).

    >>> import dimod
    >>> bqm = dimod.generators.ran_r(1, 10, seed=3)
    >>> ss = GroverFinder(schedule='dh').sample(bqm, threshold=0.0, budget=300, seed=1)
    >>> bool(ss.first.energy == min(SearchProblem(bqm, 0.0).energies))    # the ground state
    True
    >>> ss.info['queries'] <= 300
    True
    """

    name = "grover"
    call_parameters = ("random_start",)

    def __init__(
        self,
        prep: str = "uniform",
        schedule: str = "bbht",
        backend: str | Backend = "exact",
        steps: int = 8,
        dt: float = 0.8,
        sweeps: int = 10,
        backend_options: dict | None = None,
        progress: bool = False,
        **schedule_options,
    ) -> None:
        self.schedule = schedule
        self._run = get_schedule(schedule)
        self.backend = get_backend(backend, **(backend_options or {}))
        if prep == "auto":  # the training default: anneal where it is simulated, else uniform
            prep = "anneal" if self.backend.name == "exact" else "uniform"
        self.prep = Preparation(prep, steps=steps, dt=dt, sweeps=sweeps)
        if self.prep.kind == "anneal" and self.backend.name != "exact":
            # A is an annealer simulated from its reads: no circuit to build or run
            raise OptionError(
                f"prep 'anneal' runs on the exact backend only, not {self.backend.name!r}: "
                "pass backend='exact' (--backend exact) or prep 'uniform'/'dqa'"
            )
        self.max_variables = self.backend.max_qubits
        self.progress = progress
        self.schedule_options = dict(schedule_options)
        # check the option names now rather than at the first search
        allowed = set(inspect.signature(self._run).parameters) - {"runner", "max_heads"}
        unknown = set(self.schedule_options) - allowed
        if unknown:
            raise OptionError(
                f"schedule {schedule!r} has no option(s) {sorted(unknown)}: "
                f"it takes {sorted(allowed)}"
            )

    @property
    def properties(self) -> dict:
        return {
            **super().properties,
            "prep": self.prep.label(),
            "schedule": self.schedule,
            "backend": self.backend.name,
        }

    def _check_size(self, problem: SearchProblem) -> None:
        if problem.num_variables == 0:
            return  # one state, no qubits: see _find
        self.backend.check_size(problem)
        check_preparation = getattr(self.backend, "check_preparation", None)
        if check_preparation is not None:  # e.g. exact: does its table path fit in memory?
            check_preparation(problem, self.prep)

    def train_search_budget(self, num_variables: int) -> int:
        """Per-sample budget in training when none is given: BBHT's expected cost at the
        preparation's design p_A (:func:`~grover_train.finders.coherent.budget.sized_budget`).

        >>> GroverFinder().train_search_budget(10)
        52
        """
        from grover_train.finders.coherent.budget import sized_budget

        return sized_budget(self.prep, num_variables)

    def budget_check(self, budget: int):
        """The training loop's check of ``budget`` against the landscapes' p_A (one warning)."""
        from grover_train.finders.coherent.budget import BudgetCheck

        return BudgetCheck(self.prep, int(budget), label=self.name)

    def _p_prep(self, problem: SearchProblem, backend: Backend) -> float | None:
        streams = getattr(backend, "streams", None)
        if backend.name != "exact" or streams is None or streams(problem, self.prep):
            return None
        return float(backend.p_marked(problem, self.prep, 0))

    def _for_minimum(self) -> tuple[GroverFinder, dict]:
        """Minimum finding (no threshold): Dürr-Høyer from a random state's energy, whatever
        schedule this finder was built with (options dh does not take are dropped)."""
        if self.schedule == "dh":
            return self, {"random_start": True}
        import copy

        finder = copy.copy(self)
        finder.schedule, finder._run = "dh", get_schedule("dh")
        allowed = set(inspect.signature(finder._run).parameters)
        finder.schedule_options = {k: v for k, v in self.schedule_options.items() if k in allowed}
        return finder, {"random_start": True}

    def _find(
        self,
        problem: SearchProblem,
        budget: int,
        rng: np.random.Generator,
        max_heads: int = 1,
        random_start: bool = False,
        **kw,
    ) -> FindResult:
        opts = dict(self.schedule_options)
        if random_start:
            if self.schedule != "dh":
                raise OptionError(
                    "random_start applies to the 'dh' schedule only: drop it or use schedule='dh'"
                )
            opts["random_start"] = True
        bar = tqdm(
            total=budget,
            desc=f"grover {self.schedule}",
            unit="q",
            disable=not self.progress,
            leave=False,
        )
        backend = self.backend
        if problem.num_variables == 0:
            # a model without variables has one state and no qubits: a circuit library cannot
            # build it (Aer, PennyLane), the exact backend's trivial simulation is the answer
            from grover_train.finders.coherent.backends import get_backend

            backend = get_backend("exact")
        runner = RoundRunner(problem, self.prep, backend, rng, budget, progress=bar.update)
        shots_before = getattr(backend, "shots_run", None)
        try:
            # one Batch/Session per search on devices (a Session when the schedule adapts)
            with backend.execution(adaptive=self.schedule != "bbht"):
                self._run(runner, max_heads=max_heads, **opts)
        finally:
            bar.close()
        heads = sorted(runner.heads.items(), key=lambda kv: (kv[1], kv[0]))[:max_heads]
        z = np.array([s for s, _ in heads], dtype=np.int64)
        rows = states_to_samples(z, problem.num_variables, problem.bqm.vartype)
        rounds = runner.rounds
        circuits = sum(1 for r in rounds if not r.get("start"))
        resources = backend.resources(problem, self.prep, runner.max_calls_iterates)
        thresholds = []
        for r in rounds:
            if r["threshold"] is not None and r["threshold"] not in thresholds:
                thresholds.append(r["threshold"])
        info = {
            "prep": self.prep.label(),
            # p_A of this landscape when the simulator knows it without extra work (exact
            # backend, in-memory path): what the training budget check reads
            "p_prep": self._p_prep(problem, backend),
            "prep_reads": runner.prep_reads,
            "schedule": self.schedule,
            "backend": self.backend.name,
            "circuits": circuits,
            # one shot per round (every measurement is checked); a batched device may run
            # more (discarded rounds, twirling randomizations): its own count then
            "shots": circuits if shots_before is None else int(backend.shots_run - shots_before),
            "jobs": runner.jobs,
            "wasted_queries": runner.wasted_queries,
            "wasted_rounds": runner.wasted_rounds,
            "batch_size": runner.batch_size,
            "num_qubits": int(resources.get("num_qubits", problem.num_variables)),
            "resources": resources,
            "max_oracle_calls": runner.max_calls,
            "oracle_calls": sum(r["r"] for r in rounds),
            "thresholds": thresholds,
            "rounds": rounds,
            "execution_mode": getattr(backend, "mode_used", None),
            "best_energy": min((r["energy"] for r in rounds), default=None),
            # the quantized oracle's record; None when the backend marks the heads itself
            "oracle": None,
        }
        oracle = backend.oracle_record(problem)
        if oracle is not None:  # the quantized oracle at the problem's threshold
            inexact = [
                t
                for t in thresholds
                if not backend.oracle_record(problem.with_threshold(t))["exact"]
            ]
            info["oracle"] = {**oracle, "inexact_thresholds": inexact}
        return FindResult([rows] if len(rows) else [], queries=runner.queries, info=info)
