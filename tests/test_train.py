"""Head-cutting training: the cut's direction, eps against brute force, accounting, seeds,
resume."""

from __future__ import annotations

import dimod
import numpy as np
import pytest

from grover_train.data.datasets import load_dataset
from grover_train.enumeration import energy_vector, exclusion_mask
from grover_train.errors import BudgetError, InputError
from grover_train.finders import FindResult, HeadFinder
from grover_train.model.landscape import free_bqm, training_error
from grover_train.model.network import DragonNetwork
from grover_train.train.delta import cut, cut_delta
from grover_train.train.options import HeadCuttingOptions
from grover_train.train.problems import FullConfig, positive_config
from grover_train.train.result import Evaluator, read_metrics
from grover_train.train.run import train_model


def _stats(net: DragonNetwork, x: np.ndarray, s: FullConfig) -> np.ndarray:
    """Sufficient statistics phi(s) with E(s) = -theta . phi(s) for theta = (W, b, U, c)."""
    hs = [x, *s.hidden]
    parts = []
    for layer in range(net.num_layers):
        parts += [np.outer(hs[layer + 1], hs[layer]).ravel(), hs[layer + 1]]
    parts += [np.outer(s.y, hs[-1]).ravel(), s.y]
    return np.concatenate(parts)


def _random_config(net: DragonNetwork, rng) -> FullConfig:
    return FullConfig(
        [rng.choice([-1.0, 1.0], size=h) for h in net.hidden],
        rng.choice([-1.0, 1.0], size=net.num_classes),
    )


@pytest.mark.parametrize("hidden", [[5], [4, 3]])
def test_cut_raises_heads_relative_to_positive_by_the_predicted_amount(hidden):
    rng = np.random.default_rng(1)
    net = DragonNetwork.random(6, hidden, 3, seed=2)
    x = rng.choice([-1.0, 1.0], size=6)
    pos = positive_config(net, x, 1)
    heads = [_random_config(net, rng) for _ in range(3)]

    def gaps(n):
        e_pos = n.energy(x, pos.hidden, pos.y)[0]
        return np.array([n.energy(x, h.hidden, h.y)[0] - e_pos for h in heads])

    before = gaps(net)
    eta = 0.01
    after = gaps(cut(net.copy(), x, pos, heads, eta))
    # E is linear in the weights, E(s) = -theta . phi(s): the cut moves theta by
    # eta (phi+ - mean_S phi), so the mean gap grows by exactly eta |phi+ - mean_S phi|^2.
    phi_pos = _stats(net, x, pos)
    mean_phi = np.mean([_stats(net, x, h) for h in heads], axis=0)
    expected = eta * np.sum((phi_pos - mean_phi) ** 2)
    assert np.mean(after - before) == pytest.approx(expected, rel=1e-9)
    assert expected > 0


def test_cut_delta_is_the_design_rule_for_one_layer():
    rng = np.random.default_rng(0)
    net = DragonNetwork.random(5, 4, 3, seed=0)
    x = rng.choice([-1.0, 1.0], size=5)
    pos = positive_config(net, x, 2)
    heads = [_random_config(net, rng) for _ in range(2)]
    dW, db, dU, dc = cut_delta(net, x, pos, heads)
    hp, e = pos.hidden[0], pos.y
    H = np.stack([h.hidden[0] for h in heads])
    Y = np.stack([h.y for h in heads])
    np.testing.assert_allclose(dW[0], np.outer(hp, x) - np.mean([np.outer(h, x) for h in H], 0))
    np.testing.assert_allclose(db[0], hp - H.mean(0))
    np.testing.assert_allclose(
        dU, np.outer(e, hp) - np.mean([np.outer(y, h) for y, h in zip(Y, H, strict=True)], 0)
    )
    np.testing.assert_allclose(dc, e - Y.mean(0))
    assert all(np.all(a == 0) for a in cut_delta(net, x, pos, [])[2:])


