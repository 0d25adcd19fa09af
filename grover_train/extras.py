"""Optional dependencies: which extra of ``pip install grover-train[...]`` brings each one.

The core install (numpy, scipy, dimod, dwave-samplers, qiskit, qiskit-aer, scikit-learn,
matplotlib, tqdm) trains with the classical finders and searches on the exact, statevector and
Aer backends. A feature that needs more names its extra when the package is missing.
"""

from __future__ import annotations

from grover_train.errors import GroverTrainError

#: top-level module -> (extra, what needs it)
EXTRAS: dict[str, tuple[str, str]] = {
    "torch": ("torch", "the backprop baseline"),
    "pennylane": ("pennylane", "the pennylane backend"),
    "pennylane_lightning": ("pennylane", "the pennylane backend"),
    "qiskit_ibm_runtime": ("ibm", "a fake: or ibm: backend"),
    "dwave": ("dwave", "the dwave finder"),
    "openjij": ("sqa", "the sqa finder"),
    "dask": ("dask", "a sweep on a Dask cluster (--dask)"),
    "distributed": ("dask", "a sweep on a Dask cluster (--dask)"),
    "qiskit_optimization": ("optimization", "reading an LP file"),
}


class ExtraMissingError(GroverTrainError, ImportError):
    """An optional dependency is not installed; the message names the extra that brings it."""


def missing_extra(exc: BaseException) -> ExtraMissingError | None:
    """The error naming the extra for a :class:`ModuleNotFoundError` of an optional package
    (``None`` for any other error).

    >>> str(missing_extra(ModuleNotFoundError("No module named 'torch'", name="torch")))
    "the backprop baseline needs torch, which is not installed: pip install 'grover-train[torch]'"
    >>> missing_extra(ModuleNotFoundError("x", name="numpy")) is None
    True
    """
    if isinstance(exc, ExtraMissingError):
        return exc
    name = getattr(exc, "name", None)
    if not isinstance(exc, ModuleNotFoundError) or not name:
        return None
    top = name.split(".")[0]
    if top == "dwave" and not name.startswith("dwave.system"):
        return None  # dwave-samplers is core
    if top not in EXTRAS:
        return None
    extra, what = EXTRAS[top]
    return ExtraMissingError(
        f"{what} needs {top.replace('_', '-') if top != 'dwave' else 'dwave-system'}, which is "
        f"not installed: pip install 'grover-train[{extra}]'"
    )
