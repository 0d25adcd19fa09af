"""Annealing vs backprop (issue 19 item 5): the paired difference, the verdict rule, the tuning
choice and a tiny end-to-end run with its exponents.json keys."""

import json
import math

import numpy as np
import pytest

from grover_train.analysis.replay_fit import Estimate
from grover_train.errors import InputError
from grover_train.studies import anneal_vs_backprop as avb

#: a tiny comparison: 48 training samples, targets 0.4 to 0.2, no tuning
TINY = avb.AnnealVsBackpropOptions(
    hidden=4,
    num_samples=60,
    target_floor=0.2,
    target_points=4,
    read_grid=(2, 4),
    tuning_pairs=((1000, 1000),),
    tuning_budget=400,
    validation_target=0.5,
    budget_sa=3000,
    budget_backprop=3000,
    sqa_pairs=0,
)


def test_paired_difference_recovers_a_known_difference():
    rng = np.random.default_rng(7)
    # a large spread shared by the pair (data seed, seed) and a small own noise, antithetic so
    # that the mean difference is exactly 0.23: the paired interval holds it and is narrow,
    # far narrower than the spread of either method's alphas
    shared = rng.normal(1.0, 0.3, 16)
    z = rng.normal(0, 0.02, 8)
    own = np.concatenate([z, -z])
    sa = {k: shared[k] + 0.23 + own[k] for k in range(16)}
    bp = dict(enumerate(shared))
    d = avb.paired_difference(sa, bp)
    assert d.num_seeds == 16
    assert d.mean == pytest.approx(0.23)
    assert d.lo < 0.23 < d.hi
    assert d.hi - d.lo < 0.05 < np.std(shared)
    assert d.bca_lo is not None and d.bca_lo < 0.23 < d.bca_hi
    # only the keys both have are paired
    assert avb.paired_difference(sa, {k: bp[k] for k in range(5)}).num_seeds == 5
    with pytest.raises(InputError):
        avb.paired_difference({0: 1.0}, {0: 0.5})


def test_paired_difference_coverage_on_synthetic_data():
    # 95 % t intervals over 16 pairs: about 95 of 100 hold the true difference
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(100):
        shared = rng.normal(1.0, 0.3, 16)
        sa = dict(enumerate(shared + 0.1 + rng.normal(0, 0.1, 16)))
        bp = dict(enumerate(shared))
        d = avb.paired_difference(sa, bp)
        hits += d.lo <= 0.1 <= d.hi
    assert 88 <= hits <= 100


@pytest.mark.parametrize(
    ("lo", "hi", "start"),
    [
        (0.1, 0.5, "sa scales with a larger exponent than backprop"),
        (-0.5, -0.1, "sa scales with a smaller exponent than backprop"),
        (-0.1, 0.2, "sa and backprop scale with equal exponents within +-0.15"),
        (0.0, 0.3, "sa and backprop scale with equal exponents within +-0.15"),
    ],
)
def test_verdict_calls_an_ordering_only_when_the_interval_excludes_zero(lo, hi, start):
    text = avb.verdict_text(Estimate((lo + hi) / 2, lo, hi, 0.1, 16), 1.0, 0.8)
    assert text.startswith(start)
    ordered = lo > 0 or hi < 0
    assert ("contains 0, so no ordering is called" in text) is not ordered
    assert ("larger" in text or "smaller" in text) is ordered
    assert "16 paired seeds" in text


def test_verdict_places_the_papers_difference():
    inside = avb.verdict_text(Estimate(0.2, 0.1, 0.3, 0.1, 16))
    outside = avb.verdict_text(Estimate(0.5, 0.4, 0.6, 0.1, 16))
    assert "0.23 lies inside" in inside and "0.23 lies outside" in outside


def test_choose_reads_ranks_by_median_cost_misses_are_infinite_ties_go_to_fewer_reads():
    reads, rows = avb.choose_reads({4: [100, None, None], 8: [300, 500, 400], 16: [900, 800, 700]})
    assert reads == 8
    assert math.isinf(rows[0]["median"]) and rows[1]["median"] == 400
    assert avb.choose_reads({8: [200, 300], 4: [300, 200]})[0] == 4
    with pytest.raises(InputError):
        avb.choose_reads({})


def test_targets_follow_the_rule():
    t = avb.targets_for(avb.AnnealVsBackpropOptions(), 240)
    assert t[0] == 0.4 and t[-1] == 0.0125 and len(t) == 8
    # never fewer than 3 wrong samples at the lowest target
    assert avb.targets_for(avb.AnnealVsBackpropOptions(), 48)[-1] == pytest.approx(3 / 48)
    with pytest.raises(InputError):
        avb.targets_for(avb.AnnealVsBackpropOptions(), 5)


