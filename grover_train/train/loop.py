"""One training loop for every way of updating the weights (docs/training.md).

The loop owns what every training run shares: the checks of the shared options, the initial
network, the mini-batches (a fresh order of the training set every epoch), query accounting
up to the budget, weight averaging, the metrics (:class:`grover_train.train.result.Evaluator`)
and their JSONL file, checkpoints and resume, the summary and the state saved in the model.
An :class:`Updater` says how the weights change: head cutting with a finder
(:class:`grover_train.train.cutting.HeadCutting`) or gradient descent
(:class:`grover_train.train.backprop.Backprop`). The loop calls ``check`` and ``init`` once,
then ``step`` per mini-batch until the budget is spent; ``network()`` is the network the
updater trains.

Randomness: everything comes from the run's one seed: the initial weights from
``SeedSequence([seed, 3])``, the order of epoch e from ``default_rng([seed, 2, e])``, and every
step s gets the streams ``default_rng([seed, 1, s])`` (searches) and ``default_rng([seed, 4, s])``
(input noise), so a resumed run continues exactly where the saved one stood.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Required, TypedDict

import numpy as np

from grover_train.data.datasets import Dataset
from grover_train.errors import BudgetError, InputError
from grover_train.finders import check_budget
from grover_train.model.network import DragonNetwork, check_sizes
from grover_train.provenance import versions
from grover_train.rng import check_seed
from grover_train.train.options import TrainOptions, check_resumed
from grover_train.train.result import Evaluator, MetricsWriter, TrainResult


@dataclass
class Batch:
    """One step's mini-batch and where the run stands when the step starts.

    Attributes:
        index: indices of the batch's training samples (a slice of the updater's ``order``).
        step: steps done before this one.
        epochs: epochs done, ``epoch + pos / N``.
        queries: queries spent before this step.
        budget: the run's query budget (a step stops spending when it is reached).
        rng: this step's random stream (seeds of the searches).
        noise: this step's stream of input-spin flips.
    """

    index: np.ndarray
    step: int
    epochs: float
    queries: int
    budget: int
    rng: np.random.Generator
    noise: np.random.Generator


@dataclass
class StepResult:
    """What one step did: ``queries`` spent, ``samples`` of the batch used (the loop moves on
    by that many) and ``row``, the step's own entries of its metrics row (e.g. the step size)."""

    queries: int
    samples: int
    row: dict[str, Any]


