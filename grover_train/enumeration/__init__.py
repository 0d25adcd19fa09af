"""Enumeration of all 2^n states of a BQM, below both the model and the finders.

- :mod:`.engine`: the blocked engine: full energy tables, streamed passes
  (:class:`Enumeration`), memory checks and exact head decisions;
- :mod:`.states`: state indices <-> sample rows (the little-endian order every finder, backend
  and circuit uses), exclusion masks, the size cap of dense 2^n vectors.
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
from grover_train.enumeration.states import (
    MAX_ENUMERATION_VARIABLES,
    energy_vector,
    exclusion_mask,
    samples_to_states,
    states_to_samples,
)

__all__ = [
    "MAX_ENUMERATION_VARIABLES",
    "MAX_STREAM_VARIABLES",
    "Enumeration",
    "SpinArrays",
    "available_memory",
    "check_exclude",
    "check_memory",
    "count_below",
    "energies",
    "energy_vector",
    "exclusion_mask",
    "format_bytes",
    "heads",
    "lowest",
    "max_table_variables",
    "minimum",
    "random_head",
    "reference_energies",
    "samples_to_states",
    "states_to_samples",
]
