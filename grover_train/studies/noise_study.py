"""Noise study: where does amplitude amplification still beat classical repetition?

For random spin glasses (+-1 fields and couplings, all pairs; heads = the ground states) at
n = 3..8 and the ``uniform`` and ``dqa`` preparations:

1. **Simulated points.** The hardware-oracle search circuit (``aer`` backend) with Aer
   depolarizing noise, p2 on every CX and p1 = p2 / 10 on sx/x (rz is virtual), swept over
   p2 = 1e-5..1e-2, r = 0..2 iterates; exact noisy probabilities from Aer's **density-matrix**
   method. Density matrices are exact (no shot noise, so a fit needs few points) and affordable
   up to ~10 circuit qubits, which is why the simulated sizes stop there (n = 3, 4; the value
   register adds 5-6 qubits). The fake devices' own noise models (gate, readout and thermal
   errors from their calibration snapshots) are sampled with shots (trajectories) on the
   device-routed ISA circuit.
2. **Fidelity model**, fitted to the simulated points (one parameter lambda, bootstrap interval):
   ``p_head(r) = F p_ideal(r) + (1 - F) p_uniform``, ``F = exp(-lambda p2 G2(r))``, with G2(r)
   the CX count of A and r iterates and p_uniform = |heads| / 2^n (a depolarized problem
   register is uniform); checked against every simulated point (max and RMS deviation).
3. **Expected queries to the first head**: a round of r iterates costs r + 1 queries (design
   section 3) and succeeds with p_head(r), so E[Q] = (r + 1) / p_head(r) at the best fixed r;
   classical repetition of the same (noisy) preparation is r = 0. The **break-even two-qubit
   error rate** is the largest p2 at which some r >= 1 needs fewer expected queries than r = 0;
   it is computed per landscape (8 seeds per n, G2 from the transpiled iterate, p_ideal from
   the exact backend) and reported as a mean of log10 with a t interval over seeds. The
   **effective search exponent** is the slope of log2 E[Q] against n (best r, median over
   seeds), per p2.

:func:`run_noise_study` runs everything and writes ``noise_study.json``, ``noise_study.md`` and
``noise_study.png``; :func:`run_noise_spec` is the sweep runner of kind ``noise`` (one
landscape); :func:`noise_study_from_summaries` and :func:`noise_study_from_store` rebuild the
study from run summaries or from the finished ``noise`` runs of a results store.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import dimod
import numpy as np

#: p2 values simulated (two-qubit depolarizing error); one-qubit error is p2 / 10
P2_SWEEP = (1e-5, 1e-4, 1e-3, 1e-2)
#: ratio of one- to two-qubit error in the depolarizing model
P1_RATIO = 0.1


def spin_glass(n: int, seed: int) -> tuple[dimod.BinaryQuadraticModel, float]:
    """A +-1 spin glass on n spins (fields and all couplings) and the threshold that marks
    exactly its ground states.

    >>> bqm, tau = spin_glass(3, 0)
    >>> bqm.num_variables, bqm.num_interactions
    (3, 3)
    """
    rng = np.random.default_rng([n, seed, 13])
    h = {i: float(rng.choice([-1.0, 1.0])) for i in range(n)}
    J = {(i, j): float(rng.choice([-1.0, 1.0])) for i in range(n) for j in range(i + 1, n)}
    bqm = dimod.BQM(h, J, 0.0, "SPIN")
    from grover_train.finders.search_problem import SearchProblem

    e_min = float(SearchProblem(bqm, 0.0).energies.min())
    return bqm, e_min + 0.5  # integer energies: +0.5 marks exactly the minima


def _prep(kind: str):
    from grover_train.finders.coherent.prep import Preparation

    return Preparation(kind) if kind == "uniform" else Preparation(kind, steps=4, dt=0.8)


def noise_model(p2: float):
    """Aer depolarizing model: p2 on cx, p2 * :data:`P1_RATIO` on sx and x."""
    from grover_train.finders.coherent.backends.aer import default_noise_model

    return default_noise_model(P1_RATIO * float(p2), float(p2))


@dataclass
class Landscape:
    """Noise-free facts of one landscape and preparation: the model needs only these."""

    n: int
    seed: int
    prep: str
    heads: int
    p_uniform: float
    p_ideal: list[float]  # head probability after r = 0, 1, ... iterates (exact backend)
    g2_prep: int  # CX in A (noise basis)
    g2_iterate: int  # CX in one iterate
    num_qubits: int

    def g2(self, r: int) -> int:
        return self.g2_prep + r * self.g2_iterate


def landscape_facts(n: int, seed: int, prep: str, r_max: int | None = None) -> Landscape:
    """Exact head probabilities for r = 0..r_max (default: past the first maximum) and the CX
    counts of the transpiled circuit blocks (the ones the noisy simulation runs)."""
    from grover_train.finders.coherent.backends import get_backend
    from grover_train.finders.coherent.backends.aer import AerBackend
    from grover_train.finders.search_problem import SearchProblem

    bqm, tau = spin_glass(n, seed)
    problem = SearchProblem(bqm, tau)
    A = _prep(prep)
    exact = get_backend("exact")
    p0 = float(exact.probabilities(problem, A, 0)[problem.marked].sum())
    if r_max is None:
        r_max = max(2, math.ceil(math.pi / (4 * math.asin(math.sqrt(max(p0, 1e-12))))) + 1)
    p_ideal = [p0] + [
        float(exact.probabilities(problem, A, r)[problem.marked].sum()) for r in range(1, r_max + 1)
    ]
    counted = AerBackend(noise=noise_model(1e-3), max_qubits=64)  # transpiles to noise basis
    blocks = counted._blocks(problem, A)
    return Landscape(
        n=n,
        seed=seed,
        prep=prep,
        heads=int(problem.marked.sum()),
        p_uniform=float(problem.marked.mean()),
        p_ideal=p_ideal,
        g2_prep=int(blocks["prep"].count_ops().get("cx", 0)),
        g2_iterate=int(blocks["iterate"].count_ops().get("cx", 0)),
        num_qubits=int(blocks["width"]),
    )


def simulate_head_probability(n: int, seed: int, prep: str, r: int, p2: float | None) -> float:
    """Exact (density-matrix) head probability after r iterates under depolarizing p2
    (None: noiseless statevector); beyond 14 circuit qubits a shot estimate seeded by the
    landscape's ``seed``."""
    from grover_train.finders.coherent.backends.aer import AerBackend
    from grover_train.finders.search_problem import SearchProblem

    bqm, tau = spin_glass(n, seed)
    problem = SearchProblem(bqm, tau)
    if p2 is None:
        backend = AerBackend()
    else:
        backend = AerBackend(noise=noise_model(p2), max_density_qubits=14, max_qubits=64)
    p = backend.probabilities(problem, _prep(prep), int(r), np.random.default_rng(seed))
    return float(np.asarray(p)[problem.marked].sum())


