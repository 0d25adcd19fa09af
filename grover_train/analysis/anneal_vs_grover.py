"""Annealing vs Grover across sizes: the cost of one cut on the replay trajectories.

At every replayed size the ``sa`` and ``sqa`` finders' reads to their first head are measured
on every ``anneal_every``-th head visit (:mod:`grover_train.studies.replay`); on *those same
visits* the exact expected queries of classical repetition (1/p_A) and of BBHT amplitude
amplification are charged, so the costs per cut are paired visit by visit.

Queries are each method's own unit (an annealing read, an energy evaluation, an oracle call),
so the table also gives a hardware-neutral unit, **Ising-term operations**: how many times a
term (one field h_i or one coupling J_ij) of the landscape's energy is applied.

- classical repetition: one query evaluates the energy once: T = n + |E| terms;
- sa: a read is ``sweeps`` Metropolis sweeps; each spin-update attempt reads the spin's own
  field and its couplings, so a sweep applies n + 2|E| terms;
- sqa: a read is ``sweeps`` sweeps over ``trotter`` coupled replicas (OpenJij's path-integral
  Monte Carlo); an update attempt reads the spin's field, its couplings and its two neighbours
  in imaginary time, so a sweep applies trotter (3n + 2|E|) terms;
- amplified: one oracle call computes the energy into a register and uncomputes it (2T term
  applications, each a controlled addition on hardware) and the diffusion touches n qubits:
  2T + n per query. On gate hardware each term costs a register-wide controlled addition,
  so this is a lower bound on two-qubit gates, and counts no error correction.

For the one-hidden-layer landscape (H hidden, C output spins) |E| = H C: every hidden spin
couples to every output spin.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

#: the methods in table order (the annealers only where the replay measured them)
METHODS = ("sa", "sqa", "classical", "amplified")
#: output spins C of the replayed task
CLASSES = 3


#: OpenJij's Trotter slices when the sqa finder leaves them unset
OPENJIJ_TROTTER = 4


def read_settings() -> dict[str, dict[str, int]]:
    """Sweeps (and Trotter slices) per read of the annealers as the replay runs them (their
    defaults).

    >>> read_settings()
    {'sa': {'sweeps': 100, 'trotter': 1}, 'sqa': {'sweeps': 100, 'trotter': 4}}
    """
    from grover_train.finders import get_finder

    sa, sqa = get_finder("sa"), get_finder("sqa")
    return {
        "sa": {"sweeps": int(sa.num_sweeps), "trotter": 1},
        "sqa": {"sweeps": int(sqa.num_sweeps), "trotter": int(sqa.trotter or OPENJIJ_TROTTER)},
    }


def ops_per_query(
    method: str, hidden: int, classes: int = CLASSES, sweeps: int = 100, trotter: int = 4
) -> int:
    """Ising-term operations of one query of ``method`` on an (H, C) landscape.

    >>> [ops_per_query(m, 8) for m in METHODS]   # n = 11, |E| = 24, T = 35
    [5900, 32400, 35, 81]
    """
    n, edges = hidden + classes, hidden * classes
    terms = n + edges
    if method == "classical":
        return terms
    if method == "amplified":
        return 2 * terms + n
    if method == "sa":
        return sweeps * (n + 2 * edges)
    if method == "sqa":
        return sweeps * trotter * (3 * n + 2 * edges)
    raise ValueError(f"unknown method {method!r}: use one of {', '.join(METHODS)}")


@dataclass(frozen=True)
class CutCost:
    """Mean queries per cut of one method at one size, 95 % t interval over seeds."""

    mean: float
    lo: float
    hi: float
    ops: float  # the mean in Ising-term operations


def _t(values: list[float]) -> tuple[float, float, float]:
    v = np.asarray(values, dtype=float)
    m = float(v.mean())
    if v.size < 2:
        return m, math.nan, math.nan
    half = float(stats.t.ppf(0.975, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size))
    return m, m - half, m + half


def cost_per_cut(sizes: Mapping[int, Any]) -> dict[int, dict[str, CutCost]]:
    """Per size n (with annealers measured): method -> :class:`CutCost`, from each seed's
    ``anneal_per_cut`` (:class:`grover_train.analysis.replay_fit.SeedFit`)."""
    out: dict[int, dict[str, CutCost]] = {}
    settings = read_settings()
    for n, res in sorted(sizes.items()):
        per_seed = [f.anneal_per_cut for f in res.fits if f.anneal_per_cut]
        if not per_seed:
            continue
        hidden = n - CLASSES
        row = {}
        for m in METHODS:
            if not all(m in d for d in per_seed):
                continue
            mean, lo, hi = _t([d[m] for d in per_seed])
            ops = ops_per_query(m, hidden, **settings.get(m, {}))
            row[m] = CutCost(mean, lo, hi, mean * ops)
        out[n] = row
    return out


def _methods(table: Mapping[int, Mapping[str, CutCost]]) -> list[str]:
    """The methods measured at every size, in table order."""
    return [m for m in METHODS if all(m in row for row in table.values())]


def exponents_keys(table: Mapping[int, Mapping[str, CutCost]]) -> dict[str, Any]:
    """Flat ``anneal_vs_grover.*`` keys of exponents.json."""
    methods = _methods(table)
    out: dict[str, Any] = {"anneal_vs_grover.sizes": sorted(table)}
    out["anneal_vs_grover.unit"] = (
        "queries (sa, sqa: annealing reads; classical: energy evaluations; amplified: oracle "
        "calls); "
        "cost_per_cut_ops in Ising-term operations (docs/measuring.md)"
    )
    for n, row in sorted(table.items()):
        out[f"anneal_vs_grover.n{n}.cost_per_cut"] = {m: row[m].mean for m in methods}
        out[f"anneal_vs_grover.n{n}.cost_per_cut_ci"] = {m: [row[m].lo, row[m].hi] for m in methods}
        out[f"anneal_vs_grover.n{n}.cost_per_cut_ops"] = {m: row[m].ops for m in methods}
    return out


def markdown(table: Mapping[int, Mapping[str, CutCost]]) -> str:
    """The report's table ("" when no annealer was measured)."""
    if not table:
        return ""
    methods = _methods(table)
    unit = {"sa": "reads", "sqa": "reads", "classical": "queries", "amplified": "queries"}
    head = [f"{m} {unit[m]}" for m in methods] + [f"{m} ops" for m in methods]
    lines = ["| n | " + " | ".join(head) + " |", "|---" * (len(head) + 1) + "|"]
    for n, row in sorted(table.items()):
        q = " | ".join(f"{row[m].mean:.3g} [{row[m].lo:.3g}, {row[m].hi:.3g}]" for m in methods)
        o = " | ".join(f"{row[m].ops:.3g}" for m in methods)
        lines.append(f"| {n} | {q} | {o} |")
    return "\n".join(lines)


