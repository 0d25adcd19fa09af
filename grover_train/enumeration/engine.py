"""The energies of all 2^n states of a BQM, by blocked matrix products, in memory or streamed.

State index ``z`` has bit ``i`` equal to the BINARY value of the ``i``-th variable of
``bqm.variables`` (SPIN -1 -> 0, +1 -> 1), as in :mod:`grover_train.enumeration.states`.

The variables are split into ``L`` low bits (the first ``L`` variables) and ``n - L`` high bits.
With spins ``s = (s_low, s_high)`` the SPIN energy is

    E = E_high(s_high) + E_low(s_low) + s_high^T J_cross s_low,

so a block of ``B`` high states times all ``2^L`` low states is one matrix product
``[M | 1 | E_high] @ [S_low^T ; E_low ; 1]`` with ``M = S_high J_cross`` (B x L). In C order the
(B, 2^L) result is exactly the little-endian state order, so the table is written block by block
without any copy. The routine is bound by memory bandwidth, not arithmetic.

Head decisions (``E(z) < threshold``) are exact with respect to the reference energies of
``bqm.energies`` (dimod, float64): states whose computed energy lies within the rounding band
of the threshold are re-checked with the reference. The band is zero when every bias is a small
dyadic number (then all sums are exact in float64). ``float32`` tables are allowed: they halve
the memory traffic and their wider band is re-checked the same way.

Streaming: :class:`Enumeration` works one block at a time (memory O(block)) and keeps only one
number per block between passes (the block's minimum, per-threshold head counts), which is
enough to count heads below a threshold, find the k lowest states, and pick the j-th head or
non-head (hence a uniformly random one) after touching a single block. The module functions
(:func:`count_below`, :func:`heads`, :func:`minimum`, :func:`lowest`, :func:`random_head`) build
a fresh :class:`Enumeration` per call; for many queries on one landscape keep one
:class:`Enumeration` (its block minima and per-threshold counts are reused).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import dimod
import numpy as np

from grover_train.errors import InputError, TooManyQubitsError

#: Low bits per block row: 2^8 columns (a short inner dimension L + 2 keeps the product cheap).
LOW_BITS = 8
#: States per streamed block (2^16: 512 KiB of float64, in cache for the reductions that follow).
BLOCK_STATES = 2**16
#: Largest n the streamed passes accept (time, not memory, is the limit: 2^36 energies).
MAX_STREAM_VARIABLES = 36
#: Fraction of the available memory a single table may take.
MEMORY_FRACTION = 0.5


# ---------------------------------------------------------------------------- memory


#: seconds a reading of the available memory is reused: training checks a table per search
#: (thousands a second), and reading /proc for each cost more than the search itself
MEMORY_READING_S = 0.2
_reading: list[float] = [-1.0, 0.0]


def available_memory() -> int:
    """Bytes of memory available now: MemAvailable, capped by a cgroup limit if one is set
    (read at most every :data:`MEMORY_READING_S` seconds).

    >>> available_memory() > 0
    True
    """
    now = time.monotonic()
    if 0 <= now - _reading[0] < MEMORY_READING_S:
        return int(_reading[1])
    avail = _read_available_memory()
    _reading[:] = [now, float(avail)]
    return avail


#: (limit, usage) files of a cgroup v2 and a cgroup v1 memory controller
CGROUP_MEMORY_FILES = (
    ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
    ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
)


def _read_available_memory(
    cgroup_files: tuple[tuple[str, str], ...] = CGROUP_MEMORY_FILES,
) -> int:
    """psutil's available memory (MemAvailable on Linux, the same figure on macOS and
    Windows), capped by the room left under a cgroup limit: psutil reports the host's memory,
    not a container's, so the limit is read here (psutil has no reading of it)."""
    import psutil  # a dependency of qiskit-aer and ours; imported late, off the CLI's start

    avail = int(psutil.virtual_memory().available)
    for limit_file, usage_file in cgroup_files:
        try:
            with open(limit_file) as f:
                raw = f.read().strip()
            if raw == "max":
                continue
            with open(usage_file) as f:
                used = int(f.read().strip())
            avail = min(avail, max(int(raw) - used, 0))
        except (OSError, ValueError):
            continue
    return int(avail)