def simulate_device(
    n: int, seed: int, prep: str, r: int, device: str, shots: int
) -> dict[str, Any]:
    """Head frequency on a fake device's noise model (shots), its ISA CX count and the
    median CX error it reports."""
    from grover_train.finders.coherent.backends.ibm import IBMBackend
    from grover_train.finders.search_problem import SearchProblem

    bqm, tau = spin_glass(n, seed)
    problem = SearchProblem(bqm, tau)
    backend = IBMBackend(device, shots=shots, seed=seed + 1)
    p = backend.probabilities(problem, _prep(prep), int(r), np.random.default_rng(seed + 1))
    res = backend.resources(problem, _prep(prep), int(r))
    target = backend.device.target
    errors = []
    for name in ("cx", "ecr", "cz"):
        if name in target.operation_names:
            errors += [
                float(props.error)
                for props in target[name].values()
                if props is not None and props.error is not None
            ]
    return {
        "p_head": float(np.asarray(p)[problem.marked].sum()),
        "shots": shots,
        "g2_isa": int(res["two_qubit_gates"]),
        "p2_median": float(np.median(errors)) if errors else float("nan"),
    }


# ------------------------------------------------------------------------------ model
def model_p_head(land: Landscape, r: int, p2: float, lam: float) -> float:
    """p_head(r) = F p_ideal(r) + (1 - F) p_uniform with F = exp(-lam p2 G2(r)).

    >>> L = Landscape(3, 0, "uniform", 1, 0.125, [0.125, 0.78], 0, 100, 8)
    >>> round(model_p_head(L, 1, 0.0, 1.0), 6), round(model_p_head(L, 1, 1.0, 1.0), 6)
    (0.78, 0.125)
    """
    F = math.exp(-lam * p2 * land.g2(r))
    return F * land.p_ideal[r] + (1.0 - F) * land.p_uniform


