"""Head finders: every one is a dimod sampler with the interface of
:class:`grover_train.finders.base.HeadFinder`, registered by name in
:mod:`grover_train.finders.registry`.

Importing the package loads only the registry (the command line builds its help from it);
the finder classes, :class:`HeadFinder` and :class:`SearchProblem` load on first use.

>>> sorted(FINDERS)[:3]
['cyclic-sa', 'dwave', 'exact']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from grover_train.finders.registry import (
    FINDERS,
    FinderEntry,
    FinderOption,
    finder_entry,
    get_finder,
    register,
    train_options,
)

if TYPE_CHECKING:
    from grover_train.finders.base import FindResult, HeadFinder, check_budget
    from grover_train.finders.search_problem import SearchProblem

_LAZY = {
    "FindResult": "grover_train.finders.base",
    "HeadFinder": "grover_train.finders.base",
    "check_budget": "grover_train.finders.base",
    "SearchProblem": "grover_train.finders.search_problem",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FINDERS",
    "FindResult",
    "FinderEntry",
    "FinderOption",
    "HeadFinder",
    "SearchProblem",
    "check_budget",
    "finder_entry",
    "get_finder",
    "register",
    "train_options",
]
