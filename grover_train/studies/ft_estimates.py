"""Fault-tolerant resources of the coherent search, beside the measured classical query cost.

The hardware-oracle Grover iterate of a training-level landscape (the free Ising model of a
random dragon network (D, H, C) = (12, n - 3, 3), the shape of the training-level study, at a
random +-1 input, label 0 excluded, 6-bit quantization) is exported from Qiskit to the
**Azure Quantum Resource Estimator** (the ``qsharp``/``qdk`` package, ``qdk.qiskit.estimate``),
which compiles it to a surface-code machine: logical qubits, T states (rotations synthesised
into T gates), code distance and the runtime of one iterate, i.e. **the wall time of one
query**. Physical assumptions are the estimator's named profiles: ``qubit_gate_ns_e3``
(gate-based, 50 ns gates, 100 ns measurement, error 1e-3, "realistic") and ``qubit_gate_ns_e4``
(error 1e-4, "optimistic"), surface code (threshold 1e-2, logical cycle
(4 t_2q + 2 t_meas) d); the error budget of one iterate is 1 % divided by the number of
queries a search at that n makes, so the whole search fails with at most 1 %.

The classical query is one energy evaluation, **measured here** (numpy, a batch of states per
call, the cheapest form; seconds per state). The crossover uses the training-level exponents
measured by the replay (docs/measuring.md): queries per cut ~ exp(0.668 n) classical and
exp(0.309 n) amplified (natural log per spin), anchored at n = 11 (1,160 queries per cut for
uniform sampling; the amplified anchor is the mean BBHT cost at the same p_A). Coherent
head-finding wins in wall time at the n where t_query(n) Q_amp(n) = t_energy(n) Q_cl(n);
t_query is interpolated in log-log between the estimated sizes and extrapolated by its last
slope.
"""

from __future__ import annotations

import json
import math
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

#: measured training-level slopes of log(queries per cut) against n (docs/measuring.md)
SLOPE_CLASSICAL, SLOPE_AMPLIFIED = 0.668, 0.309
#: anchor: uniform sampling needs 1,160 queries per cut at n = 11 (docs/measuring.md)
ANCHOR_N, ANCHOR_CLASSICAL = 11, 1160.0
#: the estimator's qubit profiles used
PROFILES = ("qubit_gate_ns_e3", "qubit_gate_ns_e4")


def ft_landscape(n: int, seed: int = 0):
    """Free landscape of a random dragon network (12, n - 3, 3) at a random input, with the
    head threshold and the exclusion of label 0 (as in training).

    >>> bqm, tau, excl = ft_landscape(10)
    >>> bqm.num_variables
    10
    """
    from grover_train.model.landscape import free_bqm, head_threshold, label_exclusion
    from grover_train.model.network import DragonNetwork

    net = DragonNetwork.random(12, n - 3, 3, seed=seed)
    x = np.where(np.random.default_rng(seed).random(12) < 0.5, -1.0, 1.0)
    return free_bqm(net, x), head_threshold(net, x, 0), label_exclusion(net, 0)


@lru_cache(maxsize=1)
def _amplified_anchor() -> float:
    from grover_train.studies.replay import bbht_costs

    p = 1.0 / ANCHOR_CLASSICAL
    return float(bbht_costs(np.full(20000, p), ANCHOR_N, np.random.default_rng(0)).mean())


def queries_per_cut(n: float) -> tuple[float, float]:
    """(classical, amplified) queries per cut at n from the measured slopes and the n = 11
    anchor (amplified anchor: mean BBHT cost at p_A = 1 / 1160, 20,000 seeded draws).

    >>> qc, qa = queries_per_cut(11)
    >>> qc, 30 < qa < 120
    (1160.0, True)
    """
    dn = float(n) - ANCHOR_N
    return (
        ANCHOR_CLASSICAL * math.exp(SLOPE_CLASSICAL * dn),
        _amplified_anchor() * math.exp(SLOPE_AMPLIFIED * dn),
    )


def energy_eval_seconds(n: int, batch: int = 4096, repeats: int = 20) -> float:
    """Measured seconds per energy evaluation of one state (numpy on one core, dense
    couplings, a batch of states per call; the best of ``repeats``).

    >>> 0 < energy_eval_seconds(8, batch=64, repeats=2) < 1e-3
    True
    """
    rng = np.random.default_rng(n)
    J = np.triu(rng.normal(size=(n, n)), 1)
    h = rng.normal(size=n)
    s = rng.choice([-1.0, 1.0], size=(batch, n))
    from threadpoolctl import threadpool_limits

    best = math.inf
    with threadpool_limits(1):  # one core: BLAS threads only contend at these sizes
        for _ in range(repeats):
            t0 = time.perf_counter()
            e = s @ h + ((s @ J) * s).sum(axis=1)
            best = min(best, time.perf_counter() - t0)
    assert e.shape == (batch,)
    return best / batch


