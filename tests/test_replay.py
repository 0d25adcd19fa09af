"""Trajectory replay: exact head counts, the oracle finder, assigned costs, the estimator."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from grover_train.analysis.replay_fit import (
    estimate,
    first_reach,
    fit_seed,
    preregistered_targets,
)
from grover_train.enumeration import samples_to_states
from grover_train.errors import InputError
from grover_train.finders import get_finder
from grover_train.finders.coherent.prep import Preparation
from grover_train.finders.search_problem import SearchProblem
from grover_train.model.heads import count_heads, heads_by_enumeration
from grover_train.model.landscape import free_bqm, head_threshold, label_exclusion
from grover_train.model.network import DragonNetwork
from grover_train.studies.replay import (
    ReplaySetup,
    assign_costs,
    bbht_costs,
    certification_amplified,
    certification_classical,
    classical_costs,
    costs_from_rows,
    costs_to_rows,
    run_replay,
)


@pytest.mark.parametrize("seed", range(12))
def test_meet_in_the_middle_count_equals_enumeration(seed):
    rng = np.random.default_rng(seed)
    H, C, D = int(rng.integers(1, 11)), int(rng.integers(2, 5)), 6
    net = DragonNetwork.random(D, H, C, seed=seed)
    x = rng.choice([-1.0, 1.0], D)
    label = int(rng.integers(C))
    margin = float(rng.uniform(0, 4))
    hc = count_heads(net, x, label, margin)
    ref = heads_by_enumeration(net, x, label, margin)
    assert hc.total == int(ref.sum())
    assert hc.p_uniform == pytest.approx(ref.mean(), abs=0, rel=1e-15)


def test_meet_in_the_middle_draws_are_heads_and_uniform():
    net = DragonNetwork.random(6, 6, 3, seed=3)
    x = np.array([1.0, -1, 1, 1, -1, -1])
    hc = count_heads(net, x, 1, margin=3.0)
    ref = heads_by_enumeration(net, x, 1, 3.0)
    assert 5 <= hc.total <= 200
    h, y = hc.sample(np.random.default_rng(0), size=40 * hc.total)
    z = samples_to_states(np.concatenate([h, y], axis=1))
    assert ref[z].all()
    counts = np.bincount(z, minlength=ref.size)[ref]
    # uniform over the heads: chi-square goodness of fit at the 0.1 % level
    assert stats.chisquare(counts).pvalue > 1e-3


def test_no_heads_cannot_be_sampled():
    net = DragonNetwork.random(4, 3, 2, seed=0)
    hc = count_heads(net, np.ones(4), 0, margin=0.0)
    if hc.total == 0:
        with pytest.raises(InputError, match="no heads"):
            hc.sample(np.random.default_rng(0))
    with pytest.raises(InputError, match="one-hidden-layer"):
        count_heads(DragonNetwork.random(4, [3, 3], 2, seed=0), np.ones(4), 0)


@pytest.mark.parametrize("prep", ["uniform", "dqa"])
def test_oracle_finder_returns_exact_heads_with_the_preparation_distribution(prep):
    net = DragonNetwork.random(6, 5, 3, seed=1)
    x = np.array([1.0, -1, 1, -1, 1, 1])
    bqm, tau, exc = free_bqm(net, x), head_threshold(net, x, 2, 0.5), label_exclusion(net, 2)
    problem = SearchProblem(bqm, tau, exc)
    marked = np.flatnonzero(problem.marked)
    assert 4 <= marked.size <= 100
    finder = get_finder("oracle", prep=prep)
    draws = []
    for s in range(3000):
        ss = finder.sample(bqm, threshold=tau, exclude=exc, budget=1, seed=s)
        assert ss.info["num_heads_total"] == marked.size
        assert ss.info["queries"] == 1
        draws.append(int(samples_to_states(ss.record.sample)[0]))
    assert set(draws) <= set(marked.tolist())
    probs = Preparation(prep).probabilities(problem)[marked]
    assert ss.info["p_prep"] == pytest.approx(probs.sum(), rel=1e-12)
    assert ss.info["p_uniform"] == pytest.approx(marked.size / 2**8, rel=1e-12)
    expected = probs / probs.sum() * len(draws)
    observed = np.array([draws.count(int(z)) for z in marked])
    keep = expected >= 5  # chi-square needs expected counts of at least 5 per cell
    obs = np.append(observed[keep], observed[~keep].sum())
    exp = np.append(expected[keep], expected[~keep].sum())
    if exp[-1] == 0:
        obs, exp = obs[:-1], exp[:-1]
    # chi-square at the 0.1 % level: fails 1 in 1000 seeds for a correct finder
    assert stats.chisquare(obs, exp).pvalue > 1e-3


def test_oracle_finder_without_heads_returns_nothing():
    import dimod

    bqm = dimod.BQM({0: -1.0}, {}, 0.0, "SPIN")
    ss = get_finder("oracle").sample(bqm, threshold=-5.0, budget=1, seed=0)
    assert len(ss) == 0 and ss.info["num_heads_total"] == 0 and ss.info["p_uniform"] == 0.0


def test_classical_costs_are_geometric():
    c = classical_costs(np.full(40000, 0.02), np.random.default_rng(1))
    assert c.min() >= 1
    assert c.mean() == pytest.approx(50, rel=0.03)  # sd of the mean: 49.5 / 200 = 0.5 %
    assert c.var() == pytest.approx((1 - 0.02) / 0.02**2, rel=0.05)


def test_assigned_bbht_costs_match_the_grover_finder_on_the_exact_backend():
    """The replay's BBHT draws and the real grover finder (bbht, exact backend) agree in mean."""
    net = DragonNetwork.random(6, 6, 3, seed=5)
    x = np.array([1.0, 1, -1, 1, -1, 1])
    for margin in (0.5, 3.0):
        bqm, tau = free_bqm(net, x), head_threshold(net, x, 0, margin)
        exc = label_exclusion(net, 0)
        problem = SearchProblem(bqm, tau, exc)
        p = float(problem.marked.mean())
        assert p > 0
        finder = get_finder("grover", prep="uniform", backend="exact", schedule="bbht")
        real = np.array(
            [
                finder.sample(bqm, threshold=tau, exclude=exc, budget=10**6, seed=s).info["queries"]
                for s in range(400)
            ]
        )
        model = bbht_costs(np.full(20000, p), 9, np.random.default_rng(0))
        # Welch t-test of equal means at the 0.1 % level
        assert stats.ttest_ind(real, model, equal_var=False).pvalue > 1e-3
        assert real.mean() == pytest.approx(model.mean(), rel=0.15)


