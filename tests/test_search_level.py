"""Search-level measurement on tiny landscapes: p_A, classical repetition, fits, runs."""

import importlib.util

import numpy as np
import pytest

from grover_train.errors import InputError, UnknownNameError
from grover_train.finders import get_finder
from grover_train.studies.search_landscapes import dragon_landscape, make_landscape, sk_landscape
from grover_train.studies.search_level import (
    SearchPoint,
    bbht_model,
    classical_repetition,
    fit_search_scaling,
    head_probability,
    points_from_runs,
    prep_distribution,
    run_search_spec,
)

HAS_PREP = importlib.util.find_spec("grover_train.finders.coherent.prep") is not None


@pytest.mark.parametrize("n, heads", [(6, 2), (9, 4), (12, 1)])
def test_sk_threshold_gives_the_asked_heads(n, heads):
    ls = sk_landscape(n, seed=n, heads=heads)
    marked = ls.problem().marked
    # SK energies come in +-s pairs: a degenerate level is never split, so >= heads
    assert marked.sum() == ls.meta["num_heads"] >= heads
    E = ls.problem().energies
    assert E[marked].max() < ls.threshold < E[~marked].min()


def test_sk_couplings_have_variance_one_over_n():
    J = np.array(list(sk_landscape(12, seed=0).bqm.quadratic.values()))
    assert J.size == 66
    big = make_landscape("sk", 10, seed=1)
    assert big.exclude is None and big.family == "sk"
    # variance 1/n within sampling error (66 couplings: relative sd ~ 0.17)
    assert 0.5 / 12 < J.var() < 1.6 / 12


def test_dragon_landscape_heads_never_match_the_label():
    ls = dragon_landscape(8, seed=0, stage="late")
    pr = ls.problem()
    assert pr.marked.sum() == ls.meta["num_heads"] > 0
    assert not np.any(pr.marked & pr.excluded)
    # the correct label's best state is at the threshold (margin 0), not below it
    assert pr.energies[pr.excluded].min() == pytest.approx(ls.threshold)
    # exact finder agrees on the head count
    ss = get_finder("exact").sample(
        ls.bqm, threshold=ls.threshold, exclude=ls.exclude, budget=2**8, max_heads=2**8, seed=0
    )
    assert len(ss) == pr.marked.sum()


def test_unknown_family_stage_and_prep():
    with pytest.raises(UnknownNameError, match="family"):
        make_landscape("nope", 6, seed=0)
    with pytest.raises(UnknownNameError, match="stage"):
        dragon_landscape(8, seed=0, stage="middle")
    with pytest.raises(UnknownNameError, match="preparation"):
        prep_distribution(sk_landscape(4, 0).problem(), "hadamard")


def test_uniform_head_probability_is_heads_over_states():
    pr = sk_landscape(10, seed=3, heads=6).problem()
    p = head_probability(pr, prep_distribution(pr, "uniform"))
    assert p == pytest.approx(pr.marked.sum() / 2**10)


@pytest.mark.parametrize("n, heads", [(6, 2), (8, 1)])
def test_classical_repetition_mean_is_one_over_p(n, heads):
    """Queries to the first head are geometric: mean 1/p, sd sqrt(1-p)/p. 1500 searches put the
    sample mean within 4 standard errors (tolerance ~10% of 1/p)."""
    pr = sk_landscape(n, seed=1, heads=heads).problem()
    probs = prep_distribution(pr, "uniform")
    p = head_probability(pr, probs)
    rng = np.random.default_rng(0)
    q = np.array([classical_repetition(pr, probs, rng, 10**7)[0] for _ in range(1500)])
    se = np.sqrt(1 - p) / p / np.sqrt(q.size)
    assert abs(q.mean() - 1 / p) < 4 * se
    assert q.min() >= 1


def test_classical_repetition_with_a_nonuniform_distribution():
    pr = sk_landscape(6, seed=2, heads=2).problem()
    probs = np.exp(-2.0 * pr.energies)  # a Boltzmann-like preparation: heads more likely
    probs /= probs.sum()
    p = head_probability(pr, probs)
    assert p > pr.marked.mean()
    rng = np.random.default_rng(1)
    q = np.array([classical_repetition(pr, probs, rng, 10**6)[0] for _ in range(2000)])
    assert abs(q.mean() - 1 / p) < 4 * np.sqrt(1 - p) / p / np.sqrt(q.size)


