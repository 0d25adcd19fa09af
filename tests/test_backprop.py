"""Backprop baseline: same energy as the numpy model, accounting, seeds, no leaked state."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grover_train.data.datasets import load_dataset
from grover_train.errors import InputError
from grover_train.model.landscape import clamped_outputs_energy
from grover_train.model.network import DragonNetwork
from grover_train.train.backprop import logits
from grover_train.train.options import BackpropOptions, method_options
from grover_train.train.run import train_model


def _params(net: DragonNetwork) -> dict:
    p = {f"W{i}": torch.tensor(w) for i, w in enumerate(net.W)}
    p.update({f"b{i}": torch.tensor(v) for i, v in enumerate(net.b)})
    p.update(U=torch.tensor(net.U), c=torch.tensor(net.c))
    return p


@pytest.mark.parametrize("hidden", [[6], [5, 4]])
def test_logits_are_minus_the_numpy_clamped_energies(hidden):
    net = DragonNetwork.random(7, hidden, 3, seed=1)
    net.b = [v + 0.3 for v in net.b]
    net.c = net.c - 0.2
    X = np.random.default_rng(0).choice([-1.0, 1.0], size=(9, 7))
    out = logits(_params(net), torch.tensor(X), net.num_layers).numpy()
    np.testing.assert_allclose(out, -net.clamped_energies(X), rtol=1e-12, atol=1e-12)
    G, Y = clamped_outputs_energy(net, X)
    out_all = logits(_params(net), torch.tensor(X), net.num_layers, torch.tensor(Y)).numpy()
    np.testing.assert_allclose(out_all, -G, rtol=1e-12, atol=1e-12)


@pytest.fixture(scope="module")
def digits01():
    return load_dataset("digits", seed=0, classes=[0, 1])


def test_backprop_learns_and_counts_one_query_per_sample_pass(digits01):
    threads = torch.get_num_threads()
    opts = BackpropOptions(batch_size=50)
    r = train_model(digits01, opts, hidden=4, budget=3000, seed=0, progress=False)
    assert torch.get_num_threads() == threads
    assert r.summary["finder"] == "backprop"
    assert r.summary["queries"] == 3000
    # 288 training samples: batches of 50 and the epoch's remainder of 38
    assert [m["queries"] for m in r.metrics[:3]] == [50, 100, 150]
    assert r.summary["test_accuracy"] >= 0.95
    assert r.summary["train_error"] <= 0.05  # softmax over all outputs lowers eps too
    assert r.summary["test_accuracy"] == pytest.approx(
        r.net.accuracy(digits01.X_test, digits01.y_test)
    )


def test_backprop_same_seed_identical_other_seed_different(digits01):
    kw = dict(hidden=3, budget=600, progress=False)
    a = train_model(digits01, BackpropOptions(), seed=3, **kw)
    b = train_model(digits01, BackpropOptions(), seed=3, **kw)
    c = train_model(digits01, BackpropOptions(), seed=4, **kw)
    np.testing.assert_array_equal(a.net.W[0], b.net.W[0])
    assert [m["loss"] for m in a.metrics] == [m["loss"] for m in b.metrics]
    assert not np.array_equal(a.net.W[0], c.net.W[0])


def test_backprop_resume_and_options(digits01):
    kw = dict(hidden=3, seed=0, progress=False)
    first = train_model(digits01, BackpropOptions(), budget=400, **kw)
    second = train_model(digits01, BackpropOptions(), budget=800, init=first.net, resume=True, **kw)
    assert second.summary["queries"] == 800
    assert second.metrics[0]["step"] == first.summary["steps"] + 1
    onehot = train_model(digits01, BackpropOptions(outputs="onehot"), budget=400, **kw)
    assert onehot.summary["outputs"] == "onehot"
    with pytest.raises(InputError, match="outputs"):
        BackpropOptions(outputs="x")
    with pytest.raises(InputError, match="finder options"):
        method_options("backprop", {"num_reads": 3})


def test_backprop_trains_deep_networks(digits01):
    r = train_model(digits01, BackpropOptions(), hidden=[6, 4], budget=3000, seed=0, progress=False)
    assert r.net.hidden == [6, 4]
    assert r.summary["test_accuracy"] >= 0.9
