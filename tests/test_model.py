"""The Ising network against brute force: clamped energies, landscapes, heads, eps, model files."""

from __future__ import annotations

import json
import zipfile

import dimod
import numpy as np
import pytest

from grover_train.enumeration import (
    energy_vector,
    exclusion_mask,
    samples_to_states,
    states_to_samples,
)
from grover_train.errors import InputError, ModelFileError
from grover_train.finders import get_finder
from grover_train.finders.search_problem import SearchProblem
from grover_train.model.io import load_model, save_model
from grover_train.model.landscape import (
    free_bqm,
    has_head,
    head_threshold,
    label_exclusion,
    training_error,
)
from grover_train.model.network import DragonNetwork
from grover_train.testing import random_bqm


def spins(rng, n, d):
    return 2.0 * rng.integers(0, 2, size=(n, d)) - 1.0


def enumerate_landscape(net, x):
    """All 2^n states of x's free landscape as (energies, H, Y) via energy_vector."""
    bqm = free_bqm(net, x)
    E = energy_vector(bqm)
    S = states_to_samples(np.arange(2**bqm.num_variables), bqm.num_variables).astype(float)
    H = net.hidden[0]
    return E, S[:, :H], S[:, H:]


SIZES = [(5, 6, 3), (4, 9, 2), (7, 8, 5), (3, 10, 4)]  # n = H + C <= 14


@pytest.mark.parametrize(("D", "H", "C"), SIZES)
def test_clamped_energies_are_brute_force_minima(D, H, C):
    rng = np.random.default_rng(D * 100 + H)
    net = DragonNetwork.random(D, H, C, seed=1)
    net.b[0] = rng.normal(size=H)  # nonzero biases too
    net.c = rng.normal(size=C)
    X = spins(rng, 4, D)
    Ep = net.clamped_energies(X)
    for i, x in enumerate(X):
        E, _, Y = enumerate_landscape(net, x)
        for k in range(C):
            e_k = -np.ones(C)
            e_k[k] = 1
            on_k = np.all(Y == e_k, axis=1)
            assert np.isclose(Ep[i, k], E[on_k].min(), rtol=0, atol=1e-10)
    assert np.array_equal(net.predict(X), Ep.argmin(axis=1))


@pytest.mark.parametrize(("D", "H", "C"), SIZES[:2])
def test_free_bqm_energies_equal_network_energy(D, H, C):
    rng = np.random.default_rng(3)
    net = DragonNetwork.random(D, H, C, seed=2)
    net.b[0] = rng.normal(size=H)
    net.c = rng.normal(size=C)
    x = spins(rng, 1, D)[0]
    E, Hs, Ys = enumerate_landscape(net, x)
    X = np.repeat(x[None, :], len(E), axis=0)
    assert np.allclose(net.energy(X, Hs, Ys), E, rtol=0, atol=1e-10)
    # and dimod's own energies of the same states, in the same order
    bqm = free_bqm(net, x)
    S = states_to_samples(np.arange(len(E)), bqm.num_variables)
    assert np.allclose(bqm.energies((S, list(bqm.variables))), E, rtol=0, atol=1e-10)


@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
def test_energy_vector_order_matches_dimod(vartype):
    bqm = random_bqm(9, vartype, seed=5, labels=list("qwertyuio"))
    E = energy_vector(bqm)
    S = states_to_samples(np.arange(2**9), 9, vartype)
    assert np.allclose(bqm.energies((S, list(bqm.variables))), E, rtol=0, atol=1e-10)
    assert np.array_equal(samples_to_states(S, vartype), np.arange(2**9))


def test_multilayer_energy_matches_formula():
    rng = np.random.default_rng(0)
    net = DragonNetwork.random(5, [4, 3], 2, seed=4)
    X = spins(rng, 6, 5)
    H1, H2, Y = spins(rng, 6, 4), spins(rng, 6, 3), spins(rng, 6, 2)
    want = (
        -np.sum(H1 * (X @ net.W[0].T + net.b[0]), axis=1)
        - np.sum(H2 * (H1 @ net.W[1].T + net.b[1]), axis=1)
        - np.sum(Y * (H2 @ net.U.T + net.c), axis=1)
    )
    assert np.allclose(net.energy(X, [H1, H2], Y), want)
    # clamped energies of a deep net: the last layer minimised with lower layers forwarded
    h1 = net.forward(X, 1)[-1]
    for i in range(len(X)):
        for k in range(2):
            y = -np.ones(2)
            y[k] = 1
            all_h2 = states_to_samples(np.arange(8), 3).astype(float)
            e = net.energy(
                np.repeat(X[i : i + 1], 8, 0),
                [np.repeat(h1[i : i + 1], 8, 0), all_h2],
                np.repeat(y[None], 8, 0),
            )
            # clamped_energies leaves out the layers below the last (constant for fixed x;
            # see grover_train.model.deep.clamped_energy for the whole network's energy)
            below = -h1[i] @ (net.W[0] @ X[i] + net.b[0])
            assert np.isclose(net.clamped_energies(X[i])[0, k], e.min() - below)


