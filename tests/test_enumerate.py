"""The blocked enumeration engine against brute force (dimod energies of every state)."""

from __future__ import annotations

import itertools

import dimod
import numpy as np
import pytest

from grover_train.enumeration import Enumeration
from grover_train.enumeration import engine as en
from grover_train.errors import InputError, TooManyQubitsError


def random_bqm(n: int, vartype, labels: str, seed: int, kind: str = "normal"):
    """A dense random BQM with the given label kind; ``kind`` 'pm1' gives +-1 biases (many
    exactly degenerate levels), 'normal' Gaussian biases."""
    rng = np.random.default_rng(seed)
    names = {
        "int": list(range(n)),
        "str": [f"v{i}" for i in range(n)],
        "tuple": [(i % 3, f"x{i}") for i in range(n)],
        "mixed": [i if i % 2 else f"s{i}" for i in range(n)],
    }[labels]
    names = [names[i] for i in rng.permutation(n)]  # variable order is not sorted order

    def draw(size):
        if kind == "pm1":
            return rng.choice([-1.0, 1.0], size=size)
        return rng.normal(size=size)

    lin = dict(zip(names, draw(n), strict=True))
    pairs = [(names[i], names[j]) for i in range(n) for j in range(i + 1, n)]
    quad = dict(zip(pairs, draw(len(pairs)), strict=True))
    offset = float(rng.normal() * 3) if kind == "normal" else 2.0
    return dimod.BQM(lin, quad, offset, vartype)


def brute(bqm) -> np.ndarray:
    """Energies of all states by dimod, in the little-endian order (bit i = variable i)."""
    n = bqm.num_variables
    bits = np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.int8)[:, ::-1]
    rows = 2 * bits - 1 if bqm.vartype is dimod.SPIN else bits
    return np.asarray(bqm.energies((rows, list(bqm.variables))), dtype=float)


def brute_excluded(bqm, exclude) -> np.ndarray:
    n = bqm.num_variables
    z = np.arange(2**n)
    out = np.ones(2**n, dtype=bool)
    order = list(bqm.variables)
    for v, val in (exclude or {}).items():
        bit = 1 if val == 1 else 0
        out &= ((z >> order.index(v)) & 1) == bit
    return out if exclude else np.zeros(2**n, dtype=bool)


CASES = [
    (vt, labels, n)
    for vt in ("SPIN", "BINARY")
    for labels in ("int", "str", "tuple", "mixed")
    for n in (1, 5, 12)
]


@pytest.mark.parametrize("vartype,labels,n", CASES)
def test_energies_equal_reference(vartype, labels, n):
    bqm = random_bqm(n, vartype, labels, seed=n)
    ref = brute(bqm)
    scale = np.abs(ref).max()
    # small blocks so that the low, mid and top parts of the split are all exercised
    for kw in ({}, {"low_bits": 3, "block_states": 16}):
        E = Enumeration(bqm, **kw).energies()
        assert E.dtype == np.float64
        np.testing.assert_allclose(E, ref, rtol=1e-9, atol=1e-9 * scale)
    E32 = Enumeration(bqm, dtype=np.float32).energies()
    assert E32.dtype == np.float32
    np.testing.assert_allclose(E32, ref, rtol=0, atol=1e-5 * scale)


def test_empty_model_and_offset_only():
    bqm = dimod.BQM({}, {}, 1.5, "SPIN")
    assert en.energies(bqm).tolist() == [1.5]
    assert en.count_below(bqm, 2.0) == 1 and en.count_below(bqm, 1.5) == 0
    assert en.minimum(bqm) == (0, 1.5)


