"""Enumeration of all 2^n states of a BQM, below both the model and the finders.

The blocked engine (:mod:`grover_train.enumeration.engine`): full energy tables, streamed
passes (:class:`Enumeration`), memory checks and exact head decisions.
"""

from grover_train.enumeration.engine import (
    MAX_STREAM_VARIABLES,
    Enumeration,
    SpinArrays,
    available_memory,
    check_exclude,
    check_memory,
    count_below,
    energies,
    format_bytes,
    heads,
    lowest,
    max_table_variables,
    minimum,
    random_head,
    reference_energies,
)

__all__ = [
    "MAX_STREAM_VARIABLES",
    "Enumeration",
    "SpinArrays",
    "available_memory",
    "check_exclude",
    "check_memory",
    "count_below",
    "energies",
    "format_bytes",
    "heads",
    "lowest",
    "max_table_variables",
    "minimum",
    "random_head",
    "reference_energies",
]
