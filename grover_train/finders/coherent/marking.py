"""Which states the hardware oracle really marks, and a quantization that marks the heads.

The hardware oracle compares quantized energies E_int(b) ~ scale * E(b) with an integer
threshold t. On models with non-integer coefficients the rounding can put a state on the wrong
side of t, so the marked set {E_int < t} may differ from the heads {E < tau}. This module makes
that visible and, where it can, exact:

- :func:`oracle_marking` enumerates E and E_int (up to :data:`EXACT_RANGE_MAX` variables) and
  places t **inside the gap** between the largest E_int of a head and the smallest E_int of a
  non-head. When that gap exists the marked set equals the heads exactly (``exact``); otherwise
  t is the integer with the fewest mismarked states and the record counts the states whose
  marking depends on the rounding (``band_states``). Above the enumeration limit only the
  energy band (tau -+ (rounding bound + 1) / scale) can be given, and exactness holds only for
  exact quantizations.
- :func:`choose_quantization` raises the number of bits (6 up to :data:`MAX_AUTO_BITS`) until the
  marking at the problem's threshold is exact.
- :class:`OracleQuantizer` caches both per landscape and threshold for the Aer and IBM backends,
  reuses a quantization already built for the landscape when it is exact at a new threshold
  (no new circuit), and warns (:class:`QuantizationWarning`) when no exact one exists.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from dataclasses import asdict, dataclass
from functools import lru_cache

import dimod
import numpy as np

from grover_train.finders.coherent.phase_oracle import (
    DEFAULT_BITS,
    EXACT_RANGE_MAX,
    Quantization,
    quantize,
)

#: the automatic bit search stops here (value register ~ bits + log2(#coefficients) qubits)
MAX_AUTO_BITS = 14


class QuantizationWarning(UserWarning):
    """The hardware oracle's marked set may differ from the heads (rounded energies)."""


def bqm_key(bqm: dimod.BinaryQuadraticModel) -> tuple:
    """A hashable content key of a BQM (variables, vartype, biases) for circuit caches.

    >>> bqm_key(dimod.BQM({0: 1.0}, {}, 0.0, 'SPIN'))
    ('SPIN', (0,), (1.0,), (), 0.0)
    """
    return (
        bqm.vartype.name,
        tuple(bqm.variables),
        tuple(float(b) for b in bqm.linear.values()),
        tuple((u, v, float(b)) for (u, v), b in bqm.quadratic.items()),
        float(bqm.offset),
    )


@dataclass(frozen=True)
class Marking:
    """What the hardware oracle marks at one threshold, compared with the heads.

    ``integer_threshold`` is the value bound to the circuit's threshold parameter. ``exact`` is
    True only when the marked set equals the heads. ``band`` is the energy interval in which the
    quantization can misplace a state; ``band_states`` counts the non-excluded states whose
    marking depends on the rounding (enumerated: those with E_int between the smallest E_int of a
    non-head and the largest of a head; None when not enumerable), ``mismarked`` the states
    marked differently from the heads at ``integer_threshold`` (None when not enumerable).
    """

    integer_threshold: int
    exact: bool
    heads: int | None
    marked: int | None
    mismarked: int | None
    band_states: int | None
    band: tuple[float, float]
    method: str

    def as_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=8)
def _int_energies(quant: Quantization) -> np.ndarray:
    return quant.energies()


def energy_band(quant: Quantization, threshold: float) -> tuple[float, float]:
    """Energies within which rounding can misplace a state: tau -+ (bound + 1) / scale
    (zero width for an exact quantization).

    >>> from grover_train.finders.coherent.phase_oracle import quantize
    >>> energy_band(quantize(dimod.BQM({0: 1.0}, {}, 0.0, 'BINARY')), 0.5)
    (0.5, 0.5)
    """
    if quant.exact:
        return (float(threshold), float(threshold))
    half = (quant.rounding_error_bound + 1.0) / quant.scale
    return (float(threshold) - half, float(threshold) + half)


