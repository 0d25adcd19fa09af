"""Seeds and random streams.

Every random stream is derived from one ``numpy.random.default_rng(seed)`` per call; nothing
reads or writes global random state. Seeds follow dwave-samplers: a non-integer seed raises
:class:`~grover_train.errors.OptionError` (a :class:`TypeError`), an out-of-range one
:class:`~grover_train.errors.InputError` (a :class:`ValueError`).
"""

from __future__ import annotations

import numbers

import numpy as np

from grover_train.errors import InputError, OptionError

SEED_MAX = 2**32 - 1


def check_seed(seed: object) -> int | None:
    """Validate a seed and return it as a Python int (``None`` stays ``None``).

    Raises:
        OptionError: the seed is not an integer (also a TypeError).
        InputError: the seed is outside [0, 2^32 - 1].

    >>> check_seed(7)
    7
    >>> check_seed(None) is None
    True
    """
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise OptionError(f"seed must be an integer in [0, {SEED_MAX}], got {type(seed).__name__}")
    seed = int(seed)
    if not 0 <= seed <= SEED_MAX:
        raise InputError(f"seed {seed} is out of range: use an integer in [0, {SEED_MAX}]")
    return seed


def make_rng(seed: object) -> np.random.Generator:
    """Return ``numpy.random.default_rng(seed)`` after validating the seed.

    >>> int(make_rng(1).integers(10)) == int(make_rng(1).integers(10))
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(check_seed(seed))


def child_seed(rng: np.random.Generator) -> int:
    """Draw an integer seed for a library that takes its own seed (SA, Aer, PennyLane, torch).

    >>> 0 <= child_seed(make_rng(0)) <= SEED_MAX
    True
    """
    return int(rng.integers(0, SEED_MAX, endpoint=True))
