"""``train_model``: one training run by method name, head cutting with a finder or backprop.

The name is a finder's (``sa``, ``grover``, ...: head cutting,
:class:`grover_train.train.cutting.HeadCutting`) or one of :data:`UPDATERS` (``backprop``:
:class:`grover_train.train.backprop.Backprop`); :func:`make_updater` builds the updater and
the training loop (:func:`grover_train.train.loop.train`) runs it.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Sequence
from typing import Any

from grover_train.data.datasets import Dataset
from grover_train.finders import HeadFinder, get_finder
from grover_train.model.network import DragonNetwork
from grover_train.train.backprop import Backprop
from grover_train.train.cutting import HeadCutting
from grover_train.train.loop import Updater, train
from grover_train.train.readouts import ReadoutOptions
from grover_train.train.result import TrainResult

#: training methods other than head cutting, by the name ``--finder`` takes
UPDATERS: dict[str, type[Updater]] = {"backprop": Backprop}


def make_updater(
    finder: str | HeadFinder, finder_options: dict[str, Any] | None = None, **options: Any
) -> Updater:
    """The updater of a method name: one of :data:`UPDATERS`, else head cutting with the
    finder of that name (or the given finder).

    Options the method does not take are ignored (``max_heads`` means nothing to backprop),
    so that one set of options serves every method of a comparison.

    >>> make_updater('backprop', max_heads=2).name, make_updater('sa', max_heads=2).name
    ('backprop', 'sa')
    """
    if isinstance(finder, str) and finder in UPDATERS:
        cls = UPDATERS[finder]
        takes = inspect.signature(cls).parameters
        return cls(finder_options, **{k: v for k, v in options.items() if k in takes})
    return HeadCutting(finder, finder_options, **options)


def check_method(finder: str | HeadFinder, finder_options: dict[str, Any] | None = None) -> None:
    """Fail before any work on an unknown method name or on options its finder refuses:
    build the method's updater and finder once.

    Raises:
        UnknownNameError: an unknown finder name.
        InputError: options backprop does not take.
        TypeError: an option the finder's constructor does not take.

    >>> check_method('sa', {'num_reads': 4}); check_method('backprop', {'beta': 2.0})
    >>> check_method('backprop', {'num_reads': 4})
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: backprop takes no finder options ['num_reads']: drop them ...
    """
    updater = make_updater(finder, finder_options)
    if isinstance(updater, HeadCutting) and not isinstance(finder, HeadFinder):
        get_finder(finder, **dict(finder_options or {}))


def train_model(
    dataset: Dataset,
    *,
    hidden: int | Sequence[int],
    finder: str | HeadFinder,
    finder_options: dict[str, Any] | None = None,
    budget: int,
    seed: int,
    batch_size: int | None = None,
    eta: float | None = None,
    margin: float | None = None,
    max_heads: int | None = None,
    eval_size: int | None = None,
    max_qubits: int | None = None,
    init: DragonNetwork | None = None,
    progress: bool = True,
    metrics_path: str | os.PathLike[str] | None = None,
    resume: bool = False,
    search_budget: int | None = None,
    eta_decay: float | None = None,
    weight_decay: float | None = None,
    eta_schedule: str | None = None,
    init_scale: float | None = None,
    input_noise: float | None = None,
    average: int | str | None = None,
    windows: str | None = None,
    readout_options: ReadoutOptions | dict[str, Any] | None = None,
    num_evals: int = 50,
    checkpoint: Callable[[DragonNetwork], None] | None = None,
    checkpoint_every: float = 300.0,
) -> TrainResult:
    """Train a dragon network on ``dataset`` until ``budget`` queries are spent, by cutting
    heads with ``finder`` or, for ``finder="backprop"``, by gradient descent.

    Args:
        dataset: training and test data (:func:`grover_train.data.datasets.load_dataset`).
        hidden: hidden layer sizes, e.g. ``32`` or ``[32, 32]``.
        finder: a finder name (``sa``, ``grover``, ...) or ``"backprop"`` for the baseline.
        finder_options: keyword options of the finder (e.g. ``num_reads``, ``backend``;
            backprop: ``beta``, ``outputs``).
        budget: total queries (docs/design.md section 3), including those of a resumed run.
        seed: one seed for everything (initial weights, batches, finder seeds).
        init, resume, progress, metrics_path, num_evals, checkpoint, checkpoint_every: of the
            training loop, :func:`grover_train.train.loop.train`.
        batch_size, eta, margin, max_heads, eval_size, max_qubits, search_budget, eta_decay,
        weight_decay, eta_schedule, init_scale, input_noise, average, windows,
        readout_options: options of the method (:class:`grover_train.train.cutting.HeadCutting`,
            :class:`grover_train.train.backprop.Backprop`); None: its default.

    Returns:
        :class:`TrainResult` with the network, per-step metrics and a summary.

    Raises:
        InputError: a bad option, model or resume (before any work).
        UnknownNameError: an unknown finder.
        BudgetError: a resumed run already spent ``budget``.

    >>> from grover_train.data.datasets import load_dataset
    >>> ds = load_dataset('teacher', seed=0, teacher_sizes=(8, 4, 2), num_samples=60)
    >>> r = train_model(ds, hidden=4, finder='exact', budget=3000, seed=0, progress=False)
    >>> r.summary['queries'] >= 3000, r.metrics[-1]['step'] == r.summary['steps']
    (True, True)
    """
    updater = make_updater(
        finder,
        finder_options,
        max_qubits=max_qubits,
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
        readout_options=readout_options,
    )
    result = train(
        dataset,
        updater,
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
    )
    result.summary.setdefault("max_qubits_used", 0)  # a method that searches no landscape
    return result


__all__ = ["UPDATERS", "check_method", "make_updater", "train_model"]