def test_eps_matches_brute_force_enumeration_of_the_free_landscape():
    ds = load_dataset("teacher", seed=3, teacher_sizes=(6, 4, 3), num_samples=40)
    net = DragonNetwork.random(6, 5, 3, seed=4)
    margin = 0.7
    ev = Evaluator(ds, eval_size=None, seed=0, margin=margin)
    eps, eps_m = ev.train_errors(net)
    counts = {0.0: 0, margin: 0}
    for x, k in zip(ds.X_train, ds.y_train, strict=True):
        bqm = free_bqm(net, x)
        E = energy_vector(bqm)
        own = exclusion_mask(bqm, {5 + j: (1 if j == k else -1) for j in range(3)})
        e_plus = net.clamped_energies(x)[0, k]
        for m in counts:
            counts[m] += bool(np.any((E < e_plus + m) & ~own))
    assert eps == pytest.approx(counts[0.0] / len(ds.y_train))
    assert eps_m == pytest.approx(counts[margin] / len(ds.y_train))
    assert eps == pytest.approx(training_error(net, ds.X_train, ds.y_train))


class _FixedCost(HeadFinder):
    """Spends exactly ``cost`` queries per search and never finds a head."""

    name = "fixed-cost"

    def __init__(self, cost: int = 3) -> None:
        self.cost = cost

    def _find(self, problem, budget, rng, max_heads=1, **kw):
        return FindResult([], queries=min(self.cost, budget))


def test_queries_are_finder_queries_plus_one_threshold_evaluation_per_sample():
    ds = load_dataset("teacher", seed=0, teacher_sizes=(6, 3, 2), num_samples=50)
    opts = HeadCuttingOptions(_FixedCost(3), batch_size=10)
    r = train_model(ds, opts, hidden=3, budget=400, seed=0, progress=False, num_evals=4)
    # 4 queries per sample (1 + 3), 10 samples per step: 10 steps, no head, no update
    assert r.summary["queries"] == 400
    assert r.summary["steps"] == 10
    assert [m["step"] for m in r.metrics][:3] == [1, 2, 3]
    assert [m["queries"] for m in r.metrics][:3] == [40, 80, 120]


@pytest.fixture(scope="module")
def digits01():
    return load_dataset("digits", seed=0, classes=[0, 1])


def test_trained_small_net_reaches_low_training_error(digits01):
    opts = HeadCuttingOptions("sa", {"num_reads": 8, "num_sweeps": 10})
    r = train_model(digits01, opts, hidden=4, budget=12000, seed=0, progress=False)
    first, last = r.metrics[0], r.metrics[-1]
    assert last["train_error"] <= 0.05 < first["train_error"]
    assert last["test_accuracy"] >= 0.95
    assert training_error(r.net, digits01.X_train, digits01.y_train) <= 0.05


def test_same_seed_same_run_other_seed_other_run(digits01):
    kw = dict(hidden=4, budget=1500, progress=False)
    kw["options"] = HeadCuttingOptions("sa", {"num_reads": 4, "num_sweeps": 10})
    a = train_model(digits01, seed=5, **kw)
    b = train_model(digits01, seed=5, **kw)
    c = train_model(digits01, seed=6, **kw)

    def strip(r):
        return [{k: v for k, v in m.items() if k != "wall_s"} for m in r.metrics]

    assert strip(a) == strip(b)
    np.testing.assert_array_equal(a.net.W[0], b.net.W[0])
    assert not np.array_equal(a.net.W[0], c.net.W[0])


