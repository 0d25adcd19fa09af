"""Runners: one function per sweep kind that turns a run spec (a dict) into a :class:`RunOutput`.

``SWEEP_RUNNERS`` maps a sweep ``kind`` to a runner. Runners are plain module-level functions so
that a process pool or a Dask worker can pickle them by reference.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from typing import Any

from grover_train.errors import InputError, UnknownNameError
from grover_train.provenance import versions
from grover_train.run_output import RunOutput


def run_train_spec(spec: dict[str, Any]) -> RunOutput:
    """Train one network as a run spec says (dataset keys, finder keys, the method's options,
    the run's keys).

    The dataset seed is ``data_seed`` when given, else ``seed``: runs that differ only in the
    finder see the same data. The finder options with a flag in the finder registry (``prep``,
    ``backend``, ``schedule``, ``num_reads``, ...) go into the finder's options, together with
    ``finder_options``; the options of the training methods
    (:func:`grover_train.train.options.option_names`) build the run's options with
    :func:`grover_train.train.options.method_options`; the rest (``hidden``, ``budget``,
    ``seed``, ``num_evals``) are keywords of :func:`grover_train.train.run.train_model`.
    Progress bars are off.
    """
    from grover_train.data.datasets import load_dataset
    from grover_train.finders.registry import flag_options
    from grover_train.train.options import method_options, option_names
    from grover_train.train.run import train_model

    spec = dict(spec)
    spec.pop("kind", None)
    seed = spec.get("seed", 0)
    data = {"seed": spec.pop("data_seed", seed)}
    for key in ("classes", "pool", "mnist_path", "num_samples", "test_fraction"):
        if key in spec:
            data[key] = spec.pop(key)
    if "teacher" in spec:
        data["teacher_sizes"] = tuple(spec.pop("teacher"))
    dataset = load_dataset(spec.pop("dataset", "teacher"), **data)
    fraction = spec.pop("validation_fraction", None)
    if fraction:  # carved with the data seed: every run of a sweep validates on the same split
        from grover_train.data.datasets import split_validation

        dataset = split_validation(dataset, fraction, seed=data["seed"])
    finder_options = dict(spec.pop("finder_options", {}) or {})
    for key in flag_options():  # the finder's options given as top-level keys
        if key in spec:
            finder_options[key] = spec.pop(key)
    if "finder" not in spec:
        raise InputError("a train run has no 'finder': add finder = \"sa\" (or another) to it")
    finder = spec.pop("finder")
    values = {k: spec.pop(k) for k in option_names() if k in spec}
    options = method_options(finder, finder_options, **values)
    result = train_model(dataset, options, progress=False, **spec)
    return RunOutput(summary=dict(result.summary), metrics=[dict(m) for m in result.metrics])


#: sweep kinds the infrastructure runs itself; the studies add theirs
#: (:data:`grover_train.studies.KINDS`)
SWEEP_RUNNERS: dict[str, Callable[[dict[str, Any]], RunOutput]] = {"train": run_train_spec}


def kinds() -> tuple[str, ...]:
    """Every sweep kind with a runner by name: ``train`` and the studies' kinds.

    >>> kinds()
    ('train', 'search', 'replay', 'noise')
    """
    from grover_train.studies import KINDS

    return (*SWEEP_RUNNERS, *KINDS)


def get_runner(kind: str) -> Callable[[dict[str, Any]], RunOutput]:
    """The runner of a sweep kind: ``train``, a kind of the studies (:func:`kinds`) or
    ``"package.module:function"``.

    >>> get_runner("train").__name__
    'run_train_spec'
    >>> get_runner("nope")
    Traceback (most recent call last):
    ...
    grover_train.errors.UnknownNameError: unknown sweep kind 'nope': use train, ...
    """
    if kind in SWEEP_RUNNERS:
        return SWEEP_RUNNERS[kind]
    from grover_train.studies import KINDS, kind_runner

    if kind in KINDS:
        runner: Callable[[dict[str, Any]], RunOutput] = kind_runner(kind)
        return runner
    if ":" in kind:
        module_name, _, attr = kind.partition(":")
        try:
            fn = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise UnknownNameError(
                f"runner {kind!r} cannot be imported ({exc}): give an importable "
                "'package.module:function'"
            ) from None
        return fn
    raise UnknownNameError(
        f"unknown sweep kind {kind!r}: use {', '.join(kinds())} or a 'package.module:function'"
    )


def execute(spec: dict[str, Any]) -> RunOutput:
    """Run one spec with its kind's runner and fill queries, wall_s, seed and versions.

    >>> out = execute({"kind": "grover_train.runs.runners:echo", "seed": 4, "queries": 9})
    >>> out.seed, out.queries, "numpy" in out.versions, out.wall_s >= 0
    (4, 9, True, True)
    """
    runner = get_runner(str(spec.get("kind")))
    t0 = time.perf_counter()
    out = runner(dict(spec))
    wall = time.perf_counter() - t0
    if not isinstance(out, RunOutput):
        raise TypeError(
            f"runner of kind {spec.get('kind')!r} returned {type(out).__name__}, not RunOutput"
        )
    if out.wall_s is None:
        out.wall_s = wall
    if out.queries is None and out.summary.get("queries") is not None:
        out.queries = int(out.summary["queries"])
    if out.seed is None and spec.get("seed") is not None:
        out.seed = int(spec["seed"])
    if out.versions is None:
        out.versions = versions()
    return out


def echo(spec: dict[str, Any]) -> RunOutput:
    """A trivial runner for checks and examples: its summary is the spec itself.

    A spec with ``fail = true`` raises :class:`RuntimeError` (to exercise failure handling).

    >>> echo({"kind": "x", "queries": 3}).summary["queries"]
    3
    """
    if spec.get("fail"):
        raise RuntimeError(f"run asked to fail: {spec.get('fail')}")
    steps = int(spec.get("steps", 2))
    metrics = [{"step": i, "queries": i * int(spec.get("queries", 1))} for i in range(steps)]
    return RunOutput(summary=dict(spec), metrics=metrics)