class Updater:
    """How the weights change; the loop (:func:`train`) calls the methods in this order:
    ``check`` once before any work, ``fresh`` for a run that starts from random weights,
    ``init`` once, then ``order`` per epoch and ``step`` per mini-batch, ``network`` whenever
    it needs the weights, ``state`` at checkpoints and at the end, and ``close`` at the end.

    Subclasses set :attr:`name`; :attr:`options` are the method's options
    (:class:`grover_train.train.options.TrainOptions` or a subclass, checked when built). The
    loop reads ``batch_size``, ``eval_size``, ``margin`` (of the metric ``train_error_margin``),
    ``init_scale`` and ``average`` from them and records them in the summary.

    >>> from grover_train.train.options import TrainOptions
    >>> class Still(Updater):  # an updater that never changes the weights
    ...     name = "still"
    ...     def step(self, batch):
    ...         return StepResult(queries=len(batch.index), samples=len(batch.index), row={})
    >>> from grover_train.data.datasets import load_dataset
    >>> ds = load_dataset('teacher', seed=0, teacher_sizes=(6, 3, 2), num_samples=40)
    >>> r = train(ds, Still(TrainOptions(batch_size=4, eval_size=8)), hidden=3, budget=10,
    ...           seed=0, progress=False)
    >>> r.summary['finder'], r.summary['queries'], r.summary['steps']
    ('still', 12, 3)
    """

    #: the method's name: the summary's and the saved state's ``finder``
    name: str = "updater"

    def __init__(self, options: TrainOptions | None = None) -> None:
        self.options = options if options is not None else TrainOptions()
        #: the finder's options as the summary records them (none for a method without one)
        self.finder_options: dict[str, Any] = dict(getattr(self.options, "finder_options", {}))
        self.net: DragonNetwork | None = None

    def check(self, dataset: Dataset, hidden: list[int]) -> None:
        """Raise :class:`InputError` where this method cannot train ``hidden`` layers on
        ``dataset`` (the options themselves were checked when built)."""

    def fresh(self, net: DragonNetwork) -> DragonNetwork:
        """The network a run that does not start from a given one begins with."""
        return net

    def init(self, net: DragonNetwork, dataset: Dataset, state: dict[str, Any], seed: int) -> None:
        """Start training ``net`` (in place) on ``dataset``; ``state`` is the saved
        ``train_state`` of a resumed run (counters only for a new one). The last place a run
        may be refused: nothing is written before it returns."""
        self.net = net

    def order(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """The order of the ``n`` training samples in one epoch, drawn from ``rng``."""
        return rng.permutation(n)

    def step(self, batch: Batch) -> StepResult:
        """One update from ``batch``."""
        raise NotImplementedError

    def network(self) -> DragonNetwork:
        """The network being trained (for the metrics, checkpoints and the result)."""
        if self.net is None:
            raise RuntimeError(f"updater {self.name!r} has no network yet: call init first")
        return self.net

    def state(self) -> dict[str, Any]:
        """What a resumed run needs besides the weights and the loop's counters."""
        return {}

    def summary(self) -> dict[str, Any]:
        """Entries of the run's summary besides the loop's and the options (or options as
        the run resolved them, e.g. a sized search budget)."""
        return {}

    def options_used(self) -> dict[str, Any]:
        """The options as this run trains with them (:meth:`TrainOptions.to_dict`, with what
        ``init`` restored from a resumed run): the saved state's ``options``."""
        return self.options.to_dict()

    def close(self) -> None:
        """Undo what ``init`` changed outside the updater (called even after an error)."""


def hidden_list(hidden: int | Sequence[int]) -> list[int]:
    """Hidden layer sizes as a list.

    >>> hidden_list(32), hidden_list((8, 4))
    ([32], [8, 4])
    """
    if isinstance(hidden, int | np.integer):
        return [int(hidden)]
    try:
        return [int(h) for h in hidden]
    except (TypeError, ValueError):
        raise InputError(
            f"--hidden must list positive layer sizes, got {hidden!r}: use e.g. "
            "--hidden 32 or --hidden 32,32"
        ) from None


def check_run(
    dataset: Dataset, hidden: int | Sequence[int], budget: int, seed: int | None
) -> tuple[list[int], int]:
    """Check what a run is besides its method's options: the layer sizes against the data,
    the budget and the seed; return ``hidden`` as a list and the seed as an int.

    >>> from grover_train.data.datasets import load_dataset
    >>> ds = load_dataset('teacher', seed=0, teacher_sizes=(6, 3, 2), num_samples=40)
    >>> check_run(ds, 3, 100, 0)
    ([3], 0)
    >>> check_run(ds, 3, 100, None)
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: training needs an integer seed, got None: pass --seed N
    """
    sizes = hidden_list(hidden)
    check_sizes(dataset.num_inputs, sizes, dataset.num_classes)
    check_budget(budget, "--budget")
    checked = check_seed(seed)
    if checked is None:  # every stream of the run is derived from it
        raise InputError("training needs an integer seed, got None: pass --seed N")
    if len(dataset.y_train) == 0:
        raise InputError("the training set is empty: choose more samples or other classes")
    return sizes, checked


class RunKeywords(TypedDict, total=False):
    """The keywords of :func:`train` besides the data and the method, as
    :func:`grover_train.train.run.train_model` and
    :func:`grover_train.train.checkpoint.train_in_folder` pass them on (``hidden``,
    ``budget`` and ``seed`` required; the others take :func:`train`'s defaults)."""

    hidden: Required[int | Sequence[int]]
    budget: Required[int]
    seed: Required[int]
    init: DragonNetwork | None
    resume: bool
    progress: bool
    metrics_path: str | os.PathLike[str] | None
    num_evals: int
    checkpoint: Callable[[DragonNetwork], None] | None
    checkpoint_every: float
    start: Callable[[], None] | None


def train(
    dataset: Dataset,
    updater: Updater,
    *,
    hidden: int | Sequence[int],
    budget: int,
    seed: int,
    init: DragonNetwork | None = None,
    resume: bool = False,
    progress: bool = True,
    metrics_path: str | os.PathLike[str] | None = None,
    num_evals: int = 50,
    checkpoint: Callable[[DragonNetwork], None] | None = None,
    checkpoint_every: float = 300.0,
    start: Callable[[], None] | None = None,
) -> TrainResult:
    """Train a network of ``hidden`` layers on ``dataset`` with ``updater`` until ``budget``
    queries are spent.

    Args:
        dataset: training and test data (:func:`grover_train.data.datasets.load_dataset`).
        updater: how the weights change (:class:`Updater`).
        hidden: hidden layer sizes, e.g. ``32`` or ``[32, 32]``.
        budget: total queries (docs/design.md section 3), including those of a resumed run.
        seed: one seed for everything (initial weights, batches, the updater's streams).
        init: starting network (else random); with ``resume`` its ``meta['train_state']``
            says where the run stopped.
        resume: continue the run saved in ``init``.
        progress: show a tqdm bar on stderr.
        metrics_path: JSONL file receiving one row per evaluated step.
        num_evals: about how many times the metrics are computed: at the first steps, then
            whenever the cumulative queries cross a point of a grid that is half geometric,
            half linear in [1, budget], and at the end (deterministic, so runs are comparable).
        checkpoint: called with a copy of the network whose ``meta['train_state']`` is where
            the run stands, at most every ``checkpoint_every`` seconds (0: after every step),
            so that a killed run can be resumed from it (``init=..., resume=True``).
        start: called once every check has passed, before the metrics file is opened (where
            a caller creates its output folder: a refused run writes nothing).

    Returns:
        :class:`TrainResult` with the network, per-step metrics and a summary.

    Raises:
        InputError: a model that does not fit the data, or a resume without saved state or
            with another seed, method or layer sizes.
        BudgetError: the resumed run already spent ``budget``.
    """
    p = updater.options
    hidden, seed = check_run(dataset, hidden, budget, seed)
    updater.check(dataset, hidden)
    state = resume_state(init, resume, seed, hidden, updater.name, updater.options)
    if init is not None:
        net = init.copy()
        if net.num_inputs != dataset.num_inputs or net.num_classes != dataset.num_classes:
            raise InputError(
                f"the initial model takes {net.num_inputs} inputs and {net.num_classes} "
                f"classes, the data has {dataset.num_inputs} and {dataset.num_classes}: use a "
                "model trained on the same dataset options"
            )
    else:
        init_seed = int(np.random.SeedSequence([seed, 3]).generate_state(1)[0])
        net = updater.fresh(
            DragonNetwork.random(
                dataset.num_inputs,
                hidden,
                dataset.num_classes,
                seed=init_seed,
                scale=p.init_scale,
            )
        )
    if state["queries"] >= budget:
        raise BudgetError(
            f"the run already spent {state['queries']} queries of its budget: "
            f"pass a --budget larger than {state['queries']} to continue"
        )
    N = len(dataset.y_train)
    # Weight averaging: the updater trains the raw network; the returned (deployable) network
    # ``avg`` is the exponential moving average of its weights over ~``average`` steps.
    average = p.average_steps(N)
    avg = None
    if average:
        avg = net
        raw = state.get("raw")
        net = _from_arrays(raw, net.meta) if raw else net.copy()
    updater.init(net, dataset, state, seed)
    if start is not None:
        try:
            start()
        except BaseException:
            updater.close()
            raise
    evaluator = Evaluator(dataset, eval_size=p.eval_size, seed=seed, margin=p.margin)
    writer = MetricsWriter(metrics_path, resume_step=state["step"] if resume else None)
    queries, step, epoch, pos = state["queries"], state["step"], state["epoch"], state["pos"]
    wall0 = float(state.get("wall_s", 0.0))
    metrics: list[dict[str, Any]] = []
    points = _eval_points(budget, num_evals)
    next_eval = _next_point(points, queries)

    def train_state(wall: float) -> dict[str, Any]:
        """Where the run stands: what a resumed run (from the end or a checkpoint) needs."""
        return {
            "queries": queries,
            "step": step,
            "epoch": epoch,
            "pos": pos,
            "seed": seed,
            "wall_s": wall,
            "finder": updater.name,
            "options": updater.options_used(),
            **updater.state(),
            **({"raw": _to_arrays(updater.network())} if avg is not None else {}),
        }

    t0 = time.perf_counter()
    last_checkpoint = t0
    bar = _progress_bar(budget, queries, progress, updater.name)
    order, order_epoch = np.empty(0, dtype=np.int64), None  # drawn at the first step
    try:
        while queries < budget:
            if order_epoch != epoch:  # the same order for every step of an epoch
                order = updater.order(np.random.default_rng([seed, 2, epoch]), N)
                order_epoch = epoch
            batch = Batch(
                index=order[pos : pos + p.batch_size],
                step=step,
                epochs=epoch + pos / N,
                queries=queries,
                budget=budget,
                rng=np.random.default_rng([seed, 1, step]),
                noise=np.random.default_rng([seed, 4, step]),
            )
            done_step = updater.step(batch)
            queries += done_step.queries
            if avg is not None:
                _blend(avg, updater.network(), 1.0 / average)
            step += 1
            pos += done_step.samples
            if pos >= N:
                epoch, pos = epoch + 1, 0
            done = queries >= budget
            wall = wall0 + time.perf_counter() - t0
            if done or step <= 3 or queries >= next_eval:
                next_eval = _next_point(points, queries)
                row = {
                    "step": step,
                    "epoch": epoch + pos / N,
                    "queries": queries,
                    "wall_s": wall,
                    **done_step.row,
                    **evaluator(updater.network() if avg is None else avg),
                }
                metrics.append(row)
                writer.write(row)
                bar.set_postfix(
                    eps=f"{row['train_error']:.3f}",
                    acc=f"{row['test_accuracy']:.3f}",
                    refresh=False,
                )
            bar.update(queries - bar.n)
            now = time.perf_counter()
            if checkpoint is not None and not done and now - last_checkpoint >= checkpoint_every:
                snap = (updater.network() if avg is None else avg).copy()
                snap.meta = {**snap.meta, "train_state": train_state(wall0 + now - t0)}
                checkpoint(snap)
                last_checkpoint = time.perf_counter()
    finally:
        updater.close()
        bar.close()
    wall = wall0 + time.perf_counter() - t0
    saved = train_state(wall)
    net = updater.network() if avg is None else avg
    final = metrics[-1] if metrics else {"step": step, **evaluator(net)}
    summary = {
        "test_accuracy": final["test_accuracy"],
        "validation_accuracy": final.get("validation_accuracy"),
        "validation_size": len(getattr(dataset, "y_val", ())),
        "train_accuracy": final["train_accuracy"],
        "train_error": final["train_error"],
        "train_error_margin": final["train_error_margin"],
        "queries": queries,
        "wall_s": wall,
        "steps": step,
        "epochs": epoch + pos / N,
        "finder": updater.name,
        "finder_options": dict(updater.finder_options),
        "seed": seed,
        "budget": budget,
        "hidden": hidden,
        "dataset": dataset.name,
        "classes": list(dataset.classes),
        **p.record(),
        "average": average,
        **updater.summary(),
        "versions": versions(),
    }
    net.meta = {
        **net.meta,
        "train_state": saved,
        "summary": {k: v for k, v in summary.items() if k != "versions"},
    }
    return TrainResult(net, metrics, summary)


def resume_state(
    init: DragonNetwork | None,
    resume: bool,
    seed: int,
    hidden: list[int],
    name: str,
    options: TrainOptions | None = None,
) -> dict[str, Any]:
    """Where the run to resume stands (counters at zero for a new run); refused if it was
    saved without a state or trained with another seed, method or layer sizes, or with other
    ``options`` than it saved (:func:`grover_train.train.options.check_resumed`; a state saved
    before the options were has only the other checks)."""
    if not resume:
        return {"queries": 0, "step": 0, "epoch": 0, "pos": 0, "wall_s": 0.0}
    state = dict((init.meta if init is not None else {}).get("train_state") or {})
    if init is None or not state:
        raise InputError(
            "the model to resume has no training state: resume only from a "
            "model.npz written by 'grover-train train'"
        )
    if int(state.get("seed", seed)) != seed:
        raise InputError(
            f"seed {seed} differs from the seed {state['seed']} of the run being "
            f"resumed: drop --seed or pass --seed {state['seed']}"
        )
    saved = state.get("finder")
    # runs saved before the grover finder had one name are grover runs
    if saved not in (None, name) and not (name == "grover" and str(saved).startswith("grover")):
        raise InputError(
            f"the run being resumed was trained with finder {saved!r}, not {name!r}: resume "
            "with the same --finder"
        )
    if init.hidden != hidden:
        raise InputError(
            f"the run being resumed has hidden layers {init.hidden}, not {hidden}: resume "
            "with the same --hidden"
        )
    if options is not None and state.get("options"):
        check_resumed(options, state["options"])
    return state


def _blend(avg: DragonNetwork, net: DragonNetwork, rate: float) -> None:
    """avg <- avg + rate (net - avg), in place (exponential moving average of the weights)."""
    for layer in range(net.num_layers):
        avg.W[layer] += rate * (net.W[layer] - avg.W[layer])
        avg.b[layer] += rate * (net.b[layer] - avg.b[layer])
    avg.U += rate * (net.U - avg.U)
    avg.c += rate * (net.c - avg.c)


def _to_arrays(net: DragonNetwork) -> dict[str, Any]:
    """The weights as JSON-able lists (the raw weights of an averaged run, kept for resume)."""
    return {
        "W": [w.tolist() for w in net.W],
        "b": [v.tolist() for v in net.b],
        "U": net.U.tolist(),
        "c": net.c.tolist(),
    }


def _from_arrays(arrays: dict[str, Any], meta: dict[str, Any]) -> DragonNetwork:
    return DragonNetwork(arrays["W"], arrays["b"], arrays["U"], arrays["c"], dict(meta))


def raw_network(net: DragonNetwork) -> DragonNetwork:
    """The raw (not averaged) network of a trained model: the weights the updater trained,
    kept in ``meta['train_state']['raw']`` by an averaged run; ``net`` itself otherwise.

    >>> raw_network(DragonNetwork.random(3, 2, 2, seed=0)).hidden
    [2]
    """
    raw = (net.meta.get("train_state") or {}).get("raw")
    return _from_arrays(raw, {}) if raw else net


def _eval_points(budget: int, num_evals: int) -> np.ndarray:
    """Query counts at which metrics are computed: geometric plus linear grid in [1, budget]."""
    k = max(2, int(num_evals) // 2)
    geo = np.geomspace(1, budget, k)
    lin = np.linspace(budget / k, budget, k)
    return np.unique(np.ceil(np.concatenate([geo, lin])).astype(np.int64))


def _next_point(points: np.ndarray, queries: int) -> int:
    i = int(np.searchsorted(points, queries, side="right"))
    return int(points[i]) if i < len(points) else int(points[-1]) + 1


def _progress_bar(budget: int, initial: int, progress: bool, name: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(
        total=budget,
        initial=initial,
        disable=not progress,
        unit="q",
        desc=f"train[{name}]",
        dynamic_ncols=True,
        leave=False,
    )


__all__ = [
    "Batch",
    "RunKeywords",
    "StepResult",
    "Updater",
    "check_run",
    "hidden_list",
    "raw_network",
    "resume_state",
    "train",
]
