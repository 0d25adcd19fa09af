"""The nudged positive phase (grover_train/train/nudge.py): the nudged layers against
enumeration of the nudged energy, the cut against finite differences of the energy's
definition, and gamma = 0 against the local-readout cut, on tiny networks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from readout_nets import (
    assert_cut_is,
    layer_window,
    local_energy,
    small_digits,
    small_options,
    tiny,
    window_heads,
)

from grover_train.model import deep
from grover_train.model.network import DragonNetwork
from grover_train.train import readouts as ro
from grover_train.train.nudge import nudged_hidden
from grover_train.train.problems import FullConfig, sample_problems
from grover_train.train.run import train_model


def _all(n):
    return [np.array(s, dtype=float) for s in itertools.product([-1, 1], repeat=n)]


def _nudged_by_enumeration(net, x, free, top, gamma):
    """Top-down: each lower layer is the argmin over all its states of its nudged energy."""
    L = net.num_layers
    out = [np.asarray(h, dtype=float) for h in free]
    out[L - 1] = np.asarray(top, dtype=float)
    for m in range(L - 2, -1, -1):
        below = x if m == 0 else free[m - 1]
        change = out[m + 1] - free[m + 1]

        def energy(h, m=m, below=below, change=change):
            own = sum(h[j] * (net.W[m][j] @ below + net.b[m][j]) for j in range(h.size))
            fb = sum(
                change[i] * net.W[m + 1][i, j] * h[j]
                for i in range(change.size)
                for j in range(h.size)
            )
            return -own - gamma * fb

        out[m] = min(_all(net.hidden[m]), key=energy)
    return out


def test_nudged_layers_minimise_the_nudged_energy_by_enumeration():
    rng = np.random.default_rng(0)
    moved = 0
    for seed in range(6):
        net, _ = tiny(seed, hidden=(3, 4, 3))
        x = rng.choice([-1.0, 1.0], size=4)
        free = [h[0] for h in net.forward(x[None])[1:]]
        top = rng.choice([-1.0, 1.0], size=3)
        for gamma in (0.0, 0.4, 2.0):
            got = nudged_hidden(net, x, free, top, gamma)
            want = _nudged_by_enumeration(net, x, free, top, gamma)
            for a, b in zip(got, want, strict=True):
                assert np.array_equal(a, b)
            if gamma == 0.0:  # no nudge: the free (forward) layers below the top
                assert all(np.array_equal(a, b) for a, b in zip(got[:-1], free[:-1], strict=True))
            moved += sum(int((a != b).any()) for a, b in zip(got[:-1], free[:-1], strict=True))
    assert moved > 0  # the nudge does move lower layers in some of these cases


def _numeric(net, r, layer, x, pairs, get):
    """-d/dtheta mean_S [E_l(P(S)) - E_l(S)] by finite differences of the definition."""

    def gap(n, rr):
        return np.mean(
            [
                local_energy(n, rr, layer, x, p.hidden, p.y)
                - local_energy(n, rr, layer, x, s.hidden, s.y)
                for p, s in pairs
            ]
        )

    out = np.zeros_like(get(net, r))
    for idx in np.ndindex(out.shape):
        n2, r2 = net.copy(), ro.Readouts([v.copy() for v in r.V], [v.copy() for v in r.d])
        get(n2, r2)[idx] += 1.0  # the energy is linear in every parameter: exact difference
        out[idx] = -(gap(n2, r2) - gap(net, r))
    return out


def _free_top(sub, x, head, free):
    """The free phase's layers of head S: the head's, with the last layer at its minimum given
    the head's outputs for free="closed" (by enumeration of that layer)."""
    ref = [np.asarray(h, dtype=float) for h in head.hidden]
    if free == "closed":
        below = x if sub.num_layers == 1 else ref[-2]
        L = sub.num_layers - 1

        def energy(h):
            return -h @ (sub.W[L] @ below + sub.b[L]) - head.y @ (sub.U @ h)

        ref[-1] = min(_all(sub.hidden[-1]), key=energy)
    return ref


