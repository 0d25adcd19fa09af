"""Sweep files: a TOML grid of runs turned into a list of run specs.

A sweep file has three tables (see ``docs/sweeps.md`` and ``docs/example-sweep.toml``)::

    [sweep]                      # what the sweep is
    name = "train-small"
    kind = "train"               # "train", "search", or "package.module:function"

    [grid]                       # lists: every combination is one run
    finder = ["random", "sa", "grover"]
    prep = ["uniform", "dqa"]    # coherent-only keys are dropped for classical finders
    seed = [0, 1, 2]

    [fixed]                      # scalars applied to every run
    dataset = "teacher"
    teacher = [6, 4, 2]
    hidden = 4
    budget = 2000

``[[grid]]`` (an array of tables) gives several grids whose runs are joined, e.g. one grid for
the classical finders and one for the coherent ones. A run spec is a flat dict holding ``kind``
and one value per key; :func:`run_id` hashes its canonical JSON, so the same run always gets
the same id and a re-run sweep finds what is already finished.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from grover_train.errors import InputError, UnknownNameError
from grover_train.finders.registry import flag_options
from grover_train.rng import SEED_MAX
from grover_train.runs.runners import kinds

#: most runs one sweep file may expand to (checked before the grid is expanded)
MAX_RUNS = 100_000
#: keys every train run must have (the runner has no default for them)
TRAIN_REQUIRED = ("finder", "hidden", "budget", "seed")
#: dataset keys that only mean something for one dataset
DATASET_ONLY = {"teacher": "teacher", "mnist_path": "mnist", "classes": "!teacher"}
SWEEP_KEYS = {"name", "kind", "description"}
TOP_KEYS = {"sweep", "grid", "fixed"}


def finder_keys() -> dict[str, tuple[Callable[[object], bool], str, list[str]]]:
    """Finder options a train sweep may give as top-level keys: those with a ``train`` flag in
    the finder registry, as key -> (check, hint, the finders that take it). Each goes into the
    options of the finders that take it and is dropped from the runs of the others, so
    ``finder = ["sa", "grover"]`` with ``prep = ["uniform", "dqa"]`` gives 1 + 2 runs.

    >>> finder_keys()["prep"][2]
    ['grover']
    """
    checks = {int: _is_int, float: _is_num, str: lambda v: isinstance(v, str)}
    return {
        name: (
            checks.get(opt.type, lambda v: True),
            f"{opt.text} ({opt.type.__name__}, for {', '.join(users)})",
            users,
        )
        for name, (opt, users) in flag_options().items()
    }


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: object) -> bool:
    """A finite real number (inf and NaN pass type checks but break every run that uses them)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    try:
        return math.isfinite(float(v))
    except OverflowError:  # an integer beyond float64
        return False


def _int_list(v: object, length: int | None = None) -> bool:
    return (
        isinstance(v, list)
        and bool(v)
        and all(_is_int(x) and x > 0 for x in v)
        and (length is None or len(v) == length)
    )


_POS_INT = (lambda v: _is_int(v) and v > 0, "a positive integer")
#: keys the train runner itself uses (the data, the run, the finder) -> (check, what a good
#: value looks like); with the options' keys (:func:`train_types`) they check every value of a
#: train sweep
RUNNER_TYPES: dict[str, tuple[Callable[[object], bool], str]] = {
    "dataset": (lambda v: isinstance(v, str), 'a dataset name, e.g. "teacher" or "digits"'),
    "finder": (lambda v: isinstance(v, str), 'a finder name, e.g. "sa" or "grover"'),
    "seed": (lambda v: _is_int(v) and 0 <= v <= SEED_MAX, f"an integer in [0, {SEED_MAX}]"),
    "data_seed": (lambda v: _is_int(v) and 0 <= v <= SEED_MAX, f"an integer in [0, {SEED_MAX}]"),
    "budget": (
        lambda v: _is_int(v) and 0 < v <= 10**15,
        "a positive integer number of queries (at most 10^15)",
    ),
    "num_samples": (lambda v: _is_int(v) and v > 0, "a positive integer"),
    "pool": (lambda v: isinstance(v, bool), "true or false"),
    "classes": (lambda v: isinstance(v, list) and all(_is_int(x) for x in v), "a list of labels"),
    "teacher": (lambda v: _int_list(v, 3), "three positive integers [D, H, C]"),
    "hidden": (lambda v: (_is_int(v) and v > 0) or _int_list(v), "an integer or list of them"),
    "finder_options": (lambda v: isinstance(v, dict), "an inline table, e.g. {num_reads = 4}"),
    "mnist_path": (lambda v: isinstance(v, str), "a path to a local MNIST file"),
    "test_fraction": (lambda v: isinstance(v, float) and 0 < v < 1, "a number in (0, 1)"),
    "validation_fraction": (
        lambda v: _is_num(v) and 0 <= v < 1,
        "a number in [0, 1), e.g. 0.15",
    ),
    # of the training loop, not of a method (grover_train.train.run.train_model)
    "num_evals": _POS_INT,
}
RUNNER_KEYS = frozenset(RUNNER_TYPES)