def brute_heads(net, x, label, margin):
    """Number of heads of (x, label) by enumerating all 2^n states."""
    bqm = free_bqm(net, x)
    E = energy_vector(bqm)
    excluded = exclusion_mask(bqm, label_exclusion(net, label))
    return int(np.sum((E < head_threshold(net, x, label, margin)) & ~excluded))


@pytest.mark.parametrize(("D", "H", "C"), [(6, 8, 3), (5, 10, 4), (8, 12, 2)])
def test_has_head_and_eps_equal_brute_force_count(D, H, C):
    rng = np.random.default_rng(D + H + C)
    net = DragonNetwork.random(D, H, C, seed=7)
    X = spins(rng, 24, D)
    labels = rng.integers(0, C, size=24)
    labels[:12] = net.predict(X[:12])  # half correctly classified: some trained samples
    between = False
    for margin in (0.0, 0.3, 1.0, 4.0):
        counts = np.array([brute_heads(net, x, k, margin) for x, k in zip(X, labels, strict=True)])
        flags = has_head(net, X, labels, margin)
        assert np.array_equal(flags, counts > 0), f"margin {margin}"
        assert training_error(net, X, labels, margin) == pytest.approx(np.mean(counts > 0))
        between |= 0 < np.mean(counts > 0) < 1
        if margin == 0.0:
            # a sample whose label is not the prediction always has a head
            assert np.all(flags[net.predict(X) != labels])
    assert between, "the instances should have some trained and some untrained samples"
    # eps never decreases with the margin
    eps = [training_error(net, X, labels, m) for m in (0.0, 0.3, 1.0, 4.0)]
    assert eps == sorted(eps)


def test_has_head_agrees_with_exact_finder_and_search_problem():
    rng = np.random.default_rng(1)
    net = DragonNetwork.random(6, 9, 3, seed=3)
    X, labels = spins(rng, 10, 6), rng.integers(0, 3, size=10)
    flags = has_head(net, X, labels, 0.5)
    exact = get_finder("exact")
    for x, k, flag in zip(X, labels, flags, strict=True):
        bqm = free_bqm(net, x)
        tau, exc = head_threshold(net, x, k, 0.5), label_exclusion(net, k)
        ss = exact.sample(bqm, threshold=tau, exclude=exc, budget=1, seed=0)
        assert (len(ss) > 0) == flag
        p = SearchProblem(bqm, tau, exc)
        S = states_to_samples(np.arange(2**bqm.num_variables), bqm.num_variables)
        assert np.array_equal(p.marked, p.is_head(S))


def test_training_error_of_empty_set_is_nan():
    net = DragonNetwork.random(3, 2, 2, seed=0)
    assert np.isnan(training_error(net, np.empty((0, 3)), np.empty(0, dtype=int)))


def test_negative_margin_is_refused():
    net = DragonNetwork.random(3, 2, 2, seed=0)
    with pytest.raises(InputError, match="margin"):
        head_threshold(net, np.ones(3), 0, margin=-1.0)


# ----------------------------------------------------------------------- model files
def numpy_predict(path, X):
    """The deployable classifier from the npz arrays with numpy alone (independent code)."""
    z = np.load(path)
    if "W" in z.files:
        Ws, bs = [z["W"]], [z["b"]]
    else:
        L = sum(f.startswith("W_") for f in z.files)
        Ws, bs = [z[f"W_{i}"] for i in range(1, L + 1)], [z[f"b_{i}"] for i in range(1, L + 1)]
    U, c = z["U"], z["c"]
    h = X
    for W, b in zip(Ws[:-1], bs[:-1], strict=True):
        h = np.where(h @ W.T + b >= 0, 1.0, -1.0)
    field = h @ Ws[-1].T + bs[-1]
    C = U.shape[0]
    E = np.empty((len(X), C))
    for k in range(C):
        e = -np.ones(C)
        e[k] = 1.0
        E[:, k] = -np.abs(field + e @ U).sum(axis=1) - e @ c
    return E.argmin(axis=1)


@pytest.mark.parametrize("hidden", [[7], [6, 5], [5, 4, 3]])
def test_save_load_roundtrip_and_numpy_predict(tmp_path, hidden):
    rng = np.random.default_rng(len(hidden))
    net = DragonNetwork.random(8, hidden, 4, seed=2)
    net.b = [rng.normal(size=h) for h in hidden]
    net.c = rng.normal(size=4)
    net.meta = {"classes": [3, 5, 7, 9], "dataset": "digits"}
    path = save_model(net, tmp_path / "sub" / "model.npz")
    back = load_model(path)
    assert back.sizes == net.sizes and back.meta == net.meta
    for a, b in zip(
        net.W + net.b + [net.U, net.c], back.W + back.b + [back.U, back.c], strict=True
    ):
        assert np.array_equal(a, b)
    X = spins(rng, 200, 8)
    assert np.array_equal(back.predict(X), net.predict(X))
    assert np.array_equal(numpy_predict(path, X), net.predict(X))
    assert not list(tmp_path.glob("sub/*.tmp*"))  # the atomic write leaves no temp file


