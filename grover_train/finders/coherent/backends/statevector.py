"""``statevector``: a numpy statevector that applies every iterate gate by gate.

It never uses the two-level formula of :mod:`.exact`; it validates it. A is applied as gates
(Hadamards, or |+>^n followed by the DQA layers: a diagonal problem phase and RX on every qubit),
and each iterate G(alpha, beta) as: the oracle phase on marked states, A^dagger gate by gate (in
reverse, with negated angles), the phase e^{i beta} on |0...0>, A gate by gate, and a global -1.
"""

from __future__ import annotations

import numpy as np

from grover_train.finders.coherent.backends.base import Backend, Iterates, as_phases
from grover_train.finders.coherent.prep import (
    Preparation,
    apply_h,
    apply_rx,
    problem_phase_diagonal,
)
from grover_train.finders.problem import SearchProblem
from grover_train.model.landscape import MAX_ENUMERATION_VARIABLES


def apply_prep(
    psi: np.ndarray, problem: SearchProblem, prep: Preparation, inverse: bool = False
) -> None:
    """Apply A (or A^dagger when ``inverse``) to ``psi`` in place, gate by gate."""
    n = problem.num_variables
    if prep.kind == "uniform":
        for q in range(n):
            apply_h(psi, q)
        return
    gammas, betas = prep.angles(problem)
    diag = problem_phase_diagonal(problem)
    if not inverse:
        for q in range(n):
            apply_h(psi, q)
        for gamma, beta in zip(gammas, betas, strict=True):
            psi *= np.exp(-1j * gamma * diag)
            for q in range(n):
                apply_rx(psi, q, -2.0 * beta)
    else:
        for gamma, beta in zip(gammas[::-1], betas[::-1], strict=True):
            for q in range(n):
                apply_rx(psi, q, 2.0 * beta)
            psi *= np.exp(1j * gamma * diag)
        for q in range(n):
            apply_h(psi, q)


class StatevectorBackend(Backend):
    """Gate-by-gate numpy simulation of psi = G_r ... G_1 A|0>.

    >>> import dimod
    >>> from grover_train.finders.problem import SearchProblem
    >>> bqm = dimod.BQM({0: 1.0, 1: 1.0}, {}, 0.0, 'SPIN')
    >>> p = SearchProblem(bqm, threshold=-1.0)
    >>> StatevectorBackend().probabilities(p, Preparation('uniform'), 1).round(12).tolist()
    [1.0, 0.0, 0.0, 0.0]
    """

    name = "statevector"
    exact_probabilities = True
    max_qubits = MAX_ENUMERATION_VARIABLES

    def statevector(
        self, problem: SearchProblem, prep: Preparation, iterates: Iterates
    ) -> np.ndarray:
        """The final complex state psi (length 2^n)."""
        self.check_size(problem)
        phases = as_phases(iterates)
        n = problem.num_variables
        psi = np.zeros(2**n, dtype=complex)
        psi[0] = 1.0
        apply_prep(psi, problem, prep)
        marked = problem.marked
        for alpha, beta in phases:
            psi[marked] *= np.exp(1j * alpha)
            apply_prep(psi, problem, prep, inverse=True)
            psi[0] *= np.exp(1j * beta)
            apply_prep(psi, problem, prep)
            psi *= -1.0
        return psi

    def probabilities(
        self, problem: SearchProblem, prep: Preparation, iterates: Iterates
    ) -> np.ndarray:
        return np.abs(self.statevector(problem, prep, iterates)) ** 2

    def resources(self, problem: SearchProblem, prep: Preparation, iterates: Iterates) -> dict:
        return {"num_qubits": problem.num_variables}
