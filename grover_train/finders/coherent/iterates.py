"""Grover iterates as (alpha, beta) phase pairs: the one description of a search's iterates
that circuits (:mod:`grover_train.finders.coherent.circuits`) and backends
(:mod:`grover_train.finders.coherent.backends`) both read, kept below both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from grover_train.errors import BudgetError, InputError

Iterates = int | Sequence[tuple[float, float]]


def as_phases(iterates: Iterates) -> list[tuple[float, float]]:
    """The iterates as a list of (alpha, beta) pairs.

    >>> as_phases(2) == [(math.pi, math.pi)] * 2
    True
    >>> as_phases([(1.0, 2.0)])
    [(1.0, 2.0)]
    """
    if isinstance(iterates, bool):
        raise BudgetError(
            f"iterates must be a non-negative integer or (alpha, beta) pairs, got {iterates!r}"
        )
    if isinstance(iterates, int | np.integer):
        if iterates < 0:
            raise BudgetError(f"the number of Grover iterations must be >= 0, got {iterates}")
        return [(math.pi, math.pi)] * int(iterates)
    out = []
    for pair in iterates:
        try:
            a, b = (float(x) for x in pair)
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"each iterate must be an (alpha, beta) pair of numbers, got {pair!r}"
            ) from exc
        if not (math.isfinite(a) and math.isfinite(b)):
            raise InputError(f"iterate phases must be finite, got {pair!r}")
        out.append((a, b))
    return out


def num_oracle_calls(iterates: Iterates) -> int:
    """How many oracle calls the iterates make (one per iterate).

    >>> num_oracle_calls(3), num_oracle_calls([(1.0, 1.0)] * 5)
    (3, 5)
    """
    return len(as_phases(iterates))


__all__ = ["Iterates", "as_phases", "num_oracle_calls"]