def test_certification_budgets_miss_a_single_head_with_probability_delta():
    n = 9
    rng = np.random.default_rng(2)
    p = np.full(20000, 2.0**-n)
    miss_c = np.mean(classical_costs(p, rng) > certification_classical(n))
    miss_a = np.mean(bbht_costs(p, n, rng) > certification_amplified(n))
    assert miss_c == pytest.approx(0.05, abs=0.01)
    assert miss_a == pytest.approx(0.05, abs=0.01)
    assert certification_amplified(n) < certification_classical(n) / 4


def test_replay_trajectory_costs_are_paired_and_monotone():
    t = run_replay(ReplaySetup(hidden=5, num_samples=80, max_epochs=4), seed=1)
    c = assign_costs(t)
    assert len(t.eps) == len(t.cuts) == len(c.search["classical"])
    assert np.all(np.diff(t.cuts) >= 0) and t.cuts[-1] == int(t.had_head.sum())
    # a head visit costs the same threshold query for every method, so the cumulative
    # costs differ only by the methods' own draws
    for m in c.search:
        assert np.all(np.diff(c.search[m]) >= 0)
    # same seed, same trajectory and costs; another seed, another trajectory
    t2 = run_replay(ReplaySetup(hidden=5, num_samples=80, max_epochs=4), seed=1)
    assert np.array_equal(t.eps, t2.eps) and np.array_equal(
        assign_costs(t2).search["amplified"], c.search["amplified"]
    )
    t3 = run_replay(ReplaySetup(hidden=5, num_samples=80, max_epochs=4), seed=2)
    assert not np.array_equal(t.heads, t3.heads)


