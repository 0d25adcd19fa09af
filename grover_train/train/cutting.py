"""Training by cutting heads (docs/design.md section 2), with any finder: the
:class:`HeadCutting` updater of the training loop (:mod:`grover_train.train.loop`).

For each training sample (x, k*) of a mini-batch the finder searches the sample's landscape
(:func:`grover_train.train.problems.sample_problems`) for heads: configurations with another
output than e_k* and energy below tau = E+(x, k*) + kappa. The cut
(:func:`grover_train.train.delta.cut_delta`) lowers the correct configuration and raises the
heads S found::

    dW_l = eta (h_l+ h_{l-1}+^T - mean_S h_l h_{l-1}^T),   db_l = eta (h_l+ - mean_S h_l)
    dU   = eta (e_k* h_L+^T   - mean_S y h_L^T),          dc   = eta (e_k* - mean_S y)

with h_0 = x. The updates of a mini-batch are averaged (samples without heads contribute zero)
and applied together.

Variants used here (documented in docs/training.md): the step size decays as
eta_t = eta / (1 + eta_decay * epochs_done); optional L2 weight decay keeps the energy scale,
and with it the meaning of the margin, bounded; the initial weights are Gaussian with variance
``init_scale / fan_in``; the returned network is the moving average of the weights over about
one epoch of steps (``average``, done by the loop); optional input-spin flips (``input_noise``)
augment the data.

Queries (docs/design.md section 3): the finder's own ``info["queries"]`` plus one energy
evaluation per sample and window for the threshold E+(x, k*). Metrics are measurements and are
not counted.
"""

from __future__ import annotations

import numpy as np

from grover_train.data.datasets import Dataset
from grover_train.errors import InputError, TooManyQubitsError
from grover_train.finders import HeadFinder
from grover_train.model.deep import Window, identity_init, min_qubits, plan_windows
from grover_train.model.network import DragonNetwork
from grover_train.rng import child_seed
from grover_train.train import readouts as _ro
from grover_train.train.delta import add, apply, cut, cut_delta, scale
from grover_train.train.loop import Batch, StepResult, Updater
from grover_train.train.options import DEFAULT_SEARCH_BUDGET, HeadCuttingOptions
from grover_train.train.problems import (
    FullConfig,
    batch_landscape,
    positive_config,
    sample_problems,
)
from grover_train.train.readouts import Readouts, local_delta


