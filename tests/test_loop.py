"""The training loop with pluggable updaters: the call protocol, the query accounting, resume
from checkpoints for any updater, and the name-based entry point against the updaters."""

from __future__ import annotations

import numpy as np
import pytest

from grover_train.data.datasets import load_dataset
from grover_train.errors import InputError
from grover_train.train.backprop import Backprop, train_backprop
from grover_train.train.cutting import HeadCutting
from grover_train.train.delta import add, apply, cut_delta, scale
from grover_train.train.loop import StepResult, Updater, train
from grover_train.train.run import make_updater, train_model


@pytest.fixture(scope="module")
def tiny():
    return load_dataset("digits", seed=0, classes=[0, 1, 2], pool=True)


class Perceptron(Updater):
    """A toy updater: one perceptron step on U per misclassified sample, with a random
    number (1-3) of queries per sample drawn from the step's stream."""

    name = "perceptron"
    defaults = {"batch_size": 5, "eval_size": 30, "margin": 0.0, "init_scale": 1.0}

    def __init__(self, **options):
        super().__init__(**options)
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
    kw = dict(hidden=4, budget=600, seed=2, progress=False, batch_size=50)
    full = train_backprop(tiny, checkpoint=snaps.append, checkpoint_every=0, **kw)
    assert len(snaps) == full.summary["steps"] - 1
    state = snaps[3].meta["train_state"]
    assert (state["step"], state["queries"], state["finder"]) == (4, 200, "backprop")
    back = train_backprop(tiny, init=snaps[3], resume=True, **kw)
    # the batches and counts continue exactly; Adam's moments restart (docs/training.md)
    assert back.summary["queries"] == full.summary["queries"] == 600
    assert back.summary["steps"] == full.summary["steps"]
    assert [(m["step"], m["queries"], m["batch"]) for m in back.metrics] == [
        (m["step"], m["queries"], m["batch"]) for m in full.metrics if m["step"] > 4
    ]


def test_train_model_is_the_loop_with_the_named_updater(tiny):
    kw = dict(hidden=5, budget=1500, seed=3, progress=False)
    a = train_model(tiny, finder="sa", finder_options={"num_reads": 4}, max_heads=2, **kw)
    b = train(tiny, HeadCutting("sa", {"num_reads": 4}, max_heads=2), **kw)
    assert np.array_equal(a.net.U, b.net.U) and a.metrics[-1]["queries"] == b.metrics[-1]["queries"]
    c = train_model(tiny, finder="backprop", finder_options={"beta": 2.0}, max_heads=2, **kw)
    d = train(tiny, Backprop(beta=2.0), **kw)
    assert np.array_equal(c.net.U, d.net.U) and c.summary["beta"] == 2.0
    assert isinstance(make_updater("backprop", windows="layers"), Backprop)  # ignored option
    with pytest.raises(InputError, match="backprop takes no finder options"):
        make_updater("backprop", {"num_reads": 4})


def test_shared_options_are_checked_once_for_every_updater(tiny):
    for up in (Perceptron(eta=-1.0), HeadCutting("sa", eta=-1.0), Backprop(eta=-1.0)):
        with pytest.raises(InputError, match="--eta must be a positive number"):
            train(tiny, up, hidden=4, budget=100, seed=0, progress=False)


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
