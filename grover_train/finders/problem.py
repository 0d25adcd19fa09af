"""A head-search problem: a landscape, a threshold and an excluded (correct) configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import dimod
import numpy as np

from grover_train.errors import InputError
from grover_train.model.landscape import (
    check_exclude,
    energy_vector,
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

    @cached_property
    def energies(self) -> np.ndarray:
        """Energies of all 2^n states (little-endian, see :mod:`grover_train.model.landscape`)."""
        return energy_vector(self.bqm)

    @cached_property
    def excluded(self) -> np.ndarray:
        """Boolean vector of states matching the excluded assignment (all False if none)."""
        m = exclusion_mask(self.bqm, self.exclude)
        return np.zeros(2**self.num_variables, dtype=bool) if m is None else m

    @cached_property
    def marked(self) -> np.ndarray:
        """Boolean vector over all 2^n states: True for heads."""
        return (self.energies < self.threshold) & ~self.excluded

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

    def state_is_head(self, z: np.ndarray) -> np.ndarray:
        """Which state indices are heads (uses the cached full enumeration)."""
        return self.marked[np.asarray(z, dtype=np.int64)]

    def states(self, samples: np.ndarray) -> np.ndarray:
        return samples_to_states(samples, self.bqm.vartype)
