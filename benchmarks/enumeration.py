"""(e) The analytic engine: energies of all 2^n states, and Durr-Hoyer searches up to n = 30.

Part 1, energies per second of dense SK spin glasses, n = 20, 24, 28, side by side in one
process (median of repeated cold calls):

- ``blocked``: :func:`grover_train.enumeration.energies`, the full float64 table (a fresh
  2^n array, as every caller gets it), and float32;
- ``streamed``: one counting pass of :class:`~grover_train.enumeration.Enumeration` (blocks
  computed into one reused buffer and reduced while in cache: what head counts cost);
- ``doubling``: the routine ``energy_vector`` used before (``np.concatenate`` per variable),
  kept here only as the reference;
- ``copy``: a plain numpy copy of a float64 array of the same size into a fresh array: the
  memory-bandwidth figure of this machine for writing 2^n float64 numbers.

Every routine gets one untimed call first, then 3 rounds call each routine once in turn (the
same machine load for all) and the median is printed; at n = 28 the doubling routine is timed
once, after the others.

Part 2, ``grover-train search --bqm FILE --schedule dh --backend exact --seed S --json`` on
dense SK models at n = 24, 28, 30, each in its own process: wall time, peak resident memory
(the child's VmHWM) and whether the energy found is the ground state: by an independent brute
force (explicit spin rows and the symmetric quadratic form s^T J s, no split of the variables)
up to n = 24, by the engine's streamed minimum above (``--brute N`` runs the brute force alone).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import dimod
import numpy as np

from benchmarks.common import median_time, table, verdict

TITLE = "(e) the analytic engine: blocked energies vs doubling vs copy; dh search on exact"
SIZES, QUICK_SIZES = (20, 24, 28), (16, 20)
DH_SIZES, QUICK_DH_SIZES = (24, 28, 30), (16, 20)
#: the doubling reference allocates ~3 tables at once: skip it above this size
DOUBLING_MAX = 28
#: above this size the doubling reference is timed once, after the others (~20 s a call)
DOUBLING_INTERLEAVED_MAX = 24
#: the explicit brute force runs at ~4 million states per second: above this size the ground
#: state comes from the engine's streamed minimum (itself checked against brute force in the
#: tests; ``python -m benchmarks.enumeration --brute 28`` runs the brute force at n = 28, ~1 min)
BRUTE_MAX = 24


def sk_bqm(n: int, seed: int) -> dimod.BinaryQuadraticModel:
    """Dense Sherrington-Kirkpatrick spin glass: J_ij ~ N(0, 1/n), h = 0.

    >>> sk_bqm(4, 0).num_interactions
    6
    """
    rng = np.random.default_rng(seed)
    J = {(i, j): rng.normal() / np.sqrt(n) for i in range(n) for j in range(i + 1, n)}
    return dimod.BQM({i: 0.0 for i in range(n)}, J, 0.0, "SPIN")


def doubling_energies(bqm: dimod.BinaryQuadraticModel) -> np.ndarray:
    """The previous ``energy_vector``: O(n 2^n) by doubling, one concatenation per step.

    >>> bqm = dimod.BQM({0: 1.0, 1: -2.0}, {(0, 1): 0.5}, 0.25, 'SPIN')
    >>> doubling_energies(bqm).tolist()
    [1.75, 2.75, -3.25, -0.25]
    """
    n = bqm.num_variables
    spin = bqm.spin if bqm.vartype is dimod.BINARY else bqm
    order = list(bqm.variables)
    index = {v: i for i, v in enumerate(order)}
    h = np.array([spin.get_linear(v) for v in order], dtype=float)
    J = np.zeros((n, n))
    for (u, v), bias in spin.quadratic.items():
        i, j = index[u], index[v]
        J[max(i, j), min(i, j)] += bias
    E = np.array([float(spin.offset)])
    for i in range(n):
        f = np.array([h[i]])
        for j in range(i):
            if J[i, j] != 0.0:
                f = np.concatenate([f - J[i, j], f + J[i, j]])
            else:
                f = np.concatenate([f, f])
        E = np.concatenate([E - f, E + f])
    return E


def brute_minimum(bqm: dimod.BinaryQuadraticModel, chunk_bits: int = 16) -> float:
    """Ground-state energy by explicit spin rows: E = offset + S h + rowsum((S J_sym) * S) / 2.

    Independent of the engine (no split of the variables, no rounding-band logic).

    >>> brute_minimum(dimod.BQM({0: 1.0, 1: -2.0}, {(0, 1): 0.5}, 0.25, 'SPIN'))
    -3.25
    """
    spin = bqm.spin if bqm.vartype is dimod.BINARY else bqm
    order = list(bqm.variables)
    n = len(order)
    h = np.array([spin.get_linear(v) for v in order], dtype=float)
    J = np.zeros((n, n))
    for (u, v), bias in spin.quadratic.items():
        i, j = order.index(u), order.index(v)
        J[i, j] += bias
        J[j, i] += bias
    c = min(chunk_bits, n)
    low = ((np.arange(2**c)[:, None] >> np.arange(c)) & 1) * 2.0 - 1.0
    S = np.empty((2**c, n))
    S[:, :c] = low
    best = np.inf
    for hi in range(2 ** (n - c)):
        S[:, c:] = ((hi >> np.arange(n - c)) & 1) * 2.0 - 1.0
        E = S @ h + 0.5 * np.einsum("bi,bi->b", S @ J, S)
        best = min(best, float(E.min()))
    return float(spin.offset) + best


def rate(n: int, seconds: float) -> float:
    """Millions of energies per second."""
    return 2**n / seconds / 1e6


def interleaved(fns: dict, repeat: int, warm: bool = True) -> tuple[dict, dict]:
    """Median seconds of each function over ``repeat`` rounds that call every function once,
    in turn, after one untimed call of each: the routines see the same machine load (it varies
    by 2x within minutes on a shared machine), and the first large allocations of a process,
    several times slower than later ones, are not timed. Returns (seconds, last results)."""
    if warm:
        for fn in fns.values():
            fn()
    times: dict = {k: [] for k in fns}
    results: dict = {}
    for _ in range(max(1, repeat)):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            results[k] = fn()
            times[k].append(time.perf_counter() - t0)
            if k not in ("blocked",):
                results[k] = results[k] if np.ndim(results[k]) == 0 else None  # free tables
    return {k: float(np.median(v)) for k, v in times.items()}, results


def energy_rates(n: int, repeat: int) -> dict:
    """Median seconds of each routine at size n, and the max deviations of the results."""
    from grover_train.enumeration import Enumeration, energies

    bqm = sk_bqm(n, seed=n)

    def stream():
        e = Enumeration(bqm)
        e._block_min = np.full(e.num_blocks, -np.inf)  # time the counting pass alone
        return e.count_below(0.0)

    src = np.random.default_rng(0).random(2**n)
    fns = {
        "blocked": lambda: energies(bqm),
        "float32": lambda: energies(bqm, np.float32),
        "streamed": stream,
        "copy": src.copy,
    }
    big = n > DOUBLING_INTERLEAVED_MAX
    if not big:
        fns["doubling"] = lambda: doubling_energies(bqm)
    seconds, results = interleaved(fns, repeat)
    del src
    E = results["blocked"]
    assert results["streamed"] == int(np.count_nonzero(E < 0.0))
    dev32 = float(np.max(np.abs(energies(bqm, np.float32) - E)))
    dev = None
    if n <= DOUBLING_MAX:
        if big:  # one call of ~20 s, after the others have warmed the heap
            seconds["doubling"], R = median_time(lambda: doubling_energies(bqm), 1)
        else:
            R = doubling_energies(bqm)
        dev = float(np.max(np.abs(R - E)) / np.max(np.abs(R)))
    return {"seconds": seconds, "dev_float64": dev, "dev_float32": dev32}


def dh_run(n: int, seed: int, workdir: str) -> dict:
    """One CLI search in its own process: its JSON, wall seconds and peak RSS (MiB)."""
    bqm = sk_bqm(n, seed=100 + n)
    path = os.path.join(workdir, f"sk{n}.json")
    with open(path, "w") as f:
        json.dump(bqm.to_serializable(), f)
    args = ["search", "--bqm", path, "--schedule", "dh", "--backend", "exact"]
    args += ["--seed", str(seed), "--json"]
    # the child reports its own peak (VmHWM of the new process image: the pages the parent had
    # at fork time, which ru_maxrss would count, are not included)
    code = (
        "import atexit, runpy, sys\n"
        "def peak():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM:'):\n"
        "            sys.stderr.write('PEAK_KIB ' + line.split()[1] + '\\n')\n"
        "atexit.register(peak)\n"
        f"sys.argv = ['grover-train', *{args!r}]\n"
        "runpy.run_module('grover_train', run_name='__main__')\n"
    )
    cmd = [sys.executable, "-c", code]
    out, err = os.path.join(workdir, f"out{n}.txt"), os.path.join(workdir, f"err{n}.txt")
    t0 = time.perf_counter()
    with open(out, "w") as fo, open(err, "w") as fe:
        code = subprocess.call(cmd, stdout=fo, stderr=fe)
    wall = time.perf_counter() - t0
    with open(out) as fo, open(err) as fe:
        stdout, stderr = fo.read(), fe.read()
    if code != 0:
        raise RuntimeError(f"search failed at n = {n}: {stderr.strip()}")
    peaks = [line.split()[1] for line in stderr.splitlines() if line.startswith("PEAK_KIB")]
    peak = int(peaks[-1]) / 1024 if peaks else float("nan")
    res = json.loads(stdout.strip().splitlines()[-1])
    t1 = time.perf_counter()
    if n <= BRUTE_MAX:
        ground, how = brute_minimum(bqm), "brute force"
    else:
        from grover_train.enumeration import minimum

        ground, how = minimum(bqm)[1], "engine minimum"
    return {
        "n": n,
        "wall": wall,
        "peak_mib": peak,
        "energy": res["energy"],
        "ground": ground,
        "how": how,
        "check_s": time.perf_counter() - t1,
        "queries": res["queries"],
        "rounds": res["rounds"],
    }


def main(quick: bool = False) -> list[str]:
    sizes = QUICK_SIZES if quick else SIZES
    print(TITLE)
    print("energies of dense SK spin glasses; millions of energies per second (median of 3)")
    rows, verdicts, ratio24 = [], [], None
    for n in sizes:
        r = energy_rates(n, repeat=3)
        s = r["seconds"]
        dbl = rate(n, s["doubling"]) if "doubling" in s else None
        blk = rate(n, s["blocked"])
        rows.append(
            [
                n,
                round(blk),
                round(rate(n, s["float32"])),
                round(rate(n, s["streamed"])),
                round(dbl, 1) if dbl else "-",
                round(rate(n, s["copy"])),
                f"{blk / dbl:.1f}x" if dbl else "-",
                f"{blk / rate(n, s['copy']):.2f}",
                f"{r['dev_float64']:.1e}" if r["dev_float64"] is not None else "-",
                f"{r['dev_float32']:.1e}",
            ]
        )
        if n == 24 and dbl:
            ratio24 = (blk / dbl, rate(n, s["streamed"]) / dbl, blk / rate(n, s["copy"]))
    print(
        table(
            [
                "n",
                "blocked f64",
                "blocked f32",
                "streamed",
                "doubling",
                "copy",
                "blocked/doubling",
                "blocked/copy",
                "rel dev f64",
                "abs dev f32",
            ],
            rows,
        )
    )
    if ratio24 is not None:
        table_x, stream_x, copy_x = ratio24
        verdicts.append(
            verdict(
                "e1 (streamed)",
                stream_x >= 20,
                f"every float64 energy at n = 24 computed and reduced in cache: {stream_x:.1f}x "
                "the doubling routine (target >= 20x)",
            )
        )
        verdicts.append(
            verdict(
                "e1 (table)",
                table_x >= 20,
                f"the float64 table in a fresh 2^24 array: {table_x:.1f}x the doubling routine "
                f"(target >= 20x), {copy_x:.2f}x the rate of a numpy copy into a fresh array, "
                "which bounds any routine that returns a new table on this machine",
            )
        )
    dh_sizes = QUICK_DH_SIZES if quick else DH_SIZES
    print()
    print(
        "grover-train search --schedule dh --backend exact (no threshold: random start, "
        "budget 22.5 sqrt(2^n)), one process per size; ground state by an independent brute "
        f"force up to n = {BRUTE_MAX}, by the engine's streamed minimum above"
    )
    rows = []
    with tempfile.TemporaryDirectory() as d:
        runs = [dh_run(n, seed=0, workdir=d) for n in dh_sizes]
    for r in runs:
        rows.append(
            [
                r["n"],
                f"{r['wall']:.1f}",
                f"{r['peak_mib']:.0f}",
                r["queries"],
                r["rounds"],
                f"{r['energy']:.6f}",
                f"{r['ground']:.6f}",
                r["how"],
                abs(r["energy"] - r["ground"]) < 1e-9,
            ]
        )
    print(
        table(
            [
                "n",
                "wall s",
                "peak MiB",
                "queries",
                "rounds",
                "energy",
                "ground",
                "ground by",
                "ground found",
            ],
            rows,
        )
    )
    big = [r for r in runs if r["n"] == 28]
    if big:
        r = big[0]
        ok = abs(r["energy"] - r["ground"]) < 1e-9 and r["wall"] < 60 and r["peak_mib"] < 10240
        verdicts.append(
            verdict(
                "e2",
                ok,
                f"dh at n = 28: ground state {'found' if ok else 'check the table'}, "
                f"{r['wall']:.1f} s (target < 60 s), peak {r['peak_mib']:.0f} MiB "
                "(target < 10 GB)",
            )
        )
    return verdicts


if __name__ == "__main__":
    if "--brute" in sys.argv:  # the independent ground-state check of one dh instance
        n = int(sys.argv[sys.argv.index("--brute") + 1])
        t0 = time.perf_counter()
        print(f"n = {n}: brute-force ground energy {brute_minimum(sk_bqm(n, seed=100 + n)):.12f}")
        print(f"({time.perf_counter() - t0:.0f} s)")
    else:
        for line in main(quick="--quick" in sys.argv):
            print(line)
