"""``train_model``: one training run from a method's options, head cutting with a finder or
backprop.

The options (:mod:`grover_train.train.options`: :class:`HeadCuttingOptions` or
:class:`BackpropOptions`, or :func:`method_options` by the name ``--finder`` takes) say the
method; :func:`make_updater` builds its updater (:class:`grover_train.train.cutting.HeadCutting`
or :class:`grover_train.train.backprop.Backprop`) and the training loop
(:func:`grover_train.train.loop.train`) runs it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from grover_train.data.datasets import Dataset
from grover_train.finders import HeadFinder
from grover_train.model.network import DragonNetwork
from grover_train.train.backprop import Backprop
from grover_train.train.cutting import HeadCutting
from grover_train.train.loop import Updater, train
from grover_train.train.options import (
    METHODS,
    BackpropOptions,
    HeadCuttingOptions,
    TrainOptions,
    method_options,
)
from grover_train.train.readouts import ReadoutOptions
from grover_train.train.result import TrainResult

#: training methods other than head cutting, by the name ``--finder`` takes
UPDATERS: dict[str, type[Updater]] = {"backprop": Backprop}


def make_updater(
    options: TrainOptions | str | HeadFinder,
    finder_options: dict[str, Any] | None = None,
    **values: Any,
) -> Updater:
    """The updater of a method's options (or of a method name and its values, read by
    :func:`method_options`).

    >>> make_updater(BackpropOptions()).name, make_updater(HeadCuttingOptions('sa')).name
    ('backprop', 'sa')
    """
    if not isinstance(options, TrainOptions):
        # TRANSITION: the studies still pass a name and flat values (until the layout move)
        options = method_options(options, finder_options, **values)
    if isinstance(options, HeadCuttingOptions):
        return HeadCutting(options)
    if isinstance(options, BackpropOptions):
        return Backprop(options)
    raise TypeError(f"no updater takes {type(options).__name__}: use one of {sorted(METHODS)}")


def check_method(finder: str | HeadFinder, finder_options: dict[str, Any] | None = None) -> None:
    """Fail before any work on an unknown method name or on options its finder refuses.

    >>> check_method('sa', {'num_reads': 4}); check_method('backprop', {'beta': 2.0})
    """
    # TRANSITION: the sweep schema's check until it builds options itself
    method_options(finder, finder_options)


def train_model(
    dataset: Dataset,
    options: TrainOptions | None = None,
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
    # TRANSITION: the flat values of the studies and sweeps until the layout move; they build
    # the options with method_options
    finder: str | HeadFinder | None = None,
    finder_options: dict[str, Any] | None = None,
    batch_size: int | None = None,
    eta: float | None = None,
    margin: float | None = None,
    max_heads: int | None = None,
    eval_size: int | None = None,
    max_qubits: int | None = None,
    search_budget: int | None = None,
    eta_decay: float | None = None,
    weight_decay: float | None = None,
    eta_schedule: str | None = None,
    init_scale: float | None = None,
    input_noise: float | None = None,
    average: int | str | None = None,
    windows: str | None = None,
    readout_options: ReadoutOptions | dict[str, Any] | None = None,
) -> TrainResult:
    """Train a dragon network on ``dataset`` until ``budget`` queries are spent, with the
    method ``options`` say: cutting heads with a finder, or gradient descent.

    Args:
        dataset: training and test data (:func:`grover_train.data.datasets.load_dataset`).
        options: the method and its options (:class:`HeadCuttingOptions`,
            :class:`BackpropOptions`, or :func:`method_options` by name).
        hidden: hidden layer sizes, e.g. ``32`` or ``[32, 32]``.
        budget: total queries (docs/design.md section 3), including those of a resumed run.
        seed: one seed for everything (initial weights, batches, finder seeds).
        init, resume, progress, metrics_path, num_evals, checkpoint, checkpoint_every, start:
            of the training loop, :func:`grover_train.train.loop.train`.

    Returns:
        :class:`TrainResult` with the network, per-step metrics and a summary.

    Raises:
        InputError: a model or resume that does not fit (before any work).
        BudgetError: a resumed run already spent ``budget``.

    >>> from grover_train.data.datasets import load_dataset
    >>> ds = load_dataset('teacher', seed=0, teacher_sizes=(8, 4, 2), num_samples=60)
    >>> r = train_model(ds, HeadCuttingOptions('exact'), hidden=4, budget=3000, seed=0,
    ...                 progress=False)
    >>> r.summary['queries'] >= 3000, r.metrics[-1]['step'] == r.summary['steps']
    (True, True)
    """
    if options is None:
        if finder is None:
            raise TypeError("train_model needs options: e.g. HeadCuttingOptions('sa')")
        options = method_options(
            finder,
            finder_options,
            batch_size=batch_size,
            eta=eta,
            margin=margin,
            max_heads=max_heads,
            eval_size=eval_size,
            max_qubits=max_qubits,
            search_budget=search_budget,
            eta_decay=eta_decay,
            weight_decay=weight_decay,
            eta_schedule=eta_schedule,
            init_scale=init_scale,
            input_noise=input_noise,
            average=average,
            windows=windows,
            readouts=readout_options,
        )
    result = train(
        dataset,
        make_updater(options),
        hidden=hidden,
        budget=budget,
        seed=seed,
        init=init,
        resume=resume,
        progress=progress,
        metrics_path=metrics_path,
        num_evals=num_evals,
        checkpoint=checkpoint,
        checkpoint_every=checkpoint_every,
        start=start,
    )
    result.summary.setdefault("max_qubits_used", 0)  # a method that searches no landscape
    return result


__all__ = ["UPDATERS", "check_method", "make_updater", "train_model"]