def _npz(path, **arrays):
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize(
    "make",
    [
        lambda p: p / "nope.npz",
        lambda p: (p / "model.npz").write_text("not a zip") and p / "model.npz",
        lambda p: _npz(p / "m.npz", W=np.ones((2, 3)), b=np.ones(2), c=np.ones(2)),  # no U
        lambda p: _npz(p / "m.npz", U=np.ones((2, 2)), c=np.ones(2)),  # no W
        lambda p: _npz(
            p / "m.npz", W=np.ones((2, 3)), b=np.ones(3), U=np.ones((2, 2)), c=np.ones(2)
        ),  # b has the wrong length
        lambda p: _npz(
            p / "m.npz",
            W=np.ones((2, 3)),
            b=np.ones(2),
            U=np.ones((2, 2)),
            c=np.ones(2),
            meta=np.array("{not json"),
        ),
        lambda p: _npz(
            p / "m.npz",
            W=np.array([[np.nan, 1, 1], [1, 1, 1]]),
            b=np.ones(2),
            U=np.ones((2, 2)),
            c=np.ones(2),
        ),  # NaN weights
        lambda p: _npz(
            p / "m.npz", W=np.array(["a", "b"]), b=np.ones(2), U=np.ones((2, 2)), c=np.ones(2)
        ),
        lambda p: p,  # a directory
    ],
    ids=[
        "missing",
        "not-npz",
        "no-U",
        "no-W",
        "bad-shape",
        "bad-meta",
        "nan",
        "strings",
        "directory",
    ],
)
def test_malformed_or_missing_model_file(tmp_path, make):
    path = make(tmp_path)
    with pytest.raises(ModelFileError) as err:
        load_model(path)
    msg = str(err.value)
    assert str(path) in msg and "\n" not in msg
    assert "grover-train train" in msg  # says how to get a good model


def test_truncated_model_file(tmp_path):
    net = DragonNetwork.random(4, 3, 2, seed=0)
    path = save_model(net, tmp_path / "model.npz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="malformed"):
        load_model(path)
    assert zipfile.is_zipfile(save_model(net, tmp_path / "ok.npz"))
    assert json.loads(str(np.load(tmp_path / "ok.npz")["meta"])) == {}


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_weights_are_refused(bad):
    net = DragonNetwork.random(4, 3, 2, seed=0)
    U = net.U.copy()
    U[0, 1] = bad
    with pytest.raises(InputError, match="U contain NaN or infinite"):
        DragonNetwork(net.W, net.b, U, net.c)
    W = [w.copy() for w in net.W]
    W[0][2, 0] = bad
    with pytest.raises(InputError, match=r"W\[0\]"):
        DragonNetwork(W, net.b, net.U, net.c)


@pytest.mark.parametrize("width", [3, 5, 0])
def test_wrong_input_width(width):
    net = DragonNetwork.random(4, [3, 3], 2, seed=0)
    X = np.ones((2, width))
    for call in (net.predict, net.clamped_energies, lambda X: net.forward(X)):
        with pytest.raises(InputError, match="this model takes rows of 4"):
            call(X)
    one = DragonNetwork.random(4, 3, 2, seed=0)
    with pytest.raises(InputError, match="rows of 4"):
        free_bqm(one, np.ones(width))


def test_nan_inputs_are_refused():
    net = DragonNetwork.random(3, 2, 2, seed=0)
    with pytest.raises(InputError, match="NaN"):
        net.predict(np.array([[1.0, np.nan, -1.0]]))


@pytest.mark.parametrize(
    ("D", "hidden", "C", "match"),
    [
        (0, [3], 2, "input width"),
        (3, [0], 2, "--hidden"),
        (3, [], 2, "--hidden"),
        (3, [2], 1, "at least 2 classes"),
    ],
)
def test_bad_sizes(D, hidden, C, match):
    with pytest.raises(InputError, match=match):
        DragonNetwork.random(D, hidden, C, seed=0)


def test_free_bqm_layout_and_exclusion():
    net = DragonNetwork.random(4, 5, 3, seed=1)
    bqm = free_bqm(net, np.ones(4))
    assert list(bqm.variables) == list(range(8)) and bqm.vartype is dimod.SPIN
    assert bqm.num_interactions == 15  # complete bipartite hidden x outputs, nothing else
    assert label_exclusion(net, 2) == {5: -1, 6: -1, 7: 1}
    mask = exclusion_mask(bqm, label_exclusion(net, 2))
    assert mask.sum() == 2**5  # every hidden state with y = e_2
