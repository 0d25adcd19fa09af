"""Input checks shared by the commands, run before any work starts and before anything is
written: options that do not apply, sizes that do not fit in memory, output folders that would
be harmed."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from grover_train.errors import InputError
from grover_train.memory import check_bytes

#: inputs of each dataset before pooling (teacher: its D), for size estimates before loading
INPUTS = {"digits": 64, "mnist": 784}
#: copies of the weights a training run holds at once (weights, cut, average, best, readouts...)
WEIGHT_COPIES = 8
#: files ``train --out DIR`` writes
TRAIN_OUTPUTS = ("model.npz", "metrics.jsonl", "summary.json")


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


def check_train_out(out: Path, *, resume: bool, overwrite: bool) -> None:
    """Refuse an output folder that would be harmed: a finished model replaced without
    ``--resume`` or ``--overwrite``, outputs that are folders, a folder that cannot be written.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "model.npz").write_bytes(b"x")
    >>> check_train_out(d, resume=False, overwrite=False)
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: --out ... already holds a trained model: pass --resume ...
    """
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {str(out)!r} is a file: give a folder")
    for name in TRAIN_OUTPUTS:
        if (out / name).is_dir():
            raise InputError(
                f"{str(out / name)!r} is a folder, but train writes a file there: move it "
                "away or give another --out"
            )
    if resume and overwrite:
        raise InputError("--resume and --overwrite exclude each other: pass one of them")
    if (out / "model.npz").exists() and not (resume or overwrite):
        raise InputError(
            f"--out {str(out)!r} already holds a trained model: pass --resume to continue "
            "it, --overwrite to replace it, or give another --out"
        )
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(
            f"--out {str(out)!r} cannot be written ({str(existing)!r} is not a writable "
            "folder): give a writable --out"
        )
