"""The train, predict and demo commands: outputs, agreement with numpy, input errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from grover_train.cli.main import build_parser, main

TRAIN = [
    "train",
    "--dataset",
    "digits",
    "--classes",
    "0,1",
    "--hidden",
    "4",
    "--finder",
    "sa",
    "--seed",
    "0",
    "--no-progress",
    "--json",
]


def _last_json(capsys) -> dict:
    out = capsys.readouterr().out.strip().splitlines()
    return json.loads(out[-1])


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run")
    assert main([*TRAIN, "--budget", "2000", "--out", str(out)]) == 0
    return out


def test_train_writes_model_metrics_summary_and_json(tmp_path, capsys):
    assert main([*TRAIN, "--budget", "1500", "--out", str(tmp_path / "again")]) == 0
    summary = _last_json(capsys)
    for key in (
        "test_accuracy",
        "train_accuracy",
        "train_error",
        "queries",
        "wall_s",
        "finder",
        "seed",
    ):
        assert key in summary
    assert summary["finder"] == "sa" and summary["seed"] == 0
    assert summary["queries"] >= 1500
    files = sorted(p.name for p in (tmp_path / "again").iterdir())
    assert files == ["metrics.jsonl", "model.npz", "summary.json"]
    rows = [json.loads(line) for line in (tmp_path / "again" / "metrics.jsonl").open()]
    assert rows[-1]["queries"] == summary["queries"]
    with np.load(tmp_path / "again" / "model.npz") as z:
        meta = json.loads(str(z["meta"]))
    assert meta["classes"] == [0, 1] and meta["queries"] == summary["queries"]


def test_predict_inputs_agrees_with_numpy_argmin_of_clamped_energy(trained, tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.choice([-1.0, 1.0], size=(40, 64))
    np.save(tmp_path / "x.npy", X)
    assert (
        main(
            [
                "predict",
                "--model",
                str(trained / "model.npz"),
                "--inputs",
                str(tmp_path / "x.npy"),
                "--json",
            ]
        )
        == 0
    )
    pred = _last_json(capsys)["predictions"]
    with np.load(trained / "model.npz") as z:
        W, b, U, c = z["W"], z["b"], z["U"], z["c"]
    # E+(x, k) = -sum_j |(W x + b + U^T e_k)_j| - e_k . c, written out independently
    C = U.shape[0]
    E = np.empty((len(X), C))
    for k in range(C):
        e = -np.ones(C)
        e[k] = 1.0
        E[:, k] = -np.abs(X @ W.T + b + U.T @ e).sum(axis=1) - e @ c
    assert pred == np.argmin(E, axis=1).tolist()


def test_predict_dataset_accuracy_equals_training_summary(trained, capsys):
    summary = json.loads((trained / "summary.json").read_text())
    assert (
        main(["predict", "--model", str(trained / "model.npz"), "--dataset", "digits", "--json"])
        == 0
    )
    out = _last_json(capsys)
    assert out["accuracy"] == pytest.approx(summary["test_accuracy"])
    assert set(out["predictions"]) <= {0, 1}


def test_resume_from_the_command_line(trained, tmp_path, capsys):
    import shutil

    run = tmp_path / "r"
    shutil.copytree(trained, run)
    before = json.loads((run / "summary.json").read_text())
    assert main([*TRAIN, "--budget", "3000", "--out", str(run), "--resume"]) == 0
    after = _last_json(capsys)
    assert after["queries"] >= 3000 > before["queries"]
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").open()]
    assert steps == sorted(set(steps)) and steps[-1] == after["steps"]


@pytest.fixture()
def files(tmp_path):
    bad_model = tmp_path / "bad.npz"
    bad_model.write_bytes(b"not a zip file")
    nan = tmp_path / "nan.npy"
    np.save(nan, np.full((2, 64), np.nan))
    narrow = tmp_path / "narrow.npy"
    np.save(narrow, np.ones((2, 5)))
    return {"bad": bad_model, "nan": nan, "narrow": narrow, "dir": tmp_path}


BAD_TRAIN = [
    (["--dataset", "nope"], "unknown dataset"),
    (["--finder", "nope"], "unknown finder"),
    (["--hidden", "0"], "--hidden"),
    (["--hidden", "a,b"], "--hidden"),
    (["--budget", "-5"], "--budget"),
    (["--dataset", "mnist", "--mnist-path", "/nonexistent/mnist.npz"], "mnist"),
    (["--classes", "0,99"], "class"),
    (["--margin", "-1"], "margin"),
    (["--max-qubits", "3", "--hidden", "4,4"], "qubits"),
]


def _train_args(extra: list[str], out: Path) -> list[str]:
    base = {"--dataset": "digits", "--hidden": "4", "--finder": "sa", "--budget": "100"}
    for i in range(0, len(extra) - 1, 2):
        base[extra[i]] = extra[i + 1]
    # --overwrite: the bad input itself, not the existing model, must be what is refused
    args = ["train", "--out", str(out), "--no-progress", "--overwrite"]
    for k, v in base.items():
        args += [k, v]
    return args


@pytest.mark.parametrize("extra, needle", BAD_TRAIN)
def test_bad_train_input_exits_2_with_one_line_and_keeps_existing_model(
    extra, needle, trained, tmp_path, capsys
):
    import shutil

    run = tmp_path / "keep"
    shutil.copytree(trained, run)
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    assert main(_train_args(extra, run)) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("grover-train: error:")
    assert needle.lower() in err.lower()
    assert "Traceback" not in err
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before


@pytest.mark.parametrize(
    "case, needle",
    [
        ("missing-model", "does not exist"),
        ("bad-model", "malformed"),
        ("narrow", "64"),
        ("nan", "NaN"),
        ("missing-inputs", "does not exist"),
        ("both", "exactly one"),
    ],
)
def test_bad_predict_input_exits_2_with_one_line(case, needle, trained, files, capsys):
    model = str(trained / "model.npz")
    args = {
        "missing-model": ["--model", str(files["dir"] / "none.npz"), "--inputs", str(files["nan"])],
        "bad-model": ["--model", str(files["bad"]), "--inputs", str(files["nan"])],
        "narrow": ["--model", model, "--inputs", str(files["narrow"])],
        "nan": ["--model", model, "--inputs", str(files["nan"])],
        "missing-inputs": ["--model", model, "--inputs", str(files["dir"] / "none.npy")],
        "both": ["--model", model, "--inputs", str(files["nan"]), "--dataset", "digits"],
    }[case]
    assert main(["predict", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err


def test_every_option_has_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in ("train", "predict", "demo"):
        for action in sub.choices[name]._actions:
            assert action.help, f"{name} {action.option_strings} has no help"


def test_module_entry_point_reports_bad_input_without_traceback(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "grover_train",
            "train",
            "--dataset",
            "nope",
            "--hidden",
            "4",
            "--finder",
            "sa",
            "--budget",
            "10",
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "unknown dataset" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()


def test_demo_table(tmp_path, capsys):
    from grover_train.cli.demo import run_demo_training

    rows = run_demo_training(tmp_path, progress=False, runs=(("sa", 300), ("backprop", 300)))
    assert [r["finder"] for r in rows] == ["sa", "backprop"]
    assert (tmp_path / "sa" / "model.npz").exists()
    assert (tmp_path / "backprop" / "metrics.jsonl").exists()
