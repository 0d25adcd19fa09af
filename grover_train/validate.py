"""Checks of option values shared by every layer: one wording for the same mistake."""

from __future__ import annotations

import numbers

from grover_train.errors import InputError


def positive_int(value: object, name: str, error: type[InputError] = InputError) -> int:
    """``value`` as an ``int`` if it is an integer >= 1 (numpy integers too; ``True`` is not
    a count), else raise ``error`` naming ``name``.

    Raises:
        InputError: (or the subclass given as ``error``) ``value`` is not an integer >= 1.

    >>> positive_int(3, "num_reads")
    3
    >>> positive_int(0, "num_reads")
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: num_reads must be a positive integer, got 0
    >>> positive_int(True, "shots")
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: shots must be a positive integer, got True
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise error(f"{name} must be a positive integer, got {value!r}")
    return int(value)


__all__ = ["positive_int"]
