"""Deep networks and windows: window landscapes, positive configurations, heads, training."""

from __future__ import annotations

import itertools

import dimod
import numpy as np
import pytest

from grover_train.data.datasets import load_dataset
from grover_train.errors import InputError
from grover_train.finders import SearchProblem, get_finder
from grover_train.model import deep
from grover_train.model.io import load_model, save_model
from grover_train.model.landscape import (
    free_bqm,
    head_threshold,
    label_exclusion,
    training_error,
)
from grover_train.model.network import DragonNetwork
from grover_train.train.options import HeadCuttingOptions
from grover_train.train.problems import sample_problems
from grover_train.train.run import train_model


def _spins(rng, n):
    return rng.choice([-1.0, 1.0], size=n)


# ----------------------------------------------------------------------------- windows
@pytest.mark.parametrize(
    "hidden,C,mq",
    [([32, 32, 32], 10, 24), ([8, 8], 3, 16), ([5, 2, 7], 2, 6), ([3], 4, 5), ([4, 4], 2, 100)],
)
def test_plan_windows_cover_every_unit_once_within_the_bound(hidden, C, mq):
    windows = deep.plan_windows(hidden, C, mq)
    counts = [np.zeros(h, dtype=int) for h in hidden]
    for w in windows:
        assert w.num_spins <= mq and w.num_classes == C
        for layer, a, b in w.blocks:
            counts[layer][a:b] += 1
        # a window of several blocks holds whole layers, consecutive ones
        if len(w.blocks) > 1:
            layers = [layer for layer, _, _ in w.blocks]
            assert layers == list(range(layers[0], layers[0] + len(layers)))
            assert all(b - a == hidden[layer] for layer, a, b in w.blocks)
    assert all(np.all(c == 1) for c in counts)


@pytest.mark.parametrize(
    "hidden,C,mq",
    [([32, 32, 32], 10, 24), ([8, 8], 3, 16), ([5, 2, 7], 2, 8), ([3], 4, 5), ([4, 4], 2, 100)],
)
def test_column_windows_cover_every_unit_once_and_span_the_layers(hidden, C, mq):
    windows = deep.plan_windows(hidden, C, mq, shape="columns")
    counts = [np.zeros(h, dtype=int) for h in hidden]
    for w in windows:
        assert w.num_spins <= mq and w.num_classes == C
        for layer, a, b in w.blocks:
            counts[layer][a:b] += 1
        starts = {a for _, a, _ in w.blocks}
        assert len(starts) == 1  # the same unit indices in every layer that has them
        # every layer wide enough for this block takes part
        assert {layer for layer, _, _ in w.blocks} == {
            layer for layer, h in enumerate(hidden) if h > next(iter(starts))
        }
    assert all(np.all(c == 1) for c in counts)
    names = [w.name for w in deep.plan_windows([32, 32, 32], 10, 24, shape="columns")]
    assert names[0] == "h1[28:32]+h2[28:32]+h3[28:32]+y" and len(names) == 8


def test_column_windows_refuse_too_few_qubits_and_unknown_shapes():
    # one unit of each of 3 layers plus 10 outputs: 13
    with pytest.raises(InputError, match=r"column windows.*--max-qubits 13"):
        deep.plan_windows([32, 32, 32], 10, 12, shape="columns")
    assert max(w.num_spins for w in deep.plan_windows([32, 32, 32], 10, 13, "columns")) == 13
    with pytest.raises(InputError, match=r"unknown window shape 'rows'"):
        deep.plan_windows([4, 4], 2, 5, shape="rows")


def test_plan_windows_schedule_is_top_down_and_whole_layers_group():
    names = [w.name for w in deep.plan_windows([32, 32, 32], 10, 24)]
    assert names[0] == "h3[21:32]+y" and names[-1] == "h1[0:11]+y" and len(names) == 9
    assert [w.name for w in deep.plan_windows([8, 8], 3, 16)] == ["h2[0:8]+y", "h1[0:8]+y"]
    assert [w.name for w in deep.plan_windows([4, 4], 2, 10)] == ["h1[0:4]+h2[0:4]+y"]
    assert len(deep.plan_windows([4, 4], 2, None)) == 1


