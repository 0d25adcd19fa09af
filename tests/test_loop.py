"""The training loop with pluggable updaters: the call protocol, the query accounting, resume
from checkpoints for any updater, and the name-based entry point against the updaters."""

from __future__ import annotations

import numpy as np
import pytest

from grover_train.data.datasets import load_dataset
from grover_train.errors import InputError
from grover_train.train.backprop import Backprop
from grover_train.train.cutting import HeadCutting
from grover_train.train.delta import add, apply, cut_delta, scale
from grover_train.train.loop import StepResult, Updater, train
from grover_train.train.options import (
    BackpropOptions,
    HeadCuttingOptions,
    TrainOptions,
    method_options,
)
from grover_train.train.run import make_updater, train_model


@pytest.fixture(scope="module")
def tiny():
    return load_dataset("digits", seed=0, classes=[0, 1, 2], pool=True)


class Perceptron(Updater):
    """A toy updater: one perceptron step on U per misclassified sample, with a random
    number (1-3) of queries per sample drawn from the step's stream."""

    name = "perceptron"

    def __init__(self, **options):
        super().__init__(TrainOptions(**{"batch_size": 5, "eval_size": 30, **options}))
        self.calls: list[str] = []

    def check(self, dataset, hidden):
        self.calls.append("check")

    def init(self, net, dataset, state, seed):
        super().init(net, dataset, state, seed)
        self.X, self.y = dataset.X_train, dataset.y_train
        self.calls.append("init")

    def step(self, batch):
        self.calls.append("step")
        cost = batch.rng.integers(1, 4, size=len(batch.index))
        for i in batch.index:
            h = np.sign(self.net.W[0] @ self.X[i] + self.net.b[0])
            k = int(np.argmax(self.net.U @ h + self.net.c))
            if k != self.y[i]:
                self.net.U[self.y[i]] += 0.1 * h
                self.net.U[k] -= 0.1 * h
        return StepResult(int(cost.sum()), len(batch.index), {"cost": int(cost.sum())})

    def close(self):
        self.calls.append("close")


