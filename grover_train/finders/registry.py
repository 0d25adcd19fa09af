"""The finder registry: every finder's name, class, help text, options with a flag, and the
options ``train`` uses, in one place. The CLI, the sweep schema and the report read it, so a
new finder is its own module plus one :func:`register` line.

>>> entry = FINDERS["sa"]
>>> entry.name, entry.family, entry.train_defaults["num_reads"]
('sa', 'annealing', 8)
>>> [o.name for o in entry.options]
['num_reads', 'num_sweeps']
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from grover_train.errors import OptionError, UnknownNameError

if TYPE_CHECKING:
    from grover_train.finders.base import HeadFinder


@dataclass(frozen=True)
class FinderOption:
    """A constructor option with its own ``train`` flag (``--num-reads``) and sweep key;
    ``help`` is a line of text, or a function returning it (read from another registry when
    asked, e.g. the backend names).

    >>> opt = FinderOption("num_reads", int, "reads per batch")
    >>> opt.flag, opt.text
    ('--num-reads', 'reads per batch')
    """

    name: str
    type: type
    help: str | Callable[[], str]

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def text(self) -> str:
        return self.help() if callable(self.help) else self.help


@dataclass(frozen=True)
class FinderEntry:
    """One registered finder.

    Attributes:
        name: the name ``get_finder``, ``train --finder`` and sweep files use.
        target: ``"package.module:Class"``, imported on first use (importing the package
            stays fast and optional dependencies stay optional).
        help: one line for the command-line help and the docs.
        family: ``"classical"``, ``"annealing"``, ``"coherent"`` or ``"reference"``.
        options: constructor options that get a ``train`` flag and a top-level sweep key.
        train_defaults: options ``train`` uses unless the user overrides them (tuned on
            digits with ``--hidden 32``, docs/training.md).
        label_option: ``(option, default)`` whose value names a run in the experiments
            (``grover-uniform``, ``grover-dqa``); ``None``: the finder's name.
    """

    name: str
    target: str
    help: str
    family: str = "classical"
    options: tuple[FinderOption, ...] = ()
    train_defaults: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    label_option: tuple[str, str] | None = None

    def load(self) -> type[HeadFinder]:
        """The finder class (imports its module)."""
        module, cls = self.target.split(":")
        found: type[HeadFinder] = getattr(importlib.import_module(module), cls)
        return found

    @property
    def call_parameters(self) -> tuple[str, ...]:
        """Keyword arguments of ``sample`` beyond the common ones (``grover``: random_start).

        >>> FINDERS["grover"].call_parameters, FINDERS["sa"].call_parameters
        (('random_start',), ())
        """
        return tuple(self.load().call_parameters)

    def option_names(self) -> set[str] | None:
        """The keyword options the class takes (``None``: it takes any, e.g. ``grover``'s
        schedule options, and checks them itself)."""
        params = inspect.signature(self.load()).parameters
        if any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return None
        return {k for k, p in params.items() if p.kind is not p.VAR_POSITIONAL}

    def label(self, spec: Mapping[str, Any]) -> str:
        """The run label of a spec holding this finder's options (top-level or in
        ``finder_options``).

        >>> FINDERS["grover"].label({"prep": "dqa"}), FINDERS["sa"].label({})
        ('grover-dqa', 'sa')
        """
        if self.label_option is None:
            return self.name
        key, default = self.label_option
        value = spec.get(key) or (spec.get("finder_options") or {}).get(key, default)
        return f"{self.name}-{value}"


#: name -> entry; add one with :func:`register`
FINDERS: dict[str, FinderEntry] = {}


def register(entry: FinderEntry) -> FinderEntry:
    """Add a finder to the registry (a later entry of the same name replaces the earlier).

    >>> _ = register(FinderEntry("toy", "grover_train.finders.random:RandomFinder", "a copy"))
    >>> get_finder("toy").name
    'random'
    >>> del FINDERS["toy"]
    """
    FINDERS[entry.name] = entry
    return entry


_READS = FinderOption("num_reads", int, "reads per batch")
_SWEEPS = FinderOption("num_sweeps", int, "sweeps per read")
_ANNEAL_TRAIN = MappingProxyType({"num_reads": 8, "num_sweeps": 10})
_PREP = FinderOption(
    "prep", str, "state preparation: uniform, dqa or anneal (auto: anneal on exact, else uniform)"
)
_SCHEDULE = FinderOption("schedule", str, "round schedule: bbht, dh or fixed-point")
# the backend registry lists the names (search --help); importing it here would be a cycle


def _backend_help() -> str:
    from grover_train.finders.coherent.backends import backend_help

    return f"coherent backend: {backend_help()}"  # the backend registry's names


_BACKEND = FinderOption("backend", str, _backend_help)

_F = "grover_train.finders."
register(FinderEntry("exact", _F + "exhaustive:ExhaustiveFinder", "enumerate all 2^n states"))
register(FinderEntry("random", _F + "random:RandomFinder", "uniformly random states"))
register(
    FinderEntry(
        "sa",
        _F + "annealing:SAFinder",
        "simulated annealing (dwave-samplers)",
        "annealing",
        (_READS, _SWEEPS),
        _ANNEAL_TRAIN,
    )
)
register(
    FinderEntry(
        "cyclic-sa",
        _F + "annealing:CyclicSAFinder",
        "simulated annealing restarted from the best state",
        "annealing",
        (_READS, _SWEEPS),
        _ANNEAL_TRAIN,
    )
)
register(
    FinderEntry(
        "sqa",
        _F + "annealing:SQAFinder",
        "simulated quantum annealing (OpenJij)",
        "annealing",
        (_READS, _SWEEPS),
        _ANNEAL_TRAIN,
    )
)
register(
    FinderEntry(
        "dwave", _F + "annealing:DWaveFinder", "a D-Wave QPU or any dimod sampler", "annealing"
    )
)
register(
    FinderEntry(
        "grover",
        _F + "coherent.grover:GroverFinder",
        "amplitude amplification",
        "coherent",
        (_PREP, _SCHEDULE, _BACKEND),
        # training: amplitude amplification over the sa reads on the exact backend (the
        # preparation that trains the digits network within minutes of simulation; docs/
        # coherent.md, Coherent training), uniform on the circuit backends
        MappingProxyType({"prep": "auto"}),
        label_option=("prep", "uniform"),
    )
)
register(
    FinderEntry(
        "oracle",
        _F + "oracle:OracleFinder",
        "exact heads drawn from a preparation (replay reference)",
        "reference",
    )
)


def finder_entry(name: str) -> FinderEntry:
    """The registry entry of ``name``.

    Raises:
        UnknownNameError: no finder of that name.

    >>> finder_entry("nope")
    Traceback (most recent call last):
    ...
    grover_train.errors.UnknownNameError: unknown finder 'nope': choose one of ...
    """
    try:
        return FINDERS[name]
    except (KeyError, TypeError):
        raise UnknownNameError(
            f"unknown finder {name!r}: choose one of {', '.join(sorted(FINDERS))}"
        ) from None


def get_finder(name: str, **options: Any) -> HeadFinder:
    """Build a finder by name with its options.

    Raises:
        UnknownNameError: no finder of that name.
        OptionError: an option the finder does not take (also a TypeError).
        InputError: a bad option value.
        ExtraMissingError: the finder needs an optional package that is not installed.

    >>> get_finder('exact').name
    'exact'
    >>> get_finder('sa', num_raeds=4)
    Traceback (most recent call last):
    ...
    grover_train.errors.OptionError: finder 'sa' takes no option 'num_raeds': it takes ...
    """
    entry = finder_entry(name)
    try:
        cls = entry.load()
        allowed = entry.option_names()
        unknown = sorted(set(options) - allowed) if allowed is not None else []
        if unknown and allowed is not None:
            raise OptionError(
                f"finder {name!r} takes no option {', '.join(map(repr, unknown))}: it takes "
                f"{', '.join(sorted(allowed)) or 'no options'}"
            )
        return cls(**options)
    except ModuleNotFoundError as exc:  # an optional dependency: name its extra
        from grover_train.extras import missing_extra

        err = missing_extra(exc)
        if err is None:
            raise
        raise err from None


def train_options(name: str) -> dict[str, Any]:
    """The options ``train`` gives finder ``name`` unless overridden (empty for a name that
    is not a finder, such as ``backprop``).

    >>> train_options("sa"), train_options("backprop")
    ({'num_reads': 8, 'num_sweeps': 10}, {})
    """
    entry = FINDERS.get(name)
    return dict(entry.train_defaults) if entry else {}


def flag_options() -> dict[str, tuple[FinderOption, list[str]]]:
    """Every option with a flag: name -> (the option, the finders that take it), in
    registry order.

    >>> flag_options()["prep"][1]
    ['grover']
    """
    out: dict[str, tuple[FinderOption, list[str]]] = {}
    for entry in FINDERS.values():
        for opt in entry.options:
            out.setdefault(opt.name, (opt, []))[1].append(entry.name)
    return out


__all__ = [
    "FINDERS",
    "FinderEntry",
    "FinderOption",
    "finder_entry",
    "flag_options",
    "get_finder",
    "register",
    "train_options",
]