def oracle_marking(quant: Quantization, problem) -> Marking:
    """The integer threshold for ``problem`` (a :class:`SearchProblem`) and how honest it is.

    >>> from grover_train.finders.search_problem import SearchProblem
    >>> bqm = dimod.BQM({0: 0.31, 1: -0.7}, {(0, 1): 0.13}, 0.0, 'BINARY')  # E: 0, .31, -.7, -.26
    >>> m = oracle_marking(quantize(bqm, bits=1), SearchProblem(bqm, -0.3))
    >>> m.exact, m.heads, m.mismarked
    (True, 1, 0)
    """
    tau = float(problem.threshold)
    band = energy_band(quant, tau)
    t0 = quant.threshold_to_int(tau)
    if quant.num_variables > EXACT_RANGE_MAX:
        return Marking(t0, quant.exact, None, None, None, None, band, "bound")
    free = ~problem.excluded
    heads = problem.marked[free]
    E_int = _int_energies(quant)[free]
    n_heads, n_free = int(heads.sum()), int(free.sum())
    # mismarks(t) = heads with E_int >= t + non-heads with E_int < t, at every candidate t
    order = np.argsort(E_int, kind="stable")
    e_sorted, h_sorted = E_int[order], heads[order]
    cand = np.unique(np.concatenate([e_sorted, [e_sorted[-1] + 1 if n_free else t0]]))
    below = np.searchsorted(e_sorted, cand, side="left")  # states with E_int < t
    heads_below = np.concatenate([[0], np.cumsum(h_sorted)])[below]
    mis = (n_heads - heads_below) + (below - heads_below)
    best = int(mis.min()) if mis.size else 0
    if best == 0:
        hi = int(E_int[heads].max()) + 1 if n_heads else quant.lower
        lo = int(E_int[~heads].min()) if n_heads < n_free else quant.upper + 1
        t = min(max(t0, hi), lo)  # inside the gap, as near the rounded threshold as allowed
        return Marking(t, True, n_heads, n_heads, 0, 0, band, "enumerated")
    # no gap: the t with the fewest mismarks nearest the rounded threshold
    ties = cand[mis == best]
    t = int(ties[np.argmin(np.abs(ties - t0))])
    lo = int(E_int[~heads].min())
    hi = int(E_int[heads].max())
    band_states = int(np.count_nonzero((E_int >= lo) & (E_int <= hi)))
    marked = int(np.count_nonzero(E_int < t))
    return Marking(t, False, n_heads, marked, best, band_states, band, "enumerated")


def choose_quantization(
    problem,
    *,
    scale: float | None = None,
    bits: int | None = None,
    min_bits: int = DEFAULT_BITS,
    max_bits: int = MAX_AUTO_BITS,
) -> Quantization:
    """The quantization of ``problem.bqm`` whose marking at ``problem.threshold`` is exact.

    Integer and small-denominator models are exact at scale 1..16. Otherwise, when the energies
    can be enumerated and neither ``scale`` nor ``bits`` is fixed, bits go from ``min_bits``
    (default 6) up to ``max_bits`` until :func:`oracle_marking` is exact; when none is, the
    default 6 bits. A small ``min_bits`` finds the fewest value qubits that mark the heads.

    >>> from grover_train.finders.search_problem import SearchProblem
    >>> bqm = dimod.BQM({0: 1.0, 1: 1.001}, {}, 0.0, 'BINARY')     # E: 0, 1, 1.001, 2.001
    >>> q = choose_quantization(SearchProblem(bqm, 1.0005))
    >>> q.bits, oracle_marking(q, SearchProblem(bqm, 1.0005)).exact
    (9, True)
    """
    q = quantize(problem.bqm, scale=scale, bits=bits)
    if q.exact or scale is not None or bits is not None or q.num_variables > EXACT_RANGE_MAX:
        return q
    for b in range(int(min_bits), int(max_bits) + 1):
        qb = quantize(problem.bqm, bits=b)
        if oracle_marking(qb, problem).exact:
            return qb
    return q


