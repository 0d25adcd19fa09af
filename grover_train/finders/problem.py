"""Moved to :mod:`grover_train.finders.search_problem` (kept while imports move over)."""

from grover_train.finders.search_problem import SearchProblem

__all__ = ["SearchProblem"]