def test_targets_are_chosen_from_eps_alone_and_first_reach_is_monotone():
    curves = [np.array([0.9, 0.5, 0.3, 0.2, 0.12]), np.array([0.7, 0.45, 0.35, 0.09, 0.1])]
    t = preregistered_targets(curves)
    assert t.hi == 0.4 and t.lo == pytest.approx(0.12)
    idx = first_reach(curves[1], t.eps)
    assert np.all(np.diff(idx) >= 0) and np.all(curves[1][idx] <= t.eps + 1e-12)
    with pytest.raises(InputError, match="no common target range"):
        preregistered_targets([np.array([0.9, 0.6]), np.array([0.8, 0.3])])


class _Synthetic:
    """Cost curves with known exponents: eps = K^-a (5 % log-normal noise), p = eps^beta, a cut
    costs 1/p classically and 1/sqrt(p) amplified, so 1/alpha = 1/a + beta * gamma."""

    def __init__(self, rng, a, beta, steps=30000, k0=20):
        K = np.arange(1, steps + 2, dtype=float)
        self.eps = np.minimum(1.0, (K / k0) ** -a * np.exp(rng.normal(0, 0.05, K.size)))
        self.cuts = K.astype(np.int64)
        p = self.eps**beta
        # each cut's cost fluctuates (log-normal, 30 %) around its mean
        p_cl = p * np.exp(rng.normal(0, 0.3, K.size))
        p_amp = p * np.exp(rng.normal(0, 0.3, K.size))
        self.search = {"classical": np.cumsum(1 / p_cl), "amplified": np.cumsum(1 / np.sqrt(p_amp))}
        self.expected = self.search
        self.certification = {}
        self.log_p_sum = np.cumsum(np.log(p)) - np.log(p[0])
        self.inv_p_sum = np.cumsum(1 / p) - 1 / p[0]
        self.anneal_sum, self.anneal_count, self.on_anneal = {}, None, {}
        self.median_heads = np.full(K.size, 2.0)
        self.num_variables = 10

    def total(self, m, certify, expected=False):
        return self.search[m]


def test_fit_recovers_known_exponents_in_about_95_percent_of_seeded_repetitions():
    a, beta = 0.8, 1.5
    alpha_cl = 1 / (1 / a + beta)
    alpha_amp = 1 / (1 / a + beta / 2)
    covered_ratio = covered_alpha = covered_a = 0
    reps = 60
    for r in range(reps):
        rng = np.random.default_rng(1000 + r)
        runs = [_Synthetic(rng, a, beta) for _ in range(8)]
        targets = preregistered_targets([c.eps for c in runs], hi=0.1, floor=0.003)
        fits = [fit_seed(c, targets, seed=i) for i, c in enumerate(runs)]
        e_ratio = estimate([f.ratio for f in fits])
        e_alpha = estimate([f.alpha["classical"] for f in fits])
        e_a = estimate([f.a for f in fits])
        covered_ratio += e_ratio.lo <= alpha_amp / alpha_cl <= e_ratio.hi
        covered_alpha += e_alpha.lo <= alpha_cl <= e_alpha.hi
        covered_a += e_a.lo <= a <= e_a.hi
        assert estimate([f.beta for f in fits]).mean == pytest.approx(beta, abs=0.1)
    # nominal 95 %: with 60 repetitions the binomial 1st percentile is about 87 %
    assert covered_ratio / reps >= 0.85
    assert covered_alpha / reps >= 0.85
    assert covered_a / reps >= 0.85


def test_estimate_refuses_failed_seeds_instead_of_dropping_them():
    with pytest.raises(InputError, match="not finite"):
        estimate([1.0, float("nan"), 1.2])
    with pytest.raises(InputError, match="at least 2 seeds"):
        estimate([1.0])
    e = estimate(np.random.default_rng(0).normal(1.0, 0.1, 16))
    assert e.bca_lo is not None and e.bca_lo < e.mean < e.bca_hi