def quantization_record(quant: Quantization, marking: Marking) -> dict:
    """What ``info`` and the JSON outputs record about the oracle's quantization.

    >>> from grover_train.finders.search_problem import SearchProblem
    >>> bqm = dimod.BQM({0: 1.0, 1: -2.0}, {}, 0.0, 'BINARY')
    >>> q = quantize(bqm)
    >>> r = quantization_record(q, oracle_marking(q, SearchProblem(bqm, -1.0)))
    >>> r["exact"], r["scale"], r["integer_threshold"], r["band_states"]
    (True, 1.0, -1, 0)
    """
    return {
        "exact": bool(marking.exact),
        "bits": quant.bits,
        "scale": float(quant.scale),
        "offset": int(quant.offset),
        "source_offset": float(quant.source_offset),
        "rounding_error_bound": float(quant.rounding_error_bound),
        "integer_threshold": int(marking.integer_threshold),
        "band": [float(marking.band[0]), float(marking.band[1])],
        "band_states": marking.band_states,
        "mismarked": marking.mismarked,
        "heads": marking.heads,
        "marked": marking.marked,
        "method": marking.method,
    }


def _problem_key(problem) -> tuple:
    excl = tuple(sorted(problem.exclude.items(), key=repr)) if problem.exclude else None
    return (bqm_key(problem.bqm), excl, float(problem.threshold))


class OracleQuantizer:
    """Per-(landscape, threshold) quantization and marking for the circuit backends.

    A new threshold first tries the quantizations already built for the landscape (so a
    Durr-Hoyer search reuses its circuits while they stay exact), then
    :func:`choose_quantization` from ``min_bits`` up (the fewest value qubits that mark the
    heads exactly); when none is exact, the default 6 bits, with a
    :class:`QuantizationWarning`. ``options`` are :func:`quantize`'s ``scale``/``bits``.

    >>> from grover_train.finders.search_problem import SearchProblem
    >>> qz = OracleQuantizer()
    >>> bqm = dimod.BQM({0: 0.31, 1: -0.7}, {(0, 1): 0.13}, 0.0, 'BINARY')
    >>> qz.record(SearchProblem(bqm, -0.3))["exact"]
    True
    """

    def __init__(
        self, options: dict | None = None, min_bits: int = 1, max_entries: int = 64
    ) -> None:
        self.options = dict(options or {})
        self.min_bits = int(min_bits)
        self.max_entries = int(max_entries)
        self._landscapes: OrderedDict = OrderedDict()  # bqm_key -> [Quantization]
        self._chosen: OrderedDict = OrderedDict()  # problem key -> (Quantization, Marking)
        self._warned: set = set()

    def choose(self, problem) -> tuple[Quantization, Marking]:
        """(quantization, marking) used for ``problem``."""
        key = _problem_key(problem)
        if key in self._chosen:
            self._chosen.move_to_end(key)
            return self._chosen[key]
        known = self._landscapes.setdefault(bqm_key(problem.bqm), [])
        found = next(((q, m) for q in known if (m := oracle_marking(q, problem)).exact), None)
        if found is None:
            # the fewest bits that mark the heads exactly: the smallest value register
            q = choose_quantization(problem, min_bits=self.min_bits, **self.options)
            m = oracle_marking(q, problem)
            if not m.exact:
                q = quantize(problem.bqm, **self.options)
                m = oracle_marking(q, problem)
                self._warn(problem, q, m)
            if q not in known:
                known.append(q)
            found = (q, m)
        while len(self._landscapes) > 16:
            self._landscapes.popitem(last=False)
        self._chosen[key] = found
        while len(self._chosen) > self.max_entries:
            self._chosen.popitem(last=False)
        return found

    def quantization(self, problem) -> Quantization:
        return self.choose(problem)[0]

    def marking(self, problem) -> Marking:
        return self.choose(problem)[1]

    def record(self, problem) -> dict:
        q, m = self.choose(problem)
        return quantization_record(q, m)

    def _warn(self, problem, q: Quantization, m: Marking) -> None:
        key = _problem_key(problem)
        if key in self._warned:
            return
        self._warned.add(key)
        if m.band_states is not None:
            what = (
                f"{m.mismarked} state(s) marked differently from the heads, {m.band_states} "
                "inside the rounding band"
            )
        else:
            what = (
                f"states with energy in [{m.band[0]:.6g}, {m.band[1]:.6g}] may be marked "
                "differently from the heads (not enumerable)"
            )
        warnings.warn(
            f"hardware oracle is not exact at threshold {problem.threshold:.6g} (scale "
            f"{q.scale:.6g}, bits {q.bits}): {what}; pass a larger 'bits' or use the 'exact' "
            "backend",
            QuantizationWarning,
            stacklevel=3,
        )