def test_too_small_max_qubits_names_the_smallest_value():
    with pytest.raises(InputError, match=r"smallest value that works is --max-qubits 11"):
        deep.plan_windows([32, 32], 10, 10)
    ds = load_dataset("digits", seed=0, classes=[0, 1, 2], pool=True)
    with pytest.raises(InputError, match=r"--max-qubits 4\b"):
        train_model(
            ds, HeadCuttingOptions("exact", max_qubits=3), hidden=[4, 4], budget=100, seed=0
        )
    assert deep.min_qubits(3) == 4  # and 4 works
    assert max(w.num_spins for w in deep.plan_windows([4, 4], 3, 4)) == 4


# ------------------------------------------------------------------- window landscapes
def test_window_energies_are_whole_network_energies():
    rng = np.random.default_rng(1)
    net = DragonNetwork.random(5, [4, 3, 3], 3, seed=2)
    net.b = [rng.normal(size=h) for h in net.hidden]
    net.c = rng.normal(size=3)
    x = _spins(rng, 5)
    frozen = [_spins(rng, h) for h in net.hidden]
    for mq in (None, 12, 8, 5, 4):
        for w in deep.plan_windows(net.hidden, 3, mq):
            bqm = deep.window_bqm(net, x, w, frozen)
            idx = w.global_indices(net.hidden)
            assert bqm.num_variables == w.num_spins == len(idx)
            for _ in range(5):
                s = _spins(rng, w.num_spins)
                hs = [h.copy() for h in frozen]
                at = 0
                for layer, a, b in w.blocks:
                    hs[layer][a:b] = s[at : at + b - a]
                    at += b - a
                y = s[w.num_hidden :]
                # independent path: DragonNetwork.energy
                E = net.energy(x[None], [h[None] for h in hs], y[None])[0]
                assert np.isclose(bqm.energy(dict(enumerate(s))), E)


def test_whole_one_layer_window_is_the_free_landscape():
    net = DragonNetwork.random(6, [5], 3, seed=3)
    x = _spins(np.random.default_rng(0), 6)
    [p] = sample_problems(net, x, 2, margin=0.7)
    assert p.bqm == free_bqm(net, x)
    assert np.isclose(p.threshold, head_threshold(net, x, 2, 0.7))
    assert p.exclude == label_exclusion(net, 2)


# ------------------------------------------------------------------- positive and heads
def test_positive_configuration_and_descent():
    rng = np.random.default_rng(4)
    net = DragonNetwork.random(6, [5, 4, 4], 3, seed=5)
    for _ in range(10):
        x, k = _spins(rng, 6), int(rng.integers(3))
        fwd = deep.forward_config(net, x, k)
        E_plus = deep.clamped_energy(net, x, k)
        assert np.isclose(deep.config_energy(net, x, *fwd), E_plus)
        energies = [
            deep.config_energy(net, x, deep.descend(net, x, *fwd, sweeps=s), fwd[1])
            for s in range(4)
        ]
        assert all(b <= a + 1e-12 for a, b in itertools.pairwise(energies))
        pos = deep.positive_config(net, x, k)
        assert deep.config_energy(net, x, *pos) <= E_plus + 1e-12
        assert np.array_equal(pos[1], fwd[1])
    # the classifier is argmin_k of the forward configuration's energy
    X = np.array([_spins(rng, 6) for _ in range(20)])
    E = np.array([[deep.clamped_energy(net, x, k) for k in range(3)] for x in X])
    assert np.array_equal(E.argmin(axis=1), net.predict(X))


