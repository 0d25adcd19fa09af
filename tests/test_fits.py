"""Power-law fits, the late-window rule and bootstrap intervals on synthetic data."""

import numpy as np
import pytest

from grover_train.analysis.fits import (
    bootstrap_ci,
    curve_on_grid,
    fit_power_law,
    fit_training_curves,
    late_window,
)
from grover_train.errors import InputError


@pytest.mark.parametrize("slope", [-0.78, -1.01, 0.5, 1.0])
def test_fit_recovers_noisy_power_law(slope):
    rng = np.random.default_rng(3)
    x = np.logspace(1, 6, 60)
    y = 2.5 * x**slope * np.exp(rng.normal(0, 0.05, x.size))
    f = fit_power_law(x, y)
    assert abs(f.slope - slope) < 0.01
    assert abs(np.log(f.prefactor) - np.log(2.5)) < 0.1
    assert f.decades == pytest.approx(5.0)
    assert f.r2 > 0.99
    assert f.num_points == 60


def test_fit_exact_and_predict():
    x = np.array([2.0, 20.0, 200.0])
    f = fit_power_law(x, 7 * x**-0.5)
    assert f.slope == pytest.approx(-0.5, abs=1e-12)
    np.testing.assert_allclose(f.predict([50.0]), 7 * 50**-0.5)


@pytest.mark.parametrize(
    "x, y, match",
    [
        ([1, 2], [1, 0], "positive"),
        ([1, 1], [1, 2], "two distinct"),
        ([1, 2, 3], [1, 2], "same length"),
        ([1, np.nan], [1, 2], "positive"),
    ],
)
def test_fit_rejects_bad_input(x, y, match):
    with pytest.raises(InputError, match=match):
        fit_power_law(x, y)


def test_late_window_half_rule_and_zeros():
    C = np.logspace(0, 5, 11)
    eps = np.array([0.8, 0.7, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.02, 0.0, 0.0])
    idx, rule = late_window(C, eps)
    assert rule == "half"
    assert idx.tolist() == [3, 4, 5, 6, 7, 8]  # from eps <= 0.4 to the last eps > 0


def test_late_window_falls_back_to_last_decade():
    C = np.logspace(0, 3, 13)  # eps never halves
    eps = np.linspace(0.8, 0.5, 13)
    idx, rule = late_window(C, eps)
    assert rule == "last-decade"
    assert C[idx].min() >= C[-1] / 10 - 1e-9 and idx[-1] == 12


def test_curve_on_grid_is_a_step_function_mean():
    a = (np.array([0, 10, 100]), np.array([1.0, 0.5, 0.25]))
    b = (np.array([0, 50]), np.array([1.0, 0.0]))
    got = curve_on_grid([a, b], np.array([5, 10, 60, 200]))
    np.testing.assert_allclose(got, [1.0, 0.75, 0.25, 0.125])


def test_bootstrap_ci_covers_the_true_mean():
    """Percentile intervals of the mean cover the true value in about 95% of datasets."""
    rng = np.random.default_rng(11)
    hits = 0
    trials = 60
    for t in range(trials):
        data = list(rng.normal(1.0, 2.0, size=40))
        ci = bootstrap_ci(data, lambda g: float(np.mean(g)), num_boot=300, seed=t)
        hits += ci.contains(1.0)
        assert ci.low < ci.estimate < ci.high
    assert hits / trials >= 0.85


def test_bootstrap_ci_is_seeded():
    data = list(np.arange(20.0))
    a = bootstrap_ci(data, np.mean, num_boot=200, seed=5)
    b = bootstrap_ci(data, np.mean, num_boot=200, seed=5)
    c = bootstrap_ci(data, np.mean, num_boot=200, seed=6)
    assert a == b and a != c


def test_training_fit_recovers_alpha_with_interval():
    rng = np.random.default_rng(2)
    alpha = 0.78
    curves = []
    for _ in range(6):  # seeds: different prefactors, noise and query grids
        C = np.unique(np.logspace(0.5, 5, rng.integers(30, 60)).astype(int)).astype(float)
        a = rng.normal(alpha, 0.05)  # seeds differ in their exponent too
        eps = 0.9 * rng.uniform(0.7, 1.3) * (C / 3) ** -a
        eps *= np.exp(rng.normal(0, 0.1, C.size))  # per-step scatter
        curves.append((C, eps))
    fit = fit_training_curves("backprop", curves, num_boot=300, seed=0)
    assert abs(fit.alpha - alpha) < 0.05
    assert fit.ci.low <= alpha <= fit.ci.high
    assert 0.01 < fit.ci.high - fit.ci.low < 0.2
    assert fit.num_seeds == 6 and not fit.failed and "eps*" in fit.window_rule
    assert fit.to_dict()["window"][1] <= min(c[0].max() for c in curves)