@pytest.mark.parametrize("gamma, free", [(0.5, "head"), (3.0, "head"), (1.0, "closed")])
def test_nudged_cut_is_the_gradient_of_the_energy_gap_by_brute_force(gamma, free):
    """For windows of every layer: the update equals -d/dtheta mean_S [E_l(P(S)) - E_l(S)]
    for every parameter of the network and the readouts, with P(S) the nudged positive built by
    enumeration; with a nudge, layers below the window's layer move too."""
    rng = np.random.default_rng(3)
    lower_moved = 0
    for trial in range(4):
        net, r = tiny(4 + trial, hidden=(3, 2, 3))
        r.options = ro.ReadoutOptions(nudge=gamma, nudge_free=free)
        for layer in range(net.num_layers):
            x, k = rng.choice([-1.0, 1.0], size=4), int(rng.integers(3))
            p = layer_window(net, r, x, k, layer)
            heads = window_heads(net, r, p)
            assert heads
            (dW, db, dU, dc), aux = ro.local_delta(net, r, layer, x, p.positive, heads)
            sub = ro.layer_net(net, r, layer)
            pairs = [
                (
                    FullConfig(
                        _nudged_by_enumeration(
                            sub, x, _free_top(sub, x, s, free), p.positive.hidden[-1], gamma
                        )
                        if layer > 0
                        else p.positive.hidden,
                        p.positive.y,
                    ),
                    s,
                )
                for s in heads
            ]

            def numeric(get, layer=layer, x=x, pairs=pairs, net=net, r=r):
                return _numeric(net, r, layer, x, pairs, get)

            assert_cut_is((dW, db, dU, dc), aux, numeric, net.num_layers)
            # layers above the window's layer never move
            assert all(not dW[m].any() for m in range(layer + 1, net.num_layers))
            lower_moved += sum(int(dW[m].any()) for m in range(layer))
    assert lower_moved > 0


def test_without_nudge_the_cut_is_the_local_readout_cut():
    rng = np.random.default_rng(5)
    net, r = tiny(1, hidden=(3, 2, 3))
    x, k = rng.choice([-1.0, 1.0], size=4), 1
    ps = sample_problems(net, x, k, margin=5.0, windows="readouts", readouts=r)
    for p in ps:
        heads = window_heads(net, r, p, count=1)
        a = ro.local_delta(net, r, p.layer, x, p.positive, heads)
        r.options = ro.ReadoutOptions(nudge=1e-12)  # on, but too weak to flip any unit
        b = ro.local_delta(net, r, p.layer, x, p.positive, heads)
        r.options = ro.ReadoutOptions()
        for u, v in zip(a[0][0], b[0][0], strict=True):
            assert np.array_equal(u, v)
        assert np.array_equal(a[0][2], b[0][2])


def test_nudged_training_learns_and_counts_the_sweep():
    ds, kw = small_digits()
    plain = train_model(ds, small_options(), budget=2000, **kw)
    nudged = train_model(ds, small_options(readouts={"nudge": 1.0}), budget=2000, **kw)
    assert nudged.summary["readout_options"]["nudge"] == 1.0
    assert nudged.summary["queries"] >= 2000 and nudged.summary["max_qubits_used"] <= 7
    start = deep.identity_init(DragonNetwork.random(16, [6, 6], 3, seed=0))
    assert nudged.summary["test_accuracy"] > start.accuracy(ds.X_test, ds.y_test) + 0.1
    # the first layer also learns from the windows of the second: the runs differ there
    assert not np.allclose(plain.net.W[0], nudged.net.W[0])


def test_anchor_pulls_square_layers_above_the_first_towards_the_identity():
    net = DragonNetwork.random(4, [4, 4, 3, 3], 2, seed=0)
    before = [w.copy() for w in net.W]
    ro.anchor_identity(net, 0.1, 2.0)
    assert np.array_equal(net.W[0], before[0]) and np.array_equal(net.W[2], before[2])
    for m in (1, 3):
        assert np.allclose(net.W[m], 0.8 * before[m] + 0.2 * np.eye(len(before[m])))


def test_anchor_can_leave_the_last_layer_free():
    net = DragonNetwork.random(4, [4, 4, 4], 2, seed=0)
    before = [w.copy() for w in net.W]
    ro.anchor_identity(net, 0.1, 2.0, top=False)
    assert np.allclose(net.W[1], 0.8 * before[1] + 0.2 * np.eye(4))
    assert np.array_equal(net.W[2], before[2]) and np.array_equal(net.W[0], before[0])


def test_anchored_training_keeps_the_upper_layer_near_the_identity():
    ds, kw = small_digits()
    free = train_model(ds, small_options(), budget=2000, **kw)
    anchored = small_options(readouts=ro.ReadoutOptions(anchor=5.0))
    held = train_model(ds, anchored, budget=2000, **kw)
    dist = [np.linalg.norm(r.net.W[1] - np.eye(6)) for r in (free, held)]
    assert dist[1] < 0.5 * dist[0]
