"""numpy values as JSON: the one converter behind every JSON file and line the package writes.

:func:`default` is the ``default=`` hook of :func:`json.dumps` (numpy scalars and arrays to
Python, sets sorted, anything else its string); :func:`finite` is a JSON-safe copy for output
that must be strict JSON (NaN and infinities, which JSON does not have, become ``None``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def default(o: Any) -> Any:
    """The ``default=`` hook of :func:`json.dumps`: numpy scalars and arrays as Python values,
    sets as sorted lists, anything else as its string.

    >>> import json
    >>> json.dumps({"n": np.int64(3), "p": np.float64(0.5), "ok": np.bool_(True)}, default=default)
    '{"n": 3, "p": 0.5, "ok": true}'
    >>> json.dumps([np.arange(2), {2, 1}, 1j], default=default)
    '[[0, 1], [1, 2], "1j"]'
    """
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, set | frozenset):
        return sorted(o)
    return str(o)


def finite(o: Any) -> Any:
    """A JSON-safe copy of ``o``: dicts, lists and tuples copied, numpy scalars and arrays as
    Python values, NaN and infinities as ``None``; anything else unchanged.

    >>> finite({"a": [np.float64("nan"), 1.5, np.int32(2)], "b": (float("inf"), np.arange(2))})
    {'a': [None, 1.5, 2], 'b': [None, [0, 1]]}
    """
    if isinstance(o, dict):
        return {k: finite(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [finite(v) for v in o]
    if isinstance(o, np.ndarray):
        return finite(o.tolist())
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, float | np.floating):
        return float(o) if math.isfinite(o) else None
    return o


__all__ = ["default", "finite"]
