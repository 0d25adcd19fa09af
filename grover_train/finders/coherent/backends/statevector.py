"""``statevector``: a numpy statevector that applies every iterate gate by gate.

It never uses the two-level formula of :mod:`.exact`; it validates it. A is applied as gates
(Hadamards, or |+>^n followed by the DQA layers: a diagonal problem phase and RX on every qubit),
and each iterate G(alpha, beta) as: the oracle phase on marked states, A^dagger gate by gate (in
reverse, with negated angles), the phase e^{i beta} on |0...0>, A gate by gate, and a global -1.
"""

from __future__ import annotations

import numpy as np

from grover_train.enumeration import MAX_ENUMERATION_VARIABLES
from grover_train.finders.coherent.backends.base import Backend, Rng, no_circuit_resources
from grover_train.finders.coherent.iterates import Iterates, as_phases
from grover_train.finders.coherent.prep import Preparation, problem_phase_diagonal
from grover_train.finders.search_problem import SearchProblem

#: qubits per Kronecker block in :func:`apply_layer`: a 16 x 16 matrix product replaces four
#: single-qubit passes over psi (about 6x faster at n = 20, see benchmarks/dqa_prep.py)
LAYER_BLOCK = 4
_H = np.array([[1.0, 1.0], [1.0, -1.0]], dtype=complex) / np.sqrt(2.0)


def rx_matrix(theta: float) -> np.ndarray:
    """RX(theta) = exp(-i theta X / 2) as a 2 x 2 matrix."""
    c, s = np.cos(theta / 2), -1j * np.sin(theta / 2)
    return np.array([[c, s], [s, c]], dtype=complex)


def apply_layer(psi: np.ndarray, gate: np.ndarray) -> None:
    """Apply the same 2 x 2 ``gate`` to every qubit of ``psi`` in place (little-endian).

    The same product of single-qubit gates, applied :data:`LAYER_BLOCK` qubits at a time as the
    Kronecker power of ``gate`` (a few passes over psi instead of one per qubit).

    >>> psi = np.zeros(8, dtype=complex); psi[0] = 1.0
    >>> apply_layer(psi, _H); np.allclose(psi, 8 ** -0.5)
    True
    """
    n = psi.size.bit_length() - 1
    if not np.iscomplexobj(gate) or not np.any(np.imag(gate)):
        # a real gate (H): act on the float view, re/im interleaved in the last axis; a real
        # matrix product costs a quarter of a complex one
        g = np.real(gate)
        out = psi.view(np.float64)
        for q0 in range(0, n, LAYER_BLOCK):
            k = min(LAYER_BLOCK, n - q0)
            M = g
            for _ in range(k - 1):
                M = np.kron(M, g)
            if q0 == 0:
                # lowest qubits: rows of (block, re/im) are contiguous, so one GEMM with
                # M (x) I_2 beats a batch of 16 x 2 products
                out = (out.reshape(-1, 2 ** (k + 1)) @ np.kron(M, np.eye(2)).T).reshape(-1)
            else:
                out = np.matmul(M, out.reshape(-1, 2**k, 2 ** (q0 + 1))).reshape(-1)
        psi[:] = out.view(np.complex128)
        return
    out = psi
    q0 = 0
    while q0 < n:
        k = min(LAYER_BLOCK, n - q0)
        M = gate
        for _ in range(k - 1):
            M = np.kron(M, gate)
        if q0 == 0:  # block = the lowest qubits: rows of length 2^k
            out = (out.reshape(-1, 2**k) @ M.T).reshape(-1)
        else:  # index = hi * 2^(q0 + k) + mid * 2^q0 + lo; M acts on mid
            out = np.matmul(M, out.reshape(-1, 2**k, 2**q0)).reshape(-1)
        q0 += k
    psi[:] = out


def apply_prep(
    psi: np.ndarray, problem: SearchProblem, prep: Preparation, inverse: bool = False
) -> None:
    """Apply A (or A^dagger when ``inverse``) to ``psi`` in place, gate by gate."""
    if prep.kind == "uniform":
        apply_layer(psi, _H)
        return
    gammas, betas = prep.angles(problem)
    diag = problem_phase_diagonal(problem)
    if not inverse:
        apply_layer(psi, _H)
        for gamma, beta in zip(gammas, betas, strict=True):
            psi *= np.exp(-1j * gamma * diag)
            apply_layer(psi, rx_matrix(-2.0 * beta))
    else:
        for gamma, beta in zip(gammas[::-1], betas[::-1], strict=True):
            apply_layer(psi, rx_matrix(2.0 * beta))
            psi *= np.exp(1j * gamma * diag)
        apply_layer(psi, _H)


class StatevectorBackend(Backend):
    """Gate-by-gate numpy simulation of psi = G_r ... G_1 A|0>.

    >>> import dimod
    >>> from grover_train.finders.search_problem import SearchProblem
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
        self, problem: SearchProblem, prep: Preparation, iterates: Iterates, rng: Rng = None
    ) -> np.ndarray:
        """|psi|^2 of :meth:`statevector` (``rng`` is not used)."""
        return np.abs(self.statevector(problem, prep, iterates)) ** 2

    def resources(self, problem: SearchProblem, prep: Preparation, iterates: Iterates) -> dict:
        """n qubits and no value register; no gate-level circuit (gates and depth None)."""
        return no_circuit_resources(problem)
