"""The options of a training run, one frozen dataclass per method: the one place where each
option has its default and is checked (docs/training.md).

:class:`TrainOptions` holds what the training loop reads for every method (mini-batch, step
size, margin, weight decay, averaging...); :class:`HeadCuttingOptions` adds the finder, the
windows, the search and the readouts of deep networks (:class:`ReadoutOptions`);
:class:`BackpropOptions` the softmax of the baseline. A bad value fails when the dataclass is
built, before any work, with one line naming the problem and the fix. The command line's flags
(:data:`FLAGS`), the sweep files' keys and value types (:func:`option_fields`, read by
:mod:`grover_train.runs.config`, which builds each run's options to check them), the run's
summary, the saved training state (``meta['train_state']['options']``, :meth:`to_dict`) and
:func:`method_options` read the fields of these classes, so an option added here reaches all
of them.

>>> HeadCuttingOptions("sa", eta=0.1).eta, BackpropOptions().batch_size
(0.1, 64)
>>> method_options("backprop", max_heads=2).beta  # an option backprop does not take: ignored
1.0
"""

from __future__ import annotations

import argparse
import json
import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field, fields
from typing import Any

from grover_train.errors import InputError
from grover_train.finders.base import HeadFinder
from grover_train.model.deep import WINDOW_SHAPES
from grover_train.train.readouts import ReadoutOptions

#: search budget per sample when none is given and the finder does not size its own
DEFAULT_SEARCH_BUDGET = 8


def _number(value: object) -> bool:
    """A finite real number (bools are not numbers here; numpy scalars are)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an integer beyond float64
        return False


def _count(value: object) -> bool:
    """An integer (numpy integers too, bools not)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


