"""IBM's local fake devices by short name: what ``fake:<name>`` takes, their sizes, and the
smallest one a circuit fits on (qiskit-ibm-runtime's ``fake_provider``, loaded on first use).
"""

from __future__ import annotations

import re
from functools import lru_cache


def fake_short_name(name: str) -> str:
    """The short name of a fake device, as ``fake:<name>`` takes it.

    >>> [fake_short_name(n) for n in ("FakeManilaV2", "fake_manila", "manila")]
    ['manila', 'manila', 'manila']
    """
    s = name.lower().replace("_", "").replace("-", "")
    s = s[4:] if s.startswith("fake") else s
    return re.sub(r"v2$", "", s)


@lru_cache(maxsize=1)
def fake_device_sizes() -> tuple[tuple[str, int], ...]:
    """(short name, qubits) of every BackendV2 fake device, smallest first (cached).

    >>> dict(fake_device_sizes())['manila']
    5
    """

    from qiskit.providers import BackendV2
    from qiskit_ibm_runtime import fake_provider

    sizes = {}
    for name in dir(fake_provider):
        cls = getattr(fake_provider, name)
        if not (name.startswith("Fake") and isinstance(cls, type) and issubclass(cls, BackendV2)):
            continue
        if "Provider" in name:
            continue
        try:
            sizes[fake_short_name(name)] = _snapshot_qubits(cls)
        except Exception:  # a fake whose snapshot does not load is simply not offered
            continue
    return tuple(sorted(sizes.items(), key=lambda kv: (kv[1], kv[0])))


def _snapshot_qubits(cls) -> int:
    """Qubits of a fake device from its configuration snapshot (reading the JSON is ~100x
    cheaper than building the device); instantiating it when there is no snapshot file."""
    import json
    import os
    import warnings

    path = os.path.join(getattr(cls, "dirname", ""), getattr(cls, "conf_filename", "") or "")
    if os.path.isfile(path):
        with open(path) as f:
            return int(json.load(f)["n_qubits"])
    with warnings.catch_warnings():  # some snapshots warn that they are not typical
        warnings.simplefilter("ignore", UserWarning)
        return int(cls().num_qubits)


def smallest_fake_device(num_qubits: int) -> tuple[str, int] | None:
    """The smallest fake device with at least ``num_qubits`` qubits, as (name, qubits).

    >>> smallest_fake_device(8)
    ('melbourne', 15)
    """
    return next(((n, q) for n, q in fake_device_sizes() if q >= num_qubits), None)


def fit_hint(num_qubits: int) -> str:
    """'fake:NAME (Q qubits)' for the smallest fitting fake device, or a plain note.

    >>> fit_hint(8)
    'fake:melbourne (15 qubits)'
    """
    best = smallest_fake_device(num_qubits)
    if best is None:
        return f"no fake device has {num_qubits} qubits"
    return f"fake:{best[0]} ({best[1]} qubits)"


__all__ = ["fake_device_sizes", "fake_short_name", "fit_hint", "smallest_fake_device"]