def expected_queries(land: Landscape, p2: float, lam: float, amplified: bool = True) -> float:
    """Expected queries to the first head at the best fixed r (r >= 1 when ``amplified``;
    r = 0, classical repetition of the preparation, otherwise)."""
    rs = range(1, len(land.p_ideal)) if amplified else (0,)
    return min((r + 1) / max(model_p_head(land, r, p2, lam), 1e-300) for r in rs)


def break_even_p2(land: Landscape, lam: float) -> float | None:
    """Largest p2 at which amplified search needs fewer expected queries than classical
    repetition of the same noisy preparation (None: no gain even without noise).

    >>> L = Landscape(3, 0, "uniform", 1, 0.125, [0.125, 0.78, 0.95], 0, 100, 8)
    >>> 1e-4 < break_even_p2(L, 1.0) < 1e-1
    True
    """

    def gain(p2: float) -> float:
        return expected_queries(land, p2, lam, False) - expected_queries(land, p2, lam, True)

    if gain(0.0) <= 0:
        return None
    lo, hi = -9.0, 0.0  # log10 p2
    if gain(10**hi) > 0:
        return 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if gain(10**mid) > 0 else (lo, mid)
    return 10 ** (0.5 * (lo + hi))


def fit_lambda(points: list[dict], lands: dict, boot: int = 200, seed: int = 0):
    """Least-squares lambda of the fidelity model over simulated points, with a bootstrap
    95% interval (points resampled)."""
    from scipy.optimize import minimize_scalar

    # points with no two-qubit gate (uniform A, r = 0) carry no information about lambda
    pts = [p for p in points if p.get("p2") and lands[(p["n"], p["seed"], p["prep"])].g2(p["r"])]

    def sse(lam: float, sample) -> float:
        return sum(
            (
                model_p_head(lands[(p["n"], p["seed"], p["prep"])], p["r"], p["p2"], lam)
                - p["p_head"]
            )
            ** 2
            for p in sample
        )

    def best(sample) -> float:
        return float(
            minimize_scalar(lambda x: sse(x, sample), bounds=(0.0, 20.0), method="bounded").x
        )

    lam = best(pts)
    rng = np.random.default_rng(seed)
    draws = [best([pts[i] for i in rng.integers(0, len(pts), len(pts))]) for _ in range(boot)]
    return lam, (float(np.quantile(draws, 0.025)), float(np.quantile(draws, 0.975)))


def _exponent(lands, prep, ns, seeds, p2, lam, amplified: bool = True) -> float:
    """Slope of log2(median expected queries over seeds) against n (best r >= 1 when
    ``amplified``, else classical repetition of the preparation)."""
    y = []
    for n in ns:
        q = [
            expected_queries(lands[(n, s, prep)], p2, lam, amplified)
            for s in seeds
            if (n, s, prep) in lands
        ]
        y.append(math.log2(float(np.median(q))))
    if len(ns) < 2:  # a slope needs two sizes
        return float("nan")
    return float(np.polyfit(ns, y, 1)[0])


def _t_interval(values: list[float]) -> tuple[float, float, float]:
    from scipy import stats

    x = np.asarray(values, float)
    mean = float(x.mean())
    if x.size < 2:
        return mean, mean, mean
    half = float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half