def test_training_fit_without_decay_raises():
    C = np.logspace(0, 3, 20)
    with pytest.raises(InputError, match="no late regime"):
        fit_training_curves("x", [(C, np.zeros_like(C))], num_boot=10)


def _seed_curves(rng, alpha, seeds=8, points=150):
    """Cumulative-query curves eps = A (C / 10)^-alpha with 5 % log-normal step noise, the
    prefactor A varying by seed: the exponent is known, the seeds differ."""
    out = []
    for s in range(seeds):
        C = np.logspace(1, 6, points)
        A = rng.uniform(0.8, 1.2)
        eps = np.minimum(1.0, A * (C / 10) ** -alpha * np.exp(rng.normal(0, 0.05, points)))
        out.append((C, eps, s))
    return out


def test_training_fit_and_paired_ratio_cover_known_exponents_about_95_percent():
    from grover_train.studies.capped_training import compare

    covered_alpha = covered_ratio = 0
    reps = 50
    for r in range(reps):
        rng = np.random.default_rng(500 + r)
        fast, slow = _seed_curves(rng, 0.6), _seed_curves(rng, 0.4)
        fit = fit_training_curves("x", fast)
        covered_alpha += fit.ci.low <= 0.6 <= fit.ci.high
        c = compare(fast, slow)
        assert c["first"].targets == c["second"].targets  # one common eps* range
        lo, hi = c["ratio_ci"]
        covered_ratio += lo <= 1.5 <= hi
    # nominal 95 %: with 50 repetitions the binomial 1st percentile is about 86 %
    assert covered_alpha / reps >= 0.84
    assert covered_ratio / reps >= 0.84


def test_training_fit_names_failed_seeds_instead_of_dropping_them():
    rng = np.random.default_rng(0)
    curves = _seed_curves(rng, 0.5, seeds=4)
    C = curves[0][0]
    curves.append((C, np.full(C.size, 0.9), "flat"))  # never reaches the targets
    fit = fit_training_curves("x", curves, targets=np.geomspace(0.4, 0.1, 6))
    assert fit.num_seeds == 4 and set(fit.failed) == {"flat"}
    assert "never reaches" in fit.failed["flat"]


def test_dqa_ratio_is_not_taken_against_a_stand_in_annealer(tmp_path):
    from grover_train.runs.store import Store
    from grover_train.studies.capped_training import analyse, training_verdict

    rng = np.random.default_rng(3)
    store = Store(tmp_path / "s.sqlite")
    for finder, alpha in (("sa", 0.5), ("grover", 0.9)):
        for C, eps, s in _seed_curves(rng, alpha, seeds=3, points=40):
            spec = {"kind": "train", "finder": finder, "seed": s}
            if finder == "grover":
                spec["prep"] = "dqa"
            metrics = [
                {"step": i, "queries": float(c), "train_error": float(e)}
                for i, (c, e) in enumerate(zip(C, eps, strict=True))
            ]
            from grover_train.runs.runners import RunOutput

            store.record(spec, RunOutput({"queries": int(C[-1])}, metrics))
    res = analyse(store)
    store.close()
    r = res["ratios"]["grover-dqa"]
    assert "ratio" not in r and "sqa not run" in r["reason"]
    assert "grover-dqa vs sqa: not measured" in training_verdict(res)