def format_bytes(b: float) -> str:
    """Bytes in GiB or MiB, e.g. ``8.0 GiB``.

    >>> format_bytes(2**33), format_bytes(3 * 2**20)
    ('8.0 GiB', '3.0 MiB')
    """
    return f"{b / 2**30:.1f} GiB" if b >= 2**30 else f"{b / 2**20:.1f} MiB"


def check_memory(n: int, bytes_per_state: float, what: str, fix: str = "") -> int:
    """Refuse (before allocating) a table of 2^n states at ``bytes_per_state`` that does not fit
    in :data:`MEMORY_FRACTION` of the available memory. Returns the bytes needed.

    >>> check_memory(10, 8, 'an energy table')
    8192
    >>> check_memory(60, 8, 'an energy table')
    Traceback (most recent call last):
    ...
    grover_train.errors.TooManyQubitsError: an energy table of 2^60 states needs ...
    """
    need = int(bytes_per_state * 2.0**n)
    avail = available_memory()
    if need > MEMORY_FRACTION * avail:
        raise TooManyQubitsError(
            f"{what} of 2^{n} states needs {format_bytes(need)}, "
            f"{format_bytes(avail)} of memory is available (at most "
            f"{MEMORY_FRACTION:.0%} may be used): "
            + (fix or "use fewer variables or a sampling finder such as 'sa'")
        )
    return need


def max_table_variables(bytes_per_state: float = 9.0) -> int:
    """The largest n whose 2^n-state table fits in memory now (see :func:`check_memory`).

    >>> max_table_variables() >= 16
    True
    """
    avail = MEMORY_FRACTION * available_memory()
    return max(int(math.floor(math.log2(max(avail / bytes_per_state, 1.0)))), 0)


# ---------------------------------------------------------------------------- model arrays


def check_exclude(bqm: dimod.BinaryQuadraticModel, exclude: Mapping | None) -> dict | None:
    """Validate an exclusion assignment against the model's variables and vartype.

    >>> check_exclude(dimod.BQM({'a': 1.0}, {}, 0.0, 'SPIN'), {'a': -1})
    {'a': -1}
    """
    if exclude is None:
        return None
    allowed = {-1, 1} if bqm.vartype is dimod.SPIN else {0, 1}
    out = {}
    for v, val in dict(exclude).items():
        if v not in bqm.variables:
            raise InputError(f"excluded variable {v!r} is not a variable of the model")
        if val not in allowed:
            raise InputError(
                f"excluded value {val!r} of variable {v!r} is not in "
                f"{sorted(allowed)} ({bqm.vartype.name})"
            )
        out[v] = int(val)
    return out


def _is_dyadic(values: np.ndarray, bits: int = 20) -> bool:
    """True when every value is an integer multiple of 2^-bits."""
    scaled = np.asarray(values, dtype=float) * 2.0**bits
    return bool(np.all(np.isfinite(scaled)) and np.all(scaled == np.round(scaled)))