@dataclass(frozen=True, kw_only=True)
class TrainOptions:
    """The options the training loop reads for every method (:func:`grover_train.train.loop.train`).

    Attributes:
        batch_size: samples per step.
        eta: step size.
        margin: kappa >= 0 (head cutting: heads are states below E+ + kappa; every method: the
            metric ``train_error_margin``).
        eval_size: size of the fixed evaluation subset of the training set for eps.
        eta_decay: the step size is eta / (1 + eta_decay * epochs done).
        weight_decay: L2 shrinkage per step.
        init_scale: variance scale of the random initial weights.
        input_noise: flip each input spin with this probability when a sample is used.
        average: the loop returns the moving average of the weights over about this many steps
            (``"epoch"``: the steps of one epoch; 0: off).

    Raises:
        InputError: a value out of range (one line naming the option and what it takes).

    >>> TrainOptions(eta=0)
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: --eta must be a positive number, got 0
    """

    batch_size: int = 32
    eta: float = 0.05
    margin: float = 0.0
    eval_size: int = 256
    eta_decay: float = 0.0
    weight_decay: float = 0.0
    init_scale: float = 1.0
    input_noise: float = 0.0
    average: int | str = 0

    def __post_init__(self) -> None:
        for name, example in (("batch_size", 32), ("eval_size", 256)):
            v = getattr(self, name)
            if not (_count(v) and int(v) >= 1):
                raise InputError(
                    f"{_flag(name)} must be a positive integer, got {v!r}: pass e.g. "
                    f"{_flag(name)} {example}"
                )
        if not (_number(self.eta) and self.eta > 0):
            raise InputError(f"--eta must be a positive number, got {self.eta!r}")
        for name in ("margin", "eta_decay", "weight_decay"):
            v = getattr(self, name)
            if not (_number(v) and v >= 0):
                raise InputError(f"{_flag(name)} must be a number >= 0, got {v!r}")
        if not (_number(self.init_scale) and self.init_scale > 0):
            raise InputError(f"init_scale must be a positive number, got {self.init_scale!r}")
        v = self.input_noise
        if not (_number(v) and 0 <= v < 0.5):
            raise InputError(f"--input-noise must be a probability in [0, 0.5), got {v!r}")
        v = self.average
        if v != "epoch" and not (_count(v) and int(v) >= 0):
            raise InputError(f"--average must be an integer number of steps >= 0, got {v!r}")

    def average_steps(self, num_train: int) -> int:
        """The steps the weights are averaged over for ``num_train`` training samples (0: off).

        >>> TrainOptions(average="epoch", batch_size=10).average_steps(95)
        10
        """
        if self.average == "epoch":
            return -(-int(num_train) // self.batch_size)
        return int(self.average)

    def to_dict(self) -> dict[str, Any]:
        """The options as a JSON-able dict, in field order (:meth:`from_dict` reads it back).

        >>> BackpropOptions(beta=2.0).to_dict()["beta"]
        2.0
        """
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    def record(self) -> dict[str, Any]:
        """The options as the run's summary records them: :meth:`to_dict` without the finder
        and the readouts, which the summary records as the run used them."""
        return {k: v for k, v in self.to_dict().items() if k not in _RECORDED_ELSEWHERE}

    @classmethod
    def option_names(cls) -> list[str]:
        """The names of the options, in field order.

        >>> "beta" in BackpropOptions.option_names()
        True
        """
        return [f.name for f in fields(cls)]

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainOptions:
        """Options from a dict of field names (as :meth:`to_dict` writes them); an unknown
        name is refused.

        >>> BackpropOptions.from_dict({"eta": 0.01}).eta
        0.01
        >>> BackpropOptions.from_dict({"max_heads": 2})
        Traceback (most recent call last):
        ...
        grover_train.errors.InputError: backprop takes no option 'max_heads': it takes ...
        """
        values = dict(values)
        names = set(cls.option_names())
        unknown = sorted(set(values) - names)
        if unknown:
            raise InputError(
                f"{cls.method} takes no option {', '.join(map(repr, unknown))}: it takes "
                f"{', '.join(sorted(names))}"
            )
        return cls(**values)

    #: the method's name in messages
    method = "training"


#: entries of :meth:`TrainOptions.to_dict` that the summary records apart
_RECORDED_ELSEWHERE = frozenset({"finder", "finder_options", "readouts"})


def _plain(value: object) -> object:
    if isinstance(value, ReadoutOptions):
        return value.to_dict()
    if isinstance(value, HeadFinder):
        return value.name
    if isinstance(value, Mapping):
        return dict(value)
    return value


@dataclass(frozen=True)
class HeadCuttingOptions(TrainOptions):
    """Head cutting with a finder (:class:`grover_train.train.cutting.HeadCutting`): per
    sample, the finder searches the sample's landscape for heads and the cut removes them.

    The finder is built here, once: an unknown name or an option it does not take fails now.

    Attributes:
        finder: a finder name (``sa``, ``grover``, ...) or a :class:`HeadFinder`.
        finder_options: keyword options of the finder (e.g. ``num_reads``, ``backend``).
        max_heads: distinct heads the finder looks for per sample (their cut is averaged).
        search_budget: the finder's query budget per sample search (None: a coherent finder
            sizes it from its preparation, any other takes :data:`DEFAULT_SEARCH_BUDGET`).
        max_qubits: largest landscape handed to the finder (None: the whole network).
        windows: how deep networks are searched: ``"readouts"`` (every hidden layer learns from
            its own label-coupled readout, :mod:`grover_train.train.readouts`), or
            whole-network head cutting in windows of ``"layers"`` or ``"columns"``
            (:func:`grover_train.model.deep.plan_windows`). One hidden layer: all the same.
        eta_schedule: ``"epochs"`` (eta / (1 + eta_decay * epochs done)) or ``"cuts"``
            (eta / (1 + eta_decay * cuts / N): a finder that misses heads does not burn its
            decay).
        batched: search a one-layer step's samples in one batched call (False: one at a
            time, the reference path; the heads agree in distribution, docs/training.md).
        readouts: settings of the local readouts of deep networks (a dict of its fields is
            read by :meth:`ReadoutOptions.from_dict`; None: the defaults, or on resume the
            saved run's).

    >>> o = HeadCuttingOptions("sa", {"num_reads": 4}, readouts={"finish": 0.0})
    >>> o.finder_name, o.readouts.finish, o.search_budget
    ('sa', 0.0, None)
    >>> HeadCuttingOptions("sa", max_qubits=1)
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: --max-qubits must be an integer >= 2, got 1
    """

    finder: str | HeadFinder
    finder_options: Mapping[str, Any] = field(default_factory=dict)
    _: KW_ONLY
    batch_size: int = 32
    eta: float = 0.05
    margin: float = 1.0
    average: int | str = "epoch"
    max_heads: int = 1
    search_budget: int | None = None
    max_qubits: int | None = None
    windows: str = "readouts"
    eta_schedule: str = "epochs"
    batched: bool = True
    readouts: ReadoutOptions | None = None

    method = "head cutting"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (_count(self.max_heads) and int(self.max_heads) >= 1):
            raise InputError(
                f"--max-heads must be a positive integer, got {self.max_heads!r}: pass e.g. "
                "--max-heads 1"
            )
        if self.search_budget is not None and not (
            _count(self.search_budget) and int(self.search_budget) >= 1
        ):
            raise InputError(
                f"--search-budget must be a positive integer, got {self.search_budget!r}: pass "
                f"e.g. --search-budget {DEFAULT_SEARCH_BUDGET}, or drop it for the default"
            )
        v = self.max_qubits
        if v is not None and not (_count(v) and int(v) >= 2):
            raise InputError(f"--max-qubits must be an integer >= 2, got {v!r}")
        if self.windows not in WINDOW_SHAPES:
            raise InputError(
                f"unknown window shape {self.windows!r}: choose one of {', '.join(WINDOW_SHAPES)}"
            )
        if self.eta_schedule not in ("epochs", "cuts"):
            raise InputError(
                f"eta_schedule must be 'epochs' or 'cuts', got {self.eta_schedule!r}: set "
                "eta_schedule='epochs' (the default) or 'cuts'"
            )
        if not isinstance(self.batched, bool):
            raise InputError(f"batched must be true or false, got {self.batched!r}")
        if isinstance(self.readouts, Mapping):
            object.__setattr__(self, "readouts", ReadoutOptions.from_dict(self.readouts))
        elif self.readouts is not None and not isinstance(self.readouts, ReadoutOptions):
            raise InputError(
                f"readouts must be ReadoutOptions or a dict of its fields, got {self.readouts!r}"
            )
        if self.readouts is not None and self.windows != "readouts":
            # only the readout windows train readouts: options that would go unused are refused
            raise InputError(
                f"readout options apply to windows='readouts', not {self.windows!r}: drop "
                "the readouts or train with windows='readouts'"
            )
        if not isinstance(self.finder_options, Mapping):
            raise InputError(
                "finder_options must be a dict of the finder's options, got "
                f"{self.finder_options!r}"
            )
        object.__setattr__(self, "finder_options", dict(self.finder_options))
        if isinstance(self.finder, HeadFinder):
            built = self.finder
        else:
            from grover_train.finders.registry import get_finder

            built = get_finder(self.finder, **self.finder_options)
        # the one finder of these options: built (and its options checked) here, once
        object.__setattr__(self, "_built", built)

    @property
    def finder_name(self) -> str:
        """The finder's name."""
        return str(getattr(self.finder, "name", self.finder))

    def built_finder(self) -> HeadFinder:
        """The finder these options built (the same object every call)."""
        finder: HeadFinder = self.__dict__["_built"]
        return finder


@dataclass(frozen=True)
class BackpropOptions(TrainOptions):
    """The gradient-descent baseline (:class:`grover_train.train.backprop.Backprop`): softmax
    cross-entropy on the logits -beta E+, Adam with step size ``eta``.

    Attributes:
        beta: scale of the logits.
        outputs: the softmax: ``"all"`` 2^C output configurations (target e_k*),
            ``"onehot"`` the C classes, ``"auto"`` all when C <=
            :data:`grover_train.train.backprop.AUTO_ALL_OUTPUTS`.

    >>> BackpropOptions(outputs="x")
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: outputs must be 'auto', 'all' or 'onehot', got 'x': ...
    """

    batch_size: int = 64
    eta: float = 0.005
    beta: float = 1.0
    outputs: str = "auto"

    method = "backprop"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (_number(self.beta) and self.beta > 0):
            raise InputError(
                f"beta must be a positive number, got {self.beta!r}: pass e.g. "
                "--finder-option beta=1.0 (beta=1.0 in a sweep)"
            )
        if self.outputs not in ("auto", "all", "onehot"):
            raise InputError(
                f"outputs must be 'auto', 'all' or 'onehot', got {self.outputs!r}: pass e.g. "
                "--finder-option outputs=auto (outputs='auto' in a sweep)"
            )

    @property
    def finder_options(self) -> dict[str, Any]:
        """The options given as finder options (``--finder-option beta=2``) that these options
        took as their own (:func:`method_options`): what the summary's ``finder_options``
        records (none when the options were built directly)."""
        return dict(self.__dict__.get("_given_finder_options", {}))


#: training methods other than head cutting, by the name ``--finder`` takes
METHODS: dict[str, type[TrainOptions]] = {"backprop": BackpropOptions}


def method_options(
    finder: str | HeadFinder, finder_options: Mapping[str, Any] | None = None, **values: Any
) -> TrainOptions:
    """The options of a method named like ``--finder``: one of :data:`METHODS` (``backprop``),
    else head cutting with that finder. ``None`` values take the default.

    One set of values serves every method of a comparison (a sweep's grid over finders): keys
    that only another method takes are ignored (``max_heads`` means nothing to backprop,
    ``beta`` nothing to head cutting), a key no method takes is refused, and a method's
    ``finder_options`` may only hold its own options (``--finder-option beta=2``).

    Raises:
        InputError: a bad value, a name no method takes, or finder options backprop does not
            take.
        UnknownNameError: an unknown finder.

    >>> method_options("sa", eta=0.1, max_heads=None, beta=2.0).max_heads
    1
    >>> method_options("backprop", {"beta": 2.0}).beta
    2.0
    >>> method_options("backprop", {"num_reads": 4})
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: backprop takes no finder options ['num_reads']: drop them ...
    >>> method_options("sa", eta_dacay=0.1)
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: no training method takes the option 'eta_dacay': choose ...
    """
    given = {k: v for k, v in values.items() if v is not None}
    takes = [n for n in option_names() if n not in ("finder", "finder_options")]
    unknown = sorted(set(given) - set(takes))
    if unknown:
        raise InputError(
            f"no training method takes the option {', '.join(map(repr, unknown))}: choose "
            f"from {', '.join(takes)}"
        )
    cls: type[TrainOptions] = HeadCuttingOptions
    extra = dict(finder_options or {})
    if isinstance(finder, str) and finder in METHODS:
        cls = METHODS[finder]
        names = set(cls.option_names())
        own = {k: extra.pop(k) for k in list(extra) if k in names}
        if extra:
            raise InputError(
                f"{finder} takes no finder options {sorted(extra)}: drop them or choose a "
                "finder such as 'sa'"
            )
        for k, v in own.items():
            if k in given and given[k] != v:
                raise InputError(
                    f"--finder-option {k}={json.dumps(_plain(v))} conflicts with "
                    f"{_flag(k)} {given[k]}: give {k} once"
                )
        built = cls(**{**{k: v for k, v in given.items() if k in names}, **own})
        object.__setattr__(built, "_given_finder_options", own)  # recorded by the summary
        return built
    names = set(cls.option_names())
    return HeadCuttingOptions(finder, extra, **{k: v for k, v in given.items() if k in names})


#: options that say what a run records, not how it trains: a resumed run may change them. Every
#: other option (and the finder, its options, the hidden layers and the seed) is how the run
#: trains, and a resume keeps it (:func:`resumed_options`, :func:`check_resumed`); the budget,
#: the number of evaluations, the progress bar and the checkpoints are not options and may
#: change too.
RECORDING_OPTIONS = frozenset({"eval_size"})


def _shown(value: object) -> str:
    if value is None:
        return "default"
    return value if isinstance(value, str) else json.dumps(_plain(value))


def _finder_flag(name: str, as_option: bool = False) -> str:
    """How the command line gives the finder option ``name``: its flag, or --finder-option
    (``as_option``: given so)."""
    from grover_train.finders.registry import flag_options

    entry = flag_options().get(name)
    return entry[0].flag if entry is not None and not as_option else f"--finder-option {name}"


def _differs(flag: str, given: object, saved: object, where: str, fix: str) -> InputError:
    sep = "=" if flag.startswith("--finder-option") else " "
    return InputError(
        f"{flag}{sep}{_shown(given)} differs from the {_shown(saved)} {where} was trained "
        f"with: {fix}"
    )


def check_resumed(
    options: TrainOptions, saved: Mapping[str, Any], where: str = "the run being resumed"
) -> None:
    """Refuse options that differ from ``saved`` (``meta['train_state']['options']`` of the
    run being resumed) in how the run trains: every option but :data:`RECORDING_OPTIONS`, and
    the finder's options. Options the saved state lacks (written before they existed) and the
    readouts (the resumed run's own, checked against its saved ones by
    :class:`grover_train.train.cutting.HeadCutting`) are not compared.

    >>> check_resumed(BackpropOptions(eta=0.01), BackpropOptions().to_dict())
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: --eta 0.01 differs from the 0.005 the run being resumed ...
    """
    fix = "resume with the options it saved (meta['train_state']['options']), or start a new run"
    given = options.to_dict()
    for name, value in given.items():
        if name in ("finder", "finder_options", "readouts") or name in RECORDING_OPTIONS:
            continue
        if name in saved and saved[name] != value:
            raise _differs(_flag(name), value, saved[name], where, fix)
    if isinstance(options, HeadCuttingOptions) and not isinstance(options.finder, HeadFinder):
        ours, theirs = given["finder_options"], dict(saved.get("finder_options") or {})
        if "finder_options" in saved:
            for name in sorted(set(ours) | set(theirs)):
                if ours.get(name) != theirs.get(name):
                    raise _differs(_finder_flag(name), ours.get(name), theirs.get(name), where, fix)


def resumed_options(
    finder: str,
    finder_options: Mapping[str, Any],
    values: Mapping[str, Any],
    saved: Mapping[str, Any],
    where: str,
    as_options: frozenset[str] | set[str] = frozenset(),
) -> TrainOptions:
    """The options of a resumed run of method ``finder`` (as ``--finder`` names it): those
    given (``finder_options``, ``values``: only what the command line gave) over the saved
    ones (``meta['train_state']['options']``); a given option that differs from the saved one
    is refused unless it is a :data:`RECORDING_OPTIONS`. ``where`` names the saved run in
    messages, ``as_options`` the finder options given by ``--finder-option``.

    >>> saved = BackpropOptions(eta=0.01).to_dict()
    >>> resumed_options("backprop", {}, {"batch_size": 64}, saved, "the run").eta
    0.01
    >>> resumed_options("backprop", {}, {"eta": 0.1}, saved, "the run in q")
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: --eta 0.1 differs from the 0.01 the run in q was trained ...
    """
    cls = METHODS.get(finder, HeadCuttingOptions)
    names = [n for n in cls.option_names() if n not in ("finder", "finder_options")]
    values = {k: v for k, v in values.items() if v is not None}
    extra = dict(finder_options)
    if cls is not HeadCuttingOptions:  # the method's own options given as finder options
        for k in [k for k in extra if k in names]:
            if k in values and values[k] != extra[k]:
                raise InputError(
                    f"--finder-option {k}={_shown(extra[k])} conflicts with {_flag(k)} "
                    f"{_shown(values[k])}: give {k} once"
                )
            values[k] = extra.pop(k)
    for k, v in values.items():
        if k in saved and k not in RECORDING_OPTIONS and saved[k] != v:
            flag = _flag(k)
            raise _differs(
                flag,
                v,
                saved[k],
                where,
                f"drop {flag} to continue with it, or start a new run in another folder",
            )
    merged = {k: saved[k] for k in names if k in saved}
    merged.update(values)
    if cls is not HeadCuttingOptions:
        return method_options(finder, None, **merged)
    theirs = dict(saved.get("finder_options") or {})
    for k, v in extra.items():
        if theirs.get(k) != v:
            flag = _finder_flag(k, k in as_options)
            raise _differs(
                flag,
                v,
                theirs.get(k),
                where,
                f"drop {flag} to continue with it, or start a new run in another folder",
            )
    if merged.get("windows", "readouts") != "readouts":
        merged.pop("readouts", None)
    return HeadCuttingOptions(finder, {**theirs, **extra}, **merged)


def option_names() -> list[str]:
    """Every option name of every method, in field order (the keys a sweep file may set).

    >>> {"eta", "max_heads", "beta", "readouts"} <= set(option_names())
    True
    """
    return list(option_fields())


def option_fields() -> dict[str, str]:
    """Every option of every method -> its annotated type (as written in the dataclass, e.g.
    ``"int | None"``), in field order: what a sweep file's values are checked against before
    the options check their ranges.

    >>> option_fields()["max_qubits"], option_fields()["beta"]
    ('int | None', 'float')
    """
    types: dict[str, str] = {}
    for cls in (HeadCuttingOptions, *METHODS.values()):
        for f in fields(cls):
            types.setdefault(f.name, str(f.type))
    return types


#: the options with a flag of ``grover-train train``: name -> (value type, what it does); the
#: flag is ``--`` + the name with dashes, its default each method's (:func:`flag_help`)
def steps_or_epoch(text: str) -> int | str:
    """The value of ``--average``: ``epoch`` or an integer number of steps.

    >>> steps_or_epoch("epoch"), steps_or_epoch("5")
    ('epoch', 5)
    """
    if text == "epoch":
        return "epoch"
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be an integer number of steps or 'epoch', got {text!r}"
        ) from None