def test_one_layer_small_windows_find_only_heads_of_the_exact_landscape():
    rng = np.random.default_rng(6)
    net = DragonNetwork.random(6, [6], 3, seed=7)
    found = 0
    for _ in range(12):
        x, k = _spins(rng, 6), int(rng.integers(3))
        full = SearchProblem(
            free_bqm(net, x), head_threshold(net, x, k, 0.5), label_exclusion(net, k)
        )
        heads = set(np.flatnonzero(full.marked).tolist())
        for p in sample_problems(net, x, k, margin=0.5, max_qubits=5):
            assert p.num_variables <= 5
            ss = get_finder("exact").sample(
                p.bqm, threshold=p.threshold, exclude=p.exclude, budget=64, max_heads=64
            )
            for fc in p.to_full(ss.record.sample):
                s = np.concatenate([fc.hidden[0], fc.y])
                z = int(((s > 0).astype(int) << np.arange(s.size)).sum())
                assert z in heads
                found += 1
    assert found > 10  # the check is not vacuous


def _whole_network_has_head(net, x, k, margin):
    """Enumerate every configuration of all spins: does (x, k) have a head?"""
    window = deep.plan_windows(net.hidden, net.num_classes, None)[0]
    bqm = deep.window_bqm(net, x, window, [np.zeros(h) for h in net.hidden])
    tau = deep.clamped_energy(net, x, k) + margin
    return bool(SearchProblem(bqm, tau, deep.window_exclusion(window, k)).marked.any())


def test_deep_window_heads_are_heads_of_the_whole_network():
    rng = np.random.default_rng(8)
    net = DragonNetwork.random(5, [4, 3, 3], 3, seed=9)
    found = 0
    for _ in range(8):
        x, k = _spins(rng, 5), int(rng.integers(3))
        tau = deep.clamped_energy(net, x, k) + 1.0
        assert _whole_network_has_head(net, x, k, 1.0) == any(
            p.bqm.num_variables and SearchProblem(p.bqm, p.threshold, p.exclude).marked.any()
            for p in sample_problems(net, x, k, margin=1.0)
        )
        problems = sample_problems(net, x, k, margin=1.0, max_qubits=6)
        problems += sample_problems(net, x, k, margin=1.0, max_qubits=6, windows="columns")
        for p in problems:
            assert np.isclose(p.threshold, tau)
            ss = get_finder("exact").sample(
                p.bqm, threshold=p.threshold, exclude=p.exclude, budget=64, max_heads=64
            )
            for fc in p.to_full(ss.record.sample):  # polished: spins outside relaxed
                assert not np.array_equal(fc.y, p.positive.y)
                assert deep.config_energy(net, x, fc.hidden, fc.y) < tau
                found += 1
    assert found > 5


def test_forward_train_error_is_a_lower_bound_of_whole_network_enumeration():
    rng = np.random.default_rng(10)
    X = np.array([_spins(rng, 5) for _ in range(30)])
    y = rng.integers(2, size=30)

    def exact(net, margin):
        flags = [_whole_network_has_head(net, x, int(k), margin) for x, k in zip(X, y, strict=True)]
        return np.mean(flags)

    net = DragonNetwork.random(5, [3, 3], 2, seed=11)
    assert training_error(net, X, y, 0.5) <= exact(net, 0.5)
    one = DragonNetwork.random(5, [4], 2, seed=12)
    assert training_error(one, X, y, 0.0) == pytest.approx(exact(one, 0.0))


def test_deep_model_round_trip(tmp_path):
    net = deep.identity_init(DragonNetwork.random(5, [4, 4, 3], 2, seed=0))
    path = save_model(net, tmp_path / "model.npz")
    z = np.load(path)
    assert {"W_1", "W_2", "W_3", "b_1", "b_2", "b_3", "U", "c"} <= set(z.files)
    back = load_model(path)
    X = np.array([_spins(np.random.default_rng(1), 5) for _ in range(10)])
    assert np.array_equal(back.predict(X), net.predict(X))


# ----------------------------------------------------------------------------- training
def _teacher():
    return load_dataset("teacher", seed=0, teacher_sizes=(8, 4, 2), num_samples=80)