@dataclass(frozen=True)
class SpinArrays:
    """The SPIN form of a BQM as arrays, in ``bqm.variables`` order.

    E(s) = offset + h . s + sum_{i<j} J[i, j] s_i s_j with ``J`` strictly upper triangular.
    ``band`` bounds |computed float64 energy - reference energy| (0 when sums are exact).
    """

    h: np.ndarray
    J: np.ndarray
    offset: float
    scale: float
    band: float

    @property
    def n(self) -> int:
        return int(self.h.size)

    @classmethod
    def from_bqm(cls, bqm: dimod.BinaryQuadraticModel) -> SpinArrays:
        """
        >>> a = SpinArrays.from_bqm(dimod.BQM({0: 1.0}, {(0, 1): 0.5}, 0.25, 'BINARY'))
        >>> a.h.tolist(), a.J.tolist(), a.offset, a.band
        ([0.625, 0.125], [[0.0, 0.125], [0.0, 0.0]], 0.875, 0.0)
        """
        order = list(bqm.variables)
        n = len(order)
        spin = bqm.spin if bqm.vartype is dimod.BINARY else bqm
        h = np.zeros(n)
        J = np.zeros((n, n))
        offset = float(spin.offset)
        if n:
            lin, (irow, icol, q), off = spin.to_numpy_vectors(variable_order=order)
            h = np.asarray(lin, dtype=float)
            offset = float(off)
            i = np.minimum(irow, icol)
            j = np.maximum(irow, icol)
            np.add.at(J, (i, j), np.asarray(q, dtype=float))
        # magnitudes of both forms bound every partial sum of either computation
        orig = [abs(float(bqm.offset))]
        if n:
            lin0, (_, _, q0), _ = bqm.to_numpy_vectors(variable_order=order)
            orig += [float(np.abs(lin0).sum()), float(np.abs(q0).sum())]
        scale = abs(offset) + float(np.abs(h).sum() + np.abs(J).sum()) + sum(orig)
        exact = (
            _is_dyadic(h)
            and _is_dyadic(J)
            and _is_dyadic([offset, float(bqm.offset)])
            and (n == 0 or _is_dyadic(np.concatenate([lin0, q0])))
            and scale * 2.0**20 < 2.0**50
        )
        band = 0.0 if exact else 16.0 * (n + 4) * np.finfo(np.float64).eps * max(scale, 1e-300)
        return cls(h, J, offset, scale, band)

    def band_for(self, dtype) -> float:
        """Rounding band of a table computed in ``dtype`` (float32 or float64)."""
        dtype = np.dtype(dtype)
        if dtype == np.float64:
            return self.band
        return self.band + 16.0 * (self.n + 4) * float(np.finfo(dtype).eps) * self.scale


def spins_of(z: np.ndarray, bits: int, dtype=np.float64) -> np.ndarray:
    """Rows of +-1 spins of state indices ``z`` over ``bits`` bits (little-endian).

    >>> spins_of(np.array([1, 2]), 2).tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    """
    z = np.asarray(z, dtype=np.int64)
    b = (z[:, None] >> np.arange(bits, dtype=np.int64)[None, :]) & 1
    return (2 * b - 1).astype(dtype)


def reference_energies(bqm: dimod.BinaryQuadraticModel, z: np.ndarray) -> np.ndarray:
    """Energies of state indices ``z`` by ``bqm.energies`` (dimod, float64): the reference.

    >>> bqm = dimod.BQM({0: 1.0, 1: -2.0}, {(0, 1): 0.5}, 0.25, 'SPIN')
    >>> reference_energies(bqm, np.arange(4)).tolist()
    [1.75, 2.75, -3.25, -0.25]
    """
    z = np.asarray(z, dtype=np.int64)
    n = bqm.num_variables
    if z.size == 0:
        return np.empty(0)
    if n == 0:
        return np.full(z.size, float(bqm.offset))
    bits = ((z[:, None] >> np.arange(n, dtype=np.int64)[None, :]) & 1).astype(np.int8)
    rows = 2 * bits - 1 if bqm.vartype is dimod.SPIN else bits
    return np.asarray(bqm.energies((rows, list(bqm.variables))), dtype=float)


# ---------------------------------------------------------------------------- the engine


