"""``grover-train train``'s options on resume and per method: a resumed run keeps the options
it was trained with (those not given are restored, a changed one is refused), and a flag the
chosen method does not take is refused. A refused command exits 2 with one line naming the
problem and the fix, and writes nothing."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from grover_train.cli.main import main
from grover_train.data.datasets import load_dataset
from grover_train.errors import InputError
from grover_train.model.io import load_model
from grover_train.train.options import BackpropOptions, HeadCuttingOptions
from grover_train.train.run import train_model

BASE = ["train", "--dataset", "digits", "--classes", "0,1", "--pool", "--no-progress"]
SA = [*BASE, "--hidden", "4", "--finder", "sa"]
#: the first run: options other than the defaults
GIVEN = ["--eta", "0.5", "--batch-size", "8", "--num-reads", "3"]


def files(*paths: Path) -> dict[str, str | None]:
    """sha256 of every file under ``paths`` (None: the path does not exist)."""
    out: dict[str, str | None] = {}
    for p in paths:
        if not p.exists():
            out[str(p)] = None
        for f in sorted(p.rglob("*")) if p.is_dir() else [p] if p.exists() else []:
            if f.is_file():
                out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def refused(argv: list[str], capsys, *watch: Path) -> str:
    """Exit 2, one stderr line with a fix, and every watched path unchanged; the message."""
    before = files(*watch)
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("grover-train: error:"), err
    assert "Traceback" not in err
    assert files(*watch) == before
    return err


def last_json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    """A run trained with options other than the defaults (to 2000 queries)."""
    out = tmp_path_factory.mktemp("saved") / "q"
    assert main([*SA, *GIVEN, "--budget", "2000", "--out", str(out)]) == 0
    return out


def test_resume_restores_the_options_not_given(saved, tmp_path, capsys):
    bare, flagged = tmp_path / "bare", tmp_path / "flagged"
    shutil.copytree(saved, bare)
    shutil.copytree(saved, flagged)
    assert main([*SA, "--budget", "3000", "--resume", "--json", "--out", str(bare)]) == 0
    summary = last_json(capsys)
    assert (summary["eta"], summary["batch_size"]) == (0.5, 8)
    assert summary["finder_options"]["num_reads"] == 3
    assert load_model(bare / "model.npz").meta["train_state"]["options"]["eta"] == 0.5
    # the same as resuming with every option given again
    assert main([*SA, *GIVEN, "--budget", "3000", "--resume", "--out", str(flagged)]) == 0
    a, b = np.load(bare / "model.npz"), np.load(flagged / "model.npz")
    for key in a.files:
        if a[key].dtype.kind == "f":
            assert np.array_equal(a[key], b[key]), key
    # what only says what is recorded may change
    assert main([*SA, "--budget", "3500", "--resume", "--eval-size", "50", "--out", str(bare)]) == 0


@pytest.mark.parametrize(
    "extra, flag, was",
    [
        (["--eta", "0.05"], "--eta 0.05", "0.5"),
        (["--batch-size", "32"], "--batch-size 32", "8"),
        (["--margin", "2"], "--margin 2.0", "1.0"),
        (["--max-heads", "2"], "--max-heads 2", "1"),
        (["--num-reads", "8"], "--num-reads 8", "3"),
        (["--average", "3"], "--average 3", "epoch"),
        (["--eta-decay", "0.1"], "--eta-decay 0.1", "0.0"),
        (["--windows", "columns"], "--windows columns", "readouts"),
        (["--search-budget", "5"], "--search-budget 5", "default"),
        (["--finder-option", "num_sweeps=5"], "--finder-option num_sweeps=5", "10"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_resume_refuses_a_changed_option(saved, capsys, extra, flag, was):
    argv = [*SA, "--budget", "3000", "--resume", "--out", str(saved), *extra]
    err = refused(argv, capsys, saved)
    assert f"{flag} differs from the {was} the run in {str(saved)!r} was trained with" in err
    assert f"drop {flag.rpartition('=')[0] or flag.split()[0]} to continue with it" in err


def test_resume_of_a_readouts_net_refuses_other_windows(tmp_path, capsys):
    out = tmp_path / "deep"
    deep = [*BASE, "--hidden", "4,4", "--max-qubits", "5", "--finder", "sa", "--out", str(out)]
    assert main([*deep, "--budget", "300"]) == 0
    err = refused([*deep, "--budget", "600", "--resume", "--windows", "layers"], capsys, out)
    assert "--windows layers differs from the readouts" in err
    assert main([*deep, "--budget", "600", "--resume"]) == 0
    assert "readouts" in load_model(out / "model.npz").meta["train_state"]


def test_python_resume_refuses_changed_options_and_keeps_old_files_resumable():
    ds = load_dataset("digits", seed=0, classes=[0, 1], pool=True)
    kw = dict(hidden=4, seed=0, progress=False)
    first = train_model(ds, BackpropOptions(eta=0.01), budget=300, **kw)
    with pytest.raises(InputError, match="--eta 0.005 differs from the 0.01 the run being"):
        train_model(ds, BackpropOptions(), budget=600, init=first.net, resume=True, **kw)
    sa = HeadCuttingOptions("sa", {"num_reads": 3})
    cut = train_model(ds, sa, budget=300, **kw)
    other = HeadCuttingOptions("sa", {"num_reads": 4})
    with pytest.raises(InputError, match="--num-reads 4 differs from the 3"):
        train_model(ds, other, budget=600, init=cut.net, resume=True, **kw)
    # a model saved before the state recorded its options: the other checks only
    del first.net.meta["train_state"]["options"]
    more = train_model(ds, BackpropOptions(), budget=600, init=first.net, resume=True, **kw)
    assert more.summary["queries"] == 600


@pytest.mark.parametrize(
    "extra",
    [
        ["--max-heads", "0"],
        ["--max-heads", "3", "--windows", "columns", "--search-budget", "5", "--max-qubits", "1"],
        ["--search-budget", "5"],
        ["--max-qubits", "8"],
        ["--windows", "layers"],
    ],
    ids=["max-heads-0", "four", "search-budget", "max-qubits", "windows"],
)
def test_backprop_refuses_flags_of_head_cutting(tmp_path, capsys, extra):
    out = tmp_path / "bp"
    argv = [*BASE, "--hidden", "4", "--finder", "backprop", "--budget", "200", "--out", str(out)]
    err = refused([*argv, *extra], capsys, out)
    assert f"{extra[0]} applies to head cutting, not backprop: drop it" in err
    assert not out.exists()


def test_backprop_records_its_finder_options_and_refuses_a_conflict(tmp_path, capsys):
    out = tmp_path / "bp"
    argv = [*BASE, "--hidden", "4", "--finder", "backprop", "--budget", "200", "--out", str(out)]
    err = refused([*argv, "--finder-option", "batch_size=8", "--batch-size", "16"], capsys, out)
    assert "--finder-option batch_size=8 conflicts with --batch-size 16" in err
    assert not out.exists()
    assert main([*argv, "--finder-option", "beta=2", "--json"]) == 0
    summary = last_json(capsys)
    assert summary["finder_options"] == {"beta": 2} and summary["beta"] == 2


@pytest.mark.parametrize(
    "build, words",
    [
        (lambda: HeadCuttingOptions("sa", windows="layers", readouts={}), "drop the readouts"),
        (lambda: HeadCuttingOptions("sa", eta_schedule="x"), "set eta_schedule='epochs'"),
        (lambda: HeadCuttingOptions("sa", search_budget=0), "--search-budget must be a pos"),
        (lambda: HeadCuttingOptions("sa", max_heads=0), "pass e.g. --max-heads 1"),
        (lambda: BackpropOptions(beta=0), "pass e.g. --finder-option beta=1.0"),
        (lambda: BackpropOptions(batch_size=0), "--batch-size must be a positive integer"),
    ],
)
def test_option_messages_name_a_settable_option_and_the_fix(build, words):
    with pytest.raises(InputError, match=words.replace("(", r"\(")) as e:
        build()
    assert ": " in str(e.value) and "--eta-schedule" not in str(e.value)


def test_average_takes_epoch_or_steps(tmp_path, capsys):
    argv = [*SA, "--budget", "300", "--json"]
    assert main([*argv, "--average", "epoch", "--out", str(tmp_path / "a")]) == 0
    assert last_json(capsys)["average"] > 0
    with pytest.raises(SystemExit) as e:
        main([*argv, "--average", "often", "--out", str(tmp_path / "b")])
    assert e.value.code == 2 and not (tmp_path / "b").exists()


def test_folder_problems_come_before_the_missing_model(tmp_path, capsys):
    argv = [*SA, "--budget", "300", "--resume"]
    err = refused([*argv, "--overwrite", "--out", str(tmp_path / "empty")], capsys, tmp_path)
    assert "exclude each other" in err
    (tmp_path / "file").write_text("x")
    err = refused([*argv, "--out", str(tmp_path / "file")], capsys, tmp_path)
    assert "is a file: give a folder" in err