def plot(table: Mapping[int, Mapping[str, CutCost]], path: Path) -> bool:
    """Cost per cut against n, in queries and in Ising-term operations (False when empty)."""
    if not table:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = sorted(table)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    colors = {
        "sa": "tab:green",
        "sqa": "tab:purple",
        "classical": "tab:blue",
        "amplified": "tab:red",
    }
    for m in _methods(table):
        mean = np.array([table[n][m].mean for n in ns])
        lo = np.array([table[n][m].lo for n in ns])
        hi = np.array([table[n][m].hi for n in ns])
        err = np.nan_to_num(np.array([mean - lo, hi - mean]), nan=0.0)
        axes[0].errorbar(ns, mean, yerr=err, marker="o", capsize=3, color=colors[m], label=m)
        axes[1].plot(ns, [table[n][m].ops for n in ns], "o-", color=colors[m], label=m)
    axes[0].set_ylabel("queries per cut (own unit; 95 % t interval)")
    axes[1].set_ylabel("Ising-term operations per cut")
    for ax in axes:
        ax.set_yscale("log")
        ax.set_xlabel("n = H + 3 spins")
        ax.legend(fontsize=8)
    axes[0].set_title("cost of one cut on the replay trajectories")
    axes[1].set_title("in a hardware-neutral unit")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


__all__ = [
    "METHODS",
    "CutCost",
    "cost_per_cut",
    "exponents_keys",
    "markdown",
    "ops_per_query",
    "read_settings",
]