def test_annealer_reads_are_measured_on_snapshots_of_the_same_trajectory():
    setup = ReplaySetup(hidden=5, num_samples=80, max_epochs=3, anneal_every=5)
    t = run_replay(setup, seed=0)
    measured = np.isfinite(t.reads["sa"])
    assert measured.any() and np.all(t.had_head[measured])  # only visits with a head
    assert np.all(t.reads["sa"][measured] >= 1)
    c = assign_costs(t)
    assert "sa" in c.search and np.all(np.diff(c.search["sa"]) >= 0)
    # measuring sa does not change the trajectory: same seed without it, same eps
    plain = run_replay(ReplaySetup(hidden=5, num_samples=80, max_epochs=3), seed=0)
    assert np.array_equal(plain.eps, t.eps)
    # adding sqa measures it on the same visits, from its own stream: sa's reads are unchanged
    both = run_replay(
        ReplaySetup(
            hidden=5, num_samples=80, max_epochs=3, anneal_every=5, annealers=("sa", "sqa")
        ),
        seed=0,
    )
    assert np.array_equal(both.eps, t.eps)
    assert np.array_equal(both.reads["sa"], t.reads["sa"], equal_nan=True)
    assert np.array_equal(np.isfinite(both.reads["sqa"]), measured)
    assert np.all(both.reads["sqa"][measured] >= 1)


def test_replay_refuses_unknown_annealers():
    with pytest.raises(InputError, match="annealers must be distinct names among sa, sqa"):
        ReplaySetup(annealers=("sa", "dqa"))
    with pytest.raises(InputError, match="annealers must be distinct"):
        ReplaySetup(annealers=("sa", "sa"))


def test_replays_of_different_setups_at_one_size_are_never_pooled(tmp_path):
    from grover_train.runs.store import Store
    from grover_train.studies.replay import run_replay_spec
    from grover_train.studies.replay_study import replay_runs

    store = Store(tmp_path / "s.sqlite")
    base = {"kind": "replay", "hidden": 3, "num_samples": 40, "max_epochs": 1}
    for s in range(3):  # an older grid
        spec = {**base, "eta": 0.2, "seed": s}
        store.record(spec, run_replay_spec(spec))
    for s in range(2):  # a newer grid at the same n
        spec = {**base, "seed": s}
        store.record(spec, run_replay_spec(spec))
    runs = replay_runs(store)
    store.close()
    assert [label for label, _ in runs[("uniform", 6)]] == ["d0s0", "d0s1"]


@pytest.mark.parametrize(
    "p, n", [(2.0**-11, 11), (5 * 2.0**-11, 11), (2.0**-15, 15), (0.3, 9), (0.9, 9), (1.0, 6)]
)
def test_expected_costs_equal_the_mean_of_sampled_costs(p, n):
    """The exact expectations (classical 1/p, BBHT under the bbht schedule) against the mean
    of 100 000 sampled searches, seed 3: within 4 standard errors of the sampled mean (a
    correct formula fails this about once in 16 000 draws)."""
    from grover_train.analysis.expected_cost import expected_bbht, expected_classical

    rng = np.random.default_rng(3)
    for sampled, exact in (
        (classical_costs(np.full(100_000, p), rng), expected_classical(np.array([p]))[0]),
        (bbht_costs(np.full(100_000, p), n, rng), expected_bbht(np.array([p]), n)[0]),
    ):
        se = sampled.std(ddof=1) / np.sqrt(sampled.size)
        assert abs(sampled.mean() - exact) <= 4 * se + 1e-12, (sampled.mean(), exact, se)


def test_expected_costs_of_a_replay_are_the_sampled_costs_without_the_noise():
    t = run_replay(ReplaySetup.grown(5, num_samples=80, max_epochs=3), seed=2)
    c = assign_costs(t)
    for m in ("classical", "amplified"):
        # the same threshold queries and visits: paired, monotone, equal in the mean
        assert np.all(np.diff(c.expected[m]) >= 0)
        assert c.expected[m][-1] == pytest.approx(c.search[m][-1], rel=0.25)
    assert c.inv_p_sum[-1] == pytest.approx(c.expected["classical"][-1] - len(t.heads), rel=1e-9)