def estimate_iterate(n: int, profile: str, error_budget: float, seed: int = 0) -> dict[str, Any]:
    """Azure Quantum Resource Estimator numbers for one Grover iterate at n."""
    import warnings

    from qdk.qiskit import estimate

    from grover_train.finders.coherent.circuits import grover_iterate
    from grover_train.finders.coherent.marking import OracleQuantizer, QuantizationWarning
    from grover_train.finders.search_problem import SearchProblem

    bqm, tau, excl = ft_landscape(n, seed)
    problem = SearchProblem(bqm, tau, excl)
    qz = OracleQuantizer({"bits": 6})
    with warnings.catch_warnings():  # n > 20: the band cannot be enumerated; costs unaffected
        warnings.simplefilter("ignore", QuantizationWarning)
        quant = qz.quantization(problem)
    g = grover_iterate(bqm, "uniform", exclude=excl, quantization=quant)
    g = g.assign_parameters({g.parameters[0]: qz.marking(problem).integer_threshold})
    t0 = time.perf_counter()
    res = estimate(
        g,
        {
            "qubitParams": {"name": profile},
            "qecScheme": {"name": "surface_code"},
            "errorBudget": float(error_budget),
        },
    )
    d = res.data() if callable(getattr(res, "data", None)) else res
    pc, lc, lq = d["physicalCounts"], d["logicalCounts"], d["logicalQubit"]
    br = pc["breakdown"]
    return {
        "n": n,
        "profile": profile,
        "error_budget": float(error_budget),
        "circuit_qubits": g.num_qubits,
        "logical_qubits": int(br["algorithmicLogicalQubits"]),
        "t_count": int(lc["tCount"]),
        "rotations": int(lc["rotationCount"]),
        "t_states": int(br["numTstates"]),
        "ts_per_rotation": int(br["numTsPerRotation"]),
        "logical_depth": int(br["logicalDepth"]),
        "code_distance": int(lq["codeDistance"]),
        "logical_cycle_ns": float(lq["logicalCycleTime"]),
        "physical_qubits": int(pc["physicalQubits"]),
        "runtime_s": float(pc["runtime"]) * 1e-9,
        "estimate_wall_s": time.perf_counter() - t0,
    }


def crossover_n(rows: list[dict], t_energy: dict[int, float]) -> float | None:
    """The n at which t_query(n) Q_amp(n) = t_energy Q_cl(n) (log-log interpolation of the
    per-query runtime in n, extrapolated by its last slope; None beyond n = 400)."""
    ns = np.array([r["n"] for r in rows], float)
    lt = np.log([r["runtime_s"] for r in rows])
    slope = (lt[-1] - lt[-2]) / (math.log(ns[-1]) - math.log(ns[-2])) if len(ns) > 1 else 0.0
    te_n = np.array(sorted(t_energy), float)
    te_v = np.log([t_energy[k] for k in sorted(t_energy)])

    def t_query(n: float) -> float:
        if n <= ns[-1]:
            return math.exp(float(np.interp(math.log(n), np.log(ns), lt)))
        return math.exp(lt[-1] + slope * (math.log(n) - math.log(ns[-1])))

    def t_e(n: float) -> float:
        return math.exp(float(np.interp(n, te_n, te_v)))  # flat beyond the measured sizes

    def gap(n: float) -> float:
        qc, qa = queries_per_cut(n)
        return math.log(t_query(n) * qa) - math.log(t_e(n) * qc)

    lo = float(ns[0])
    if gap(lo) <= 0:
        return lo
    for n in np.arange(lo, 400.0, 0.25):
        if gap(n) <= 0:
            return float(n)
    return None


def run_ft_study(
    sizes: tuple[int, ...] = (10, 15, 20, 25, 30, 40, 50),
    out_dir: str | Path | None = None,
    profiles: tuple[str, ...] = PROFILES,
) -> dict[str, Any]:
    """Estimate every size under both profiles, measure the classical query, find the
    crossover; write ``ft_estimates.json`` and ``ft_estimates.md``."""
    t_energy = {n: energy_eval_seconds(n) for n in sorted({*sizes, 40, 60, 100})}
    rows = []
    for profile in profiles:
        for n in sizes:
            _, qa = queries_per_cut(n)
            rows.append(estimate_iterate(n, profile, 0.01 / max(qa, 1.0)))
    cross = {p: crossover_n([r for r in rows if r["profile"] == p], t_energy) for p in profiles}
    out = {
        "rows": rows,
        "energy_eval_s": {str(k): v for k, v in t_energy.items()},
        "crossover_n": cross,
        "slopes": {"classical": SLOPE_CLASSICAL, "amplified": SLOPE_AMPLIFIED},
        "anchor": {"n": ANCHOR_N, "classical_queries_per_cut": ANCHOR_CLASSICAL},
        "queries_per_cut": {str(n): queries_per_cut(n) for n in sizes},
    }
    if out_dir is not None:
        path = Path(out_dir)
        path.mkdir(parents=True, exist_ok=True)
        (path / "ft_estimates.json").write_text(json.dumps(out, indent=1))
        (path / "ft_estimates.md").write_text(ft_table(out))
    return out


def ft_table(study: dict[str, Any]) -> str:
    """Markdown table of the estimates, the classical query and the crossover."""
    # rows written by hand, not DataFrame.to_markdown / tabulate: to_markdown needs tabulate,
    # which no extra installs (and pandas is itself optional), and each cell has its own format
    # (intervals, "no gain" rows) that would be built in this same loop before handing over
    lines = [
        "| profile | n | logical qubits | T count + rotations (per iterate) | T states | code "
        "distance | physical qubits | wall time per query | classical query | "
        "queries/cut cl. / amp. |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in study["rows"]:
        te = study["energy_eval_s"][str(r["n"])]
        qc, qa = study["queries_per_cut"][str(r["n"])]
        lines.append(
            f"| {r['profile']} | {r['n']} | {r['logical_qubits']} | {r['t_count']} + "
            f"{r['rotations']} | {r['t_states']:,} | {r['code_distance']} | "
            f"{r['physical_qubits']:,} | {r['runtime_s'] * 1e3:.3g} ms | {te * 1e9:.3g} ns | "
            f"{qc:.3g} / {qa:.3g} |"
        )
    lines.append("")
    for p, n in study["crossover_n"].items():
        lines.append(
            f"- {p}: coherent head-finding beats classical repetition in wall time from n = {n:g}"
            if n is not None
            else f"- {p}: no crossover below n = 400"
        )
    return "\n".join(lines) + "\n"
