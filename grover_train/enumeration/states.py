"""State indices, sample rows and exclusion masks over all 2^n states of a BQM.

State index ``z`` has bit ``i`` equal to the BINARY value of the ``i``-th variable of
``bqm.variables`` (SPIN -1 -> 0, +1 -> 1, as dimod maps them). This is Qiskit's little-endian
qubit order: qubit ``i`` carries variable ``i``. Every finder, backend and circuit uses it.
"""

from __future__ import annotations

from collections.abc import Mapping

import dimod
import numpy as np

from grover_train.enumeration.engine import check_memory, energies
from grover_train.errors import InputError

#: Size cap of the backends that hold dense 2^n vectors (statevectors, probability tables).
#: Full energy tables are limited by the memory available instead (:func:`check_memory`), and
#: streamed enumeration (the ``exact`` finder, the uniform ``exact`` backend) by
#: :data:`~grover_train.enumeration.engine.MAX_STREAM_VARIABLES`.
MAX_ENUMERATION_VARIABLES = 26


def energy_vector(bqm: dimod.BinaryQuadraticModel, dtype=np.float64) -> np.ndarray:
    """Energies of all 2^n states in the little-endian order of the module docstring.

    Blocked matrix products (:func:`grover_train.enumeration.energies`).

    Raises:
        TooManyQubitsError: the table does not fit in memory (refused before allocation, with
            the estimate in the message).

    >>> bqm = dimod.BQM({0: 1.0, 1: -2.0}, {(0, 1): 0.5}, 0.25, 'SPIN')
    >>> energy_vector(bqm).tolist()
    [1.75, 2.75, -3.25, -0.25]
    """
    return energies(bqm, dtype)


def states_to_samples(z: np.ndarray, n: int, vartype=dimod.SPIN) -> np.ndarray:
    """Turn state indices into sample rows (one column per variable, in bqm order).

    >>> states_to_samples(np.array([1, 2]), 2).tolist()
    [[1, -1], [-1, 1]]
    """
    z = np.asarray(z, dtype=np.int64)
    bits = ((z[:, None] >> np.arange(n)[None, :]) & 1).astype(np.int8)
    if dimod.as_vartype(vartype) is dimod.SPIN:
        return (2 * bits - 1).astype(np.int8)
    return bits


def samples_to_states(samples: np.ndarray, vartype=dimod.SPIN) -> np.ndarray:
    """Inverse of :func:`states_to_samples`.

    >>> samples_to_states(np.array([[1, -1], [-1, 1]])).tolist()
    [1, 2]
    """
    s = np.atleast_2d(np.asarray(samples))
    bits = (
        (s > 0).astype(np.int64) if dimod.as_vartype(vartype) is dimod.SPIN else s.astype(np.int64)
    )
    return (bits << np.arange(s.shape[1])[None, :]).sum(axis=1)


def exclusion_mask(bqm: dimod.BinaryQuadraticModel, exclude: Mapping | None) -> np.ndarray | None:
    """Boolean vector over all 2^n states, True where the state matches ``exclude``.

    Raises:
        InputError: an excluded variable is not a variable of the model.
        TooManyQubitsError: the mask does not fit in memory.

    >>> bqm = dimod.BQM({'a': 1.0, 'b': 0.0}, {}, 0.0, 'SPIN')
    >>> exclusion_mask(bqm, {'b': 1}).tolist()
    [False, False, True, True]
    """
    if not exclude:
        return None
    n = bqm.num_variables
    order = list(bqm.variables)
    check_memory(n, 1, "an exclusion mask")
    mask = np.ones(2**n, dtype=bool)
    for v, val in exclude.items():
        if v not in bqm.variables:
            raise InputError(f"excluded variable {v!r} is not a variable of the model")
        i = order.index(v)
        bit = 1 if (val > 0 if bqm.vartype is dimod.SPIN else val == 1) else 0
        # clear the half of the states whose bit i differs (a strided view: no index array)
        mask.reshape(-1, 2, 2**i)[:, 1 - bit, :] = False
    return mask


__all__ = [
    "MAX_ENUMERATION_VARIABLES",
    "energy_vector",
    "exclusion_mask",
    "samples_to_states",
    "states_to_samples",
]
