"""A head-search problem: a landscape, a threshold and an excluded (correct) configuration."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar, cast

import dimod
import numpy as np

from grover_train.enumeration import (
    Enumeration,
    check_exclude,
    exclusion_mask,
    samples_to_states,
)
from grover_train.errors import InputError

T = TypeVar("T")


def energy_upper_bound(bqm: dimod.BinaryQuadraticModel) -> float:
    """A bound above every energy of ``bqm`` (offset plus the absolute SPIN biases).

    >>> energy_upper_bound(dimod.BQM({0: 1.0}, {(0, 1): -2.0}, 0.5, 'SPIN'))
    3.5
    """
    spin = bqm.spin if bqm.vartype is dimod.BINARY else bqm
    return float(
        spin.offset
        + sum(abs(b) for b in spin.linear.values())
        + sum(abs(b) for b in spin.quadratic.values())
    )


@dataclass(frozen=True)
class SearchProblem:
    """What every finder and backend searches: states with E(s) < threshold that do not match
    ``exclude`` (a partial assignment, in the model's vartype, of the correct label's outputs).

    Everything computed from the landscape (the enumeration, the energy table, preparation
    distributions) is kept in one cache shared by every threshold of the same landscape
    (:meth:`with_threshold`); modules add their own entries with :meth:`cached`.

    Raises:
        InputError: the threshold is not a finite number, or ``exclude`` names a variable
            the model does not have.

    >>> bqm = dimod.BQM({0: 1.0, 1: -1.0}, {(0, 1): 0.5}, 0.0, 'SPIN')
    >>> p = SearchProblem(bqm, threshold=0.0)
    >>> p.marked.astype(int).tolist()   # energies: 0.5, 1.5, -2.5, 0.5
    [0, 0, 1, 0]
    """

    bqm: dimod.BinaryQuadraticModel
    threshold: float
    exclude: Mapping[Any, int] | None = None
    # landscape-level values shared by every threshold (see cached); not part of equality
    _cache: dict[tuple[Any, ...], Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        t = self.threshold
        if t is None or not np.isfinite(float(t)):
            raise InputError(f"threshold must be a finite number, got {t!r}")
        object.__setattr__(self, "threshold", float(t))
        object.__setattr__(self, "exclude", check_exclude(self.bqm, self.exclude))

    def cached(self, key: tuple[Any, ...], factory: Callable[[], T]) -> T:
        """The value cached under ``key`` for this landscape and exclusion, computed by
        ``factory()`` on first use. Values that depend on the threshold must put it in the key.

        >>> p = SearchProblem(dimod.BQM({0: 1.0}, {}, 0.0, 'SPIN'), 0.0)
        >>> p.cached(("answer",), lambda: 42), p.with_threshold(1.0).cached(("answer",), list)
        (42, 42)
        """
        try:
            return cast(T, self._cache[key])
        except KeyError:
            value = self._cache[key] = factory()
            return value

    def with_threshold(self, threshold: float) -> SearchProblem:
        """The same landscape and exclusion at another threshold, sharing the cache (energies,
        exclusion mask, preparation distributions), so a new threshold costs no
        re-enumeration.

        >>> p = SearchProblem(dimod.BQM({0: 1.0, 1: -1.0}, {(0, 1): 0.5}, 0.0, 'SPIN'), 0.0)
        >>> p.with_threshold(1.0).num_heads(), p.with_threshold(0.0) is p
        (3, True)
        """
        if threshold == self.threshold:
            return self
        return SearchProblem(self.bqm, threshold, self.exclude, _cache=self._cache)

    @property
    def num_variables(self) -> int:
        return self.bqm.num_variables

    @property
    def variables(self) -> list[Any]:
        return list(self.bqm.variables)

    @property
    def enumeration(self) -> Enumeration:
        """The streamed enumeration of this landscape and exclusion, shared by every threshold
        (per-block minima and head counts are computed once)."""
        return self.cached(("enumeration",), lambda: Enumeration(self.bqm, self.exclude))

    @property
    def energies(self) -> np.ndarray:
        """Energies of all 2^n states (little-endian, see :mod:`grover_train.enumeration`).
        Refused before allocation when the table does not fit in memory."""
        return self.cached(("energies",), lambda: self.enumeration.energies())

    @property
    def excluded(self) -> np.ndarray:
        """Boolean vector of states matching the excluded assignment (all False if none)."""

        def mask() -> np.ndarray:
            m = exclusion_mask(self.bqm, self.exclude)
            return np.zeros(2**self.num_variables, dtype=bool) if m is None else m

        return self.cached(("excluded",), mask)

    @cached_property
    def marked(self) -> np.ndarray:
        """Boolean vector over all 2^n states: True for heads (exact against ``bqm.energies``
        for states within the rounding band of the threshold). Kept by this problem only, not
        in the shared cache: a search visits many thresholds, each would keep its 2^n flags."""
        heads: np.ndarray = self.enumeration.heads_of(self.energies, self.threshold)
        out: np.ndarray = heads & ~self.excluded
        return out

    # streamed queries: memory O(block), no 2^n table
    def num_heads(self) -> int:
        """How many heads there are (streamed, exact; cached per threshold).

        >>> SearchProblem(dimod.BQM({0: 1.0, 1: -1.0}, {(0, 1): 0.5}, 0.0, 'SPIN'), 0.0).num_heads()
        1
        """
        return self.enumeration.count_below(self.threshold)

    def nth_head(self, j: int | np.ndarray) -> int | np.ndarray:
        """The ``j``-th head (0-based) in state-index order (streamed: one block); ``j`` may
        be an array."""
        head: int | np.ndarray = self.enumeration.nth_head(self.threshold, j)
        return head

    def nth_other(self, j: int | np.ndarray) -> int | np.ndarray:
        """The ``j``-th non-head (excluded, or not below the threshold) in state-index order."""
        other: int | np.ndarray = self.enumeration.nth_other(self.threshold, j)
        return other

    def lowest_heads(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` lowest heads as (state indices, energies), by (energy, index), streamed."""
        return self.enumeration.lowest(k, below=self.threshold)

    def is_head(self, samples: np.ndarray, energies: np.ndarray | None = None) -> np.ndarray:
        """Which sample rows (columns in ``bqm.variables`` order) are heads; ``energies``, when
        given, must be ``bqm.energies`` of those rows (saves computing them again).

        Raises:
            InputError: the rows do not have one column per variable.
        """
        samples = np.atleast_2d(samples)
        if samples.shape[1] != self.num_variables:
            raise InputError(
                f"samples have {samples.shape[1]} columns, the model has "
                f"{self.num_variables} variables"
            )
        E = self.bqm.energies((samples, self.variables)) if energies is None else energies
        ok = E < self.threshold
        if self.exclude:
            cols = [self.variables.index(v) for v in self.exclude]
            vals = np.array(list(self.exclude.values()))
            ok &= ~np.all(samples[:, cols] == vals[None, :], axis=1)
        return ok

    def states(self, samples: np.ndarray) -> np.ndarray:
        return samples_to_states(samples, self.bqm.vartype)
