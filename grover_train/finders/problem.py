"""A head-search problem: a landscape, a threshold and an excluded (correct) configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import dimod
import numpy as np

from grover_train.enumeration import Enumeration
from grover_train.errors import InputError
from grover_train.model.landscape import (
    check_exclude,
    exclusion_mask,
    samples_to_states,
)


@dataclass(frozen=True)
class SearchProblem:
    """What every finder and backend searches: states with E(s) < threshold that do not match
    ``exclude`` (a partial assignment, in the model's vartype, of the correct label's outputs).

    >>> bqm = dimod.BQM({0: 1.0, 1: -1.0}, {(0, 1): 0.5}, 0.0, 'SPIN')
    >>> p = SearchProblem(bqm, threshold=0.0)
    >>> p.marked.astype(int).tolist()   # energies: 0.5, 1.5, -2.5, 0.5
    [0, 0, 1, 0]
    """

    bqm: dimod.BinaryQuadraticModel
    threshold: float
    exclude: Mapping | None = None
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        t = self.threshold
        if t is None or not np.isfinite(float(t)):
            raise InputError(f"threshold must be a finite number, got {t!r}")
        object.__setattr__(self, "threshold", float(t))
        object.__setattr__(self, "exclude", check_exclude(self.bqm, self.exclude))

    @property
    def num_variables(self) -> int:
        return self.bqm.num_variables

    @property
    def variables(self) -> list:
        return list(self.bqm.variables)

    @property
    def enumeration(self) -> Enumeration:
        """The streamed enumeration of this landscape and exclusion, shared by every threshold
        of the same landscape (:func:`~grover_train.finders.coherent.schedules.with_threshold`
        shares the cache), so per-block minima and head counts are computed once."""
        key = ("enumeration",)
        if key not in self._cache:
            self._cache[key] = Enumeration(self.bqm, self.exclude)
        return self._cache[key]

    @cached_property
    def energies(self) -> np.ndarray:
        """Energies of all 2^n states (little-endian, see :mod:`grover_train.model.landscape`).
        Refused before allocation when the table does not fit in memory."""
        return self.enumeration.energies()

    @cached_property
    def excluded(self) -> np.ndarray:
        """Boolean vector of states matching the excluded assignment (all False if none)."""
        m = exclusion_mask(self.bqm, self.exclude)
        return np.zeros(2**self.num_variables, dtype=bool) if m is None else m

    @cached_property
    def marked(self) -> np.ndarray:
        """Boolean vector over all 2^n states: True for heads (exact against ``bqm.energies``
        for states within the rounding band of the threshold)."""
        return self.enumeration.heads_of(self.energies, self.threshold) & ~self.excluded

    # streamed queries: memory O(block), no 2^n table
    def num_heads(self) -> int:
        """How many heads there are (streamed, exact; cached per threshold).

        >>> SearchProblem(dimod.BQM({0: 1.0, 1: -1.0}, {(0, 1): 0.5}, 0.0, 'SPIN'), 0.0).num_heads()
        1
        """
        return self.enumeration.count_below(self.threshold)

    def nth_head(self, j):
        """The ``j``-th head (0-based) in state-index order (streamed: one block); ``j`` may
        be an array."""
        return self.enumeration.nth_head(self.threshold, j)

    def nth_other(self, j):
        """The ``j``-th non-head (excluded, or not below the threshold) in state-index order."""
        return self.enumeration.nth_other(self.threshold, j)

    def lowest_heads(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` lowest heads as (state indices, energies), by (energy, index), streamed."""
        return self.enumeration.lowest(k, below=self.threshold)

    def is_head(self, samples: np.ndarray) -> np.ndarray:
        """Which sample rows (columns in ``bqm.variables`` order) are heads."""
        samples = np.atleast_2d(samples)
        if samples.shape[1] != self.num_variables:
            raise InputError(
                f"samples have {samples.shape[1]} columns, the model has "
                f"{self.num_variables} variables"
            )
        E = self.bqm.energies((samples, self.variables))
        ok = E < self.threshold
        if self.exclude:
            cols = [self.variables.index(v) for v in self.exclude]
            vals = np.array(list(self.exclude.values()))
            ok &= ~np.all(samples[:, cols] == vals[None, :], axis=1)
        return ok

    def states(self, samples: np.ndarray) -> np.ndarray:
        return samples_to_states(samples, self.bqm.vartype)
