"""Input checks shared by the commands, run before any work starts and before anything is
written: options that do not apply, sizes that do not fit in memory, output folders that would
be harmed."""

from __future__ import annotations

import argparse

from grover_train.errors import InputError
from grover_train.memory import check_bytes

#: inputs of each dataset before pooling (teacher: its D), for size estimates before loading
INPUTS = {"digits": 64, "mnist": 784}
#: copies of the weights a training run holds at once (weights, cut, average, best, readouts...)
WEIGHT_COPIES = 8
#: largest query budget accepted (about 300 years at 10^5 queries per second)
MAX_BUDGET = 10**15


def check_dataset_args(args: argparse.Namespace) -> None:
    """Refuse dataset options that do not apply to ``--dataset`` and teacher data that would
    not fit in memory.

    >>> ns = argparse.Namespace(dataset="teacher", classes="0,1", pool=False, teacher=None,
    ...                         mnist_path=None, num_samples=None)
    >>> check_dataset_args(ns)
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: --classes does not apply to --dataset teacher (its ...
    """
    name = getattr(args, "dataset", None)
    if name == "teacher":
        for flag, value in (("--classes", args.classes), ("--pool", args.pool)):
            if value:
                raise InputError(
                    f"{flag} does not apply to --dataset teacher (its classes come from "
                    "--teacher D,H,C): drop it"
                )
    elif name in INPUTS:
        if getattr(args, "teacher", None) is not None:
            raise InputError(f"--teacher applies to --dataset teacher, not {name!r}: drop it")
    if name != "mnist" and getattr(args, "mnist_path", None) is not None:
        raise InputError(f"--mnist-path applies to --dataset mnist, not {name!r}: drop it")
    n = getattr(args, "num_samples", None)
    if name == "teacher" and (n is not None or args.teacher is not None):
        d = _teacher_inputs(args.teacher)
        check_bytes(
            3 * 8 * (n or 600) * d,
            f"teacher data of {n or 600} samples x {d} inputs",
            "lower --num-samples or the D of --teacher",
        )


def _teacher_inputs(text: str | None) -> int:
    try:
        return max(1, int(str(text).split(",")[0])) if text else 16
    except ValueError:
        return 16  # the dataset loader names the bad value


def check_network_size(dataset: str, hidden: list[int], args: argparse.Namespace) -> None:
    """Refuse a network whose weights (times the copies training keeps) do not fit in memory.

    >>> ns = argparse.Namespace(pool=False, teacher=None)
    >>> check_network_size("digits", [32], ns)
    >>> check_network_size("digits", [10**9], ns)
    Traceback (most recent call last):
    ...
    grover_train.errors.TooLargeError: a network 64-1000000000-10 needs ...
    """
    budget = getattr(args, "budget", None)
    if isinstance(budget, int) and budget > MAX_BUDGET:
        raise InputError(
            f"--budget {budget} is more than the {MAX_BUDGET} queries a run may have: pass "
            "e.g. --budget 300000"
        )
    if dataset == "teacher":
        d, c = _teacher_inputs(args.teacher), 10
    else:
        d, c = INPUTS.get(dataset, 784), 10
        if getattr(args, "pool", False):
            d //= 4
    sizes = [d, *hidden, c]
    weights = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    check_bytes(
        WEIGHT_COPIES * 8 * weights,
        f"a network {'-'.join(map(str, sizes))}",
        "use fewer hidden units (--hidden)"
        + (" or a smaller D in --teacher D,H,C" if dataset == "teacher" else ""),
    )


#: bytes one search round keeps in memory (its record in ``info["rounds"]``), for the budget
#: check: measured 305 bytes per round with tracemalloc (dh, exact backend, 8052 rounds),
#: doubled for the copies the command makes
ROUND_BYTES = 600
#: most DQA steps a state preparation may have
MAX_STEPS = 100_000


def build_backend(name: str, options: dict):
    """Build a coherent backend; an option it does not take is an
    :class:`~grover_train.errors.OptionError` that names the options it does take (the
    registry checks them), a value Aer refuses an :class:`InputError`.

    >>> build_backend("exact", {"foo": 1})
    Traceback (most recent call last):
    ...
    grover_train.errors.OptionError: backend 'exact' takes no option 'foo': it takes none
    """
    from grover_train.finders.coherent.backends import get_backend

    try:
        return get_backend(name, **options)
    except Exception as exc:  # noqa: BLE001 - e.g. qiskit_aer.AerError for a bad option value
        if type(exc).__name__ != "AerError":
            raise
        raise InputError(f"backend {name!r}: {exc}") from None


def _check_steps(steps: int) -> None:
    if isinstance(steps, int) and steps > MAX_STEPS:
        raise InputError(
            f"--steps {steps} is more than the {MAX_STEPS} DQA steps supported: pass e.g. --steps 8"
        )


def check_search_sizes(budget: int, steps: int) -> None:
    """Refuse a budget whose round records, or a DQA ramp, that would not fit in memory.

    >>> check_search_sizes(1000, 8)
    >>> check_search_sizes(10**12, 8)
    Traceback (most recent call last):
    ...
    grover_train.errors.TooLargeError: a search of up to 1000000000000 rounds needs ...
    """
    _check_steps(steps)
    check_bytes(
        ROUND_BYTES * budget,
        f"a search of up to {budget} rounds",
        "lower --budget (each round costs at least one query)",
    )


#: most probabilities ``amplify`` lists without --top (a longer list is not readable output)
MAX_LISTED = 2**16
#: bytes per Grover iteration the backends keep (a phase list and its circuit record)
ITERATION_BYTES = 64


def check_amplify_sizes(
    iterations: int, steps: int, top: int | None, min_probability: float = 0.0
) -> None:
    """Refuse iteration counts and DQA ramps that would not fit in memory, and a bad --top.

    >>> check_amplify_sizes(3, 8, None)
    >>> check_amplify_sizes(10**12, 8, None)
    Traceback (most recent call last):
    ...
    grover_train.errors.TooLargeError: a run of 1000000000000 Grover iterations needs ...
    """
    if not (0 <= min_probability < 1):
        raise InputError(
            f"--min-probability must be a number in [0, 1), got {min_probability}: pass e.g. "
            "--min-probability 0.001"
        )
    if top is not None and top < 1:
        raise InputError(
            f"--top must be a positive number of states, got {top}: pass e.g. --top 20"
        )
    _check_steps(steps)
    check_bytes(
        ITERATION_BYTES * iterations,
        f"a run of {iterations} Grover iterations",
        "lower --iterations",
    )


def check_listing(n: int, top: int | None, min_probability: float) -> None:
    """Refuse to print more than :data:`MAX_LISTED` probabilities unless ``--top`` bounds them
    (at most 1/P states can have a probability above P).

    >>> check_listing(10, None, 0.0)
    >>> check_listing(24, None, 0.0)
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: amplify would list up to 16777216 probabilities ...
    """
    if top is not None:
        return
    bound = 2**n if min_probability <= 0 else min(2**n, int(1 / min_probability))
    if bound > MAX_LISTED:
        raise InputError(
            f"amplify would list up to {bound} probabilities (about {bound * 30 // 2**20} MiB "
            f"of JSON) for {n} variables: pass --top K (e.g. --top 100) or --min-probability P "
            f"with P >= {1 / MAX_LISTED:.2g}"
        )
