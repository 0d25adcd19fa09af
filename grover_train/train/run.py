"""``train_model``: one training run from a method's options, head cutting with a finder or
backprop.

The options (:mod:`grover_train.train.options`: :class:`HeadCuttingOptions` or
:class:`BackpropOptions`, or :func:`method_options` by the name ``--finder`` takes) say the
method; :func:`make_updater` builds its updater (:class:`grover_train.train.cutting.HeadCutting`
or :class:`grover_train.train.backprop.Backprop`) and the training loop
(:func:`grover_train.train.loop.train`) runs it.
"""

from __future__ import annotations

from typing import Unpack

from grover_train.data.datasets import Dataset
from grover_train.train.backprop import Backprop
from grover_train.train.cutting import HeadCutting
from grover_train.train.loop import RunKeywords, Updater, train
from grover_train.train.options import (
    METHODS,
    BackpropOptions,
    HeadCuttingOptions,
    TrainOptions,
)
from grover_train.train.result import TrainResult


def make_updater(options: TrainOptions) -> Updater:
    """The updater of a method's options.

    >>> make_updater(BackpropOptions()).name, make_updater(HeadCuttingOptions('sa')).name
    ('backprop', 'sa')
    """
    if isinstance(options, HeadCuttingOptions):
        return HeadCutting(options)
    if isinstance(options, BackpropOptions):
        return Backprop(options)
    raise TypeError(
        f"no updater takes {type(options).__name__}: build HeadCuttingOptions, "
        f"BackpropOptions or method_options(NAME, ...) with NAME a finder or one of "
        f"{sorted(METHODS)}"
    )


def train_model(dataset: Dataset, options: TrainOptions, **run: Unpack[RunKeywords]) -> TrainResult:
    """Train a dragon network on ``dataset`` until ``budget`` queries are spent, with the
    method ``options`` say: cutting heads with a finder, or gradient descent.

    Args:
        dataset: training and test data (:func:`grover_train.data.datasets.load_dataset`).
        options: the method and its options (:class:`HeadCuttingOptions`,
            :class:`BackpropOptions`, or :func:`method_options` by name).
        run: the run's keywords (:class:`grover_train.train.loop.RunKeywords`): ``hidden``
            (hidden layer sizes, e.g. ``32`` or ``[32, 32]``), ``budget`` (total queries,
            docs/design.md section 3, including those of a resumed run), ``seed`` (one seed
            for everything: initial weights, batches, finder seeds), and ``init``,
            ``resume``, ``progress``, ``metrics_path``, ``num_evals``, ``checkpoint``,
            ``checkpoint_every``, ``start`` as :func:`grover_train.train.loop.train` takes
            them.

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
    result = train(dataset, make_updater(options), **run)
    result.summary.setdefault("max_qubits_used", 0)  # a method that searches no landscape
    return result


__all__ = ["make_updater", "train_model"]