@pytest.mark.parametrize("kind", ["normal", "pm1"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
def test_heads_and_counts_equal_brute_force_on_levels(kind, dtype, vartype):
    n = 11
    bqm = random_bqm(n, vartype, "str", seed=7, kind=kind)
    ref = brute(bqm)
    order = list(bqm.variables)
    val = 1 if vartype == "SPIN" else 0
    exclude = {order[2]: val, order[9]: 1}
    excl = brute_excluded(bqm, exclude)
    e = Enumeration(bqm, exclude, dtype, low_bits=4, block_states=64)
    levels = np.unique(ref)
    rng = np.random.default_rng(0)
    # thresholds exactly on energy levels (lowest, highest, random ones) and between levels
    picks = [levels[0], levels[1], levels[-1], *rng.choice(levels, 8)]
    picks += [np.nextafter(levels[3], -np.inf), np.nextafter(levels[3], np.inf), 1e9, -1e9]
    for t in picks:
        heads = (ref < t) & ~excl
        assert e.count_below(t) == int(heads.sum()), t
        np.testing.assert_array_equal(e.heads(t), np.flatnonzero(heads))
        np.testing.assert_array_equal(e.head_mask(t), heads)
        z = np.flatnonzero(heads)
        if z.size:
            for j in {0, z.size // 2, z.size - 1}:
                assert e.nth_head(t, j) == z[j]
        other = np.flatnonzero(~heads)
        if other.size:
            for j in {0, other.size // 3, other.size - 1}:
                assert e.nth_other(t, j) == other[j]
        with pytest.raises(InputError, match="out of range"):
            e.nth_head(t, int(z.size))


@pytest.mark.parametrize("kind", ["normal", "pm1"])
def test_lowest_and_minimum_equal_brute_force(kind):
    bqm = random_bqm(10, "BINARY", "tuple", seed=3, kind=kind)
    ref = brute(bqm)
    order = list(bqm.variables)
    exclude = {order[0]: 1}
    excl = brute_excluded(bqm, exclude)
    free = np.flatnonzero(~excl)
    want = free[np.lexsort((free, ref[free]))]  # by (energy, index)
    e = Enumeration(bqm, exclude, low_bits=3, block_states=32)
    for k in (1, 2, 7, 100, 2000):
        z, E = e.lowest(k)
        np.testing.assert_array_equal(z, want[:k])
        np.testing.assert_array_equal(E, ref[want[:k]])
    t = float(ref[want[40]])  # a threshold on a level: the heads are strictly below it
    z, _ = e.lowest(1000, below=t)
    np.testing.assert_array_equal(z, [s for s in want[:1000] if ref[s] < t])
    assert e.minimum() == (int(want[0]), float(ref[want[0]]))
    assert en.minimum(bqm, exclude) == e.minimum()


def test_random_head_is_uniform():
    bqm = random_bqm(8, "SPIN", "int", seed=5)
    ref = brute(bqm)
    t = float(np.sort(ref)[12])  # 12 heads
    heads = np.flatnonzero(ref < t)
    e = Enumeration(bqm, low_bits=2, block_states=8)
    rng = np.random.default_rng(1)
    draws = np.array([e.random_head(t, rng) for _ in range(6000)])
    assert set(draws.tolist()) == set(heads.tolist())
    counts = np.array([np.count_nonzero(draws == z) for z in heads])
    # each count is Binomial(6000, 1/12): mean 500, sd 21.5; 5 sd either way
    assert np.all(np.abs(counts - 500) < 5 * 21.5), counts
    many = e.random_heads(t, 6000, np.random.default_rng(2))
    counts = np.array([np.count_nonzero(many == z) for z in heads])
    assert counts.sum() == 6000 and np.all(np.abs(counts - 500) < 5 * 21.5), counts
    assert e.random_heads(float(ref.min()), 5, rng).size == 0
    assert en.random_head(bqm, float(ref.min()), seed=0) is None
    assert en.random_head(bqm, t, seed=3) == en.random_head(bqm, t, seed=3)


def test_table_refused_before_allocation(monkeypatch):
    monkeypatch.setattr(en, "available_memory", lambda: 2**20)
    bqm = random_bqm(18, "SPIN", "int", seed=0)
    with pytest.raises(TooManyQubitsError, match=r"2\^18 states needs 2\.0 MiB, 1\.0 MiB"):
        Enumeration(bqm).energies()
    # streaming needs no table
    assert Enumeration(bqm).count_below(0.0) == int(np.count_nonzero(brute(bqm) < 0.0))


def test_bad_input():
    bqm = random_bqm(3, "SPIN", "int", seed=0)
    with pytest.raises(InputError, match="dtype"):
        Enumeration(bqm, dtype=np.int32)
    with pytest.raises(InputError, match="not a variable"):
        Enumeration(bqm, {"nope": 1})
    with pytest.raises(InputError, match="k must be"):
        en.lowest(bqm, 0)
    big = dimod.BQM({i: 1.0 for i in range(40)}, {}, 0.0, "SPIN")
    with pytest.raises(TooManyQubitsError, match="2\\^40"):
        Enumeration(big)


def test_available_memory_is_psutils_capped_by_the_cgroup(tmp_path, monkeypatch):
    """psutil's available memory, the room under a cgroup limit when that is smaller; "max"
    or unreadable cgroup files leave psutil's figure. On Linux psutil's figure is the
    MemAvailable line of /proc/meminfo that the hand-written reader used (the cross-check)."""
    import collections
    import sys

    import psutil

    mem = collections.namedtuple("mem", "available")
    monkeypatch.setattr(psutil, "virtual_memory", lambda: mem(5000))
    (tmp_path / "max").write_text("2000\n")
    (tmp_path / "cur").write_text("500\n")
    (tmp_path / "unlimited").write_text("max\n")
    (tmp_path / "bad").write_text("lots\n")
    read = en._read_available_memory
    assert read(((str(tmp_path / "max"), str(tmp_path / "cur")),)) == 1500
    assert read(((str(tmp_path / "unlimited"), str(tmp_path / "cur")),)) == 5000
    assert read(((str(tmp_path / "bad"), str(tmp_path / "cur")),)) == 5000
    assert read(((str(tmp_path / "nope"), str(tmp_path / "cur")),)) == 5000
    (tmp_path / "cur").write_text("9000\n")  # over the limit: nothing left, not negative
    assert read(((str(tmp_path / "max"), str(tmp_path / "cur")),)) == 0
    monkeypatch.undo()
    if sys.platform.startswith("linux"):
        with open("/proc/meminfo") as f:
            line = next(x for x in f if x.startswith("MemAvailable:"))
        before = int(line.split()[1]) * 1024
        now = psutil.virtual_memory().available
        # read a moment apart on a shared machine: the same figure within 1 GiB
        assert abs(now - before) < 2**30, (now, before)
