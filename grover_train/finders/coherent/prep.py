"""State preparations A for the coherent search (docs/design.md section 4).

``uniform`` is the Hadamard wall of textbook Grover. ``dqa`` (digitized quantum annealing) starts
from |+>^n and applies p steps of a linear ramp, step k = 1..p with s_k = (k - 1/2)/p:

    U_P(gamma_k) = exp(-i gamma_k H_P),   gamma_k = dt * s_k / scale
    U_D(beta_k)  = exp(+i beta_k sum_i X_i),   beta_k = dt * (1 - s_k)

where H_P is the BQM's spin energy without its offset (-sum h_i Z_i + sum J_ij Z_i Z_j, because
s_i = -Z_i) and ``scale`` is the largest |bias| of the SPIN form. In Qiskit gates a step is
RZ(-2 gamma h_i) per linear term, RZZ(2 gamma J_ij) per quadratic term, then RX(-2 beta) on every
qubit. Amplitude amplification then acts on the annealer's own success probability.

State index z: bit i is the BINARY value of ``list(bqm.variables)[i]`` (Qiskit qubit i).
"""

from __future__ import annotations

from dataclasses import dataclass

import dimod
import numpy as np

from grover_train.errors import InputError, UnknownNameError
from grover_train.finders.search_problem import SearchProblem

#: the preparation names
PREPARATIONS = ("uniform", "dqa")


@dataclass(frozen=True)
class Preparation:
    """A state preparation A (``kind`` "uniform" or "dqa"; ``steps`` and ``dt`` for dqa).

    >>> bqm = dimod.BQM({0: -1.0}, {}, 0.0, 'SPIN')
    >>> p = SearchProblem(bqm, threshold=0.0)
    >>> Preparation('uniform').probabilities(p).tolist()
    [0.5, 0.5]
    >>> q = Preparation('dqa', steps=4, dt=0.8).probabilities(p)
    >>> bool(q[1] > 0.5), round(float(q.sum()), 12)   # the ramp favours the ground state s = +1
    (True, 1.0)
    """

    kind: str = "uniform"
    steps: int = 8
    dt: float = 0.8

    def __post_init__(self) -> None:
        if self.kind not in PREPARATIONS:
            raise UnknownNameError(
                f"unknown preparation {self.kind!r}: choose one of {', '.join(PREPARATIONS)}"
            )
        if isinstance(self.steps, bool) or not isinstance(self.steps, int | np.integer):
            raise InputError(f"steps must be a positive integer, got {self.steps!r}")
        if self.steps < 1:
            raise InputError(f"steps must be >= 1, got {self.steps}: pass e.g. --steps 8")
        dt = float(self.dt)
        if not (np.isfinite(dt) and dt > 0):
            raise InputError(
                f"dt must be a positive finite number, got {self.dt!r}: pass e.g. --dt 0.8"
            )
        object.__setattr__(self, "steps", int(self.steps))
        object.__setattr__(self, "dt", dt)

    # ------------------------------------------------------------------ parameters
    def energy_scale(self, problem: SearchProblem) -> float:
        """Largest |bias| of the SPIN form (linear and quadratic), 1.0 when all are zero.

        >>> bqm = dimod.BQM({0: 0.5, 1: -2.0}, {(0, 1): 1.5}, 3.0, 'SPIN')
        >>> Preparation('dqa').energy_scale(SearchProblem(bqm, 0.0))
        2.0
        """
        return spin_scale(problem.bqm)

    def angles(self, problem: SearchProblem) -> tuple[np.ndarray, np.ndarray]:
        """(gammas, betas) of the DQA ramp, each of length ``steps``.

        >>> bqm = dimod.BQM({0: -2.0}, {}, 0.0, 'SPIN')
        >>> g, b = Preparation('dqa', steps=2, dt=1.0).angles(SearchProblem(bqm, 0.0))
        >>> g.tolist(), b.tolist()
        ([0.125, 0.375], [0.75, 0.25])
        """
        if self.kind != "dqa":
            raise InputError(f"preparation {self.kind!r} has no angles (only 'dqa' has)")
        p = self.steps
        s = (np.arange(1, p + 1) - 0.5) / p
        return self.dt * s / self.energy_scale(problem), self.dt * (1.0 - s)

    # ------------------------------------------------------------------ states
    def statevector(self, problem: SearchProblem) -> np.ndarray:
        """A|0...0> as a complex vector of length 2^n (numpy reference, cached per problem).

        >>> bqm = dimod.BQM({0: 1.0, 1: 0.0}, {}, 0.0, 'SPIN')
        >>> v = Preparation('uniform').statevector(SearchProblem(bqm, 0.0))
        >>> v.round(3).tolist()
        [(0.5+0j), (0.5+0j), (0.5+0j), (0.5+0j)]
        """

        def build() -> np.ndarray:
            n = problem.num_variables
            psi = np.full(2**n, 2.0 ** (-n / 2), dtype=complex)
            if self.kind == "dqa":
                diag = problem_phase_diagonal(problem)
                for gamma, beta in zip(*self.angles(problem), strict=True):
                    psi *= np.exp(-1j * gamma * diag)
                    for q in range(n):
                        apply_rx(psi, q, -2.0 * beta)
            psi.setflags(write=False)
            return psi

        return problem.cached(("prep-statevector", self), build)

    def probabilities(self, problem: SearchProblem) -> np.ndarray:
        """|A|0>|^2 over the 2^n states (cached per problem; exact 2^-n for uniform)."""

        def build() -> np.ndarray:
            if self.kind == "uniform":
                n = problem.num_variables
                probs = np.full(2**n, 2.0**-n)
            else:
                probs = np.abs(self.statevector(problem)) ** 2
                probs /= probs.sum()  # remove rounding drift so it sums to 1
            probs.setflags(write=False)
            return probs

        return problem.cached(("prep-probabilities", self), build)

    def p_marked(self, problem: SearchProblem) -> float:
        """Probability that measuring A|0> gives a head (p_A of docs/design.md section 7)."""
        return problem.cached(
            ("prep-p-marked", self, problem.threshold),
            lambda: float(self.probabilities(problem)[problem.marked].sum()),
        )

    def label(self) -> str:
        """Short description, e.g. ``dqa(steps=8, dt=0.8)``."""
        return self.kind if self.kind == "uniform" else f"dqa(steps={self.steps}, dt={self.dt})"


