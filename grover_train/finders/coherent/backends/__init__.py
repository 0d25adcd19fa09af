"""Backends of the coherent search (docs/design.md section 5), by name.

>>> get_backend('exact').name
'exact'
>>> get_backend('nope')
Traceback (most recent call last):
...
grover_train.errors.UnknownNameError: unknown backend 'nope': choose one of ...

The registry (:data:`BACKENDS`) is the one place a backend's name, class and help text live;
the CLI help, :func:`get_backend` and the option checks read it. A plain entry (``"aer"``)
builds ``Class(**options)``; a prefixed entry (``"fake"``) takes names ``fake:NAME`` and builds
``Class(full_name, **options)``. Classes are imported only when asked for, so importing this
package does not import Qiskit or PennyLane.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass

from grover_train.errors import OptionError, UnknownNameError
from grover_train.finders.coherent.backends.base import Backend
from grover_train.finders.coherent.iterates import as_phases, num_oracle_calls


@dataclass(frozen=True)
class BackendEntry:
    """One registered backend: ``name`` (a prefix when ``prefixed``), its class as
    ``"module:Class"``, a one-line ``help`` and whether it builds gate-level circuits
    (``circuits``: the ``resources`` command takes it)."""

    name: str
    target: str
    help: str
    prefixed: bool = False
    circuits: bool = False

    @property
    def label(self) -> str:
        """How users write it: ``aer`` or ``fake:NAME``."""
        return f"{self.name}:NAME" if self.prefixed else self.name


#: name (or prefix) -> entry, in registration order
BACKENDS: dict[str, BackendEntry] = {}


def register_backend(entry: BackendEntry) -> BackendEntry:
    """Add a backend to the registry (a later entry of the same name replaces the earlier).

    >>> _ = register_backend(BackendEntry("copy", BACKENDS["exact"].target, "a copy"))
    >>> get_backend("copy").name
    'exact'
    >>> del BACKENDS["copy"]
    """
    BACKENDS[entry.name] = entry
    return entry


_B = "grover_train.finders.coherent.backends."
register_backend(
    BackendEntry("exact", _B + "exact:ExactBackend", "analytic amplitude amplification")
)
register_backend(
    BackendEntry("statevector", _B + "statevector:StatevectorBackend", "numpy gate by gate")
)
register_backend(
    BackendEntry("aer", _B + "aer:AerBackend", "Qiskit circuits on qiskit-aer", circuits=True)
)
register_backend(
    BackendEntry("pennylane", _B + "pennylane:PennyLaneBackend", "PennyLane templates")
)
register_backend(
    BackendEntry(
        "fake",
        _B + "ibm:IBMBackend",
        "a fake IBM device with its noise (qiskit-ibm-runtime)",
        prefixed=True,
        circuits=True,
    )
)
register_backend(
    BackendEntry("ibm", _B + "ibm:IBMBackend", "IBM Quantum hardware", prefixed=True, circuits=True)
)


def backend_names() -> list[str]:
    """The names :func:`get_backend` accepts (prefixed ones as ``fake:<name>``).

    >>> backend_names()[:2]
    ['aer', 'exact']
    """
    plain = sorted(e.name for e in BACKENDS.values() if not e.prefixed)
    return plain + sorted(f"{e.name}:<name>" for e in BACKENDS.values() if e.prefixed)


def backend_help(circuits: bool = False) -> str:
    """The registered backends as a help text (``circuits``: only gate-level ones).

    >>> backend_help(circuits=True)
    'aer, fake:NAME or ibm:NAME'
    """
    labels = [e.label for e in BACKENDS.values() if e.circuits or not circuits]
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"


def backend_entry(name: str) -> BackendEntry | None:
    """The entry that builds ``name`` (``fake:manila`` -> the ``fake`` entry), or None.

    >>> backend_entry("fake:manila").name, backend_entry("nope")
    ('fake', None)
    """
    prefix, sep, rest = str(name).partition(":")
    entry = BACKENDS.get(prefix)
    if entry is None or entry.prefixed != bool(sep) or (sep and not rest):
        return None
    return entry


def get_backend(name: str | Backend, **options) -> Backend:
    """Build a backend by name (a :class:`Backend` instance is returned unchanged).

    Raises:
        UnknownNameError: a name no registry entry builds.
        OptionError: an option the backend does not take.
        InputError: a bad option value (the backend's own check).
    """
    if isinstance(name, Backend):
        return name
    if not isinstance(name, str):
        raise UnknownNameError(f"backend must be a name, got {name!r}")
    entry = backend_entry(name)
    if entry is None:
        hint = " (e.g. fake:manila)" if ":" in name else ""
        raise UnknownNameError(
            f"unknown backend {name!r}: choose one of {', '.join(backend_names())}{hint}"
        )
    return _build(entry, name, options)


def check_options(label: str, cls: type, options: dict) -> None:
    """Refuse keyword options the backend class does not take, naming those it takes (a class
    that takes ``**options`` checks them itself, as the Aer backend does).

    Raises:
        OptionError: an option the class does not take.

    >>> from grover_train.finders.coherent.backends.exact import ExactBackend
    >>> check_options("exact", ExactBackend, {"foo": 1})
    Traceback (most recent call last):
    ...
    grover_train.errors.OptionError: backend 'exact' takes no option 'foo': it takes none
    """
    params = inspect.signature(cls).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    accepted = [p for p, v in params.items() if p != "name" and v.kind is not v.VAR_POSITIONAL]
    unknown = [k for k in options if k not in accepted]
    if unknown:
        takes = f"it takes {', '.join(accepted)}" if accepted else "it takes none"
        raise OptionError(
            f"backend {label!r} takes no option {', '.join(map(repr, unknown))}: {takes}"
        )


def _build(entry: BackendEntry, name: str, options: dict) -> Backend:
    module, cls = entry.target.split(":")
    args = (name,) if entry.prefixed else ()  # a prefixed class takes the full name
    try:
        klass = getattr(importlib.import_module(module), cls)
        check_options(name, klass, options)
        return klass(*args, **options)
    except ModuleNotFoundError as exc:  # an optional dependency: name its extra
        from grover_train.extras import missing_extra

        err = missing_extra(exc)
        if err is None:
            raise
        raise err from None


__all__ = [
    "BACKENDS",
    "Backend",
    "BackendEntry",
    "as_phases",
    "backend_entry",
    "backend_help",
    "backend_names",
    "check_options",
    "get_backend",
    "num_oracle_calls",
    "register_backend",
]
