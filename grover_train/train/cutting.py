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
from grover_train.errors import InputError
from grover_train.finders import HeadFinder, get_finder
from grover_train.model.deep import identity_init, plan_windows
from grover_train.model.network import DragonNetwork
from grover_train.rng import child_seed
from grover_train.train import readouts as _ro
from grover_train.train.delta import add, apply, cut, cut_delta, scale
from grover_train.train.loop import Batch, StepResult, Updater, check_positive_ints
from grover_train.train.problems import (
    FullConfig,
    batch_landscape,
    positive_config,
    sample_problems,
)
from grover_train.train.readouts import ReadoutOptions, Readouts, local_delta

#: defaults tuned on digits (10 classes, --hidden 32, sa); see docs/training.md
DEFAULTS = {
    "batch_size": 32,
    "eta": 0.05,
    "margin": 1.0,
    "max_heads": 1,
    "search_budget": 8,
    "eval_size": 256,
    "eta_decay": 0.0,
    "weight_decay": 0.0,
    "init_scale": 1.0,
    "input_noise": 0.0,
    "average": "epoch",
    "windows": "readouts",
    "eta_schedule": "epochs",
}


class HeadCutting(Updater):
    """Head cutting with a finder: per sample, search for heads and cut them.

    Args:
        finder: a finder name (``sa``, ``grover``, ...) or a :class:`HeadFinder`.
        finder_options: keyword options of the finder (e.g. ``num_reads``, ``backend``).
        max_qubits: largest landscape handed to the finder.
        batch_size: samples per step; their cuts are averaged.
        eta: step size; ``eta_decay`` makes it eta / (1 + eta_decay * epochs done), or with
            ``eta_schedule="cuts"`` eta / (1 + eta_decay * cuts / N): scheduled per cut (a
            sample with a head found), so a finder that misses heads does not burn its decay.
        margin: kappa >= 0; heads are states below E+(x, k*) + kappa with another output.
        max_heads: distinct heads the finder looks for per sample (their cut is averaged).
        search_budget: the finder's query budget per sample search.
        eval_size: size of the fixed evaluation subset of the training set for eps.
        windows: how deep networks are searched: ``"readouts"`` (default: every hidden layer
            learns from its own label-coupled readout, one-layer windows,
            :mod:`grover_train.train.readouts`), or whole-network head cutting in windows of
            ``"layers"`` or ``"columns"`` (:func:`grover_train.model.deep.plan_windows`). One
            hidden layer: "readouts" is "layers".
        average: if > 0, the loop returns (and evaluates) the exponential moving average of
            the weights over about this many steps; the finder keeps searching the raw
            weights. Default ``"epoch"``: the steps of one epoch; 0 turns averaging off.
        weight_decay: L2 shrinkage of W and U per step (times eta).
        init_scale: variance scale of the random initial weights.
        readout_options: settings of the local readouts of deep networks
            (:class:`grover_train.train.readouts.ReadoutOptions`, or a dict of its fields);
            recorded in the summary and the saved state, restored on resume.
        input_noise: flip each input spin with this probability when a sample is used.

    >>> from grover_train.data.datasets import load_dataset
    >>> from grover_train.train.loop import train
    >>> ds = load_dataset('teacher', seed=0, teacher_sizes=(8, 4, 2), num_samples=60)
    >>> r = train(ds, HeadCutting('exact'), hidden=4, budget=3000, seed=0, progress=False)
    >>> r.summary['finder'], r.summary['queries'] >= 3000
    ('exact', True)
    """

    defaults = DEFAULTS

    def __init__(
        self,
        finder: str | HeadFinder,
        finder_options: dict | None = None,
        *,
        max_qubits: int | None = None,
        batch_size: int | None = None,
        eta: float | None = None,
        margin: float | None = None,
        max_heads: int | None = None,
        search_budget: int | None = None,
        eval_size: int | None = None,
        eta_decay: float | None = None,
        weight_decay: float | None = None,
        eta_schedule: str | None = None,
        init_scale: float | None = None,
        input_noise: float | None = None,
        average: int | str | None = None,
        windows: str | None = None,
        batched: bool = True,
        readout_options: ReadoutOptions | dict | None = None,
    ) -> None:
        super().__init__(
            finder_options,
            batch_size=batch_size,
            eta=eta,
            margin=margin,
            max_heads=max_heads,
            search_budget=search_budget,
            eval_size=eval_size,
            eta_decay=eta_decay,
            weight_decay=weight_decay,
            eta_schedule=eta_schedule,
            init_scale=init_scale,
            input_noise=input_noise,
            average=average,
            windows=windows,
        )
        self.finder = finder
        self.max_qubits = max_qubits
        #: settings of the local readouts of deep networks (None: the defaults, or on resume
        #: the saved run's)
        self.readout_options = (
            ReadoutOptions.from_dict(readout_options)
            if isinstance(readout_options, dict)
            else readout_options
        )
        #: a coherent finder sizes the per-sample budget from its preparation when none is
        #: given (:func:`grover_train.finders.coherent.budget.sized_budget`)
        self._budget_given = search_budget is not None
        self._budget_check = None
        #: search a one-layer step's samples in one batched call (False: one at a time, the
        #: reference path; the heads agree in distribution, see docs/training.md)
        self.batched = bool(batched)
        self._whole: bool | None = None
        self.name = getattr(finder, "name", str(finder))

    def check(self, dataset: Dataset, hidden: list[int]) -> None:
        """Check the options of head cutting and build the finder (bad options fail here)."""
        p = self.options
        check_positive_ints(p, "max_heads", "search_budget")
        v = p.get("eta_schedule")
        if v not in ("epochs", "cuts"):
            raise InputError(f"--eta-schedule must be 'epochs' or 'cuts', got {v!r}")
        v = p.get("average")
        if v != "epoch" and (isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 0):
            raise InputError(f"--average must be an integer number of steps >= 0, got {v!r}")
        v = self.max_qubits
        if v is not None and (not isinstance(v, int | np.integer) or v < 2):
            raise InputError(f"--max-qubits must be an integer >= 2, got {v!r}")
        # too small for the outputs + 1 (or one unit per layer for columns), unknown shape
        plan = plan_windows(hidden, dataset.num_classes, v, shape=p["windows"] or "readouts")
        if not isinstance(self.finder, HeadFinder):
            self.finder = get_finder(self.finder, **self.finder_options)
        self.name = getattr(self.finder, "name", str(self.finder))
        sizer = getattr(self.finder, "train_search_budget", None)
        if sizer is not None and not self._budget_given:
            # the largest window searched: what BBHT's expected cost is sized for
            n = max(w.num_hidden for w in plan) + dataset.num_classes
            p["search_budget"] = int(sizer(n))

    def fresh(self, net: DragonNetwork) -> DragonNetwork:
        """Deep networks start near identity above layer 1 (docs/deep.md)."""
        return identity_init(net) if net.num_layers > 1 else net

    def init(self, net: DragonNetwork, dataset: Dataset, state: dict, seed: int) -> None:
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
        self._budget_check = make_check(self.options["search_budget"]) if make_check else None
        if self.options["windows"] == "readouts" and net.num_layers > 1:
            saved = state.get("readouts")
            self.readouts = (
                _ro.check_resume_blocks(saved, net.hidden, net.num_classes, self.max_qubits)
                if saved
                else Readouts.random(
                    net, seed, max_qubits=self.max_qubits, options=self.readout_options
                )
            )
            given = self.readout_options
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
        progress_t = self.cuts / N if p["eta_schedule"] == "cuts" else batch.epochs
        eta_t = p["eta"] / (1.0 + p["eta_decay"] * progress_t)
        if self._batched(batch, queries, budget):
            return self._step_batched(batch, eta_t)
        delta = None
        aux = None
        found = 0
        for i in batch.index:
            if queries >= budget:
                break
            x, label = X[i], int(y[i])
            if p["input_noise"] > 0:
                # data augmentation: flip each input spin with probability input_noise
                x = np.where(noise.random(x.size) < p["input_noise"], -x, x)
            heads: list[FullConfig] = []
            positive = None
            for prob in sample_problems(
                net,
                x,
                label,
                margin=p["margin"],
                max_qubits=self.max_qubits,
                step=batch.step,
                windows=p["windows"],
                readouts=readouts,
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
                    budget=min(p["search_budget"], left),
                    seed=child_seed(rng),
                    max_heads=p["max_heads"],
                )
                queries += int(ss.info["queries"])
                self.reads_run += int(ss.info.get("reads_run", ss.info["queries"]))
                if self._budget_check is not None:
                    self._budget_check.add(ss.info.get("p_prep"), prob.num_variables)
                self.max_qubits_used = max(self.max_qubits_used, prob.num_variables)
                # the deepest max_heads heads (a finder may return more)
                rows = ss.record.sample[np.argsort(ss.record.energy, kind="stable")]
                heads += prob.to_full(rows[: p["max_heads"]])
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
        if p["eta_schedule"] == "cuts":  # this batch's cuts count, as in the replay
            eta_t = p["eta"] / (1.0 + p["eta_decay"] * self.cuts / N)
        size = len(batch.index)
        if delta is not None:
            apply(net, scale(delta, 1.0 / size), eta_t, p["weight_decay"])
        if aux is not None:
            shrink = 1.0 - eta_t * p["weight_decay"]
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
        if not self.batched or self.net.num_layers != 1 or self._whole is False:
            return False
        if self._budget_check is not None and not self._budget_check.done:
            return False  # sample by sample until the budget check has its readings
        if self._whole is None:
            H, C = self.net.hidden[0], self.net.num_classes
            self._whole = self.max_qubits is None or self.max_qubits >= H + C
        per_sample = self.options["search_budget"] + 1  # + the threshold's query
        return self._whole and budget - queries >= per_sample * len(batch.index)

    def _step_batched(self, batch: Batch, eta_t: float) -> StepResult:
        """One step with every sample's landscape searched in one batched call
        (:meth:`grover_train.finders.base.HeadFinder.find_batch`) and the batch's cuts
        summed in array form: the cut of :func:`cut_delta`, for one hidden layer."""
        p, net = self.options, self.net
        idx = batch.index
        X, labels = self.X[idx], self.y[idx].astype(int)
        if p["input_noise"] > 0:
            # data augmentation: flip each input spin with probability input_noise
            flips = batch.noise.random(X.shape) < p["input_noise"]
            X = np.where(flips, -X, X)
        land, pos = batch_landscape(net, X, labels, p["margin"])
        found = self.finder.find_batch(
            land, budget=p["search_budget"], seed=batch.rng, max_heads=p["max_heads"]
        )
        self.max_qubits_used = max(self.max_qubits_used, land.num_variables)
        self.reads_run += found.reads_run
        H = net.hidden[0]
        hit = np.flatnonzero(found.found)
        size = len(idx)
        self.cuts += int(hit.size)
        if p["eta_schedule"] == "cuts":  # this batch's cuts count, as in the replay
            eta_t = p["eta"] / (1.0 + p["eta_decay"] * self.cuts / len(self.y))
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
            apply(net, scale(([dW], [db], dU, dc), 1.0 / size), eta_t, p["weight_decay"])
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

    def summary(self) -> dict:
        return {
            "max_qubits": self.max_qubits,
            "max_qubits_used": self.max_qubits_used,
            "batched": self.batched,
            "reads_run": self.reads_run,
            **(
                {"readout_options": self.readouts.options.to_dict()}
                if self.readouts is not None
                else {}
            ),
        }


__all__ = ["DEFAULTS", "HeadCutting", "cut", "cut_delta"]