def spin_scale(bqm: dimod.BinaryQuadraticModel) -> float:
    """Largest |bias| of the SPIN form of ``bqm``; 1.0 when every bias is zero."""
    spin = bqm.spin if bqm.vartype is dimod.BINARY else bqm
    biases = [abs(float(b)) for b in spin.linear.values()]
    biases += [abs(float(b)) for b in spin.quadratic.values()]
    m = max(biases, default=0.0)
    return m if m > 0 else 1.0


def problem_phase_diagonal(problem: SearchProblem) -> np.ndarray:
    """Diagonal of H_P = E(z) - offset (SPIN offset), cached per problem."""

    def build() -> np.ndarray:
        bqm = problem.bqm
        spin = bqm.spin if bqm.vartype is dimod.BINARY else bqm
        d = problem.energies - float(spin.offset)
        d.setflags(write=False)
        return d

    return problem.cached(("prep-phase-diagonal",), build)


def apply_rx(psi: np.ndarray, qubit: int, theta: float) -> None:
    """Apply RX(theta) = exp(-i theta X / 2) on ``qubit`` of ``psi`` in place (little-endian)."""
    a = psi.reshape(-1, 2, 2**qubit)
    c, s = np.cos(theta / 2), -1j * np.sin(theta / 2)
    a0 = a[:, 0, :].copy()
    a[:, 0, :] *= c
    a[:, 0, :] += s * a[:, 1, :]
    a[:, 1, :] *= c
    a[:, 1, :] += s * a0
