"""What every stored result records about how it was produced."""

from __future__ import annotations

import platform
from functools import lru_cache
from importlib import metadata

PACKAGES = (
    "grover-train",
    "numpy",
    "scipy",
    "dimod",
    "dwave-samplers",
    "dwave-system",
    "openjij",
    "qiskit",
    "qiskit-aer",
    "qiskit-ibm-runtime",
    "pennylane",
    "pennylane-lightning",
    "torch",
    "scikit-learn",
)


@lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    """Versions of Python and of the packages a result depends on.

    >>> 'numpy' in versions() and 'python' in versions()
    True
    """
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out
