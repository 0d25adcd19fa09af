"""Noise study: noiseless limit, fidelity model against simulation, break-even direction."""

from __future__ import annotations

import numpy as np
import pytest

from grover_train.finders.coherent.backends import get_backend
from grover_train.finders.search_problem import SearchProblem
from grover_train.studies import noise_study as ns


@pytest.mark.parametrize("prep", ["uniform", "dqa"])
def test_noiseless_limit_equals_the_exact_backend(prep):
    # zero-error depolarizing model through the density-matrix path, and the facts the model
    # uses, against the analytic engine
    bqm, tau = ns.spin_glass(3, 1)
    problem = SearchProblem(bqm, tau)
    land = ns.landscape_facts(3, 1, prep)
    exact = get_backend("exact")
    for r in (0, 1, 2):
        ref = float(exact.probabilities(problem, ns._prep(prep), r)[problem.marked].sum())
        assert ns.simulate_head_probability(3, 1, prep, r, 0.0) == pytest.approx(ref, abs=1e-6)
        assert land.p_ideal[r] == pytest.approx(ref, abs=1e-12)
        assert ns.model_p_head(land, r, 0.0, 1.0) == pytest.approx(ref, abs=1e-12)


def test_fidelity_model_predicts_a_held_out_error_rate():
    # fit lambda on p2 = 1e-3 and 1e-2, then predict the density-matrix result at 3e-3
    spec = {"n": 3, "seed": 0, "prep": "uniform", "p2s": (1e-3, 1e-2), "rs": (1,)}
    out = ns.run_noise_spec(spec)
    land = ns.Landscape(**out.summary["landscape"])
    lands = {(3, 0, "uniform"): land}
    lam, (lo, hi) = ns.fit_lambda(out.summary["points"], lands, boot=50)
    assert 0.2 < lam < 3.0 and lo <= lam <= hi
    sim = ns.simulate_head_probability(3, 0, "uniform", 2, 3e-3)  # held out: p2 and r
    assert ns.model_p_head(land, 2, 3e-3, lam) == pytest.approx(sim, abs=0.03)
    # the break-even point separates gain from loss in direct simulation
    star = ns.break_even_p2(land, lam)
    assert 1e-3 < star < 1e-1
    classical = 1.0 / land.p_uniform  # uniform A has no two-qubit gate: noise-free
    below = min((r + 1) / ns.simulate_head_probability(3, 0, "uniform", r, star / 3) for r in (1,))
    above = min((r + 1) / ns.simulate_head_probability(3, 0, "uniform", r, 3 * star) for r in (1,))
    assert below < classical < above


def test_noise_is_a_sweep_kind_and_the_study_rebuilds_from_summaries(tmp_path):
    from grover_train.runs.runners import execute, kinds

    assert "noise" in kinds()
    summaries = []
    for n in (3, 4, 5):
        for seed in range(3):
            spec = {"kind": "noise", "n": n, "seed": seed, "prep": "uniform"}
            spec["simulate"] = False
            summaries.append(execute(spec).summary)
    # synthetic points from a known lambda: the fit must recover it
    lands = {(s["landscape"]["n"], s["landscape"]["seed"]): s for s in summaries}
    truth = 1.3
    for s in summaries:
        land = ns.Landscape(**s["landscape"])
        s["points"] = [
            {
                "n": land.n,
                "seed": land.seed,
                "prep": "uniform",
                "r": 1,
                "p2": p2,
                "p_head": ns.model_p_head(land, 1, p2, truth),
            }
            for p2 in (1e-3, 1e-2)
        ]
    study = ns.noise_study_from_summaries(summaries)
    assert study.lam["uniform"] == pytest.approx(truth, rel=1e-3)
    assert study.model_check["uniform"]["max_abs_dev"] < 1e-6
    rows = [r for r in study.break_even if r["prep"] == "uniform"]
    assert [r["n"] for r in rows] == [3, 4, 5] and all(r["p2_star"] for r in rows)
    assert all(r["interval"][0] <= np.log10(r["p2_star"]) <= r["interval"][1] for r in rows)
    ex = {e["p2"]: e["exponent"] for e in study.exponents}
    assert ex[0.0] < ex[1e-2]  # noise raises the effective exponent
    paths = ns.write_noise_study(study, tmp_path)
    assert "break-even" in open(paths["md"]).read() and len(lands) == 9


def test_hardware_section_reloads_stored_results(tmp_path):
    import json
    from dataclasses import asdict

    from grover_train.studies.hardware import hardware_section

    summaries = [ns.run_noise_spec({"n": n, "seed": 0, "simulate": False}).summary for n in (3, 4)]
    for s in summaries:
        land = ns.Landscape(**s["landscape"])
        s["points"] = [
            {
                "n": land.n,
                "seed": 0,
                "prep": "uniform",
                "r": 1,
                "p2": 1e-2,
                "p_head": ns.model_p_head(land, 1, 1e-2, 0.9),
            }
        ]
    study = ns.noise_study_from_summaries(summaries)
    (tmp_path / "noise_study.json").write_text(json.dumps(asdict(study), default=float))
    rows = [
        {
            "n": n,
            "profile": "p",
            "runtime_s": 0.05,
            "logical_qubits": 50,
            "t_count": 1,
            "rotations": 2,
            "t_states": 3,
            "code_distance": 9,
            "physical_qubits": 10,
        }
        for n in (10, 20)
    ]
    fts = {
        "rows": rows,
        "energy_eval_s": {"10": 1e-7, "20": 1e-7},
        "crossover_n": {"p": 41.0},
        "queries_per_cut": {"10": [1.0, 1.0], "20": [1.0, 1.0]},
    }
    (tmp_path / "ft_estimates.json").write_text(json.dumps(fts))
    out = hardware_section(tmp_path, quick=True)
    md = out["markdown"]
    assert "break-even" in md and "| uniform | 3 |" in md and "from n = 41" in md
    assert (tmp_path / "noise_study.png").exists()


def test_the_study_rebuilds_from_a_results_store(tmp_path):
    from grover_train.runs.runners import execute
    from grover_train.runs.store import Store

    store = Store(tmp_path / "r.sqlite")
    for seed in (0, 1):
        spec = {"kind": "noise", "n": 3, "seed": seed, "p2s": [1e-2], "rs": [1]}
        store.record(spec, execute(spec), sweep="noise-test")
    store.close()
    with Store(tmp_path / "r.sqlite", readonly=True) as st:
        study = ns.noise_study_from_store(st)
    assert study.settings["runs"] == 2 and len(study.points) == 2
    assert 0.2 < study.lam["uniform"] < 3.0
    assert [(r["n"], r["seeds"]) for r in study.break_even] == [(3, 2)]