def test_loop_calls_the_updater_in_order_and_counts_its_queries(tiny):
    up = Perceptron()
    r = train(tiny, up, hidden=4, budget=200, seed=0, progress=False)
    assert up.calls[:2] == ["check", "init"] and up.calls[-1] == "close"
    assert up.calls.count("step") == r.summary["steps"]
    # queries are what the steps reported, and the loop stops at the first step past the budget
    assert r.metrics[-1]["queries"] == r.summary["queries"] >= 200
    assert r.summary["queries"] - r.metrics[-1]["cost"] < 200
    # epochs: steps of 5 samples over the training set, the last batch of an epoch shorter
    n = len(tiny.y_train)
    per_epoch = -(-n // 5)
    steps = r.summary["steps"]
    assert r.summary["epochs"] == pytest.approx(
        steps // per_epoch + min(5 * (steps % per_epoch), n) / n
    )
    assert r.summary["finder"] == "perceptron" and r.net.meta["train_state"]["finder"] == (
        "perceptron"
    )
    again = train(tiny, Perceptron(), hidden=4, budget=200, seed=0, progress=False)
    assert np.array_equal(again.net.U, r.net.U)
    assert [m["queries"] for m in again.metrics] == [m["queries"] for m in r.metrics]


def test_loop_closes_the_updater_after_an_error(tiny):
    class Failing(Perceptron):
        def step(self, batch):
            raise RuntimeError("boom")

    up = Failing()
    with pytest.raises(RuntimeError, match="boom"):
        train(tiny, up, hidden=4, budget=200, seed=0, progress=False)
    assert up.calls == ["check", "init", "close"]


@pytest.mark.parametrize("average", [0, 3])
def test_any_updater_resumes_from_a_checkpoint_to_the_uninterrupted_run(tiny, average):
    snaps = []
    kw = dict(hidden=4, budget=300, seed=1, progress=False)
    full = train(
        tiny, Perceptron(average=average), checkpoint=snaps.append, checkpoint_every=0, **kw
    )
    assert len(snaps) == full.summary["steps"] - 1  # after every step but the last
    assert ("raw" in snaps[0].meta["train_state"]) == bool(average)
    back = train(tiny, Perceptron(average=average), init=snaps[4], resume=True, **kw)
    assert np.array_equal(back.net.U, full.net.U)
    assert back.summary["queries"] == full.summary["queries"]
    assert [m["queries"] for m in back.metrics] == [
        m["queries"] for m in full.metrics if m["step"] > 5
    ]


def test_backprop_writes_checkpoints_and_resumes_from_them(tiny):
    snaps = []
    kw = dict(hidden=4, budget=600, seed=2, progress=False)
    opts = BackpropOptions(batch_size=50)
    full = train_model(tiny, opts, checkpoint=snaps.append, checkpoint_every=0, **kw)
    assert len(snaps) == full.summary["steps"] - 1
    state = snaps[3].meta["train_state"]
    assert (state["step"], state["queries"], state["finder"]) == (4, 200, "backprop")
    back = train_model(tiny, opts, init=snaps[3], resume=True, **kw)
    # the batches and counts continue exactly; Adam's moments restart (docs/training.md)
    assert back.summary["queries"] == full.summary["queries"] == 600
    assert back.summary["steps"] == full.summary["steps"]
    assert [(m["step"], m["queries"], m["batch"]) for m in back.metrics] == [
        (m["step"], m["queries"], m["batch"]) for m in full.metrics if m["step"] > 4
    ]


def test_train_model_is_the_loop_with_the_updater_of_its_options(tiny):
    kw = dict(hidden=5, budget=1500, seed=3, progress=False)
    sa = method_options("sa", {"num_reads": 4}, max_heads=2)
    a = train_model(tiny, sa, **kw)
    b = train(tiny, HeadCutting(HeadCuttingOptions("sa", {"num_reads": 4}, max_heads=2)), **kw)
    assert np.array_equal(a.net.U, b.net.U) and a.metrics[-1]["queries"] == b.metrics[-1]["queries"]
    bp = method_options("backprop", {"beta": 2.0}, max_heads=2)  # max_heads: not backprop's
    c = train_model(tiny, bp, **kw)
    d = train(tiny, Backprop(BackpropOptions(beta=2.0)), **kw)
    assert np.array_equal(c.net.U, d.net.U) and c.summary["beta"] == 2.0
    assert isinstance(make_updater(bp), Backprop) and isinstance(make_updater(sa), HeadCutting)
    with pytest.raises(InputError, match="backprop takes no finder options"):
        method_options("backprop", {"num_reads": 4})


@pytest.mark.parametrize(
    "build",
    [
        lambda: TrainOptions(eta=-1.0),
        lambda: HeadCuttingOptions("sa", eta=-1.0),
        lambda: BackpropOptions(eta=-1.0),
    ],
)
def test_options_are_checked_where_they_are_built(build):
    with pytest.raises(InputError, match="--eta must be a positive number"):
        build()


def test_the_finder_is_built_once_and_the_windows_planned_once(tiny, monkeypatch):
    from grover_train.finders import registry
    from grover_train.model import deep
    from grover_train.train import cutting

    built, planned = [], []
    get, plan = registry.get_finder, deep.plan_windows
    monkeypatch.setattr(registry, "get_finder", lambda *a, **k: built.append(a) or get(*a, **k))
    monkeypatch.setattr(deep, "plan_windows", lambda *a, **k: planned.append(a) or plan(*a, **k))
    monkeypatch.setattr(cutting, "plan_windows", deep.plan_windows)
    opts = HeadCuttingOptions("sa", {"num_reads": 2}, max_qubits=6, batch_size=4)
    train_model(tiny, opts, hidden=[4, 4], budget=400, seed=0, progress=False)
    assert len(built) == 1 and len(planned) == 1


def test_delta_helpers_add_scale_and_step_like_the_single_cut(tiny):
    from grover_train.model.network import DragonNetwork
    from grover_train.train.problems import FullConfig, positive_config

    net = DragonNetwork.random(tiny.num_inputs, [4], tiny.num_classes, seed=0)
    x = tiny.X_train[0]
    pos = positive_config(net, x, int(tiny.y_train[0]))
    head = FullConfig([-pos.hidden[0]], -pos.y)
    d = cut_delta(net, x, pos, [head])
    twice = net.copy()
    apply(twice, scale(add(d, d), 0.5), 0.1, 0.0)
    once = net.copy()
    apply(once, d, 0.1, 0.0)
    assert np.allclose(twice.U, once.U) and np.allclose(twice.W[0], once.W[0])
