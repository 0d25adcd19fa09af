"""The interface every coherent-search backend implements (design section 5).

A backend runs psi = G_r ... G_1 A|0> for a preparation A (:class:`Preparation`) and a list of
generalised Grover iterates G(alpha, beta) = -A S_0(beta) A^dagger O(alpha), where O(alpha)
multiplies the marked states (heads of the :class:`SearchProblem`) by e^{i alpha} and S_0(beta)
multiplies |0...0> by e^{i beta}. Plain Grover is alpha = beta = pi.

``iterates`` is an int r (r plain iterates) or a sequence of (alpha, beta) pairs. Probabilities
are always a float array of length 2^n over the problem variables only (ancillas marginalised),
index bit i = BINARY value of ``list(bqm.variables)[i]`` (Qiskit qubit i).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from grover_train.errors import BudgetError, InputError, TooManyQubitsError
from grover_train.finders.coherent.prep import Preparation
from grover_train.finders.problem import SearchProblem

Iterates = int | Sequence[tuple[float, float]]


def as_phases(iterates: Iterates) -> list[tuple[float, float]]:
    """The iterates as a list of (alpha, beta) pairs.

    >>> as_phases(2) == [(math.pi, math.pi)] * 2
    True
    >>> as_phases([(1.0, 2.0)])
    [(1.0, 2.0)]
    """
    if isinstance(iterates, bool):
        raise BudgetError(
            f"iterates must be a non-negative integer or (alpha, beta) pairs, got {iterates!r}"
        )
    if isinstance(iterates, int | np.integer):
        if iterates < 0:
            raise BudgetError(f"the number of Grover iterations must be >= 0, got {iterates}")
        return [(math.pi, math.pi)] * int(iterates)
    out = []
    for pair in iterates:
        try:
            a, b = (float(x) for x in pair)
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"each iterate must be an (alpha, beta) pair of numbers, got {pair!r}"
            ) from exc
        if not (math.isfinite(a) and math.isfinite(b)):
            raise InputError(f"iterate phases must be finite, got {pair!r}")
        out.append((a, b))
    return out


def num_oracle_calls(iterates: Iterates) -> int:
    """How many oracle calls the iterates make (one per iterate).

    >>> num_oracle_calls(3), num_oracle_calls([(1.0, 1.0)] * 5)
    (3, 5)
    """
    return len(as_phases(iterates))


class Backend:
    """Base class of the coherent-search backends.

    Subclasses implement :meth:`probabilities` (and may override :meth:`sample`, e.g. to run
    shots on a device, and :meth:`resources`).
    """

    name: str = "backend"
    #: True when :meth:`probabilities` is exact (simulators); False when estimated from shots
    exact_probabilities: bool = True
    #: the largest number of problem variables handled (None: no limit)
    max_qubits: int | None = None

    def probabilities(
        self, problem: SearchProblem, prep: Preparation, iterates: Iterates
    ) -> np.ndarray:
        """P(z) over the 2^n problem states after the iterates."""
        raise NotImplementedError

    def sample(
        self,
        problem: SearchProblem,
        prep: Preparation,
        iterates: Iterates,
        shots: int,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Measure ``shots`` times; return the state indices, shape (shots,)."""
        if isinstance(shots, bool) or not isinstance(shots, int | np.integer) or shots < 1:
            raise BudgetError(f"shots must be a positive integer, got {shots!r}")
        p = np.asarray(self.probabilities(problem, prep, iterates), dtype=float)
        p = np.clip(p, 0.0, None)
        cdf = np.cumsum(p)
        u = rng.random(int(shots)) * cdf[-1]
        # searchsorted on the cumulative sum: O(2^n) once, no copy per shot (rng.choice copies)
        return np.minimum(np.searchsorted(cdf, u, side="right"), p.size - 1).astype(np.int64)

    def resources(self, problem: SearchProblem, prep: Preparation, iterates: Iterates) -> dict:
        """num_qubits, two_qubit_gates, depth, circuits, shots where meaningful."""
        return {"num_qubits": problem.num_variables}

    def check_size(self, problem: SearchProblem) -> None:
        """Raise :class:`TooManyQubitsError` when the problem is too large for this backend."""
        n = problem.num_variables
        if self.max_qubits is not None and n > self.max_qubits:
            raise TooManyQubitsError(
                f"backend {self.name!r} handles at most {self.max_qubits} qubits, the problem "
                f"needs {n}: use a smaller landscape (--max-qubits / a smaller window) or a "
                "sampling finder such as 'sa'"
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"
