"""Model files with wrong shapes, dtypes, values and meta (Hypothesis): ``grover-train predict
--model`` gives the predictions an independent brute-force classifier gives, or exit 2 with one
line and nothing written; a file that follows docs/model-format.md is never refused."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import tempfile
import warnings
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_hardening import checksums

from grover_train.cli.main import main

#: mutations of a good file; "none" keeps it good
MUTATIONS = (
    "none",
    "transpose",
    "extra-axis",
    "scalar",
    "drop-row",
    "zero-axis",
    "complex",
    "text",
    "nan",
    "inf",
    "remove",
    "both-formats",
    "meta-not-json",
    "meta-list",
    "meta-classes",
    "bool",
    "int8",
    "float16",
    "input-width",
)


@st.composite
def model_case(draw):
    """Arrays of a good network (small integer weights: every energy exact, so ties break the
    same way in both classifiers) with up to two mutations, and +-1 input rows."""
    layers = draw(st.integers(1, 2))
    D = draw(st.integers(1, 4))
    hidden = draw(st.lists(st.integers(1, 3), min_size=layers, max_size=layers))
    C = draw(st.integers(1, 3))
    ints = st.integers(-3, 3)

    def matrix(rows, cols):
        flat = draw(st.lists(ints, min_size=rows * cols, max_size=rows * cols))
        return np.array(flat, dtype=float).reshape(rows, cols)

    fan = [D, *hidden]
    W = [matrix(hidden[i], fan[i]) for i in range(layers)]
    b = [matrix(1, h)[0] for h in hidden]
    arrays = {"U": matrix(C, hidden[-1]), "c": matrix(1, C)[0]}
    if layers == 1:
        arrays.update(W=W[0], b=b[0])
    else:
        arrays.update({f"W_{i + 1}": w for i, w in enumerate(W)})
        arrays.update({f"b_{i + 1}": v for i, v in enumerate(b)})
    arrays["meta"] = np.array(json.dumps({"classes": list(range(C))}))
    width = D
    for how in draw(st.lists(st.sampled_from(MUTATIONS), max_size=2)):
        name = draw(st.sampled_from(sorted(k for k in arrays if k != "meta")))
        a = arrays[name]
        if a.ndim == 0 and how in ("transpose", "drop-row", "zero-axis"):
            continue  # already a scalar: nothing to cut
        if how == "transpose":
            arrays[name] = a.T if a.ndim == 2 else a[:, None]
        elif how == "extra-axis":
            arrays[name] = a[None]
        elif how == "scalar":
            arrays[name] = np.array(a.ravel()[0] if a.size else 1.0)
        elif how == "drop-row":
            arrays[name] = a[:-1]
        elif how == "zero-axis":
            arrays[name] = a[..., :0]
        elif how == "complex":
            arrays[name] = a.astype(complex)
        elif how == "text":
            arrays[name] = a.astype(str)
        elif how in ("nan", "inf") and a.size:
            arrays[name] = a.copy()
            arrays[name].flat[draw(st.integers(0, a.size - 1))] = (
                np.nan if how == "nan" else -np.inf
            )
        elif how == "remove":
            del arrays[name]
        elif how == "both-formats" and "W" in arrays:
            arrays["W_1"] = arrays["W"]  # W and W_1..: which one is meant? W (documented)
        elif how == "meta-not-json":
            arrays["meta"] = np.array("{classes: [0")
        elif how == "meta-list":
            arrays["meta"] = np.array("[0, 1]")
        elif how == "meta-classes":
            arrays["meta"] = np.array(json.dumps({"classes": "0,1"}))
        elif how in ("bool", "int8", "float16") and a.dtype.kind == "f" and np.isfinite(a).all():
            arrays[name] = a.astype(how if how != "bool" else bool)
        elif how == "input-width":
            width = draw(st.integers(0, 6))
    X = np.array(draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=width, max_size=width)))
    rows = draw(st.integers(1, 3))
    return arrays, np.tile(X, (rows, 1)) if width else np.zeros((rows, 0))


def _spins(n: int) -> np.ndarray:
    return np.array(list(itertools.product((-1.0, 1.0), repeat=n)))


def expected(arrays: dict, X: np.ndarray) -> list[int] | None:
    """docs/model-format.md read independently: None where the file breaks it, else
    argmin_k min_h E(h, e_k | x) by brute force over the last hidden layer."""
    try:
        meta = json.loads(str(arrays["meta"])) if "meta" in arrays else {}
    except ValueError:
        return None
    if not isinstance(meta, dict) or not isinstance(meta.get("classes", []), list):
        return None
    if "W" in arrays:
        names = [("W", "b")]
    else:
        layers = itertools.takewhile(lambda i: f"W_{i}" in arrays, itertools.count(1))
        names = [(f"W_{i}", f"b_{i}") for i in layers]
    if not names or any(k not in arrays for pair in names for k in pair):
        return None
    if "U" not in arrays or "c" not in arrays:
        return None
    W = [arrays[w] for w, _ in names]
    b = [arrays[v] for _, v in names]
    U, c = arrays["U"], arrays["c"]
    for a in [*W, *b, U, c]:
        if a.dtype.kind not in "biuf" or 0 in a.shape or not np.all(np.isfinite(a)):
            return None
    W, b, U, c = [w.astype(float) for w in W], [v.astype(float) for v in b], U.astype(float), c
    prev = X.shape[1]
    for w, v in zip(W, b, strict=True):
        if w.ndim != 2 or w.shape[1] != prev or v.shape != (w.shape[0],):
            return None
        prev = w.shape[0]
    if U.ndim != 2 or U.shape[1] != prev or c.shape != (U.shape[0],):
        return None
    c = c.astype(float)
    out = []
    for x in X:
        z = x
        for w, v in zip(W[:-1], b[:-1], strict=True):
            z = np.where(w @ z + v >= 0, 1.0, -1.0)
        H = _spins(W[-1].shape[0])  # every state of the last hidden layer
        energies = []
        for k in range(U.shape[0]):
            y = -np.ones(U.shape[0])
            y[k] = 1.0
            E = -(H @ (W[-1] @ z + b[-1])) - (y @ (U @ H.T + c[:, None]))
            energies.append(E.min())
        out.append(int(np.argmin(energies)))
    return out


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_case())
def test_any_model_file_predicts_like_brute_force_or_is_one_line(case):
    arrays, X = case
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        model, inputs = folder / "model.npz", folder / "x.npy"
        np.savez(model, **arrays)
        np.save(inputs, X)
        before = checksums(folder)
        out, err = io.StringIO(), io.StringIO()
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            warnings.simplefilter("error")
            code = main(["predict", "--model", str(model), "--inputs", str(inputs), "--json"])
        assert checksums(folder) == before  # nothing written, nothing changed
    want = expected(arrays, X)
    event("predicted" if code == 0 else "refused")
    if code == 0:
        assert want is not None, "a model that breaks the format was used"
        assert json.loads(out.getvalue().splitlines()[-1])["predictions"] == want
    else:
        lines = err.getvalue().strip().splitlines()
        assert code == 2 and len(lines) == 1 and lines[0].startswith("grover-train: error:")
        assert want is None, f"a good model was refused: {lines[0]}"