FLAGS: dict[str, tuple[Callable[[str], Any], str]] = {
    "eta": (float, "step size"),
    "eta_decay": (float, "step size decay: eta / (1 + decay * epochs)"),
    "weight_decay": (float, "L2 shrinkage of W and U per step"),
    "margin": (float, "margin kappa >= 0: heads are states below E+(x,k*) + kappa"),
    "input_noise": (
        float,
        "data augmentation: flip each input spin with this probability when a sample is used "
        "(docs/training.md)",
    ),
    "average": (
        steps_or_epoch,
        "return the moving average of the weights over about this many steps, or 'epoch': "
        "the steps of one epoch (the finder keeps searching the raw weights; 0 = off)",
    ),
    "batch_size": (int, "samples per step"),
    "max_heads": (int, "distinct heads sought per sample search"),
    "search_budget": (
        int,
        f"query budget of one sample's search (default {DEFAULT_SEARCH_BUDGET}; a coherent "
        "finder sizes its own)",
    ),
    "eval_size": (int, "size of the fixed training subset for the training error eps"),
    "max_qubits": (
        int,
        "largest landscape handed to the finder; deep networks are trained a window of layers "
        "at a time",
    ),
    "windows": (
        str,
        "how deep networks are trained: 'readouts' (every hidden layer learns from its own "
        "label-coupled readout, windows of one layer) or whole-network head cutting in windows "
        "of 'layers' (whole consecutive layers, else blocks of one layer) or 'columns' (the "
        "same units of every layer); docs/deep.md",
    ),
}


def flag_help(name: str) -> str:
    """The help of an option's flag: what it does and each method's default.

    >>> flag_help("batch_size")
    'samples per step (default 32 head cutting, 64 backprop)'
    """
    defaults = []
    for cls in (HeadCuttingOptions, *METHODS.values()):
        f = cls.__dataclass_fields__.get(name)
        if f is not None and f.default is not None:
            defaults.append(f"{f.default} {cls.method}")
    if len({d.split(" ")[0] for d in defaults}) == 1:
        defaults = [defaults[0].split(" ")[0]]
    return FLAGS[name][1] + (f" (default {', '.join(defaults)})" if defaults else "")


__all__ = [
    "DEFAULT_SEARCH_BUDGET",
    "FLAGS",
    "METHODS",
    "BackpropOptions",
    "HeadCuttingOptions",
    "TrainOptions",
    "RECORDING_OPTIONS",
    "check_resumed",
    "flag_help",
    "method_options",
    "resumed_options",
    "option_fields",
    "option_names",
]
