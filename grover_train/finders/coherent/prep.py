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

from dataclasses import dataclass, field

import dimod
import numba
import numpy as np

from grover_train.errors import InputError, UnknownNameError
from grover_train.finders.search_problem import SearchProblem

#: the preparation names
PREPARATIONS = ("uniform", "dqa", "anneal")


@dataclass(frozen=True)
class Preparation:
    """A state preparation A (``kind`` "uniform", "dqa" or "anneal"; ``steps`` and ``dt`` for
    dqa; ``sweeps``, Metropolis sweeps per read, for anneal, :mod:`.anneal_prep`).

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
    sweeps: int = field(default=10, repr=False)  # anneal only (the repr stays the dqa one)

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
        if isinstance(self.sweeps, bool) or not isinstance(self.sweeps, int | np.integer):
            raise InputError(f"sweeps must be a positive integer, got {self.sweeps!r}")
        if self.sweeps < 1:
            raise InputError(f"sweeps must be >= 1, got {self.sweeps}: pass e.g. sweeps=10")
        object.__setattr__(self, "sweeps", int(self.sweeps))
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

    def reads_per_round(self, oracle_calls: int) -> int:
        """Annealing reads a round with ``oracle_calls`` iterates spends on A and A^dagger:
        2r + 1 for ``anneal`` (A is an annealer, each application one read), 0 for the
        coherent preparations (their circuits are not queries, docs/design.md section 3).

        >>> Preparation('anneal').reads_per_round(3), Preparation('dqa').reads_per_round(3)
        (7, 0)
        """
        return 2 * int(oracle_calls) + 1 if self.kind == "anneal" else 0

    # ------------------------------------------------------------------ states
    def _no_vector(self) -> None:
        if self.kind == "anneal":
            raise InputError(
                "the anneal preparation has no 2^n statevector: it is simulated from annealing "
                "reads on the exact backend (use prep 'uniform' or 'dqa' for a vector)"
            )

    def statevector(self, problem: SearchProblem) -> np.ndarray:
        """A|0...0> as a complex vector of length 2^n (cached per problem); dqa runs the
        compiled ramp :func:`dqa_statevector` (equal to :meth:`statevector_reference` to 1e-9).

        >>> bqm = dimod.BQM({0: 1.0, 1: 0.0}, {}, 0.0, 'SPIN')
        >>> v = Preparation('uniform').statevector(SearchProblem(bqm, 0.0))
        >>> v.round(3).tolist()
        [(0.5+0j), (0.5+0j), (0.5+0j), (0.5+0j)]
        """

        self._no_vector()

        def build() -> np.ndarray:
            n = problem.num_variables
            if self.kind == "dqa":
                gammas, betas = self.angles(problem)
                psi = dqa_statevector(problem_phase_diagonal(problem), gammas, betas, n)
            else:
                psi = np.full(2**n, 2.0 ** (-n / 2), dtype=complex)
            psi.setflags(write=False)
            return psi

        return problem.cached(("prep-statevector", self), build)

    def statevector_reference(self, problem: SearchProblem) -> np.ndarray:
        """A|0...0> gate by gate in numpy (the reference of :meth:`statevector`; not cached).

        >>> import dimod
        >>> bqm = dimod.generators.ran_r(1, 6, seed=2)
        >>> p, A = SearchProblem(bqm, 0.0), Preparation('dqa', steps=3, dt=0.7)
        >>> bool(np.abs(A.statevector(p) - A.statevector_reference(p)).max() < 1e-12)
        True
        """
        self._no_vector()

        def build() -> np.ndarray:
            n = problem.num_variables
            psi = np.full(2**n, 2.0 ** (-n / 2), dtype=complex)
            if self.kind == "dqa":
                diag = problem_phase_diagonal(problem)
                for gamma, beta in zip(*self.angles(problem), strict=True):
                    psi *= np.exp(-1j * gamma * diag)
                    for q in range(n):
                        apply_rx(psi, q, -2.0 * beta)
            return psi

        return build()

    def probabilities(self, problem: SearchProblem) -> np.ndarray:
        """|A|0>|^2 over the 2^n states (cached per problem; exact 2^-n for uniform)."""

        self._no_vector()

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
        """Probability that measuring A|0> gives a head (p_A of docs/design.md section 7;
        anneal: the estimate from its pool of reads, :mod:`.anneal_prep`)."""
        if self.kind == "anneal":
            from grover_train.finders.coherent.anneal_prep import read_pool

            rng = np.random.default_rng(0)  # the pool's stream when no search drew it first
            return read_pool(problem, self.sweeps).split(problem.threshold, rng)[0]
        return problem.cached(
            ("prep-p-marked", self, problem.threshold),
            lambda: float(self.probabilities(problem)[problem.marked].sum()),
        )

    def label(self) -> str:
        """Short description, e.g. ``dqa(steps=8, dt=0.8)``, ``anneal(sweeps=10)``."""
        if self.kind == "anneal":
            return f"anneal(sweeps={self.sweeps})"
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


@numba.njit(cache=True, nogil=True)
def _dqa_ramp(diag, g0, dg, betas, n):  # pragma: no cover - compiled
    N = 1 << n
    re = np.full(N, 2.0 ** (-n / 2.0))
    im = np.zeros(N)
    # step k's phase exp(-i (g0 + k dg) diag) = exp(-i g0 diag) exp(-i dg diag)^k: two sincos
    # passes for the whole ramp instead of one per step (sincos dominated the ramp's time)
    pr = np.cos(g0 * diag)
    pi = -np.sin(g0 * diag)
    wr = np.cos(dg * diag)
    wi = -np.sin(dg * diag)
    for k in range(betas.size):
        if k > 0:
            for z in range(N):
                t = pr[z] * wr[z] - pi[z] * wi[z]
                pi[z] = pr[z] * wi[z] + pi[z] * wr[z]
                pr[z] = t
        for z in range(N):
            r0 = re[z]
            re[z] = pr[z] * r0 - pi[z] * im[z]
            im[z] = pr[z] * im[z] + pi[z] * r0
        # RX(-2 beta) on every qubit: [[c, i s], [i s, c]], c = cos(beta), s = sin(beta), in
        # real arithmetic (the inner loop runs over contiguous amplitudes: it vectorizes)
        c = np.cos(betas[k])
        s = np.sin(betas[k])
        # cache blocking: the low qubits act inside blocks of 2^low amplitudes (kept in cache
        # while all of them are applied), the high ones in one pass over the vector each
        low = min(n, _DQA_BLOCK_QUBITS)
        size = 1 << low
        for start in range(0, N, size):
            for q in range(low):
                _rx_pass(re, im, c, s, 1 << q, start, start + size)
        for q in range(low, n):
            _rx_pass(re, im, c, s, 1 << q, 0, N)
    return re, im


#: qubits applied inside one cache block of the DQA mixer (2^11 amplitudes: 32 KiB)
_DQA_BLOCK_QUBITS = 11


@numba.njit(cache=True, nogil=True, inline="always")
def _rx_pass(re, im, c, s, step, lo, hi):  # pragma: no cover - compiled
    for base in range(lo, hi, 2 * step):
        for j in range(base, base + step):
            a0r, a0i = re[j], im[j]
            a1r, a1i = re[j + step], im[j + step]
            re[j] = c * a0r - s * a1i
            im[j] = c * a0i + s * a1r
            re[j + step] = c * a1r - s * a0i
            im[j + step] = c * a1i + s * a0r


def dqa_statevector(diag: np.ndarray, gammas: np.ndarray, betas: np.ndarray, n: int) -> np.ndarray:
    """The DQA ramp from |+>^n, compiled: per step k the phase exp(-i gamma_k diag), then
    RX(-2 beta_k) on every qubit (O(p n 2^n) time, no copies). ``gammas`` must be an arithmetic
    progression (the linear ramp's are), so two sincos passes serve the whole ramp. ``diag``
    is the landscape's energy table, already computed for the exact backend, so a window's
    preparation costs the ramp only. Equal to the numpy gate-by-gate reference to 1e-9
    (tests/test_coherent_training.py).

    >>> v = dqa_statevector(np.array([1.0, -1.0]), np.array([0.5]), np.array([0.3]), 1)
    >>> round(float(np.sum(np.abs(v) ** 2)), 12)
    1.0
    """
    gammas = np.asarray(gammas, dtype=np.float64)
    dg = float(gammas[1] - gammas[0]) if gammas.size > 1 else 0.0
    if not np.allclose(gammas, gammas[0] + dg * np.arange(gammas.size), rtol=1e-13, atol=0):
        raise InputError("dqa_statevector takes gammas in arithmetic progression (a linear ramp)")
    re, im = _dqa_ramp(
        np.ascontiguousarray(diag, dtype=np.float64),
        float(gammas[0]),
        dg,
        np.ascontiguousarray(betas, dtype=np.float64),
        int(n),
    )
    return re + 1j * im


def apply_rx(psi: np.ndarray, qubit: int, theta: float) -> None:
    """Apply RX(theta) = exp(-i theta X / 2) on ``qubit`` of ``psi`` in place (little-endian)."""
    a = psi.reshape(-1, 2, 2**qubit)
    c, s = np.cos(theta / 2), -1j * np.sin(theta / 2)
    a0 = a[:, 0, :].copy()
    a[:, 0, :] *= c
    a[:, 0, :] += s * a[:, 1, :]
    a[:, 1, :] *= c
    a[:, 1, :] += s * a0