#: what a value of an option's annotated type looks like in a sweep file (the options check
#: its range when they are built, :func:`check_specs`)
_TYPE_CHECKS: dict[str, tuple[Callable[[object], bool], str]] = {
    "int": (_is_int, "an integer"),
    "float": (_is_num, "a finite number"),
    "str": (lambda v: isinstance(v, str), "a string"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "ReadoutOptions": (
        lambda v: isinstance(v, dict),
        "an inline table of readout options, e.g. {finish = 0.0}",
    ),
}


@cache
def train_types() -> dict[str, tuple[Callable[[object], bool], str]]:
    """Key -> (check, what a good value looks like) of every key of a train sweep with a known
    type: the runner's keys (:data:`RUNNER_TYPES`) and the options of every training method
    (:func:`grover_train.train.options.option_names`), typed by their dataclass fields.

    >>> ok, hint = train_types()["eta"]
    >>> ok(0.1), ok(float("inf")), hint
    (True, False, 'a finite number')
    >>> train_types()["average"][1]
    'an integer or a string'
    """
    from grover_train.train.options import option_fields

    types = dict(RUNNER_TYPES)
    for name, annotation in option_fields().items():
        if name in types:
            continue
        checks = [_TYPE_CHECKS[t] for t in str(annotation).split(" | ") if t in _TYPE_CHECKS]
        if checks:
            types[name] = (
                lambda v, checks=checks: any(ok(v) for ok, _ in checks),
                " or ".join(hint for _, hint in checks),
            )
    return types


@dataclass
class Sweep:
    """A parsed sweep: its name, kind and the run specs of its grid.

    >>> s = parse_sweep({"sweep": {"name": "s", "kind": "train"},
    ...                  "grid": {"seed": [0, 1]}, "fixed": {"finder": "random"}})
    >>> [spec["seed"] for spec in s.specs]
    [0, 1]
    """

    name: str
    kind: str
    specs: list[dict[str, Any]] = field(default_factory=list)
    source: str | None = None


def canonical_json(obj: Any) -> str:
    """The one JSON text of ``obj``: sorted keys, no spaces.

    >>> canonical_json({"b": 1, "a": [2, 3]})
    '{"a":[2,3],"b":1}'
    """
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def run_id(spec: dict[str, Any]) -> str:
    """Stable id of a run: the sha256 of the spec's canonical JSON (hex).

    >>> run_id({"kind": "train", "seed": 0}) == run_id({"seed": 0, "kind": "train"})
    True
    >>> len(run_id({"kind": "train"}))
    64
    """
    return hashlib.sha256(canonical_json(spec).encode()).hexdigest()


def load_sweep(path: str | os.PathLike) -> Sweep:
    """Read a sweep TOML file.

    Raises:
        InputError: the file is missing, is not TOML, or breaks the schema (the message names
            the key and the fix).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"sweep file {str(path)!r} not found: give the path of a TOML sweep file "
            "(see docs/example-sweep.toml)"
        )
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            f"sweep file {str(path)!r} is not valid TOML ({exc}): fix the syntax "
            "(see docs/example-sweep.toml)"
        ) from None
    except UnicodeDecodeError:
        raise InputError(f"sweep file {str(path)!r} is not UTF-8 text: give a TOML file") from None
    sweep = parse_sweep(doc, where=str(path))
    check_specs(sweep.specs, str(path))
    sweep.source = str(path)
    return sweep


def parse_sweep(doc: dict[str, Any], where: str = "sweep") -> Sweep:
    """Validate a parsed sweep document and expand its grid into run specs.

    >>> s = parse_sweep({"sweep": {"name": "s", "kind": "train"},
    ...                  "grid": {"finder": ["random", "grover"], "prep": ["uniform", "dqa"]}})
    >>> [(x["finder"], x.get("prep")) for x in s.specs]
    [('random', None), ('grover', 'uniform'), ('grover', 'dqa')]
    >>> parse_sweep({"sweep": {"kind": "train"}, "grid": {"seed": []}})
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: sweep: grid.seed is an empty list: give at least one value ...
    """
    if not isinstance(doc, dict):
        raise InputError(f"{where}: a sweep must be a table with [sweep], [grid] and [fixed]")
    for key in doc:
        if key not in TOP_KEYS:
            raise InputError(
                f"{where}: unknown table [{key}]: use only [sweep], [grid] and "
                "[fixed] (see docs/example-sweep.toml)"
            )
    head = doc.get("sweep")
    if not isinstance(head, dict):
        raise InputError(
            f'{where}: missing [sweep] table: add [sweep] with kind = "train" or '
            '"search" and a name'
        )
    for key in head:
        if key not in SWEEP_KEYS:
            raise InputError(
                f"{where}: unknown key sweep.{key}: use only {', '.join(sorted(SWEEP_KEYS))}"
            )
    kind = head.get("kind")
    if not isinstance(kind, str) or not (kind in kinds() or ":" in kind):
        raise InputError(
            f"{where}: sweep.kind is {kind!r}: use one of {', '.join(kinds())} "
            "or a 'package.module:function' runner"
        )
    name = head.get("name", Path(where).stem if where != "sweep" else "sweep")
    if not isinstance(name, str) or not name:
        raise InputError(f'{where}: sweep.name must be a non-empty string, e.g. name = "small"')
    fixed = doc.get("fixed", {})
    if not isinstance(fixed, dict):
        raise InputError(f"{where}: [fixed] must be a table of key = value lines")
    grids = doc.get("grid", [{}])
    if isinstance(grids, dict):
        grids = [grids]
    if not isinstance(grids, list) or not all(isinstance(g, dict) for g in grids):
        raise InputError(f"{where}: [grid] must be a table (or [[grid]] tables) of key = [values]")
    known = spec_keys(kind)
    size = 0
    for grid in grids:
        combos = 1
        for values in grid.values():
            combos *= len(values) if isinstance(values, list) else 1
        size += combos
    if size > MAX_RUNS:
        raise InputError(
            f"{where}: the grid has {size} runs, more than the {MAX_RUNS} a sweep may hold: "
            "split it into several sweep files or use fewer values per key"
        )
    specs: list[dict[str, Any]] = []
    seen: set[str] = set()
    for grid in grids:
        for spec in _expand(grid, fixed, kind, known, where):
            rid = run_id(spec)
            if rid not in seen:  # dropping coherent-only keys can make two runs the same
                seen.add(rid)
                specs.append(spec)
    return Sweep(name=name, kind=kind, specs=specs)


def _expand(grid: dict, fixed: dict, kind: str, known: set[str] | None, where: str):
    for key, values in grid.items():
        if key in fixed:
            raise InputError(f"{where}: {key!r} is in both [grid] and [fixed]: keep it in one")
        if not isinstance(values, list):
            raise InputError(
                f"{where}: grid.{key} must be a list of values, e.g. "
                f"{key} = [{_toml(values)}]; put single values in [fixed]"
            )
        if not values:
            raise InputError(
                f"{where}: grid.{key} is an empty list: give at least one value or remove the key"
            )
    for key, value in [*fixed.items(), *((k, v) for k, vs in grid.items() for v in vs)]:
        _check_value(key, value, kind, known, where)
    keys = list(grid)
    # itertools.product, not sklearn.model_selection.ParameterGrid: ParameterGrid sorts the
    # keys, so runs would be listed and run in another order than the TOML reads (the last
    # key of the file varies fastest here); the set of runs is the same (test_sweep_schema.py
    # checks), and checking values before expanding needs the loop above anyway
    for combo in itertools.product(*(grid[k] for k in keys)):
        spec = {"kind": kind, **fixed, **dict(zip(keys, combo, strict=True))}
        if "finder" in spec:
            for k, (_, _, users) in finder_keys().items():
                if spec["finder"] not in users:
                    spec.pop(k, None)
        yield spec


def _check_value(key: str, value: object, kind: str, known: set[str] | None, where: str) -> None:
    if key == "kind":
        raise InputError(f"{where}: 'kind' belongs in [sweep], not in [grid] or [fixed]")
    if known is not None and key not in known:
        raise InputError(
            f"{where}: unknown key {key!r} for a {kind} sweep: use one of "
            f"{', '.join(sorted(known))}"
        )
    if kind != "train":
        return
    types = {**train_types(), **{k: v[:2] for k, v in finder_keys().items()}}
    if key in types:
        ok, hint = types[key]
        if not ok(value):
            raise InputError(f"{where}: {key} = {_toml(value)} has the wrong type: give {hint}")


def _toml(value: object) -> str:
    return json.dumps(value) if not isinstance(value, bool) else str(value).lower()


def spec_keys(kind: str) -> set[str] | None:
    """Keys a run spec of ``kind`` may hold (``None``: any key, for custom runners).

    Train sweeps accept the runner's keys of :data:`RUNNER_KEYS` (data, run, finder,
    ``num_evals``), the finder options of :func:`finder_keys`, and every option of the training
    methods (:func:`grover_train.train.options.option_names`); search sweeps accept
    ``grover_train.studies.search_level.SPEC_KEYS``; replay sweeps the fields of
    :class:`grover_train.studies.replay.ReplaySetup` and ``seed``.

    >>> {"finder", "seed", "budget", "eta", "readouts"} <= spec_keys("train")
    True
    """
    if kind == "train":
        from grover_train.train.options import option_names

        return set(RUNNER_KEYS) | set(finder_keys()) | set(option_names())
    if kind == "search":
        from grover_train.studies.search_level import SPEC_KEYS

        return set(SPEC_KEYS)
    if kind == "replay":
        from dataclasses import fields

        from grover_train.studies.replay import ReplaySetup

        return {f.name for f in fields(ReplaySetup)} | {"seed"}
    if kind in kinds() or ":" in kind:
        return None
    raise UnknownNameError(f"unknown sweep kind {kind!r}: use one of {', '.join(kinds())}")


def check_specs(specs: list[dict[str, Any]], where: str = "sweep") -> None:
    """Check every run of a sweep before the first one starts: required keys, known finder and
    dataset names, options that apply to the dataset, finder options the finder takes, the
    training options (built once per distinct finder and options, so each option is checked
    where its dataclass is, :mod:`grover_train.train.options`), and the landscape family of a
    search run.

    >>> check_specs([{"kind": "train", "finder": "sa", "hidden": 4, "budget": 10}], "s.toml")
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: s.toml: a train run has no 'seed' (run {"budget":10,...
    """
    from grover_train.data.datasets import DATASETS
    from grover_train.finders import FINDERS
    from grover_train.train.options import (
        METHODS,
        HeadCuttingOptions,
        method_options,
        option_names,
    )

    values_of = [k for k in option_names() if k not in ("finder", "finder_options")]
    # (finder, its options) -> what builds the options of its runs: a head-cutting finder,
    # built once, or another method's name and options
    methods: dict[str, tuple[Any, dict[str, Any] | None]] = {}
    checked: set[str] = set()
    for spec in specs:
        if spec.get("kind") == "search":  # a landscape family of the registry
            from grover_train.studies.search_landscapes import LANDSCAPE_FAMILIES
            from grover_train.studies.search_level import check_search_spec

            family = spec.get("family", "sk")
            if family not in LANDSCAPE_FAMILIES:
                raise InputError(
                    f"{where}: unknown landscape family {family!r}: use one of "
                    f"{', '.join(LANDSCAPE_FAMILIES)}"
                )
            try:
                check_search_spec(spec)
            except InputError as exc:
                raise type(exc)(f"{where}: {exc}") from None
        if spec.get("kind") == "replay":  # the setup checks every value
            from grover_train.studies.replay import ReplaySetup

            known = spec_keys("replay") or set()
            unknown = sorted(set(spec) - known - {"kind"})
            if unknown:
                raise InputError(
                    f"{where}: unknown key {unknown[0]!r} for a replay run: use one of "
                    f"{', '.join(sorted(known))}"
                )
            try:
                ReplaySetup(**{k: v for k, v in spec.items() if k not in ("kind", "seed")})
            except (InputError, TypeError) as exc:
                raise InputError(f"{where}: a replay run is refused: {exc}") from None
        if spec.get("kind") != "train":
            continue
        text = canonical_json({k: v for k, v in spec.items() if k != "kind"})
        short = text if len(text) <= 80 else text[:77] + "..."
        for key in TRAIN_REQUIRED:
            if key not in spec:
                raise InputError(
                    f"{where}: a train run has no {key!r} (run {short}): add {key} to [fixed] "
                    "or [grid]"
                )
        finder, dataset = spec["finder"], spec.get("dataset", "teacher")
        if finder not in FINDERS and finder not in METHODS:
            raise InputError(
                f"{where}: unknown finder {finder!r}: use one of "
                f"{', '.join(sorted([*FINDERS, *METHODS]))}"
            )
        if dataset not in DATASETS:
            raise InputError(
                f"{where}: unknown dataset {dataset!r}: use one of {', '.join(DATASETS)}"
            )
        for key, only in DATASET_ONLY.items():
            applies = dataset != "teacher" if only == "!teacher" else dataset == only
            if key in spec and not applies:
                raise InputError(
                    f"{where}: {key} does not apply to dataset {dataset!r}: remove it from that run"
                )
        if spec.get("pool") and dataset == "teacher":
            raise InputError(f"{where}: pool does not apply to dataset 'teacher': remove it")
        options = dict(spec.get("finder_options") or {})
        options.update({k: spec[k] for k in finder_keys() if k in spec})
        method = canonical_json([finder, options])
        if method not in methods:
            try:
                base = method_options(finder, options)
            except (TypeError, ValueError) as exc:
                raise InputError(
                    f"{where}: finder {finder!r} refuses options {canonical_json(options)} "
                    f"({_first_line(exc)}): fix finder_options, prep, backend or schedule"
                ) from None
            methods[method] = (
                (base.built_finder(), None)
                if isinstance(base, HeadCuttingOptions)
                else (finder, options)
            )
        values = {k: spec[k] for k in values_of if k in spec}
        key = canonical_json([finder, options, values])
        if key in checked:
            continue
        checked.add(key)
        try:  # the options of this run, built once per distinct combination
            method_options(*methods[method], **values)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{where}: {_first_line(exc)} (run {short})") from None


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def specs_of(config: str | os.PathLike | Sweep | Iterable[dict[str, Any]]) -> Sweep:
    """Turn a sweep file path, a :class:`Sweep` or a list of specs into a :class:`Sweep`.

    Specs given directly must each hold a ``kind``; the sweep's name is ``"adhoc"``.

    >>> specs_of([{"kind": "train", "seed": 1}]).name
    'adhoc'
    """
    if isinstance(config, Sweep):
        return config
    if isinstance(config, (str, os.PathLike)):
        return load_sweep(config)
    specs = [dict(s) for s in config]
    for s in specs:
        if not isinstance(s.get("kind"), str):
            raise InputError(f"run spec {s!r} has no 'kind': add kind = 'train' or 'search'")
    kinds = sorted({s["kind"] for s in specs})
    return Sweep(name="adhoc", kind=kinds[0] if len(kinds) == 1 else "mixed", specs=specs)