class HeadCutting(Updater):
    """Head cutting with a finder: per sample, search for heads and cut them.

    Args:
        options: the method's options (:class:`grover_train.train.options.HeadCuttingOptions`:
            the finder, margin, windows, search budget, step-size schedule and readouts).

    >>> from grover_train.data.datasets import load_dataset
    >>> from grover_train.train.loop import train
    >>> ds = load_dataset('teacher', seed=0, teacher_sizes=(8, 4, 2), num_samples=60)
    >>> r = train(ds, HeadCutting(HeadCuttingOptions('exact')), hidden=4, budget=3000, seed=0,
    ...           progress=False)
    >>> r.summary['finder'], r.summary['queries'] >= 3000
    ('exact', True)
    """

    options: HeadCuttingOptions

    def __init__(self, options: HeadCuttingOptions) -> None:
        super().__init__(options)
        #: the finder the options built
        self.finder = options.built_finder()
        self.name = options.finder_name
        self.max_qubits = options.max_qubits
        #: the per-sample search budget; a coherent finder sizes it in ``check`` when none is
        #: given (:func:`grover_train.finders.coherent.budget.sized_budget`)
        self.search_budget = options.search_budget or DEFAULT_SEARCH_BUDGET
        self._budget_check = None
        self._whole: bool | None = None
        #: the windows of the network, planned once in ``check``
        self.plan: list[Window] = []

    def check(self, dataset: Dataset, hidden: list[int]) -> None:
        """Plan the windows (a --max-qubits too small for the outputs + 1 fails here), refuse
        a window wider than the finder takes, and size a coherent finder's search budget."""
        o = self.options
        self.plan = plan_windows(hidden, dataset.num_classes, o.max_qubits, shape=o.windows)
        check_windows_fit(self.finder, o, self.plan, dataset.num_classes)
        sizer = getattr(self.finder, "train_search_budget", None)
        if sizer is not None and o.search_budget is None:
            # the largest window searched: what BBHT's expected cost is sized for
            n = max(w.num_hidden for w in self.plan) + dataset.num_classes
            self.search_budget = int(sizer(n))

    def fresh(self, net: DragonNetwork) -> DragonNetwork:
        """Deep networks start near identity above layer 1 (docs/deep.md)."""
        return identity_init(net) if net.num_layers > 1 else net

    def init(self, net: DragonNetwork, dataset: Dataset, state: dict, seed: int) -> None:
        """Start from ``net``; a resumed deep run's readouts come back from ``state``, refused
        if their blocks do not hold this run's windows or their options differ from those
        given."""
        self.net = net
        self.X, self.y = dataset.X_train, dataset.y_train
        self.cuts = int(state.get("cuts", 0))
        self.max_qubits_used = int(state.get("max_qubits_used", 0))
        #: reads (or searches' queries) computed, counted or not: the work behind the queries
        self.reads_run = int(state.get("reads_run", 0))
        # local readouts of the layers below the last (docs/deep.md); kept in train_state
        self.readouts = None
        # a coherent finder's budget check: one warning when the budget is far too small
        make_check = getattr(self.finder, "budget_check", None)
        self._budget_check = make_check(self.search_budget) if make_check else None
        if self.options.windows == "readouts" and net.num_layers > 1:
            saved = state.get("readouts")
            given = self.options.readouts
            self.readouts = (
                _ro.check_resume_blocks(
                    saved, net.hidden, net.num_classes, self.max_qubits, self.plan
                )
                if saved
                else Readouts.random(net, seed, plan=self.plan, options=given)
            )
            if given is not None and saved and "options" not in saved:
                self.readouts.options = given  # saved before its options were: as given
            elif given is not None and given != self.readouts.options:
                raise InputError(
                    "the readout options differ from those of the run being resumed "
                    f"({self.readouts.options.to_dict()}): resume without readout options"
                )

    def step(self, batch: Batch) -> StepResult:
        """Search every sample of the batch for heads and apply the batch's mean cut."""
        p, net, readouts = self.options, self.net, self.readouts
        X, y, N = self.X, self.y, len(self.y)
        queries, budget, rng, noise = batch.queries, batch.budget, batch.rng, batch.noise
        progress_t = self.cuts / N if p.eta_schedule == "cuts" else batch.epochs
        eta_t = p.eta / (1.0 + p.eta_decay * progress_t)
        if self._batched(batch, queries, budget):
            return self._step_batched(batch, eta_t)
        delta = None
        aux = None
        found = 0
        for i in batch.index:
            if queries >= budget:
                break
            x, label = X[i], int(y[i])
            if p.input_noise > 0:
                # data augmentation: flip each input spin with probability input_noise
                x = np.where(noise.random(x.size) < p.input_noise, -x, x)
            heads: list[FullConfig] = []
            positive = None
            for prob in sample_problems(
                net,
                x,
                label,
                margin=p.margin,
                max_qubits=self.max_qubits,
                step=batch.step,
                windows=p.windows,
                readouts=readouts,
                plan=self.plan,
                phase=queries / budget,
            ):
                queries += 1  # the threshold E+(x, k*): one energy evaluation
                left = budget - queries
                if left <= 0:
                    break
                ss = self.finder.sample(
                    prob.bqm,
                    threshold=prob.threshold,
                    exclude=prob.exclude,
                    budget=min(self.search_budget, left),
                    seed=child_seed(rng),
                    max_heads=p.max_heads,
                )
                queries += int(ss.info["queries"])
                self.reads_run += int(ss.info.get("reads_run", ss.info["queries"]))
                if self._budget_check is not None:
                    self._budget_check.add(ss.info.get("p_prep"), prob.num_variables)
                self.max_qubits_used = max(self.max_qubits_used, prob.num_variables)
                # the deepest max_heads heads (a finder may return more)
                rows = ss.record.sample[np.argsort(ss.record.energy, kind="stable")]
                heads += prob.to_full(rows[: p.max_heads])
                # classical work of the problem (deep nets: positive descent, polishing)
                queries += int(getattr(prob, "classical_queries", 0))
                positive = getattr(prob, "positive", None) or positive
                layer = getattr(prob, "layer", None)
            if heads and readouts is not None:
                # one window (step given): the cut of its layer's local network
                found += 1
                _, lo, hi = prob.window.blocks[0]
                d, a = local_delta(net, readouts, layer, x, positive, heads, block=(lo, hi))
                delta = d if delta is None else add(delta, d)
                aux = (
                    a
                    if aux is None
                    else [(u + v, e + f) for (u, e), (v, f) in zip(aux, a, strict=True)]
                )
            elif heads:
                found += 1
                if positive is None:
                    positive = positive_config(net, x, label)
                d = cut_delta(net, x, positive, heads)
                delta = d if delta is None else add(delta, d)
        self.cuts += found
        if self._budget_check is not None:
            self._budget_check.check()
        if p.eta_schedule == "cuts":  # this batch's cuts count, as in the replay
            eta_t = p.eta / (1.0 + p.eta_decay * self.cuts / N)
        size = len(batch.index)
        if delta is not None:
            apply(net, scale(delta, 1.0 / size), eta_t, p.weight_decay)
        if aux is not None:
            shrink = 1.0 - eta_t * p.weight_decay
            eta_r = eta_t * readouts.options.readout_eta
            for i, (dV, dd) in enumerate(aux):
                readouts.V[i] = shrink * readouts.V[i] + eta_r / size * dV
                readouts.d[i] = readouts.d[i] + eta_r / size * dd
        if readouts is not None and readouts.options.anchor:
            o = readouts.options
            _ro.anchor_identity(net, eta_t, o.anchor, o.anchor_top)
        return StepResult(
            queries=queries - batch.queries,
            samples=size,
            row={"eta": eta_t, "heads_found": found, "batch": size},
        )

    def _batched(self, batch: Batch, queries: int, budget: int) -> bool:
        """Whether this step can search its samples as one batch: one hidden layer searched
        whole (one window), and a budget that no sample of the step can exhaust (the last
        steps count sample by sample, as the budget runs out)."""
        if not self.options.batched or self.net.num_layers != 1 or self._whole is False:
            return False
        if self._budget_check is not None and not self._budget_check.done:
            return False  # sample by sample until the budget check has its readings
        if self._whole is None:
            H, C = self.net.hidden[0], self.net.num_classes
            self._whole = self.max_qubits is None or self.max_qubits >= H + C
        per_sample = self.search_budget + 1  # + the threshold's query
        return self._whole and budget - queries >= per_sample * len(batch.index)

    def _step_batched(self, batch: Batch, eta_t: float) -> StepResult:
        """One step with every sample's landscape searched in one batched call
        (:meth:`grover_train.finders.base.HeadFinder.find_batch`) and the batch's cuts
        summed in array form: the cut of :func:`cut_delta`, for one hidden layer."""
        p, net = self.options, self.net
        idx = batch.index
        X, labels = self.X[idx], self.y[idx].astype(int)
        if p.input_noise > 0:
            # data augmentation: flip each input spin with probability input_noise
            flips = batch.noise.random(X.shape) < p.input_noise
            X = np.where(flips, -X, X)
        land, pos = batch_landscape(net, X, labels, p.margin)
        found = self.finder.find_batch(
            land, budget=self.search_budget, seed=batch.rng, max_heads=p.max_heads
        )
        self.max_qubits_used = max(self.max_qubits_used, land.num_variables)
        self.reads_run += found.reads_run
        H = net.hidden[0]
        hit = np.flatnonzero(found.found)
        size = len(idx)
        self.cuts += int(hit.size)
        if p.eta_schedule == "cuts":  # this batch's cuts count, as in the replay
            eta_t = p.eta / (1.0 + p.eta_decay * self.cuts / len(self.y))
        if hit.size:
            # per sample: the mean over its heads of h, y and y h^T (the cut's negative phase)
            heads = [found.heads[b].astype(float) for b in hit]
            h_mean = np.stack([s[:, :H].mean(axis=0) for s in heads])
            y_mean = np.stack([s[:, H:].mean(axis=0) for s in heads])
            yh = sum(s[:, H:].T @ s[:, :H] / len(s) for s in heads)
            Xh, Ph, Eh = X[hit], pos[hit], land.exclude_values[hit].astype(float)
            dW = (Ph - h_mean).T @ Xh
            db = (Ph - h_mean).sum(axis=0)
            dU = Eh.T @ Ph - yh
            dc = (Eh - y_mean).sum(axis=0)
            apply(net, scale(([dW], [db], dU, dc), 1.0 / size), eta_t, p.weight_decay)
        return StepResult(
            queries=int(found.queries.sum()) + size,
            samples=size,
            row={"eta": eta_t, "heads_found": int(hit.size), "batch": size},
        )

    def state(self) -> dict:
        return {
            "cuts": self.cuts,
            "max_qubits_used": self.max_qubits_used,
            "reads_run": self.reads_run,
            **({"readouts": self.readouts.to_json()} if self.readouts is not None else {}),
        }

    def options_used(self) -> dict:
        """The options with the readouts this run trains with (given, default or, on resume,
        the saved run's)."""
        used = self.options.to_dict()
        if self.readouts is not None:
            used["readouts"] = self.readouts.options.to_dict()
        return used

    def summary(self) -> dict:
        return {
            "search_budget": self.search_budget,
            "max_qubits_used": self.max_qubits_used,
            "reads_run": self.reads_run,
            **(
                {"readout_options": self.readouts.options.to_dict()}
                if self.readouts is not None
                else {}
            ),
        }