def test_a_target_reached_exactly_counts_despite_round_off():
    from grover_train.analysis.replay_fit import rule_targets

    targets = rule_targets(240)
    assert np.exp(np.log(0.0125)) > 0.0125  # the round-off the tolerance is for
    eps = np.array([0.5, 0.3, 0.1, 0.05, 0.025, 3 / 240, 3 / 240])
    idx = first_reach(eps, targets.eps)
    assert idx[-1] == 5 and np.all(idx >= 0)
    # one sample more (4 wrong) does not reach it
    assert first_reach(eps[:5].tolist() + [4 / 240], targets.eps)[-1] == -1


def test_teacher_grows_with_the_student_and_targets_follow_one_rule():
    from grover_train.analysis.replay_fit import MIN_DECADES, MIN_WRONG, decades, rule_targets
    from grover_train.data.datasets import GROWN_TEACHER_SAMPLES, grown_teacher
    from grover_train.studies import capped_training
    from grover_train.studies.replay_study import replay_specs

    for quick, data_seeds in ((True, 2), (False, 3)):
        specs = replay_specs(quick=quick)
        assert all(s["teacher"] == list(grown_teacher(s["hidden"])) for s in specs)
        assert all(s["num_samples"] == GROWN_TEACHER_SAMPLES for s in specs)
        uni = [s for s in specs if s["prep"] == "uniform"]
        ns = sorted({s["hidden"] + 3 for s in uni})
        assert len(ns) >= 4 and ns[-1] - ns[0] >= 6
        assert len({s["data_seed"] for s in uni}) >= data_seeds
        per = {(s["hidden"], s["data_seed"]) for s in uni}
        assert all(sum(1 for s in uni if (s["hidden"], s["data_seed"]) == k) >= 4 for k in per)
    assert max(s["hidden"] + 3 for s in replay_specs(quick=False)) >= 31
    t = rule_targets(int(0.8 * GROWN_TEACHER_SAMPLES))
    assert t.lo * 240 == pytest.approx(MIN_WRONG, abs=1e-12) and t.hi == 0.4
    assert decades(t) >= MIN_DECADES == capped_training.MIN_DECADES == 1.5
    # the rule never depends on costs: two different data seeds' runs get the same targets
    assert np.array_equal(rule_targets(240).eps, t.eps)
    a = ReplaySetup.grown(6, data_seed=1, num_samples=60, max_epochs=1)
    b = ReplaySetup.grown(6, data_seed=2, num_samples=60, max_epochs=1)
    assert not np.array_equal(run_replay(a, 0).eps, run_replay(b, 0).eps)


def test_out_of_sample_hits_a_known_line_and_misses_a_curve():
    from grover_train.analysis.out_of_sample import out_of_sample

    rng = np.random.default_rng(7)
    sizes = (11, 13, 15, 17, 19, 21)
    line = {n: 1.0 + 0.01 * n + rng.normal(0, 0.02, 8) for n in sizes}
    r = out_of_sample(line)
    assert r.hit and [h.n for h in r.held_out] == [19, 21]
    assert r.slope == pytest.approx(0.01, abs=0.005)
    p, lo, hi = r.far[100]
    assert lo < p < hi and p == pytest.approx(2.0, abs=0.3)  # true value 2.0
    # a trend that bends after the fitted sizes is caught, and nothing is extrapolated
    curve = {
        n: 1.0 + 0.01 * n + (0.1 * (n - 15) if n > 15 else 0) + rng.normal(0, 0.02, 8)
        for n in sizes
    }
    bad = out_of_sample(curve)
    assert not bad.hit and bad.far == {}
    with pytest.raises(InputError, match="at least 4 sizes"):
        out_of_sample({11: [1.0, 1.1], 13: [1.0, 1.2], 15: [1.1, 1.0]})