def test_bbht_model_grows_like_sqrt():
    rng = np.random.default_rng(4)
    mean = {p: np.mean([bbht_model(p, rng, 10**9)[0] for _ in range(600)]) for p in (1e-3, 1e-5)}
    ratio = mean[1e-5] / mean[1e-3]  # sqrt(100) = 10 for slope 1/2, 100 for slope 1
    assert 7 < ratio < 13


@pytest.mark.skipif(not HAS_PREP, reason="coherent preparations not installed")
def test_dqa_distribution_is_normalized_and_favours_heads():
    pr = dragon_landscape(8, seed=0, stage="late").problem()
    probs = prep_distribution(pr, "dqa")
    assert probs.sum() == pytest.approx(1.0)
    assert head_probability(pr, probs) > pr.marked.mean()


def test_run_search_spec_is_seeded_and_consistent():
    spec = {"family": "sk", "n": 7, "seed": 3, "heads": 2, "searches": 20, "anneal_searches": 0}
    a, b = run_search_spec(spec), run_search_spec(spec)
    c = run_search_spec({**spec, "seed": 4})
    qa = [m["queries"] for m in a.metrics]
    assert qa == [m["queries"] for m in b.metrics]
    assert qa != [m["queries"] for m in c.metrics]
    s = a.summary
    assert s["p_A"] == pytest.approx(s["num_heads"] / 2**7)
    assert s["inv_p"] == pytest.approx(1 / s["p_A"])
    assert {m["method"] for m in a.metrics} == {"classical", "amplified"}
    assert all(m["found"] for m in a.metrics)
    assert s["mean.classical"] == pytest.approx(
        np.mean([m["queries"] for m in a.metrics if m["method"] == "classical"])
    )
    assert s["queries"] == sum(qa)
    with pytest.raises(UnknownNameError):
        run_search_spec({**spec, "prep": "nope"})


def test_points_and_fit_recover_slopes_one_and_half():
    rng = np.random.default_rng(5)
    runs = []
    for i, p in enumerate(np.logspace(-1.5, -5.5, 8)):
        metrics = [{"method": "classical", "queries": int(q)} for q in rng.geometric(p, 80)]
        metrics += [
            {"method": "amplified", "queries": bbht_model(p, rng, 10**9)[0]} for _ in range(80)
        ]
        runs.append(({"landscape": f"l{i}", "prep": "uniform", "p_A": p}, metrics))
    points = points_from_runs(runs)
    assert isinstance(points[0], SearchPoint) and points[0].queries["classical"].size == 80
    fit = fit_search_scaling(points, num_boot=200, seed=0)
    assert fit.classical_ci.contains(1.0)
    assert 0.42 < fit.coherent.slope < 0.55
    assert fit.ratio_ci.low < fit.ratio < fit.ratio_ci.high
    assert fit.decades == pytest.approx(4.0)
    with pytest.raises(InputError, match="at least two"):
        fit_search_scaling(points[:1])


HAS_GROVER = importlib.util.find_spec("grover_train.finders.coherent.grover") is not None


@pytest.mark.skipif(not HAS_GROVER, reason="coherent finder not installed")
def test_grover_finder_matches_the_independent_bbht_model():
    """The grover finder (exact backend) and our own BBHT model of it give the same mean
    queries to the first head: 400 searches each, tolerance 15% (sd of the mean ~5%)."""
    from grover_train.studies.search_level import amplified_search

    pr = sk_landscape(12, seed=2, heads=2).problem()
    p = head_probability(pr, prep_distribution(pr))
    finder = [amplified_search(pr, "uniform", s, 10**6) for s in range(400)]
    assert all(found for _, found, impl in finder) and finder[0][2] == "grover-finder"
    rng = np.random.default_rng(0)
    model = [bbht_model(p, rng, 10**6, num_states=2**12)[0] for _ in range(4000)]
    a, b = np.mean([q for q, _, _ in finder]), np.mean(model)
    assert abs(a - b) < 0.15 * b
    assert a < 0.1 / p  # far below classical repetition's 1/p