# ------------------------------------------------------------------------------ sweep runner
def run_noise_spec(spec: dict[str, Any]):
    """Sweep runner of kind ``noise``: one landscape (``n``, ``seed``, ``prep``), its noise-free
    facts and, for each ``p2`` in ``p2s`` and r in ``rs``, the simulated head probability
    (``simulate`` false: facts only). Queries: none (simulation)."""
    from grover_train.run_output import RunOutput

    n, seed, prep = int(spec["n"]), int(spec.get("seed", 0)), str(spec.get("prep", "uniform"))
    land = landscape_facts(n, seed, prep)
    points = []
    if spec.get("simulate", True):
        for p2 in spec.get("p2s", P2_SWEEP):
            for r in spec.get("rs", (0, 1, 2)):
                if r < len(land.p_ideal):
                    p = simulate_head_probability(n, seed, prep, r, float(p2))
                    points.append(
                        {"n": n, "seed": seed, "prep": prep, "r": r, "p2": p2, "p_head": p}
                    )
    return RunOutput(summary={"landscape": asdict(land), "points": points, "queries": 0}, seed=seed)


# ------------------------------------------------------------------------------ the study
@dataclass
class NoiseStudy:
    """Everything the table, plot and JSON show."""

    lam: dict[str, float]
    lam_interval: dict[str, tuple[float, float]]
    model_check: dict[str, dict[str, float]]
    break_even: list[dict]  # per (prep, n): mean log10 p2*, interval, values
    exponents: list[dict]  # per (prep, p2): slope and interval
    points: list[dict]
    devices: list[dict]
    landscapes: list[dict]
    settings: dict = field(default_factory=dict)


def noise_study_from_summaries(
    summaries: list[dict], devices: list[dict] | None = None, settings: dict | None = None
) -> NoiseStudy:
    """Fit and evaluate the study from run summaries of kind ``noise`` (stored or fresh)."""
    lands: dict = {}
    points: list[dict] = []
    for s in summaries:
        L = Landscape(**s["landscape"])
        lands[(L.n, L.seed, L.prep)] = L
        points += s.get("points", [])
    preps = sorted({k[2] for k in lands})
    lam, lam_ci, check = {}, {}, {}
    for prep in preps:
        pts = [p for p in points if p["prep"] == prep]
        lam[prep], lam_ci[prep] = fit_lambda(pts, lands)
        dev = [
            model_p_head(lands[(p["n"], p["seed"], prep)], p["r"], p["p2"], lam[prep]) - p["p_head"]
            for p in pts
        ]
        check[prep] = {
            "points": len(pts),
            "max_abs_dev": float(np.max(np.abs(dev))) if dev else float("nan"),
            "rms_dev": float(np.sqrt(np.mean(np.square(dev)))) if dev else float("nan"),
        }
    rows = []
    for prep in preps:
        for n in sorted({k[0] for k in lands if k[2] == prep}):
            vals = [
                break_even_p2(L, lam[prep]) for k, L in lands.items() if k[2] == prep and k[0] == n
            ]
            ok = [math.log10(v) for v in vals if v is not None]
            mean, lo, hi = _t_interval(ok) if ok else (float("nan"),) * 3
            rows.append(
                {
                    "prep": prep,
                    "n": n,
                    "seeds": len(vals),
                    "no_gain": len(vals) - len(ok),
                    "log10_p2_star": mean,
                    "interval": [lo, hi],
                    "p2_star": 10**mean if ok else None,
                }
            )
    exps = []
    grid = sorted({0.0, *P2_SWEEP, 3e-3, 3e-4})
    for prep in preps:
        ns = sorted({k[0] for k in lands if k[2] == prep})
        seeds = sorted({k[1] for k in lands if k[2] == prep})
        for p2 in grid:
            rng = np.random.default_rng(1)
            args = (lands, prep, ns)
            boots = [
                _exponent(*args, list(rng.choice(seeds, len(seeds))), p2, lam[prep])
                for _ in range(100)
            ]
            exps.append(
                {
                    "prep": prep,
                    "p2": p2,
                    "exponent": _exponent(*args, seeds, p2, lam[prep]),
                    "interval": [
                        float(np.quantile(boots, 0.025)),
                        float(np.quantile(boots, 0.975)),
                    ],
                    "classical_exponent": _exponent(*args, seeds, p2, lam[prep], False),
                }
            )
    return NoiseStudy(
        lam=lam,
        lam_interval=lam_ci,
        model_check=check,
        break_even=rows,
        exponents=exps,
        points=points,
        devices=list(devices or []),
        landscapes=[asdict(L) for L in lands.values()],
        settings=dict(settings or {}),
    )