def test_windows_covering_the_network_equal_unwindowed_training():
    ds = _teacher()
    kw = dict(hidden=[4, 3], budget=1500, seed=3, progress=False)

    def sa(max_qubits, windows):
        return HeadCuttingOptions("sa", max_qubits=max_qubits, windows=windows)

    # whole-network head cutting (the option windows="layers"; readouts are the default)
    a = train_model(ds, sa(None, "layers"), **kw)
    b = train_model(ds, sa(9, "layers"), **kw)  # 4 + 3 + 2: the whole net
    assert a.summary["max_qubits_used"] == b.summary["max_qubits_used"] == 9
    assert [m["test_accuracy"] for m in a.metrics] == [m["test_accuracy"] for m in b.metrics]
    for wa, wb in zip(a.net.W + [a.net.U], b.net.W + [b.net.U], strict=True):
        assert np.array_equal(wa, wb)
    b2 = train_model(ds, sa(9, "columns"), **kw)  # columns: the same one window
    assert [m["test_accuracy"] for m in b2.metrics] == [m["test_accuracy"] for m in a.metrics]
    c = train_model(ds, sa(5, "layers"), **kw)
    assert c.summary["max_qubits_used"] <= 5
    assert not np.array_equal(c.net.U, a.net.U)
    d = train_model(ds, sa(6, "columns"), **kw)  # 2 units of each layer + y
    assert d.summary["max_qubits_used"] <= 6 and d.summary["windows"] == "columns"
    assert not np.array_equal(d.net.W[0], c.net.W[0])


def test_deep_comparison_stores_runs_per_method_and_seed(tmp_path):
    from grover_train.studies.deep_comparison import deep_section, run_deep_comparison

    small = dict(data={"classes": [0, 1, 2], "pool": True}, hidden=(6, 6, 6), max_qubits=7)
    names = ["grover exact (windows)", "sa (windows)"]
    # two readout blocks of 3 units per lower layer; block readouts need 12000 queries here
    runs = run_deep_comparison(tmp_path, methods=names, budget=12000, seeds=[0], **small)
    assert [r["method"] for r in runs] == names
    for r in runs:
        assert 0 < r["max_qubits_used"] <= 7 and r["windows"] == "readouts"
    assert runs[0]["queries"] == 1200 and runs[1]["queries"] >= 12000  # grover: a tenth
    assert runs[1]["test_accuracy"] > runs[1]["initial_test_accuracy"]  # sa learns
    assert (tmp_path / "deep_comparison.png").stat().st_size > 0
    # stored runs are kept: a second call with one more seed trains only that seed
    more = run_deep_comparison(tmp_path, methods=names[1:], budget=12000, seeds=[0, 1], **small)
    assert [r["seed"] for r in more] == [0, 1] and more[0] == runs[1]
    text = deep_section(tmp_path)
    row = next(line for line in text.splitlines() if line.startswith("| sa (windows) |"))
    accs = [r["test_accuracy"] for r in more]
    assert f"{np.mean(accs):.3f} ± {np.std(accs, ddof=1):.3f}" in row
    assert "| 6,6,6 | 7 (" in row
    assert dimod.SPIN  # dimod imported for the window models above


def test_cli_too_small_max_qubits_exits_2_naming_the_smallest_value(tmp_path, capsys):
    from grover_train.cli.main import main

    args = [
        "train",
        "--dataset",
        "digits",
        "--hidden",
        "32,32,32",
        "--max-qubits",
        "10",
        "--finder",
        "sa",
        "--budget",
        "1000",
        "--seed",
        "0",
        "--out",
        str(tmp_path / "r"),
    ]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--max-qubits 11" in err
    assert not (tmp_path / "r" / "model.npz").exists()


def test_cli_column_windows(tmp_path, capsys):
    from grover_train.cli.main import main

    args = ["train", "--dataset", "digits", "--pool", "--classes", "0,1,2", "--hidden", "4,4"]
    args += ["--max-qubits", "7", "--windows", "columns", "--finder", "sa", "--budget", "400"]
    args += ["--seed", "0", "--out", str(tmp_path / "r"), "--json", "--no-progress"]
    assert main(args) == 0
    import json

    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["windows"] == "columns" and out["max_qubits_used"] == 7  # 2 + 2 units + 3 outputs
    assert main([*args[:-4], "--max-qubits", "4", "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--max-qubits 5" in err  # 1 + 1 units + 3 outputs
