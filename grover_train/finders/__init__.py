"""Head finders: every one is a dimod sampler with the interface of
:class:`grover_train.finders.base.HeadFinder`, registered by name in
:mod:`grover_train.finders.registry`.

>>> sorted(FINDERS)[:3]
['cyclic-sa', 'dwave', 'exact']
"""

from __future__ import annotations

from grover_train.finders.base import FindResult, HeadFinder, check_budget
from grover_train.finders.problem import SearchProblem
from grover_train.finders.registry import (
    FINDERS,
    FinderEntry,
    FinderOption,
    finder_entry,
    get_finder,
    register,
    train_options,
)

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