def noise_study_from_store(store, sweep: str | None = None) -> NoiseStudy:
    """The study from the finished runs of kind ``noise`` in an open results store (a
    :class:`grover_train.runs.store.Store`; its owner opens and closes it)."""
    runs = store.runs(kind="noise", status="finished", sweep=sweep)
    return noise_study_from_summaries(
        [r["summary"] for r in runs], settings={"source": "store", "runs": len(runs)}
    )


def run_noise_study(
    quick: bool = True, out_dir: str | Path | None = None, seeds: int = 8
) -> NoiseStudy:
    """Run the study directly (no store) and write JSON, Markdown table and plot to
    ``out_dir``. ``quick``: simulated n = 3, p2 in {1e-3, 1e-2}, r <= 1, one fake device
    (about a minute); full: n = 3, 4 simulated at every p2 of :data:`P2_SWEEP`, r <= 2, two
    devices. The model always covers n = 3..8 with ``seeds`` landscapes each."""
    t0 = time.perf_counter()
    sim_ns = (3,) if quick else (3, 4)
    p2s = (1e-3, 1e-2) if quick else P2_SWEEP
    rs = (0, 1) if quick else (0, 1, 2)
    ns = range(3, 9)
    summaries = []
    for prep in ("uniform", "dqa"):
        for n in ns:
            for seed in range(seeds):
                simulate = n in sim_ns and seed < (1 if quick else 2)
                spec = {
                    "n": n,
                    "seed": seed,
                    "prep": prep,
                    "simulate": simulate,
                    "p2s": p2s,
                    "rs": rs,
                }
                summaries.append(run_noise_spec(spec).summary)
    devices = []
    for name in ("fake:guadalupe",) if quick else ("fake:guadalupe", "fake:kolkata"):
        for prep in ("uniform",) if quick else ("uniform", "dqa"):
            d = simulate_device(3, 0, prep, 1, name, 1000 if quick else 4000)
            devices.append({"device": name, "prep": prep, "n": 3, "r": 1, **d})
    study = noise_study_from_summaries(
        summaries,
        devices,
        {
            "quick": quick,
            "seeds": seeds,
            "simulated_n": list(sim_ns),
            "p2s": list(p2s),
            "rs": list(rs),
            "p1_ratio": P1_RATIO,
            "method": "density_matrix",
            "wall_s": None,
        },
    )
    for d in study.devices:  # the model's prediction at the device's median CX error
        L = Landscape(
            **next(
                x
                for x in study.landscapes
                if x["n"] == d["n"] and x["seed"] == 0 and x["prep"] == d["prep"]
            )
        )
        F = math.exp(-study.lam[d["prep"]] * d["p2_median"] * (d["g2_isa"]))
        d["model_p_head"] = F * L.p_ideal[d["r"]] + (1 - F) * L.p_uniform
        d["p_ideal"] = L.p_ideal[d["r"]]
        d["p_uniform"] = L.p_uniform
        # expected queries to the first head: this r on the device against repetition of
        # the (noise-free) preparation
        d["expected_queries"] = (d["r"] + 1) / max(d["p_head"], 1e-300)
        d["expected_queries_repetition"] = 1.0 / L.p_ideal[0]
    study.settings["wall_s"] = time.perf_counter() - t0
    if out_dir is not None:
        write_noise_study(study, out_dir)
    return study


