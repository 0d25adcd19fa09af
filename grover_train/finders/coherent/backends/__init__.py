"""Backends of the coherent search (docs/design.md section 5), by name.

>>> get_backend('exact').name
'exact'
>>> get_backend('nope')
Traceback (most recent call last):
...
grover_train.errors.UnknownNameError: unknown backend 'nope': choose one of ...

Registry contract: ``"aer"`` builds ``backends.aer.AerBackend(**options)``, ``"pennylane"``
builds ``backends.pennylane.PennyLaneBackend(**options)``, ``"fake:NAME"`` and ``"ibm:NAME"``
build ``backends.ibm.IBMBackend(full_name, **options)``. Those modules are imported only when
asked for, so importing this package does not import Qiskit or PennyLane.
"""

from __future__ import annotations

import importlib

from grover_train.errors import UnknownNameError
from grover_train.finders.coherent.backends.base import Backend, as_phases, num_oracle_calls

#: plain names -> "module:Class"
BACKENDS: dict[str, str] = {
    "exact": "grover_train.finders.coherent.backends.exact:ExactBackend",
    "statevector": "grover_train.finders.coherent.backends.statevector:StatevectorBackend",
    "aer": "grover_train.finders.coherent.backends.aer:AerBackend",
    "pennylane": "grover_train.finders.coherent.backends.pennylane:PennyLaneBackend",
}
#: prefixed names ("fake:manila", "ibm:ibm_brisbane") -> "module:Class"
PREFIXED: dict[str, str] = {
    "fake": "grover_train.finders.coherent.backends.ibm:IBMBackend",
    "ibm": "grover_train.finders.coherent.backends.ibm:IBMBackend",
}


def backend_names() -> list[str]:
    """The names :func:`get_backend` accepts (prefixed ones as ``fake:<name>``)."""
    return sorted(BACKENDS) + [f"{p}:<name>" for p in sorted(PREFIXED)]


def get_backend(name: str | Backend, **options) -> Backend:
    """Build a backend by name (a :class:`Backend` instance is returned unchanged)."""
    if isinstance(name, Backend):
        return name
    if not isinstance(name, str):
        raise UnknownNameError(f"backend must be a name, got {name!r}")
    prefix, sep, rest = name.partition(":")
    if sep:
        if prefix not in PREFIXED or not rest:
            raise UnknownNameError(
                f"unknown backend {name!r}: choose one of {', '.join(backend_names())} "
                "(e.g. fake:manila)"
            )
        module, cls = PREFIXED[prefix].split(":")
        return _build(module, cls, name, **options)
    if name not in BACKENDS:
        raise UnknownNameError(
            f"unknown backend {name!r}: choose one of {', '.join(backend_names())}"
        )
    module, cls = BACKENDS[name].split(":")
    return _build(module, cls, **options)


def _build(module: str, cls: str, *args, **options) -> Backend:
    try:
        return getattr(importlib.import_module(module), cls)(*args, **options)
    except ModuleNotFoundError as exc:  # an optional dependency: name its extra
        from grover_train.extras import missing_extra

        err = missing_extra(exc)
        if err is None:
            raise
        raise err from None


__all__ = ["BACKENDS", "Backend", "as_phases", "backend_names", "get_backend", "num_oracle_calls"]
