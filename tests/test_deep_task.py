"""The task that needs depth (issue 23): teachers, students, windows, the gate's keys."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from grover_train.data.datasets import load_dataset
from grover_train.model.deep import plan_windows
from grover_train.model.network import DragonNetwork
from grover_train.rng import child_seed, make_rng
from grover_train.studies import deep_task as dt


def test_three_sizes_keep_the_one_layer_teacher():
    # (D, H, C) must draw exactly what it drew before deep teachers existed
    ds = load_dataset("teacher", seed=3, teacher_sizes=(8, 5, 3), num_samples=80)
    rng = make_rng(3)
    net = DragonNetwork.random(8, [5], 3, seed=child_seed(rng))
    X = 2.0 * rng.integers(0, 2, size=(80, 8)) - 1.0
    perm = rng.permutation(80)
    assert np.array_equal(ds.X_train, X[perm[16:]])
    assert np.array_equal(ds.y_train, net.predict(X)[perm[16:]])
    assert ds.meta["teacher_sizes"] == [8, 5, 3]


@pytest.mark.parametrize("sizes", [(8, 6, 5, 3), (10, 4, 4, 4, 2)])
def test_deep_teacher_labels_come_from_a_deep_network(sizes):
    ds = load_dataset("teacher", seed=1, teacher_sizes=sizes, num_samples=100)
    rng = make_rng(1)
    net = DragonNetwork.random(sizes[0], list(sizes[1:-1]), sizes[-1], seed=child_seed(rng))
    assert net.hidden == list(sizes[1:-1])
    X = np.concatenate([ds.X_train, ds.X_test])
    y = np.concatenate([ds.y_train, ds.y_test])
    assert np.array_equal(net.predict(X), y)
    assert ds.meta["teacher_sizes"] == list(sizes)


def test_teacher_sizes_need_three_numbers():
    from grover_train.errors import DatasetError

    with pytest.raises(DatasetError, match="at least 3"):
        load_dataset("teacher", seed=0, teacher_sizes=(8, 3), num_samples=20)


@pytest.mark.parametrize("pairs, seed", [(2, 0), (3, 1), (4, 2), (6, 7)])
def test_inner_product_teacher_computes_inner_product_mod_2(pairs, seed):
    net = dt.inner_product_teacher(pairs, seed)
    X = np.array(list(itertools.product([-1.0, 1.0], repeat=2 * pairs)))
    assert np.array_equal(net.predict(X), dt.inner_product_labels(X, net))
    # every pair is an AND of two distinct inputs, each input in exactly one pair
    assert np.array_equal((net.W[0] != 0).sum(axis=0), np.ones(2 * pairs))
    # balanced classes up to the 2^-m bias of the inner product
    assert abs(net.predict(X).mean() - 0.5) <= 2.0**-pairs


def test_inner_product_dataset_is_seeded_and_realizable():
    spec = dt.TeacherSpec((8, 4, 4, 2), "inner_product")
    a, b = dt.teacher_dataset(spec, 5, 100), dt.teacher_dataset(spec, 5, 100)
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.y_train, b.y_train)
    assert not np.array_equal(dt.teacher_dataset(spec, 6, 100).y_train, a.y_train)
    with pytest.raises(dt.InputError):
        dt.teacher_dataset(dt.TeacherSpec((8, 3, 3, 2), "inner_product"), 0, 20)


@pytest.mark.parametrize("spec", dt.TEACHERS, ids=lambda s: s.name)
def test_every_student_window_fits_24_qubits(spec):
    sizes = dt.student_sizes(spec)
    D, C = spec.num_inputs, spec.num_classes
    assert sum(sizes["deep"]) == sizes["shallow_spins"][0]
    P = dt.param_count(D, sizes["deep"], C)
    per_unit = D + 1 + C
    assert abs(dt.param_count(D, sizes["shallow_params"], C) - P) <= per_unit / 2
    for hidden in sizes.values():
        windows = plan_windows(hidden, C, 24, shape="readouts")
        assert all(w.num_spins <= 24 for w in windows)
        assert dt.max_window_spins(hidden, C, 24) <= 24
    # the deep student's layers are one window each (a block of one layer + C outputs)
    assert all(h + C <= 24 for h in sizes["deep"])


def test_gains_floor_and_verdict():
    g = dt.gains(
        {"deep": {"eps": 0.0}, "shallow_spins": {"eps": 0.01}, "shallow_params": {"eps": 0.02}},
        floor=0.5 / 100,
    )
    assert g["gain_spins"] == pytest.approx(2.0) and g["gain"] == pytest.approx(2.0)
    passed = {"teacher": "t", "per_seed": [0] * 8, "gain": {"geo_mean": 5, "ci": [3.5, 7]}}
    assert dt.verdict_text(passed, 3.0).startswith("A task that needs depth")
    open_ = {"teacher": "t", "per_seed": [0] * 8, "gain": {"geo_mean": 3, "ci": [2, 4]}}
    assert dt.verdict_text(open_, 3.0).startswith("Undecided")


def test_run_deep_task_tiny_is_deterministic(tmp_path):
    o = dt.DeepTaskOptions(
        teachers=(
            dt.TeacherSpec((6, 3, 3, 2), student=(3, 3)),
            dt.TeacherSpec((6, 3, 3, 2), "inner_product", student=(3, 3)),
        ),
        num_samples=60,
        budget=200,
        etas=(0.02,),
        search_seeds=(9,),
        seeds=(0, 1),
    )
    k1 = dt.run_deep_task(tmp_path / "a", options=o)
    k2 = dt.run_deep_task(tmp_path / "b", options=o)
    assert k1 == k2
    assert k1["deep.seeds"] == 2 and k1["deep.teacher"] == [6, 3, 3, 2]
    assert k1["deep.max_window_spins_planned"] <= 24
    lo, hi = k1["deep.backprop_depth_gain_ci"]
    assert lo <= k1["deep.backprop_depth_gain"] <= hi
    assert k1["deep.verdict"]
    import json

    res = json.loads((tmp_path / "a" / dt.JSON_NAME).read_text())
    run = res["confirmed"]["per_seed"][0]["runs"]["deep"]
    assert run["queries"] == 200 and run["seed"] == 0 and "versions" in res
    assert "| teacher |" in dt.table(res)