def test_resume_continues_where_the_run_stopped(digits01, tmp_path):
    path = tmp_path / "metrics.jsonl"
    kw = dict(hidden=4, seed=1, progress=False, metrics_path=path)
    kw["options"] = HeadCuttingOptions("sa", {"num_reads": 4, "num_sweeps": 10})
    first = train_model(digits01, budget=1000, **kw)
    state = first.net.meta["train_state"]
    assert state["queries"] == first.summary["queries"] >= 1000
    second = train_model(digits01, budget=2500, init=first.net, resume=True, **kw)
    assert second.summary["queries"] >= 2500
    assert second.metrics[0]["step"] == state["step"] + 1
    rows = read_metrics(path)
    steps = [m["step"] for m in rows]
    assert steps == sorted(set(steps)) and steps[-1] == second.summary["steps"]
    assert [m["queries"] for m in rows] == sorted(m["queries"] for m in rows)
    # a resumed run is deterministic too
    again = train_model(
        digits01, budget=2500, init=first.net, resume=True, **{**kw, "metrics_path": None}
    )
    np.testing.assert_array_equal(again.net.U, second.net.U)
    with pytest.raises(InputError, match="seed"):
        train_model(digits01, budget=2500, init=first.net, resume=True, **{**kw, "seed": 2})
    with pytest.raises(BudgetError, match="larger"):
        train_model(digits01, budget=500, init=first.net, resume=True, **kw)


@pytest.mark.parametrize(
    "bad, match",
    [
        ({"finder": "nope"}, "unknown finder"),
        ({"eta": -1.0}, "eta"),
        ({"margin": -0.5}, "margin"),
        ({"batch_size": 0}, "batch"),
        ({"max_qubits": 1}, "max-qubits"),
        ({"windows": "rows"}, "window shape"),
        ({"readouts": {"finish": 2.0}}, "finish"),
    ],
)
def test_bad_options_fail_where_the_options_are_built(bad, match):
    with pytest.raises(InputError, match=match):
        HeadCuttingOptions(**{"finder": "sa", **bad})


@pytest.mark.parametrize("bad, match", [({"hidden": 0}, "hidden"), ({"budget": -5}, "budget")])
def test_bad_runs_raise_input_errors(digits01, bad, match):
    kw = dict(hidden=4, budget=100, seed=0, progress=False)
    with pytest.raises(InputError, match=match):
        train_model(digits01, HeadCuttingOptions("sa"), **{**kw, **bad})


def test_heads_found_by_the_finder_are_heads_of_the_landscape():
    # cross-check: the exact finder's heads for one sample are exactly the enumerated ones
    from grover_train.finders import get_finder
    from grover_train.train.problems import sample_problems

    net = DragonNetwork.random(5, 3, 2, seed=7)
    x = np.array([1.0, -1.0, 1.0, 1.0, -1.0])
    [prob] = sample_problems(net, x, 0, margin=0.5)
    ss = get_finder("exact").sample(
        prob.bqm,
        threshold=prob.threshold,
        exclude=prob.exclude,
        budget=10_000,
        seed=0,
        max_heads=100,
    )
    E = energy_vector(prob.bqm)
    own = exclusion_mask(prob.bqm, prob.exclude)
    assert len(ss) == int(np.sum((E < prob.threshold) & ~own))
    for full in prob.to_full(ss.record.sample):
        assert net.energy(x, full.hidden, full.y)[0] < prob.threshold
    assert isinstance(prob.bqm, dimod.BinaryQuadraticModel)


def test_weight_averaging_returns_the_moving_average_and_resumes_from_raw(digits01):
    kw = dict(hidden=4, seed=2, progress=False)
    sa = {"finder": "sa", "finder_options": {"num_reads": 4, "num_sweeps": 10}}
    plain = train_model(digits01, HeadCuttingOptions(**sa, average=0), budget=1200, **kw)
    five = HeadCuttingOptions(**sa, average=5)
    averaged = train_model(digits01, five, budget=1200, **kw)
    raw = averaged.net.meta["train_state"]["raw"]
    # the raw weights follow the same cuts as the plain run; the returned ones are averaged
    np.testing.assert_allclose(np.array(raw["U"]), plain.net.U)
    assert not np.allclose(averaged.net.U, plain.net.U)
    assert averaged.summary["test_accuracy"] == pytest.approx(
        averaged.net.accuracy(digits01.X_test, digits01.y_test)
    )
    more = train_model(digits01, five, budget=2000, init=averaged.net, resume=True, **kw)
    assert more.summary["queries"] >= 2000
    with pytest.raises(InputError, match="average"):
        HeadCuttingOptions(**sa, average=-1)
