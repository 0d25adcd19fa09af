"""Datasets: digits, teacher and MNIST from local IDX / .npz files."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
from sklearn.datasets import load_digits

from grover_train.data.datasets import binarize, load_dataset, pool2x2
from grover_train.errors import DatasetError, UnknownNameError


@pytest.fixture(scope="module")
def raw_digits():
    d = load_digits()
    return d.data, d.target


def test_digits_shapes_and_values(raw_digits):
    X, y = raw_digits
    ds = load_dataset("digits", seed=0)
    assert ds.X_train.shape[1] == ds.X_test.shape[1] == 64
    assert len(ds.X_train) + len(ds.X_test) == len(X) == 1797
    assert len(ds.X_test) == pytest.approx(0.2 * len(X), abs=10)
    for part in (ds.X_train, ds.X_test):
        assert set(np.unique(part)) == {-1.0, 1.0}
    assert ds.classes == list(range(10)) and ds.num_classes == 10
    assert set(ds.y_train) == set(range(10))
    # stratified: every class keeps about a fifth of its images for testing
    for k in range(10):
        frac = np.sum(ds.y_test == k) / np.sum(y == k)
        assert 0.17 < frac < 0.23
    # every row is a binarized image of its own class
    images = {(binarize(x, 4.0).tobytes(), int(t)) for x, t in zip(X, y, strict=True)}
    for x, t in zip(ds.X_train[:100], ds.y_train[:100], strict=True):
        assert (x.tobytes(), int(t)) in images


def test_digits_pooling_to_16_inputs(raw_digits):
    X, _ = raw_digits
    ds = load_dataset("digits", seed=0, pool=True)
    assert ds.num_inputs == 16 and ds.X_test.shape[1] == 16
    assert set(np.unique(ds.X_train)) == {-1.0, 1.0}
    pooled = {row.tobytes() for row in binarize(pool2x2(X, 8), 4.0)}
    assert all(row.tobytes() in pooled for row in ds.X_train[:50])


def test_pool_and_binarize_by_hand():
    img = np.arange(16, dtype=float).reshape(1, 16)  # 4x4 image 0..15
    assert pool2x2(img, 4).tolist() == [[2.5, 4.5, 10.5, 12.5]]
    assert binarize(np.array([[4.0, 4.5]]), 4.0).tolist() == [[-1.0, 1.0]]


def test_class_subsets(raw_digits):
    _, y = raw_digits
    ds = load_dataset("digits", seed=1, classes=[8, 3, 5])
    assert ds.classes == [3, 5, 8] and ds.num_classes == 3
    assert set(ds.y_train) == set(ds.y_test) == {0, 1, 2}
    for i, digit in enumerate(ds.classes):
        n = np.sum(ds.y_train == i) + np.sum(ds.y_test == i)
        assert n == np.sum(y == digit)


@pytest.mark.parametrize(
    ("classes", "match"),
    [([3, 42], r"\[42\] are not in"), ([3], "at least two"), ([4, 4], "at least two")],
)
def test_bad_class_subsets(classes, match):
    with pytest.raises(DatasetError, match=match):
        load_dataset("digits", seed=0, classes=classes)


@pytest.mark.parametrize("name", ["digits", "teacher"])
def test_same_seed_same_split_other_seed_differs(name):
    a = load_dataset(name, seed=3, num_samples=300)
    b = load_dataset(name, seed=3, num_samples=300)
    c = load_dataset(name, seed=4, num_samples=300)
    for part in ("X_train", "y_train", "X_test", "y_test"):
        assert np.array_equal(getattr(a, part), getattr(b, part))
    assert not np.array_equal(a.X_train, c.X_train)


def test_teacher_dataset():
    ds = load_dataset("teacher", seed=0, teacher_sizes=(12, 5, 4), num_samples=400)
    assert ds.num_inputs == 12 and ds.classes == [0, 1, 2, 3]
    assert len(ds.X_train) == 320 and len(ds.X_test) == 80
    assert set(np.unique(ds.X_train)) == {-1.0, 1.0}
    assert set(ds.y_train) <= {0, 1, 2, 3} and len(set(ds.y_train)) > 1


def test_unknown_dataset():
    with pytest.raises(UnknownNameError, match="unknown dataset 'cifar'.*digits.*mnist"):
        load_dataset("cifar")


# ------------------------------------------------------------------------------ MNIST
def write_idx(path, arr: np.ndarray, gz: bool = False) -> None:
    arr = np.asarray(arr, dtype=np.uint8)
    data = bytes([0, 0, 8, arr.ndim]) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    data += arr.tobytes()
    if gz:
        with gzip.open(str(path) + ".gz", "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)


@pytest.fixture
def tiny_mnist(tmp_path):
    """6 train and 4 test images of 4x4 pixels, as IDX files (two gzipped) and as an .npz."""
    rng = np.random.default_rng(0)
    xtr = rng.integers(0, 256, size=(6, 4, 4))
    ytr = np.array([0, 1, 2, 1, 0, 7])
    xte = rng.integers(0, 256, size=(4, 4, 4))
    yte = np.array([7, 2, 0, 1])
    d = tmp_path / "idx"
    d.mkdir()
    write_idx(d / "train-images-idx3-ubyte", xtr)
    write_idx(d / "train-labels-idx1-ubyte", ytr, gz=True)
    write_idx(d / "t10k-images-idx3-ubyte", xte, gz=True)
    write_idx(d / "t10k-labels-idx1-ubyte", yte)
    npz = tmp_path / "mnist.npz"
    np.savez(
        npz, x_train=xtr.astype(np.uint8), y_train=ytr, x_test=xte.astype(np.uint8), y_test=yte
    )
    return d, npz, (xtr, ytr, xte, yte)


def test_mnist_idx_roundtrip(tiny_mnist):
    d, _, (xtr, ytr, xte, yte) = tiny_mnist
    ds = load_dataset("mnist", mnist_path=d)
    assert ds.classes == [0, 1, 2, 7]
    lookup = {0: 0, 1: 1, 2: 2, 7: 3}
    # the files' own train/test split, in file order, binarized at 127
    assert np.array_equal(ds.X_train, np.where(xtr.reshape(6, 16) > 127, 1.0, -1.0))
    assert np.array_equal(ds.X_test, np.where(xte.reshape(4, 16) > 127, 1.0, -1.0))
    assert ds.y_train.tolist() == [lookup[v] for v in ytr]
    assert ds.y_test.tolist() == [lookup[v] for v in yte]


def test_mnist_npz_equals_idx_and_pools(tiny_mnist):
    d, npz, (xtr, _, _, _) = tiny_mnist
    for pool in (False, True):
        a = load_dataset("mnist", mnist_path=d, pool=pool)
        b = load_dataset("mnist", mnist_path=npz, pool=pool)
        assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.y_test, b.y_test)
    assert b.num_inputs == 4
    assert np.array_equal(b.X_train, binarize(pool2x2(xtr.reshape(6, 16), 4), 127.0))
    sub = load_dataset("mnist", mnist_path=npz, classes=[7, 1])
    assert sub.classes == [1, 7] and len(sub.X_train) == 3 and len(sub.X_test) == 2


def test_mnist_path_missing():
    with pytest.raises(DatasetError, match="needs --mnist-path.*nothing is downloaded"):
        load_dataset("mnist")


def test_mnist_path_does_not_exist(tmp_path):
    with pytest.raises(DatasetError, match="does not exist: give a directory of IDX"):
        load_dataset("mnist", mnist_path=tmp_path / "nowhere")


def test_mnist_missing_idx_file(tiny_mnist):
    d, _, _ = tiny_mnist
    (d / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DatasetError, match="'t10k-labels-idx1-ubyte' not found"):
        load_dataset("mnist", mnist_path=d)


def test_mnist_bad_idx_files(tiny_mnist):
    d, _, _ = tiny_mnist
    f = d / "train-images-idx3-ubyte"
    good = f.read_bytes()
    f.write_bytes(good[:-5])
    with pytest.raises(DatasetError, match="truncated"):
        load_dataset("mnist", mnist_path=d)
    f.write_bytes(b"\x01\x02" + good[2:])
    with pytest.raises(DatasetError, match="not an IDX file"):
        load_dataset("mnist", mnist_path=d)


def test_mnist_npz_without_arrays(tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, images=np.zeros((2, 4)))
    with pytest.raises(DatasetError, match="must hold x_train, y_train, x_test, y_test"):
        load_dataset("mnist", mnist_path=bad)


def test_split_is_the_published_one_and_stratified_like_sklearn(raw_digits):
    """The seeded split every published number used (pinned), and sklearn's stratified
    train_test_split as the cross-check: its test set is another draw, but the per-class
    counts agree within one sample (why _split stays hand-written: see its docstring)."""
    from sklearn.model_selection import train_test_split

    from grover_train.data.datasets import _split

    y = raw_digits[1]
    train, test = _split(y, 0, 0.2)
    assert test[:8].tolist() == [1716, 825, 1494, 925, 1002, 1049, 1039, 48]
    assert train[:8].tolist() == [324, 1289, 797, 780, 503, 389, 848, 982]
    assert sorted([*train, *test]) == list(range(y.size))
    _, sk_test = train_test_split(np.arange(y.size), test_size=0.2, stratify=y, random_state=0)
    ours, theirs = np.bincount(y[test], minlength=10), np.bincount(y[sk_test], minlength=10)
    assert np.abs(ours - theirs).max() <= 1 and abs(len(test) - len(sk_test)) <= 1