def noise_table(study: NoiseStudy) -> str:
    """Markdown: break-even p2 per n and preparation, the model fit, the exponents."""
    # rows written by hand, not DataFrame.to_markdown / tabulate: to_markdown needs tabulate,
    # which no extra installs (and pandas is itself optional), and each cell has its own format
    # (intervals, "no gain" rows) that would be built in this same loop before handing over
    lines = [
        "| prep | n | break-even p2 (mean of log10) | 95% interval | seeds (no gain) |",
        "|---|---|---|---|---|",
    ]
    for r in study.break_even:
        if r["p2_star"] is None:
            lines.append(
                f"| {r['prep']} | {r['n']} | no gain | - | {r['seeds']} ({r['no_gain']}) |"
            )
            continue
        lo, hi = r["interval"]
        lines.append(
            f"| {r['prep']} | {r['n']} | {r['p2_star']:.2e} | "
            f"[{10**lo:.2e}, {10**hi:.2e}] | {r['seeds']} ({r['no_gain']}) |"
        )
    lines += [
        "",
        "| prep | lambda | 95% interval | points | max abs dev | rms dev |",
        "|---|---|---|---|---|---|",
    ]
    for prep, lam in study.lam.items():
        lo, hi = study.lam_interval[prep]
        c = study.model_check[prep]
        lines.append(
            f"| {prep} | {lam:.3f} | [{lo:.3f}, {hi:.3f}] | {c['points']} | "
            f"{c['max_abs_dev']:.4f} | {c['rms_dev']:.4f} |"
        )
    lines += [
        "",
        "| prep | p2 | exponent of E[Q] in n (log2) | 95% interval | classical |",
        "|---|---|---|---|---|",
    ]
    for e in study.exponents:
        lines.append(
            f"| {e['prep']} | {e['p2']:.0e} | {e['exponent']:.3f} | "
            f"[{e['interval'][0]:.3f}, {e['interval'][1]:.3f}] | "
            f"{e['classical_exponent']:.3f} |"
        )
    if study.devices:
        lines += [
            "",
            "| device | prep | n | r | ISA CX | median CX error | p_head measured | "
            "model | ideal | uniform | E[Q] device / repetition |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for d in study.devices:
            lines.append(
                f"| {d['device']} | {d['prep']} | {d['n']} | {d['r']} | {d['g2_isa']} "
                f"| {d['p2_median']:.2e} | {d['p_head']:.3f} ({d['shots']} shots) | "
                f"{d['model_p_head']:.3f} | {d['p_ideal']:.3f} | {d['p_uniform']:.3f} | "
                f"{d.get('expected_queries', float('nan')):.1f} / "
                f"{d.get('expected_queries_repetition', float('nan')):.1f} |"
            )
    return "\n".join(lines) + "\n"


def plot_noise_study(study: NoiseStudy, path: str | Path) -> Path:
    """Two panels: break-even p2 against n, effective exponent against p2."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    for prep in study.lam:
        rows = [r for r in study.break_even if r["prep"] == prep and r["p2_star"] is not None]
        if rows:
            ns = [r["n"] for r in rows]
            mid = [r["p2_star"] for r in rows]
            err = [
                [m - 10 ** r["interval"][0] for m, r in zip(mid, rows, strict=True)],
                [10 ** r["interval"][1] - m for m, r in zip(mid, rows, strict=True)],
            ]
            a.errorbar(ns, mid, yerr=err, marker="o", capsize=3, label=prep)
        ex = [e for e in study.exponents if e["prep"] == prep and e["p2"] > 0]
        b.errorbar(
            [e["p2"] for e in ex],
            [e["exponent"] for e in ex],
            yerr=[
                [e["exponent"] - e["interval"][0] for e in ex],
                [e["interval"][1] - e["exponent"] for e in ex],
            ],
            marker="o",
            capsize=3,
            label=prep,
        )
    a.set_yscale("log")
    a.set_xlabel("n (spins)")
    a.set_ylabel("break-even two-qubit error rate")
    a.legend()
    b.set_xscale("log")
    b.axhline(0.5, ls=":", c="gray")
    b.axhline(1.0, ls="--", c="gray")
    b.set_xlabel("two-qubit error rate p2")
    b.set_ylabel("exponent of expected queries (log2 per spin)")
    b.legend()
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_noise_study(study: NoiseStudy, out_dir: str | Path) -> dict[str, str]:
    """noise_study.json, noise_study.md and noise_study.png in ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "noise_study.json").write_text(json.dumps(asdict(study), indent=1, default=float))
    (out / "noise_study.md").write_text(noise_table(study))
    plot_noise_study(study, out / "noise_study.png")
    return {k: str(out / f"noise_study.{k}") for k in ("json", "md", "png")}
