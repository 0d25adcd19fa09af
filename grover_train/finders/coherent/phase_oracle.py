"""Phase oracles for the coherent search (docs/design.md section 6).

The **hardware oracle** marks the states with E(s) < tau that do not match the excluded label
with gates a QPU can run:

1. :func:`quantize` turns the BQM into integer BINARY coefficients (exactly for integer models),
   E_int(b) = offset + sum_i a_i b_i + sum_{i<j} q_ij b_i b_j;
2. :func:`value_loader` writes v = E_int(b) - t into an m-qubit value register in two's
   complement by phase encoding (one Z-parity rotation per coefficient and value qubit) and an
   inverse QFT; the integer threshold t enters only through one parametrised ``rz`` per value qubit,
   so a circuit is transpiled once and re-bound per round;
3. the sign qubit (the top bit of v) gets the phase e^{i phase}; a multi-controlled phase -phase on
   "sign AND y == e_k*" cancels it for the excluded label (no extra ancilla);
4. the value register is uncomputed.

:func:`value_register_size` computes m from bounds of E_int (:func:`register_bounds`: the exact
range by enumeration up to 20 variables, roof-duality and coefficient bounds above) so that v
never wraps for any threshold in the reachable range. The **diagonal oracle**
(:func:`diagonal_oracle`) is a ``DiagonalGate`` built from precomputed marks: for simulation only.

Qubit order: qubits ``0..n-1`` are the problem variables in ``bqm.variables`` order (bit = BINARY
value, Qiskit little-endian), qubits ``n..n+m-1`` the value register (qubit ``n+m-1`` is the
sign).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import dimod
import numpy as np
from dwave.preprocessing import roof_duality
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter, ParameterExpression
from qiskit.circuit.library import DiagonalGate
from qiskit.synthesis import synth_qft_full

from grover_train.enumeration import check_exclude, energy_vector
from grover_train.errors import InputError

#: relative float residue below which a coefficient or threshold counts as an integer
EXACT_TOLERANCE = 1e-9
#: default number of bits given to the largest coefficient of a non-integer model
DEFAULT_BITS = 6
#: models with at most this many variables get their exact energy range by one O(n 2^n)
#: enumeration (0.1 s at n = 20); larger ones the tightest coefficient bound
EXACT_RANGE_MAX = 20

Angle = float | ParameterExpression


@dataclass(frozen=True)
class Quantization:
    """Integer BINARY coefficients of a BQM, as the hardware oracle loads them.

    ``E_int(b) = offset + sum_i linear[i] b_i + sum_(i, j, q) q b_i b_j`` approximates
    ``scale * E(b)`` (exactly when :attr:`exact`). ``rounding_error_bound`` bounds
    ``|scale * (E(b) - source_offset) - (E_int(b) - offset)|`` over all states, from the
    coefficient roundings; the offset itself is handled exactly by :meth:`threshold_to_int`.
    ``lower``/``upper`` are integer bounds of E_int computed from the coefficients (see
    :func:`register_bounds`; ``bounds_method`` says how).

    >>> q = quantize(dimod.BQM({0: 1.0, 1: -2.0}, {(0, 1): 3.0}, 0.5, 'BINARY'))
    >>> q.linear, q.quadratic, q.offset, q.scale, q.exact, (q.lower, q.upper)
    ((1, -2), ((0, 1, 3),), 0, 1.0, True, (-2, 2))
    """

    variables: tuple
    linear: tuple[int, ...]
    quadratic: tuple[tuple[int, int, int], ...]
    offset: int
    scale: float
    source_offset: float
    rounding_error_bound: float
    lower: int
    upper: int
    bounds_method: str = "coefficients"
    #: bits given to the largest coefficient when the scale came from ``bits`` (else None)
    bits: int | None = None

    @property
    def num_variables(self) -> int:
        return len(self.linear)

    @property
    def exact(self) -> bool:
        """True when E_int - offset equals scale * (E - source_offset) for every state (up to
        floating-point residue of the input coefficients, at most 1e-9)."""
        return self.rounding_error_bound <= EXACT_TOLERANCE

    def energies(self) -> np.ndarray:
        """E_int of all 2^n states (little-endian index, as :func:`energy_vector`)."""
        n = self.num_variables
        z = np.arange(2**n, dtype=np.int64)
        bits = (z[:, None] >> np.arange(n)[None, :]) & 1
        E = np.full(2**n, self.offset, dtype=np.int64) + bits @ np.asarray(self.linear, np.int64)
        for i, j, q in self.quadratic:
            E += q * bits[:, i] * bits[:, j]
        return E

    def threshold_to_int(self, threshold: float) -> int:
        """The integer t with "E_int < t" equivalent to "E < threshold" (exact models), clamped
        to the reachable range [lower, upper + 1] (below: nothing marked, above: everything).

        >>> q = quantize(dimod.BQM({0: 1.0, 1: -2.0}, {(0, 1): 3.0}, 0.5, 'BINARY'))
        >>> q.threshold_to_int(0.5), q.threshold_to_int(0.6), q.threshold_to_int(1e9)
        (0, 1, 3)
        """
        t = float(threshold)
        if not math.isfinite(t):
            raise InputError(f"threshold must be a finite number, got {threshold!r}")
        x = self.scale * (t - self.source_offset)
        k = round(x)
        # a threshold at an energy level (up to float residue) marks only the levels below it
        t_int = self.offset + (
            k if abs(x - k) <= EXACT_TOLERANCE * max(1.0, abs(x)) else math.ceil(x)
        )
        return int(min(max(t_int, self.lower), self.upper + 1))


def _binary_coefficients(bqm: dimod.BinaryQuadraticModel):
    """Linear vector, {(i, j): q} with i < j, offset of the BINARY form in bqm.variables order."""
    b = bqm if bqm.vartype is dimod.BINARY else bqm.binary
    order = list(bqm.variables)
    index = {v: i for i, v in enumerate(order)}
    linear = np.array([b.get_linear(v) for v in order], dtype=float)
    quad: dict[tuple[int, int], float] = {}
    for (u, v), bias in b.quadratic.items():
        i, j = sorted((index[u], index[v]))
        quad[(i, j)] = quad.get((i, j), 0.0) + float(bias)
    return linear, quad, float(b.offset)


def _is_integer(values: np.ndarray) -> bool:
    """All integers up to float residue (0.1 + 0.2 style), which the rounding bound records."""
    scale = np.maximum(1.0, np.abs(values))
    return bool(np.all(np.abs(values - np.round(values)) <= EXACT_TOLERANCE * scale))


def _exact_ints(values: np.ndarray) -> bool:
    """Every value rounds to an integer that float64 and int64 hold exactly (|x| <= 2^53)."""
    return bool(np.all(np.abs(values) <= 2.0**53))


def quantize(
    bqm: dimod.BinaryQuadraticModel, *, scale: float | None = None, bits: int | None = None
) -> Quantization:
    """Integer BINARY coefficients of ``bqm`` (see :class:`Quantization`).

    The scale: ``scale`` if given; otherwise 1 when all non-offset BINARY coefficients are
    integers (exact); otherwise the smallest integer d <= 16 making them all integers (exact);
    otherwise 2^bits / max |coefficient| (``bits`` defaults to 6), rounded to nearest.

    >>> quantize(dimod.BQM({0: 0.5, 1: -0.75}, {}, 0.0, 'BINARY')).linear   # scale 4, exact
    (2, -3)
    >>> q = quantize(dimod.BQM({0: 0.31, 1: -0.7}, {}, 0.0, 'BINARY'), bits=4)
    >>> q.linear, round(q.scale, 3), round(q.rounding_error_bound, 3)
    ((7, -16), 22.857, 0.086)
    """
    if bqm.num_variables == 0:
        raise InputError("the model has no variables: nothing to search")
    linear, quad, offset = _binary_coefficients(bqm)
    coefs = np.concatenate([linear, np.fromiter(quad.values(), float, len(quad))])
    if not np.all(np.isfinite(coefs)) or not math.isfinite(offset):
        raise InputError("the model has a NaN or infinite bias: fix the model")
    used_bits = None
    if scale is not None:
        scale = float(scale)
        if not (math.isfinite(scale) and scale > 0):
            raise InputError(f"scale must be a positive number, got {scale!r}")
    elif _is_integer(coefs) and _exact_ints(coefs):
        scale = 1.0
    else:
        scale = next(
            (float(d) for d in range(2, 17) if _is_integer(d * coefs) and _exact_ints(d * coefs)),
            None,
        )
        if scale is None:
            bits = DEFAULT_BITS if bits is None else int(bits)
            if bits < 1:
                raise InputError(f"bits must be a positive integer, got {bits}")
            scale = 2.0**bits / float(np.max(np.abs(coefs)))
            used_bits = bits
    if not _exact_ints(scale * np.append(coefs, offset)):
        raise InputError(
            f"scale {scale:g} makes integer coefficients beyond 2^53, which float64 and int64 "
            "do not hold exactly: pass a smaller scale or fewer bits"
        )
    lin_int = np.round(scale * linear).astype(np.int64)
    quad_int = {k: int(round(scale * q)) for k, q in quad.items()}
    err = float(np.sum(np.abs(scale * linear - lin_int)))
    err += sum(abs(scale * q - quad_int[k]) for k, q in quad.items())
    quadratic = tuple((i, j, q) for (i, j), q in sorted(quad_int.items()) if q != 0)
    off_int = int(round(scale * offset))
    lower, upper, method = register_bounds(tuple(int(a) for a in lin_int), quadratic, off_int)
    return Quantization(
        variables=tuple(bqm.variables),
        linear=tuple(int(a) for a in lin_int),
        quadratic=quadratic,
        offset=off_int,
        scale=scale,
        source_offset=offset,
        rounding_error_bound=err,
        lower=lower,
        upper=upper,
        bounds_method=method,
        bits=used_bits,
    )


def energy_bounds(
    linear: tuple[int, ...], quadratic: tuple[tuple[int, int, int], ...], offset: int = 0
) -> tuple[int, int]:
    """Integer lower and upper bounds of an integer BINARY polynomial from its coefficients.

    Takes the tightest of three valid bounds: the SPIN-form bound
    ``offset_s -+ (sum |h| + sum |J|)`` and the BINARY "row" bound
    ``offset + sum_i min(0, a_i + sum_{j>i} min(0, q_ij))`` (and max) in both variable orders.

    >>> energy_bounds((1, -2), ((0, 1, 3),))   # true range: E in {0, 1, -2, 2}
    (-2, 2)
    """
    n = len(linear)
    rows_lo = [[0] * n, [0] * n]
    rows_hi = [[0] * n, [0] * n]
    h = [Fraction(a, 2) for a in linear]
    off_s = Fraction(offset) + sum(Fraction(a, 2) for a in linear)
    absJ = Fraction(0)
    for i, j, q in quadratic:
        # b_i b_j = (1 + s_i + s_j + s_i s_j) / 4
        h[i] += Fraction(q, 4)
        h[j] += Fraction(q, 4)
        off_s += Fraction(q, 4)
        absJ += abs(Fraction(q, 4))
        rows_lo[0][i] += min(0, q)  # forward order: term charged to the smaller index
        rows_hi[0][i] += max(0, q)
        rows_lo[1][j] += min(0, q)  # reverse order: charged to the larger index
        rows_hi[1][j] += max(0, q)
    spread = sum(abs(x) for x in h) + absJ
    lo = math.ceil(off_s - spread)
    hi = math.floor(off_s + spread)
    for r in range(2):
        lo = max(lo, offset + sum(min(0, linear[i] + rows_lo[r][i]) for i in range(n)))
        hi = min(hi, offset + sum(max(0, linear[i] + rows_hi[r][i]) for i in range(n)))
    return int(lo), int(hi)


def register_bounds(
    linear: tuple[int, ...],
    quadratic: tuple[tuple[int, int, int], ...],
    offset: int = 0,
    exact_max: int = EXACT_RANGE_MAX,
) -> tuple[int, int, str]:
    """Integer bounds of E_int for sizing the value register, and how they were found.

    Up to ``exact_max`` (:data:`EXACT_RANGE_MAX`) variables: the exact minimum and maximum, by
    enumerating the integer model (``"exact"``). Above: the tightest of :func:`energy_bounds`
    and roof duality (dwave-preprocessing; its bound of -E gives the upper bound),
    ``"roof-duality"``. Every bound is valid, so v = E_int - t never wraps; tighter bounds only
    save value qubits.

    >>> register_bounds((1, -2), ((0, 1, 3),))
    (-2, 2, 'exact')
    """
    bqm = dimod.BQM(
        dict(enumerate(map(float, linear))),
        {(i, j): float(q) for i, j, q in quadratic},
        float(offset),
        "BINARY",
    )
    if len(linear) <= exact_max:
        E = energy_vector(bqm)
        return int(round(E.min())), int(round(E.max())), "exact"
    lo, hi = energy_bounds(linear, quadratic, offset)
    # roof duality's float bound of an integer model: round inward only past float residue
    lo = max(lo, math.ceil(roof_duality(bqm)[0] - 1e-6))
    hi = min(hi, math.floor(-roof_duality(-bqm)[0] + 1e-6))
    return int(lo), int(hi), "roof-duality"


def value_register_size(quant: Quantization) -> int:
    """Number m of value qubits so that v = E_int - t never wraps in two's complement.

    For every threshold t in the reachable range [lower, upper + 1], v lies in
    [lower - upper - 1, upper - lower]; both ends fit in m bits iff
    2^(m-1) >= upper - lower + 1, so m = 1 + ceil(log2(upper - lower + 1)).

    >>> value_register_size(quantize(dimod.BQM({0: 1.0, 1: -2.0}, {(0, 1): 3.0}, 0, 'BINARY')))
    4
    """
    width = quant.upper - quant.lower + 1
    return 1 + max(0, math.ceil(math.log2(width)) if width > 1 else 0)


# --------------------------------------------------------------------------- circuits
def _parity_terms(quant: Quantization) -> tuple[Fraction, dict[frozenset, Fraction]]:
    """Z-expansion of E_int - offset: constant and {parity set: coefficient} (b = (1 - Z)/2)."""
    const = Fraction(0)
    terms: dict[frozenset, Fraction] = {}
    for i, a in enumerate(quant.linear):
        if a:
            const += Fraction(a, 2)
            terms[frozenset((i,))] = terms.get(frozenset((i,)), 0) - Fraction(a, 2)
    for i, j, q in quant.quadratic:
        const += Fraction(q, 4)
        for s in (frozenset((i,)), frozenset((j,))):
            terms[s] = terms.get(s, 0) - Fraction(q, 4)
        terms[frozenset((i, j))] = terms.get(frozenset((i, j)), 0) + Fraction(q, 4)
    return const, {s: c for s, c in terms.items() if c != 0}


@lru_cache(maxsize=256)
def _parity_walk(targets: frozenset) -> tuple[tuple[int, frozenset | None], ...]:
    """Order in which one value qubit visits the parity sets: a greedy Gray-code walk.

    Returns steps (control, reached set or None): CX from ``control`` onto the value qubit, then,
    when ``reached`` is a target, its rotation. Consecutive sets differ in few elements, so each
    parity costs about one CX (a Z-parity rotation done alone costs two).
    """
    left = set(targets)
    incident: dict[int, set] = {}
    for t in left:
        for v in t:
            incident.setdefault(v, set()).add(t)
    cur: frozenset = frozenset()
    steps: list[tuple[int, frozenset | None]] = []

    def move(to: frozenset) -> None:
        nonlocal cur
        diff = sorted(cur ^ to)
        for k, v in enumerate(diff):
            steps.append((v, to if to and k == len(diff) - 1 else None))
        cur = to

    def score(t: frozenset) -> tuple:
        # nearest first; among equals, stay where unvisited terms remain (trail-like walks)
        rich = sum(len(incident[v]) for v in t)
        return (len(cur ^ t), -rich, sorted(t))

    while left:
        nxt = min(left, key=score)
        if len(cur ^ nxt) == 0:  # cannot happen: the empty set is never a target
            raise AssertionError
        move(nxt)
        left.discard(nxt)
        for v in nxt:
            incident[v].discard(nxt)
    move(frozenset())
    return tuple(steps)


def value_loader(
    quant: Quantization,
    num_value_qubits: int,
    threshold: int | Parameter,
    *,
    phase_block: str = "gates",
) -> QuantumCircuit:
    """Circuit on n + m qubits mapping |b>|0> to (phase) |b>|(E_int(b) - t) mod 2^m>.

    The problem-only phases of the textbook encoding are left out: they commute with the rest of
    the oracle and cancel against the uncompute, so ``inverse()`` of this circuit undoes it exactly.
    ``phase_block="diagonal"`` puts the CX/RZ parity walks (a diagonal unitary, most of the
    gates) into one ``DiagonalGate`` with the same entries (:func:`parity_phases`): the same
    unitary, for simulators, which then apply one instruction instead of ~n^2 m gates.

    >>> q = quantize(dimod.BQM({0: 1.0}, {}, 0.0, 'BINARY'))
    >>> value_loader(q, value_register_size(q), 1).num_qubits
    3
    """
    n, m = quant.num_variables, int(num_value_qubits)
    M = 2**m
    qc = QuantumCircuit(n + m, name="load_value")
    vq = list(range(n, n + m))
    const, terms = _parity_terms(quant)
    qc.h(vq)
    # value qubit k carries weight 2^(m-1-k) (bit-reversed Fourier state, undone by the
    # swap-free inverse QFT); phase exp(-i pi w v Z_k / M) for each Z-parity of v
    walks = []
    for k in range(m):
        w = 2 ** (m - 1 - k)
        angles = {}
        for s, c in terms.items():
            r = Fraction(w, M) * c  # theta / pi of exp(-i theta Z_k Z_s)
            if r.denominator != 1:  # integer multiples of pi are global signs: cancel
                angles[s] = r
        walks.append((w, angles, _parity_walk(frozenset(angles))))
        if isinstance(threshold, ParameterExpression):
            qc.rz((2 * math.pi * w / M) * (float(const + quant.offset) - threshold), vq[k])
        else:
            qc.rz(
                2 * math.pi * float(Fraction(w, M) * (const + quant.offset - int(threshold))), vq[k]
            )
    if phase_block == "diagonal":
        qc.append(DiagonalGate(parity_phases(n, m, [wk[1] for wk in walks]).tolist()), range(n + m))
        qc.compose(synth_qft_full(m, do_swaps=False, inverse=True), vq, inplace=True)
        return qc
    if phase_block != "gates":
        raise InputError(f"unknown phase_block {phase_block!r}: choose 'gates' or 'diagonal'")
    # interleave the walks of the value qubits (staggered) so that they run in parallel
    delay = 2
    longest = max(len(wk[2]) for wk in walks)
    for t in range(longest + delay * m):
        for k in range(m):
            s = t - delay * k
            steps = walks[k][2]
            if 0 <= s < len(steps):
                control, reached = steps[s]
                qc.cx(control, vq[k])
                if reached is not None:
                    qc.rz(2 * math.pi * float(walks[k][1][reached]), vq[k])
    qc.compose(synth_qft_full(m, do_swaps=False, inverse=True), vq, inplace=True)
    return qc


def parity_phases(n: int, m: int, angles: list[dict]) -> np.ndarray:
    """Diagonal of the parity walks: exp(-i pi sum_k sum_S r_kS Z_k Z_S) on n + m qubits.

    ``angles[k]`` maps parity sets S of problem qubits to r_kS (the walk of value qubit n + k
    applies ``rz(2 pi r_kS)`` while that qubit holds Z_k Z_S). Index = Qiskit little-endian
    (problem qubits low, value qubits high).

    >>> np.round(parity_phases(1, 1, [{frozenset({0}): 0.5}]), 6).tolist()
    [-1j, 1j, 1j, -1j]
    """
    zb = 1.0 - 2.0 * ((np.arange(2**n)[:, None] >> np.arange(n)) & 1)  # (2^n, n) problem Z
    F = np.zeros((m, 2**n))
    for k, terms in enumerate(angles):
        for S, r in terms.items():
            F[k] += float(r) * np.prod(zb[:, sorted(S)], axis=1)
    zy = 1.0 - 2.0 * ((np.arange(2**m)[:, None] >> np.arange(m)) & 1)  # (2^m, m) value Z
    return np.exp(-1j * np.pi * (zy @ F)).reshape(-1)


@dataclass(frozen=True)
class OracleInfo:
    """What :func:`hardware_oracle` built: the quantization, the value register and the threshold
    parameter (``None`` when the threshold was bound at build time)."""

    quantization: Quantization
    num_value_qubits: int
    num_problem_qubits: int
    sign_qubit: int
    threshold_parameter: Parameter | None
    exclude: dict | None

    @property
    def num_qubits(self) -> int:
        return self.num_problem_qubits + self.num_value_qubits

    def bind_value(self, threshold: float) -> int:
        """The integer to bind to :attr:`threshold_parameter` for an energy threshold."""
        return self.quantization.threshold_to_int(threshold)


def _exclude_qubits(bqm, exclude) -> list[tuple[int, int]]:
    """[(qubit, bit)] of an exclusion assignment."""
    exclude = check_exclude(bqm, exclude)
    if not exclude:
        return []
    order = list(bqm.variables)
    spin = bqm.vartype is dimod.SPIN
    return [(order.index(v), int(val > 0) if spin else int(val)) for v, val in exclude.items()]


def _controlled_phase(qc: QuantumCircuit, angle: Angle, qubits: list[int]) -> None:
    """Phase e^{i angle} on the all-ones state of ``qubits``."""
    if len(qubits) == 1:
        qc.p(angle, qubits[0])
    elif len(qubits) == 2:
        qc.cp(angle, qubits[0], qubits[1])
    else:
        qc.mcp(angle, qubits[:-1], qubits[-1])


def hardware_oracle(
    bqm: dimod.BinaryQuadraticModel,
    exclude: Mapping | None = None,
    threshold: float | Parameter | None = None,
    phase: Angle = math.pi,
    *,
    quantization: Quantization | None = None,
    scale: float | None = None,
    bits: int | None = None,
    phase_block: str = "gates",
) -> tuple[QuantumCircuit, OracleInfo]:
    """The gate-level oracle: e^{i phase} on states with E_int(b) < t not matching ``exclude``.

    ``threshold`` is a :class:`~qiskit.circuit.Parameter` (default ``Parameter("tau")``; bind it
    to ``info.bind_value(energy_threshold)``, an integer in quantized units) or an energy
    threshold, converted at once. Qubits: n problem qubits, then m value qubits (sign last);
    the value register starts and ends in |0>. ``phase_block="diagonal"`` builds the same
    unitary with the parity walks as one ``DiagonalGate`` (for simulators, see
    :func:`value_loader`).

    >>> from qiskit.quantum_info import Statevector
    >>> bqm = dimod.BQM({0: 1.0, 1: -2.0}, {(0, 1): 3.0}, 0.0, 'BINARY')  # E = 0, 1, -2, 2
    >>> qc, info = hardware_oracle(bqm)
    >>> bound = qc.assign_parameters({info.threshold_parameter: info.bind_value(0.5)})
    >>> psi = QuantumCircuit(qc.num_qubits); _ = psi.h([0, 1]); psi.compose(bound, inplace=True)
    >>> np.round(2 * Statevector(psi).data[:4].real, 6).tolist()   # E < 0.5: states 0 and 2
    [-1.0, 1.0, -1.0, 1.0]
    """
    quant = quantization or quantize(bqm, scale=scale, bits=bits)
    n = quant.num_variables
    m = value_register_size(quant)
    if threshold is None:
        threshold = Parameter("tau")
    param = threshold if isinstance(threshold, Parameter) else None
    t = threshold if param is not None else quant.threshold_to_int(threshold)
    loader = value_loader(quant, m, t, phase_block=phase_block)
    excl = _exclude_qubits(bqm, exclude)
    sign = n + m - 1
    qc = QuantumCircuit(n + m, name="oracle")
    qc.compose(loader, inplace=True)
    qc.p(phase, sign)
    if excl:
        flips = [q for q, bit in excl if bit == 0]
        if flips:
            qc.x(flips)
        _controlled_phase(qc, -phase, [q for q, _ in excl] + [sign])
        if flips:
            qc.x(flips)
    qc.compose(loader.inverse(), inplace=True)
    info = OracleInfo(
        quantization=quant,
        num_value_qubits=m,
        num_problem_qubits=n,
        sign_qubit=sign,
        threshold_parameter=param,
        exclude=check_exclude(bqm, exclude),
    )
    return qc, info


def diagonal_oracle(problem, phase: float = math.pi) -> QuantumCircuit:
    """Simulation-only oracle: a ``DiagonalGate`` with e^{i phase} on ``problem.marked``.

    >>> from grover_train.finders.search_problem import SearchProblem
    >>> bqm = dimod.BQM({0: 1.0, 1: -1.0}, {(0, 1): 0.5}, 0.0, 'SPIN')
    >>> from qiskit.quantum_info import Operator
    >>> np.round(np.diag(Operator(diagonal_oracle(SearchProblem(bqm, 0.0))).data).real, 6).tolist()
    [1.0, 1.0, -1.0, 1.0]
    """
    diag = np.where(problem.marked, np.exp(1j * float(phase)), 1.0 + 0j)
    qc = QuantumCircuit(problem.num_variables, name="diagonal_oracle")
    if problem.num_variables == 0:
        return qc
    qc.append(DiagonalGate(diag.tolist()), range(problem.num_variables))
    return qc