class Enumeration:
    """Blocked enumeration of one BQM (optionally with an excluded partial assignment).

    Blocks are consecutive index ranges of :attr:`block_size` states; block ``i`` covers
    ``[i * block_size, (i + 1) * block_size)``. Nothing of size 2^n is held unless
    :meth:`energies` or :meth:`head_mask` is called.

    >>> bqm = dimod.BQM({0: 1.0, 1: -2.0}, {(0, 1): 0.5}, 0.25, 'SPIN')
    >>> e = Enumeration(bqm)
    >>> e.energies().tolist()
    [1.75, 2.75, -3.25, -0.25]
    >>> e.count_below(0.0), e.nth_head(0.0, 0), e.lowest(2)
    (2, 2, (array([2, 3]), array([-3.25, -0.25])))
    """

    def __init__(
        self,
        bqm: dimod.BinaryQuadraticModel,
        exclude: Mapping | None = None,
        dtype=np.float64,
        *,
        low_bits: int | None = None,
        block_states: int | None = None,
    ) -> None:
        self.bqm = bqm
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.dtype(np.float64), np.dtype(np.float32)):
            raise InputError(f"dtype must be float64 or float32, got {self.dtype}")
        n = bqm.num_variables
        if n > MAX_STREAM_VARIABLES:
            raise TooManyQubitsError(
                f"enumerating 2^{n} states is too long (limit {MAX_STREAM_VARIABLES} "
                "variables): use a sampling finder such as 'sa' instead"
            )
        self.n = n
        self.num_states = 1 << n
        self.exclude = check_exclude(bqm, exclude)
        self.arrays = SpinArrays.from_bqm(bqm)
        self.band = self.arrays.band_for(self.dtype)
        L = min(n, LOW_BITS if low_bits is None else int(low_bits))
        self.low_bits = L
        cols = 1 << L
        per_block = BLOCK_STATES if block_states is None else int(block_states)
        rows = max(1, per_block // cols)
        self.block_rows = min(1 << (rows.bit_length() - 1), 1 << (n - L))  # a power of two
        self.block_size = self.block_rows * cols
        self.num_blocks = (self.num_states + self.block_size - 1) // self.block_size
        a = self.arrays
        s_low = spins_of(np.arange(cols), L)
        e_low = s_low @ a.h[:L] + np.einsum("bi,bi->b", s_low @ a.J[:L, :L], s_low)
        self._right = np.ascontiguousarray(
            np.vstack([s_low.T, e_low[None, :], np.ones((1, cols))]), dtype=self.dtype
        )
        # high bits = mid (the rows of one block) + top (the block number): the mid part of the
        # left factor is computed once, each block adds its top part (a rank-one update)
        m = self.block_rows.bit_length() - 1
        mid, top = slice(L, L + m), slice(L + m, n)
        self._s_mid = spins_of(np.arange(self.block_rows), m)
        self._m_mid = self._s_mid @ a.J[:L, mid].T
        self._e_mid = self._s_mid @ a.h[mid] + np.einsum(
            "bi,bi->b", self._s_mid @ a.J[mid, mid], self._s_mid
        )
        self._j_mid_top = a.J[mid, top]
        self._cross_top = a.J[:L, top].T
        self._h_top, self._j_top = a.h[top], a.J[top, top]
        self._top_bits = n - L - m
        # exclusion as bit patterns: z is excluded iff (z & mask) == value
        mask = value = 0
        for v, val in (self.exclude or {}).items():
            i = list(bqm.variables).index(v)
            mask |= 1 << i
            if (val > 0) if bqm.vartype is dimod.SPIN else val == 1:
                value |= 1 << i
        self.excl_mask, self.excl_value = mask, value
        low = np.arange(cols, dtype=np.int64)
        self._excl_low = (low & (mask & (cols - 1))) == (value & (cols - 1))
        self._block_min: np.ndarray | None = None
        self._flags: np.ndarray | None = None
        self._top_chunk: tuple | None = None
        self._counts: OrderedDict = OrderedDict()

    # ------------------------------------------------------------------ blocks
    def _rows(self, i: int) -> tuple[int, int]:
        r0 = i * self.block_rows
        return r0, min(r0 + self.block_rows, 1 << (self.n - self.low_bits))

    def _tops(self, i: int) -> tuple[np.ndarray, np.ndarray, float]:
        """The top part of block ``i``'s left factor: (cross term on the low bits, field on the
        mid bits, energy of the top bits), computed for 1024 blocks at a time and kept."""
        chunk = i >> 10
        if self._top_chunk is None or self._top_chunk[0] != chunk:
            a = self.arrays
            first = chunk << 10
            ids = np.arange(first, min(first + 1024, self.num_blocks))
            s_top = spins_of(ids, self._top_bits)
            e_top = (
                a.offset + s_top @ self._h_top + np.einsum("bi,bi->b", s_top @ self._j_top, s_top)
            )
            self._top_chunk = (chunk, s_top @ self._cross_top, s_top @ self._j_mid_top.T, e_top)
        _, cross, field, e_top = self._top_chunk
        j = i & 1023
        return cross[j], field[j], float(e_top[j])

    def block(self, i: int, out: np.ndarray | None = None) -> np.ndarray:
        """Energies of block ``i`` (flat, in index order), computed in :attr:`dtype`."""
        L = self.low_bits
        cross, field, e_top = self._tops(i)
        left = np.empty((self.block_rows, L + 2), dtype=self.dtype)
        np.add(self._m_mid, cross, out=left[:, :L])
        left[:, L] = 1.0
        left[:, L + 1] = self._e_mid + self._s_mid @ field + e_top
        shape = (self.block_rows, 1 << L)
        if out is None:
            out = np.empty(shape, dtype=self.dtype)
        np.matmul(left, self._right, out=out.reshape(shape))
        return out.reshape(-1)

    def block_start(self, i: int) -> int:
        return i * self.block_size

    def blocks(self) -> Iterator[tuple[int, np.ndarray]]:
        """(first state index, energies) of every block, in order; one block buffer reused."""
        buf = None
        for i in range(self.num_blocks):
            E = self.block(i, buf)
            buf = E
            yield self.block_start(i), E

    def _free(self, i: int, E: np.ndarray) -> np.ndarray:
        """Set the excluded states of block ``i`` to +inf (in place) and return ``E``."""
        if not self.excl_mask:
            return E
        L = self.low_bits
        r0, r1 = self._rows(i)
        hi_mask, hi_val = self.excl_mask >> L, self.excl_value >> L
        rows = np.flatnonzero((np.arange(r0, r1) & hi_mask) == hi_val)
        if rows.size:
            E2 = E.reshape(r1 - r0, 1 << L)
            E2[np.ix_(rows, np.flatnonzero(self._excl_low))] = np.inf
        return E

    def excluded_in(self, z: np.ndarray) -> np.ndarray:
        """Which state indices match the excluded assignment."""
        z = np.asarray(z, dtype=np.int64)
        if not self.excl_mask:
            return np.zeros(z.shape, dtype=bool)
        return (z & self.excl_mask) == self.excl_value

    # ------------------------------------------------------------------ full tables
    def energies(self) -> np.ndarray:
        """All 2^n energies in index order (refused before allocation when they do not fit)."""
        check_memory(self.n, self.dtype.itemsize, f"an energy table ({self.dtype.name})")
        out = np.empty(self.num_states, dtype=self.dtype)
        for i in range(self.num_blocks):
            s = self.block_start(i)
            self.block(i, out[s : s + self.block_size])
        return out

    def head_mask(self, threshold: float) -> np.ndarray:
        """Boolean vector over all 2^n states: True for heads (E < threshold, not excluded)."""
        check_memory(self.n, 1, "a head mask")
        out = np.zeros(self.num_states, dtype=bool)
        buf = None
        for i in range(self.num_blocks):
            buf = self._free(i, self.block(i, buf))
            s = self.block_start(i)
            out[s : s + buf.size] = self.heads_of(buf, threshold, s)
        return out

    # ------------------------------------------------------------------ heads
    def heads_of(self, E: np.ndarray, t: float, start: int = 0) -> np.ndarray:
        """Flags E < t for computed energies ``E`` of the states ``start, start + 1, ...``,
        exact against the reference (states in the rounding band are re-checked). Exclusion
        is not applied here (excluded states of a block are +inf already)."""
        band = self.band
        if band == 0.0:
            return E < t
        heads = E < t - band
        amb = np.flatnonzero((E >= t - band) & (E < t + band))
        if amb.size:
            heads[amb] = self.below(start + amb, t)
        return heads

    def below(self, z: np.ndarray, t: float) -> np.ndarray:
        """Exact flags E(z) < t for state indices ``z`` (exclusion not applied): float64 energies
        of just these states decide outside the float64 band, ``bqm.energies`` inside it (a
        float32 table re-checks its wider band this way, not state by state with dimod)."""
        z = np.asarray(z, dtype=np.int64)
        a = self.arrays
        if a.band == 0.0 and self.dtype == np.float64:
            return reference_energies(self.bqm, z) < t  # (only reached for exact tables)
        S = spins_of(z, self.n)
        E = a.offset + S @ a.h + np.einsum("bi,bi->b", S @ a.J, S)
        out = E < t - a.band
        amb = np.flatnonzero((E >= t - a.band) & (E < t + a.band))
        if amb.size:
            out[amb] = reference_energies(self.bqm, z[amb]) < t
        return out

    def _count_block(self, i: int, E: np.ndarray, t: float) -> int:
        # comparisons into one reused boolean buffer: a fresh temporary per block costs more
        # than the comparison itself
        flags = self._flags
        if flags is None or flags.size != E.size:
            flags = self._flags = np.empty(E.size, dtype=bool)
        band = self.band
        if band == 0.0:
            return int(np.count_nonzero(np.less(E, t, out=flags)))
        below = int(np.count_nonzero(np.less(E, t - band, out=flags)))
        if int(np.count_nonzero(np.less(E, t + band, out=flags))) == below:
            return below  # nothing in the rounding band (the usual case)
        amb = np.flatnonzero((E >= t - band) & (E < t + band))
        return below + int(np.count_nonzero(self.below(self.block_start(i) + amb, t)))

    def _ensure_block_min(self) -> None:
        """One pass recording each block's lowest free energy (lets later passes skip blocks)."""
        if self._block_min is not None:
            return
        mins = np.empty(self.num_blocks)
        buf = None
        for i in range(self.num_blocks):
            buf = self._free(i, self.block(i, buf))
            mins[i] = buf.min()
        self._block_min = mins

    def counts_below(self, threshold: float) -> np.ndarray:
        """Heads (E < threshold, not excluded) per block, exact; cached per threshold."""
        t = float(threshold)
        if t in self._counts:
            self._counts.move_to_end(t)
            return self._counts[t]
        first = self._block_min is None
        mins = np.empty(self.num_blocks) if first else self._block_min
        counts = np.zeros(self.num_blocks, dtype=np.int64)
        buf = None
        for i in range(self.num_blocks):
            if not first and mins[i] >= t + self.band:
                continue
            buf = self._free(i, self.block(i, buf))
            if first:
                mins[i] = buf.min()
            counts[i] = self._count_block(i, buf, t)
        if first:
            self._block_min = mins
        self._counts[t] = counts
        if len(self._counts) > 256:
            self._counts.popitem(last=False)
        return counts

    def count_below(self, threshold: float) -> int:
        """Number of heads: states not excluded with E < threshold (exact)."""
        return int(self.counts_below(threshold).sum())

    def num_excluded(self) -> int:
        """How many of the 2^n states match the excluded assignment."""
        return 0 if not self.excl_mask else 1 << (self.n - bin(self.excl_mask).count("1"))

    def nth_head(self, threshold: float, j):
        """The ``j``-th head (0-based) in index order: an int, or an array for an array of
        ``j``; one block is computed per distinct block hit."""
        counts = self.counts_below(threshold)
        return self._nth(counts, j, threshold, heads=True)

    def nth_other(self, threshold: float, j):
        """The ``j``-th non-head (excluded, or E >= threshold) in index order."""
        counts = self.counts_below(threshold)
        return self._nth(self.block_size - counts, j, threshold, heads=False)

    def _nth(self, counts: np.ndarray, j, t: float, heads: bool):
        scalar = np.ndim(j) == 0
        js = np.atleast_1d(np.asarray(j, dtype=np.int64))
        total = int(counts.sum())
        bad = (js < 0) | (js >= total)
        if bad.any():
            raise InputError(
                f"index {int(js[bad][0])} is out of range: there are {total} such states"
            )
        cum = np.cumsum(counts)
        blocks = np.searchsorted(cum, js, side="right")
        out = np.empty(js.size, dtype=np.int64)
        for i in np.unique(blocks):
            sel = blocks == i
            start = self.block_start(int(i))
            E = self._free(int(i), self.block(int(i)))
            flags = self.heads_of(E, t, start)
            idx = np.flatnonzero(flags if heads else ~flags)
            out[sel] = start + idx[js[sel] - (int(cum[i - 1]) if i else 0)]
        return int(out[0]) if scalar else out

    def heads(self, threshold: float) -> np.ndarray:
        """All heads (state indices, ascending), streamed: memory O(block + number of heads);
        blocks whose minimum is not below the threshold are skipped."""
        t = float(threshold)
        self._ensure_block_min()
        out = []
        buf = None
        for i in np.flatnonzero(self._block_min < t + self.band):
            buf = self._free(int(i), self.block(int(i), buf))
            start = self.block_start(int(i))
            out.append(start + np.flatnonzero(self.heads_of(buf, t, start)))
        return np.concatenate(out) if out else np.empty(0, dtype=np.int64)

    def random_head(self, threshold: float, rng: np.random.Generator) -> int | None:
        """A uniformly random head (None if there is none): count, then one block."""
        k = self.count_below(threshold)
        return None if k == 0 else self.nth_head(threshold, int(rng.integers(k)))

    def random_heads(self, threshold: float, size: int, rng: np.random.Generator) -> np.ndarray:
        """``size`` independent uniformly random heads (with replacement; empty if there is
        none): one count, then one block per distinct block drawn."""
        k = self.count_below(threshold)
        if k == 0:
            return np.empty(0, dtype=np.int64)
        return self.nth_head(threshold, rng.integers(k, size=int(size)))

    def lowest(self, k: int, below: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` lowest free states (E < ``below`` if given), sorted by (energy, index), with
        their reference energies. Memory O(block + k)."""
        k = int(k)
        if k < 1:
            raise InputError(f"k must be >= 1, got {k}")
        band = self.band
        limit = np.inf if below is None else float(below) + band
        keep_z = np.empty(0, dtype=np.int64)
        keep_e = np.empty(0, dtype=np.float64)
        cut = limit
        buf = None
        self._ensure_block_min()
        for i in np.argsort(self._block_min, kind="stable"):
            lo = self._block_min[i]
            if lo == np.inf or lo > cut + 2 * band or lo >= limit:
                break  # blocks come by their minimum: no later block can contribute
            buf = self._free(i, self.block(i, buf))
            # a state of the true k lowest is within 2 bands of any k-th computed energy
            cap = min(cut + 2 * band, limit)
            sel = np.flatnonzero(buf <= cap if cap < np.inf else buf < np.inf)
            if sel.size:
                keep_z = np.concatenate([keep_z, self.block_start(i) + sel])
                keep_e = np.concatenate([keep_e, buf[sel].astype(np.float64)])
            if keep_z.size >= k:
                kth = np.partition(keep_e, k - 1)[k - 1]
                cut = min(cut, kth)
                m = keep_e <= cut + 2 * band
                keep_z, keep_e = keep_z[m], keep_e[m]
        if keep_z.size == 0:
            return keep_z, keep_e
        ref = reference_energies(self.bqm, keep_z)
        if below is not None:
            m = ref < float(below)
            keep_z, ref = keep_z[m], ref[m]
        order = np.lexsort((keep_z, ref))[:k]
        return keep_z[order], ref[order]

    def minimum(self) -> tuple[int, float]:
        """(state, energy) of the lowest free state (lowest index among ties)."""
        z, e = self.lowest(1)
        if z.size == 0:
            raise InputError("every state is excluded: there is no minimum")
        return int(z[0]), float(e[0])


# ---------------------------------------------------------------------------- functions


def energies(bqm: dimod.BinaryQuadraticModel, dtype=np.float64) -> np.ndarray:
    """Energies of all 2^n states in little-endian index order (blocked matrix products).

    >>> bqm = dimod.BQM({'a': 1.0, 'b': -2.0}, {('a', 'b'): 0.5}, 0.25, 'SPIN')
    >>> energies(bqm).tolist()
    [1.75, 2.75, -3.25, -0.25]
    >>> energies(bqm, np.float32).dtype
    dtype('float32')
    """
    return Enumeration(bqm, dtype=dtype).energies()


def count_below(
    bqm: dimod.BinaryQuadraticModel,
    threshold: float,
    exclude: Mapping | None = None,
    dtype=np.float64,
) -> int:
    """Number of states with E < threshold that do not match ``exclude`` (exact, streamed).

    >>> bqm = dimod.BQM({0: 1.0, 1: -2.0}, {(0, 1): 0.5}, 0.25, 'SPIN')
    >>> count_below(bqm, 1.75), count_below(bqm, 1.75, exclude={1: 1})
    (2, 0)
    """
    return Enumeration(bqm, exclude, dtype).count_below(threshold)


def minimum(bqm: dimod.BinaryQuadraticModel, exclude: Mapping | None = None) -> tuple[int, float]:
    """(state index, energy) of the ground state (lowest index among ties), streamed.

    >>> minimum(dimod.BQM({0: 1.0, 1: -2.0}, {(0, 1): 0.5}, 0.25, 'SPIN'))
    (2, -3.25)
    """
    return Enumeration(bqm, exclude).minimum()


def lowest(
    bqm: dimod.BinaryQuadraticModel,
    k: int,
    exclude: Mapping | None = None,
    below: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` lowest states and their energies, sorted by (energy, index), streamed.

    >>> z, e = lowest(dimod.BQM({0: 1.0, 1: -2.0}, {(0, 1): 0.5}, 0.25, 'SPIN'), 3)
    >>> z.tolist(), e.tolist()
    ([2, 3, 0], [-3.25, -0.25, 1.75])
    """
    return Enumeration(bqm, exclude).lowest(k, below)


def heads(
    bqm: dimod.BinaryQuadraticModel, threshold: float, exclude: Mapping | None = None
) -> np.ndarray:
    """State indices (ascending) with E < threshold not matching ``exclude``, streamed.

    >>> bqm = dimod.BQM({0: 1.0, 1: -2.0}, {(0, 1): 0.5}, 0.25, 'SPIN')
    >>> heads(bqm, 1.75).tolist(), heads(bqm, 1.75, exclude={0: -1}).tolist()
    ([2, 3], [3])
    """
    return Enumeration(bqm, exclude).heads(threshold)


def random_head(
    bqm: dimod.BinaryQuadraticModel,
    threshold: float,
    exclude: Mapping | None = None,
    seed: int | np.random.Generator | None = None,
) -> int | None:
    """A uniformly random state with E < threshold not matching ``exclude`` (None if none).

    >>> bqm = dimod.BQM({0: 1.0, 1: -2.0}, {(0, 1): 0.5}, 0.25, 'SPIN')
    >>> random_head(bqm, 0.0, seed=0) in (2, 3), random_head(bqm, -5.0, seed=0)
    (True, None)
    """
    return Enumeration(bqm, exclude).random_head(threshold, np.random.default_rng(seed))