def test_run_alpha_reads_an_exact_target_as_reached():
    # an eps of exactly 3/240 reaches the lowest target 0.0125 despite exp(log) round-off
    q = np.array([0.0, 10, 100, 1000, 10_000])
    eps = np.array([0.9, 0.4, 0.1, 0.03, 3 / 240])
    rec = avb.RunRecord("sa", 0, 0, q, eps, q * np.nan, 10_000, True, 0.0, {})
    alpha = avb.run_alpha(rec, avb.targets_for(avb.AnnealVsBackpropOptions(), 240))
    assert 0.3 < alpha < 1.0


def test_train_curve_is_deterministic_and_stops_at_the_lowest_target():
    a = avb.train_curve("sa", TINY, data_seed=3, seed=3, reads=4)
    b = avb.train_curve("sa", TINY, data_seed=3, seed=3, reads=4)
    assert np.array_equal(a.queries, b.queries) and np.array_equal(a.eps, b.eps)
    assert a.queries[0] == 0 and np.all(np.diff(a.queries) > 0)
    if a.stopped:  # stops at the first step at or below the lowest target, not before
        assert a.eps[-1] <= 0.2 and np.all(a.eps[:-1] > 0.2)
    assert a.options["num_train"] == 48 and a.options["search_budget"] == 4


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return avb.run_anneal_vs_backprop(TINY, seeds=[0, 1, 2], data_seeds=[0, 1, 2])


def test_end_to_end_gives_the_exponents_keys(tiny):
    keys = avb.exponent_keys(tiny)
    p = "anneal_vs_backprop."
    assert keys[p + "seeds"] == 3
    assert keys[p + "decades"] == pytest.approx(math.log10(2))
    assert keys[p + "sa_reads"] in (2, 4)
    for m in ("sa", "backprop"):
        assert keys[p + f"{m}_seeds"] + len(tiny.failed.get(m, {})) == 3
    # every tiny run reaches eps 0.2 (seeded, so always the same runs)
    assert set(tiny.alphas["sa"]) == set(tiny.alphas["backprop"]) == {"0/0", "1/1", "2/2"}
    lo, hi = keys[p + "difference_ci"]
    assert math.isfinite(lo) and math.isfinite(hi) and lo <= keys[p + "difference"] <= hi
    assert keys[p + "verdict"].startswith("sa ")
    assert math.isfinite(keys[p + "alpha_sa"]) and math.isfinite(keys[p + "alpha_backprop"])
    assert keys[p + "alpha_sqa"] is None and "full run only" in keys[p + "sqa_note"]
    assert keys[p + "difference_sqa_backprop"] is None
    # the tuning ran on its own data seed, on the validation split
    assert tiny.tuning is not None and [r["reads"] for r in tiny.tuning.rows] == [2, 4]
    assert all(r.options["tuning"] and r.data_seed == 1000 for r in tiny.tuning_runs)
    # every run records queries, wall time, seed, options; the result the versions
    assert all(
        r.spent > 0 and r.wall_s >= 0 and "search_budget" in r.options or r.method == "backprop"
        for r in tiny.runs
    )
    assert "numpy" in tiny.versions


def test_result_round_trips_and_the_report_section(tiny, tmp_path):
    text = json.dumps(avb.jsonify.finite(tiny.to_dict()), allow_nan=False)
    (tmp_path / avb.JSON_NAME).write_text(text)
    back = avb.load(tmp_path)
    assert back is not None and back.verdict == tiny.verdict
    assert avb.exponent_keys(back) == avb.exponent_keys(tiny)
    md = avb.section(back)
    assert md.startswith("## Annealing vs backprop")
    assert "| sa |" in md and "| backprop |" in md and "What differs" in md
    assert tiny.verdict in md
    assert avb.plot(back, tmp_path / "p.png") and (tmp_path / "p.png").stat().st_size > 0
    assert avb.section(None) == "" and avb.exponent_keys(None) == {}


def test_run_once_reuses_a_folder_with_the_same_options_and_pairs(tiny, tmp_path, monkeypatch):
    monkeypatch.setattr(avb, "default_options", lambda quick: TINY)
    monkeypatch.setattr(avb, "default_pairs", lambda quick: ([0, 1, 2], [0, 1, 2]))
    text = json.dumps(avb.jsonify.finite(tiny.to_dict()), allow_nan=False)
    (tmp_path / avb.JSON_NAME).write_text(text)

    def never(*args, **kwargs):
        raise AssertionError("the saved result should have been reused")

    monkeypatch.setattr(avb, "run_anneal_vs_backprop", never)
    assert avb.run_once(tmp_path, quick=True).verdict == tiny.verdict
    # other pairs: run again
    monkeypatch.setattr(avb, "default_pairs", lambda quick: ([0, 1], [0, 1]))
    with pytest.raises(AssertionError, match="reused"):
        avb.run_once(tmp_path, quick=True)