def _hand_written_bootstrap(groups, statistic, num_boot, level, seed):
    """The loop bootstrap_ci ran before it called scipy.stats.bootstrap (the cross-check)."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(num_boot):
        pick = rng.integers(0, len(groups), size=len(groups))
        values.append(float(statistic([groups[i] for i in pick])))
    return np.quantile(values, [(1 - level) / 2, (1 + level) / 2])


@pytest.mark.parametrize("dist", ["normal", "exponential"])
def test_bootstrap_ci_agrees_with_the_hand_written_loop(dist):
    """scipy's percentile interval and the old loop's: other resamples, the same interval up
    to resampling noise (2000 resamples: endpoints within 10 % of the width)."""
    rng = np.random.default_rng(4)
    data = list(getattr(rng, dist)(size=60))
    ci = bootstrap_ci(data, lambda g: float(np.median(g)), num_boot=2000, seed=1)
    lo, hi = _hand_written_bootstrap(data, lambda g: float(np.median(g)), 2000, 0.95, 1)
    width = hi - lo
    assert abs(ci.low - lo) < 0.1 * width and abs(ci.high - hi) < 0.1 * width
    assert ci.estimate == float(np.median(data)) and ci.num_boot == 2000 and ci.failed == 0


def test_bootstrap_bca_and_basic_intervals():
    """On a symmetric statistic the three methods agree closely; on a skewed one BCa shifts
    the interval the way the skew points (up for an exponential's mean)."""
    rng = np.random.default_rng(8)
    sym = list(rng.normal(0.0, 1.0, size=80))
    cis = {
        m: bootstrap_ci(sym, np.mean, num_boot=1500, method=m)
        for m in ("percentile", "basic", "BCa")
    }
    width = cis["percentile"].high - cis["percentile"].low
    for m in ("basic", "BCa"):
        assert abs(cis[m].low - cis["percentile"].low) < 0.1 * width
        assert abs(cis[m].high - cis["percentile"].high) < 0.1 * width
    skew = list(rng.exponential(1.0, size=30) ** 2)
    p = bootstrap_ci(skew, np.mean, num_boot=1500, method="percentile")
    b = bootstrap_ci(skew, np.mean, num_boot=1500, method="BCa")
    assert b.high > p.high and b.low > p.low
    with pytest.raises(InputError, match="unknown bootstrap method"):
        bootstrap_ci(sym, np.mean, method="studentized")


def test_bootstrap_failed_resamples_are_counted_and_left_out():
    data = list(np.arange(10.0))

    def mean_of_varied(g):
        if len(set(g)) < 7:  # a resample with many repeats "cannot be fitted"
            raise InputError("too few distinct groups")
        return float(np.mean(g))

    ci = bootstrap_ci(data, mean_of_varied, num_boot=400, seed=3)
    assert ci.failed > 0 and ci.num_boot + ci.failed == 400
    assert np.isfinite(ci.low) and ci.low < 4.5 < ci.high
    bca = bootstrap_ci(data, mean_of_varied, num_boot=400, seed=3, method="BCa")
    assert bca.failed == ci.failed and np.isnan(bca.low)  # BCa has no reading with gaps
    one = bootstrap_ci([2.0], np.mean, num_boot=50)
    assert (one.low, one.high, one.num_boot) == (2.0, 2.0, 50)
    flat = bootstrap_ci([1.0, 1.0, 1.0], np.mean, num_boot=50, method="BCa")
    assert (flat.low, flat.high) == (1.0, 1.0)


def test_fit_power_law_standard_error_is_the_textbook_one():
    """linregress's slope equals the old np.polyfit slope; its standard error is
    sqrt(SSE / (n - 2) / Sxx) in log space, and the true slope lies within 3 of them."""
    rng = np.random.default_rng(5)
    x = np.logspace(0, 4, 25)
    y = 3.0 * x**-0.7 * np.exp(rng.normal(0, 0.2, x.size))
    f = fit_power_law(x, y)
    lx, ly = np.log(x), np.log(y)
    slope, intercept = np.polyfit(lx, ly, 1)
    assert f.slope == pytest.approx(slope, abs=1e-12)
    assert f.prefactor == pytest.approx(np.exp(intercept), rel=1e-12)
    sse = np.sum((ly - intercept - slope * lx) ** 2)
    sxx = np.sum((lx - lx.mean()) ** 2)
    assert f.slope_stderr == pytest.approx(np.sqrt(sse / (x.size - 2) / sxx), rel=1e-9)
    assert abs(f.slope + 0.7) < 3 * f.slope_stderr
    assert np.isnan(fit_power_law([1.0, 2.0], [1.0, 3.0]).slope_stderr)
    assert f.to_dict()["slope_stderr"] == f.slope_stderr
