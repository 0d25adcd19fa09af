"""Head finders: every one is a dimod sampler with the interface of
:class:`grover_train.finders.base.HeadFinder`.

>>> sorted(FINDERS)[:3]
['cyclic-sa', 'dwave', 'exact']
"""

from __future__ import annotations

import importlib

from grover_train.errors import UnknownNameError
from grover_train.finders.base import FindResult, HeadFinder, check_budget
from grover_train.finders.problem import SearchProblem

#: name -> "module:Class" (imported on first use so that importing the package stays fast)
FINDERS: dict[str, str] = {
    "exact": "grover_train.finders.exact:ExactFinder",
    "random": "grover_train.finders.uniform:RandomFinder",
    "sa": "grover_train.finders.annealing:SAFinder",
    "cyclic-sa": "grover_train.finders.annealing:CyclicSAFinder",
    "sqa": "grover_train.finders.annealing:SQAFinder",
    "dwave": "grover_train.finders.annealing:DWaveFinder",
    "grover": "grover_train.finders.coherent.grover:GroverFinder",
    "oracle": "grover_train.finders.oracle:OracleFinder",
}


def get_finder(name: str, **options) -> HeadFinder:
    """Build a finder by name with its options.

    >>> get_finder('exact').name
    'exact'
    >>> get_finder('nope')
    Traceback (most recent call last):
    ...
    grover_train.errors.UnknownNameError: unknown finder 'nope': choose one of ...
    """
    if name not in FINDERS:
        raise UnknownNameError(
            f"unknown finder {name!r}: choose one of {', '.join(sorted(FINDERS))}"
        )
    module, cls = FINDERS[name].split(":")
    try:
        return getattr(importlib.import_module(module), cls)(**options)
    except ModuleNotFoundError as exc:  # an optional dependency: name its extra
        from grover_train.extras import missing_extra

        err = missing_extra(exc)
        if err is None:
            raise
        raise err from None


__all__ = ["FINDERS", "FindResult", "HeadFinder", "SearchProblem", "check_budget", "get_finder"]