def test_size_reading_recovers_known_kappas_with_paired_intervals():
    from grover_train.analysis.size_reading import size_reading

    rng = np.random.default_rng(5)
    costs = {}
    for n in (11, 13, 15, 17):
        shared = rng.normal(0, 0.3, (8, 1))  # a seed's trajectory moves every method alike
        costs[n] = {
            "classical": np.exp(0.69 * n + shared + rng.normal(0, 0.05, (8, 3))),
            "amplified": np.exp(0.345 * n + shared / 2 + rng.normal(0, 0.05, (8, 3))),
        }
    r = size_reading(costs, [0.2, 0.05, 0.0125], num_boot=500)
    assert r.kappa["classical"].lo <= 0.69 <= r.kappa["classical"].hi
    assert r.kappa["amplified"].lo <= 0.345 <= r.kappa["amplified"].hi
    assert r.ratio.lo <= 2.0 <= r.ratio.hi and r.ratio.value == pytest.approx(2.0, abs=0.15)


def test_anneal_vs_grover_charges_every_method_on_the_same_visits():
    from grover_train.analysis.anneal_vs_grover import ops_per_query
    from grover_train.analysis.expected_cost import expected_bbht

    setup = ReplaySetup.grown(
        5, num_samples=80, max_epochs=3, anneal_every=2, annealers=("sa", "sqa")
    )
    t = run_replay(setup, seed=0)
    c = assign_costs(t)
    measured = np.isfinite(t.reads["sa"])
    assert measured.sum() >= 5 and np.all(t.had_head[measured])
    assert c.anneal_count[-1] == measured.sum()
    for a in ("sa", "sqa"):
        assert c.anneal_sum[a][-1] == pytest.approx(t.reads[a][measured].sum(), rel=1e-12)
    p = t.p_prep[measured]
    assert c.on_anneal["classical"][-1] == pytest.approx(np.sum(1 / p), rel=1e-12)
    assert c.on_anneal["amplified"][-1] == pytest.approx(np.sum(expected_bbht(p, 8)), rel=1e-12)
    # the stored rows give the same costs back
    back = costs_from_rows(costs_to_rows(c))
    assert np.array_equal(back.anneal_sum["sqa"], c.anneal_sum["sqa"])
    assert np.array_equal(back.on_anneal["amplified"], c.on_anneal["amplified"])
    # Ising-term operations: T = n + H C terms; sa 100 sweeps of n + 2 H C; oracle 2 T + n;
    # sqa 100 sweeps of 4 slices of 3 n + 2 H C
    methods = ("classical", "sa", "amplified", "sqa")
    assert [ops_per_query(m, 5) for m in methods] == [23, 3800, 54, 400 * 54]


def test_replay_sweeps_are_checked_before_any_work(tmp_path):
    from grover_train.runs.config import check_specs
    from grover_train.runs.sweep import run_sweep

    good = {"kind": "replay", "hidden": 3, "num_samples": 40, "max_epochs": 1, "seed": 0}
    check_specs([good], "r.toml")
    with pytest.raises(InputError, match="r.toml: unknown key 'sa_every' for a replay run"):
        check_specs([{**good, "sa_every": 3}], "r.toml")
    with pytest.raises(InputError, match="anneal_every must be an integer >= 0"):
        run_sweep([{**good, "anneal_every": -1}], tmp_path / "s.sqlite", progress=False)
    assert not (tmp_path / "s.sqlite").exists()
    with pytest.raises(InputError, match="annealers must be distinct names"):
        check_specs([{**good, "annealers": ["sa", "x"]}], "r.toml")


def test_stores_written_before_sqa_still_give_the_sa_column():
    t = run_replay(ReplaySetup(hidden=4, num_samples=60, max_epochs=2, anneal_every=2), seed=0)
    c = assign_costs(t)
    rows = costs_to_rows(c)
    old = [
        {
            **{k: v for k, v in r.items() if not k.startswith(("reads_", "Eann_", "anneal_"))},
            "sa_sum": r["reads_sa"],
            "sa_count": r["anneal_count"],
            **{"Esa_" + k[5:]: v for k, v in r.items() if k.startswith("Eann_")},
        }
        for r in rows
    ]
    back = costs_from_rows(old)
    assert np.array_equal(back.anneal_sum["sa"], c.anneal_sum["sa"])
    assert np.array_equal(back.anneal_count, c.anneal_count)
    assert np.array_equal(back.on_anneal["classical"], c.on_anneal["classical"])