def check_windows_fit(
    finder: HeadFinder, options: HeadCuttingOptions, plan: list[Window], num_classes: int
) -> None:
    """Refuse, before training starts, a network whose widest search window has more spins
    than the finder handles (e.g. the 28 qubits of the ``aer`` backend): the run would fail at
    its first search.

    >>> from grover_train.model.deep import plan_windows
    >>> o = HeadCuttingOptions("grover", {"backend": "aer"})
    >>> check_windows_fit(o.built_finder(), o, plan_windows([40], 10, None), 10)
    Traceback (most recent call last):
    ...
    grover_train.errors.TooManyQubitsError: the widest search window of this network has 50 ...
    >>> check_windows_fit(o.built_finder(), o, plan_windows([40], 10, 24), 10)
    """
    limit = finder.max_variables
    if limit is None:
        return
    widest = max(plan, key=lambda w: w.num_spins)
    if widest.num_spins <= limit:
        return
    backend = options.finder_options.get("backend")
    what = f"finder {options.finder_name!r}" + (
        f" on backend {backend!r}" if isinstance(backend, str) else ""
    )
    value_qubits = getattr(getattr(finder, "backend", None), "oracle", None) == "hardware"
    fix = (
        f"pass --max-qubits {limit} or less (windows of fewer spins"
        + (
            "; its hardware oracle adds value qubits, so leave room for them or pass "
            '--finder-option \'backend_options={"oracle": "diagonal"}\''
            if value_qubits
            else ""
        )
        + ") or a smaller --hidden"
        if limit >= min_qubits(num_classes)
        else "use a finder or backend that handles more qubits"
    )
    raise TooManyQubitsError(
        f"the widest search window of this network has {widest.num_spins} spins "
        f"({widest.name}), more than the {limit} that {what} handles: {fix}"
    )


__all__ = ["HeadCutting", "check_windows_fit", "cut", "cut_delta"]
