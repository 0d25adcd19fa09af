"""Bad input is refused before any work, in one line with exit 2, and leaves files unchanged;
stores are never harmed; concurrent sweeps compute each run once."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grover_train.cli.main import main
from grover_train.errors import InputError
from grover_train.runs.runners import RunOutput
from grover_train.runs.store import Store

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
ECHO = "grover_train.runs.runners:echo"
GATE_ENV = "GROVER_TRAIN_TEST_GATE"
LOG_ENV = "GROVER_TRAIN_TEST_LOG"


def checksums(*paths: Path) -> dict[str, str | None]:
    """sha256 of every file under ``paths`` (None for a missing path)."""
    out: dict[str, str | None] = {}
    for p in paths:
        p = Path(p)
        files = sorted(p.rglob("*")) if p.is_dir() else [p]
        for f in files:
            if f.is_file():
                out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
            elif not f.exists():
                out[str(f)] = None
    return out


def refused(argv: list[str], capsys, *watch: Path, words: str = "") -> str:
    """Run the command: exit 2, one stderr line (problem and fix), no traceback, and every
    watched file byte-for-byte unchanged. Returns the message."""
    before = checksums(*watch)
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("grover-train: error:"), err
    assert "Traceback" not in err and ":" in err[len("grover-train: error:") :]
    assert words.lower() in err.lower(), err
    assert checksums(*watch) == before
    return err


def _write(tmp_path: Path, text: str, name: str = "sweep.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


GOOD = f'[sweep]\nname = "e"\nkind = "{ECHO}"\n[grid]\nseed = [0, 1, 2]\n'


# ------------------------------------------------------------------ store safety
def _foreign(path: Path, meta_rows=()) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE songs (title TEXT)")
    con.execute("INSERT INTO songs VALUES ('a')")
    con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    con.executemany("INSERT INTO meta VALUES (?, ?)", meta_rows)
    con.commit()
    con.close()


@pytest.mark.parametrize(
    "rows, words",
    [((), "another program"), ((("application", "photos"),), "belongs to 'photos'")],
    ids=["empty-meta", "other-app"],
)
def test_foreign_sqlite_is_refused_untouched(tmp_path, capsys, rows, words):
    path = tmp_path / "their.sqlite"
    _foreign(path, rows)
    cfg = _write(tmp_path, GOOD)
    for argv in (
        ["sweep", str(cfg), "--store", str(path)],
        ["report", "--store", str(path), "--out", str(tmp_path / "r")],
    ):
        refused(argv, capsys, path, tmp_path, words=words)
    assert not Path(str(path) + "-wal").exists()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # not switched to WAL
    assert {r[0] for r in con.execute("SELECT name FROM sqlite_master")} == {
        "songs",
        "meta",
        "sqlite_autoindex_meta_1",
    }


def _store_with_runs(path: Path) -> None:
    with Store(path) as s:
        for seed in range(3):
            spec = {"kind": ECHO, "seed": seed}
            s.record(spec, RunOutput({"queries": seed}, [{"step": 0, "eps": 0.5}]))


def test_reading_commands_never_write(tmp_path, capsys):
    path = tmp_path / "r.sqlite"
    _store_with_runs(path)
    cfg = _write(tmp_path, GOOD)
    before = checksums(tmp_path)
    assert main(["sweep", str(cfg), "--store", str(path), "--list"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["finished"] for x in lines] == [True, True, True]
    assert checksums(tmp_path) == before  # no -wal, no -shm, no change
    with Store(path, readonly=True) as s:
        assert len(s.runs()) == 3
        with pytest.raises(InputError, match="read-only"):
            s.mark_started({"kind": ECHO, "seed": 9})
    # listing against a store that does not exist yet creates nothing
    assert main(["sweep", str(cfg), "--store", str(tmp_path / "new.sqlite"), "--list"]) == 0
    assert not (tmp_path / "new.sqlite").exists()


def test_read_only_open_works_without_write_access(tmp_path, monkeypatch):
    path = tmp_path / "r.sqlite"
    _store_with_runs(path)
    # a read-only connection never asks for write access: SQLite itself refuses a write
    with Store(path, readonly=True) as s:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            s._con.execute("DELETE FROM runs")
        assert len(s.finished_ids()) == 3
    monkeypatch.setattr(os, "access", lambda *a, **k: False)  # as a read-only folder looks
    with pytest.raises(InputError, match="not writable"):
        Store(path)
    with Store(path, readonly=True) as s:
        assert len(s.finished_ids()) == 3


def test_damaged_store_and_bad_json_are_one_line_errors(tmp_path, capsys):
    path = tmp_path / "r.sqlite"
    _store_with_runs(path)
    con = sqlite3.connect(path)
    con.execute("UPDATE runs SET summary = '{not json', kind = 'train' WHERE seed = 1")
    con.commit()
    con.close()
    cfg = _write(tmp_path, GOOD)
    refused(
        ["report", "--store", str(path), "--out", str(tmp_path / "rep")],
        capsys,
        path,
        words="invalid JSON",
    )
    bad = tmp_path / "bad.sqlite"
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # wreck the schema page, keep the header
    bad.write_bytes(bytes(data))
    refused(["sweep", str(cfg), "--store", str(bad)], capsys, bad, words="damaged")
    refused(["sweep", str(cfg), "--store", str(bad), "--list"], capsys, bad, words="damaged")


# ------------------------------------------------------------------ sweep files
@pytest.mark.parametrize(
    "text, words",
    [
        ('[sweep]\nkind = "train"\n[fixed]\nfinder = "sa"\nhidden = 2\nbudget = 9\n', "'seed'"),
        ('[sweep]\nkind = "train"\n[fixed]\nfinder = "sa"\nhidden = 2\nseed = 0\n', "'budget'"),
        ('[sweep]\nkind = "train"\n[fixed]\nbudget = 9\nhidden = 2\nseed = 0\n', "'finder'"),
        ('[sweep]\nkind = "train"\n[fixed]\nbudget = 9\nfinder = "sa"\nseed = 0\n', "'hidden'"),
        (
            '[sweep]\nkind = "train"\n[grid]\nfinder = ["sa", "nope"]\n'
            "[fixed]\nbudget = 9\nhidden = 2\nseed = 0\n",
            "unknown finder 'nope'",
        ),
        (
            '[sweep]\nkind = "train"\n[fixed]\nfinder = "sa"\nbudget = 9\nhidden = 2\nseed = 0\n'
            "classes = [0, 1]\n",
            "classes does not apply",
        ),
        (
            '[sweep]\nkind = "train"\n[fixed]\nfinder = "sa"\nbudget = 9\nhidden = 2\nseed = 0\n'
            "finder_options = {bogus = 1}\n",
            "refuses options",
        ),
        ('[sweep]\nkind = "os:system"\n[grid]\nx = [1]\n', "--allow-plugins"),
        (
            '[sweep]\nkind = "train"\n[grid]\n'
            + "".join(f"k{i} = [{', '.join(map(str, range(10)))}]\n" for i in range(10)),
            "more than",
        ),
    ],
    ids=[
        "seed",
        "budget",
        "finder",
        "hidden",
        "unknown-finder",
        "classes-teacher",
        "finder-option",
        "plugin",
        "huge-grid",
    ],
)
def test_whole_sweep_file_is_checked_before_the_first_run(tmp_path, capsys, text, words):
    cfg = _write(tmp_path, text)
    store = tmp_path / "s.sqlite"
    refused(["sweep", str(cfg), "--store", str(store)], capsys, tmp_path, words=words)
    assert not store.exists()


def test_plugins_run_with_allow_plugins(tmp_path, capsys):
    cfg = _write(tmp_path, f'[sweep]\nkind = "{__name__}:plain"\n[grid]\nseed = [0, 1]\n')
    store = tmp_path / "s.sqlite"
    refused(["sweep", str(cfg), "--store", str(store)], capsys, tmp_path, words="plugins")
    argv = ["sweep", str(cfg), "--store", str(store), "--allow-plugins", "--no-progress"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["finished"] == 2


def test_unreachable_dask_is_refused_at_once_and_creates_nothing(tmp_path, capsys):
    cfg = _write(tmp_path, GOOD)
    store = tmp_path / "s.sqlite"
    t0 = time.monotonic()
    refused(
        ["sweep", str(cfg), "--store", str(store), "--dask", "tcp://127.0.0.1:9"],
        capsys,
        tmp_path,
        words="Dask scheduler",
    )
    assert time.monotonic() - t0 < 10 and not store.exists()


def plain(spec):
    return RunOutput({"queries": 1, "seed": spec.get("seed")})


# ------------------------------------------------------------------ concurrency
def gated_log(spec):
    """Append the run's seed to a log file, then wait (bounded) for the gate file."""
    with open(os.environ[LOG_ENV], "a") as fh:
        fh.write(f"{spec['seed']}\n")
    gate = os.environ[GATE_ENV]
    deadline = time.monotonic() + 120
    while not os.path.exists(gate):  # polling, bounded
        if time.monotonic() > deadline:
            raise TimeoutError("gate never opened")
        time.sleep(0.01)
    return RunOutput({"queries": 1, "pid": os.getpid()})


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        GATE_ENV: str(tmp_path / "gate"),
        LOG_ENV: str(tmp_path / "log.txt"),
        "PYTHONPATH": os.pathsep.join([str(TESTS), str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }


def _owners(store: Path) -> set[str]:
    try:
        con = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5)
        try:
            return {r[0] for r in con.execute("SELECT owner FROM leases")}
        finally:
            con.close()
    except sqlite3.OperationalError:
        return set()


def test_two_sweeps_on_one_store_compute_each_run_once(tmp_path):
    cfg = _write(
        tmp_path,
        '[sweep]\nname = "twelve"\nkind = "test_hardening:gated_log"\n'
        "[grid]\nseed = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n",
    )
    store = tmp_path / "s.sqlite"
    Store(store).close()  # created once, so both processes open an existing store
    cmd = [
        sys.executable,
        "-m",
        "grover_train",
        "sweep",
        str(cfg),
        "--store",
        str(store),
        "--no-progress",
        "--allow-plugins",
        "--workers",
        "2",
    ]
    env = _env(tmp_path)
    procs = [
        subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 120
        while len(_owners(store)) < 2:  # both sweeps hold runs at the same time
            assert all(p.poll() is None for p in procs), procs[0].communicate()[1][-2000:]
            assert time.monotonic() < deadline, "the two sweeps never ran together"
            time.sleep(0.02)
        (tmp_path / "gate").touch()
        outs = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    counts = [json.loads(o[0].decode().splitlines()[-1]) for o in outs]
    assert sum(c["finished"] for c in counts) == 12 and all(c["finished"] > 0 for c in counts), (
        json.dumps(counts)
    )
    assert sorted(int(x) for x in (tmp_path / "log.txt").read_text().split()) == list(range(12))
    with Store(store, readonly=True) as s:
        runs = s.runs()
        assert len(runs) == 12 and all(r["status"] == "finished" for r in runs)
        assert all(r["attempts"] == 1 for r in runs)
        assert _owners(store) == set()


def pid_then_wait(spec):
    """Write this worker's pid, then wait (bounded) for a gate that never opens."""
    (Path(os.environ[LOG_ENV]).parent / f"pid-{spec['seed']}").write_text(str(os.getpid()))
    return gated_log(spec)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in state  # a zombie has stopped


def test_killing_the_sweep_parent_ends_its_workers(tmp_path):
    cfg = _write(
        tmp_path, '[sweep]\nkind = "test_hardening:pid_then_wait"\n[grid]\nseed = [0, 1]\n'
    )
    cmd = [
        sys.executable,
        "-m",
        "grover_train",
        "sweep",
        str(cfg),
        "--store",
        str(tmp_path / "s.sqlite"),
        "--no-progress",
        "--allow-plugins",
        "--workers",
        "2",
    ]
    proc = subprocess.Popen(
        cmd, env=_env(tmp_path), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    pidfiles = [tmp_path / "pid-0", tmp_path / "pid-1"]
    try:
        deadline = time.monotonic() + 120
        while not all(p.exists() and p.read_text() for p in pidfiles):
            assert proc.poll() is None, proc.communicate()[1][-2000:]
            assert time.monotonic() < deadline, "workers never started"
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    pids = [int(p.read_text()) for p in pidfiles]
    assert all(pid != proc.pid for pid in pids)
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in pids):  # the watchdog polls every 0.5 s
        assert time.monotonic() < deadline, "workers outlived the sweep"
        time.sleep(0.05)


# ------------------------------------------------------------------ model files
def _npz(path: Path, arrays: dict, headers: dict | None = None) -> Path:
    """An .npz with the given arrays; ``headers`` maps a name to a fake header dict written
    in front of a few bytes of data (as a hostile or truncated file would)."""
    import io
    import zipfile

    import numpy as np

    with zipfile.ZipFile(path, "w") as zf:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.save(buf, arr, allow_pickle=True)
            zf.writestr(name + ".npy", buf.getvalue())
        for name, header in (headers or {}).items():
            buf = io.BytesIO()
            np.lib.format.write_array_header_1_0(buf, header)
            buf.write(b"\0" * 64)
            zf.writestr(name + ".npy", buf.getvalue())
    return path


def _good_arrays(meta: object = None) -> dict:
    import numpy as np

    from grover_train.model import DragonNetwork

    net = DragonNetwork.random(4, 3, 2, seed=0)
    arrays = {"W": net.W[0], "b": net.b[0], "U": net.U, "c": net.c}
    arrays["meta"] = np.array(json.dumps({} if meta is None else meta))
    return arrays


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda a: {**a, "W": a["W"].astype(complex)}, "complex"),
        (lambda a: {**a, "W": a["W"][:0], "b": a["b"][:0], "U": a["U"][:, :0]}, "no units"),
        (lambda a: {**a, "meta": _good_arrays([1, 2])["meta"]}, "not an object"),
        (lambda a: {**a, "meta": _good_arrays({"classes": "0,1"})["meta"]}, "classes"),
        (lambda a: {**a, "meta": _good_arrays({"dataset_options": 3})["meta"]}, "dataset_options"),
        (
            lambda a: {**a, "meta": _good_arrays({"train_state": {"queries": "x"}})["meta"]},
            "train_state.queries",
        ),
        (lambda a: {**a, "meta": _good_arrays({"queries": -1})["meta"]}, "queries"),
        (lambda a: {**a, "meta": __import__("numpy").array("{not json")}, "malformed"),
        (lambda a: {**a, "U": __import__("numpy").array([object()], dtype=object)}, "objects"),
    ],
    ids=[
        "complex",
        "zero-hidden",
        "meta-list",
        "classes",
        "dataset-options",
        "train-state",
        "queries",
        "meta-json",
        "pickle",
    ],
)
def test_malformed_models_are_refused(tmp_path, capsys, make, words):
    path = _npz(tmp_path / "model.npz", make(_good_arrays()))
    refused(
        ["predict", "--model", str(path), "--dataset", "teacher"], capsys, tmp_path, words=words
    )


def test_model_header_declaring_huge_shapes_is_refused_before_reading(tmp_path, capsys):
    arrays = _good_arrays()
    del arrays["W"]
    header = {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)}
    path = _npz(tmp_path / "model.npz", arrays, {"W": header})
    refused(
        ["predict", "--model", str(path), "--dataset", "teacher"],
        capsys,
        tmp_path,
        words="declares shape",
    )


def test_failed_model_write_keeps_the_old_model_and_no_temporary(tmp_path, monkeypatch):
    import numpy as np

    from grover_train.model import DragonNetwork
    from grover_train.model.io import clean_stale_temporaries, load_model, save_model

    path = save_model(DragonNetwork.random(4, 3, 2, seed=0), tmp_path / "model.npz")
    before = checksums(tmp_path)

    def full_disk(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", full_disk)
    with pytest.raises(InputError, match="free disk space"):
        save_model(DragonNetwork.random(4, 3, 2, seed=1), path)
    assert checksums(tmp_path) == before  # old model intact, no temporary left
    monkeypatch.undo()
    stale = tmp_path / "model.npz.999999999.tmp.npz"  # left by a killed process
    stale.write_bytes(b"x")
    assert clean_stale_temporaries(tmp_path) == [stale] and not stale.exists()
    assert load_model(path).hidden == [3]


# ------------------------------------------------------------------ train refusals
@pytest.fixture
def finished_run(tmp_path) -> Path:
    from grover_train.model import DragonNetwork
    from grover_train.model.io import save_model

    out = tmp_path / "run"
    save_model(DragonNetwork.random(64, 4, 10, seed=0), out / "model.npz")
    (out / "metrics.jsonl").write_text('{"step": 1}\n')
    (out / "summary.json").write_text("{}\n")
    return out


TRAIN = [
    "train",
    "--dataset",
    "teacher",
    "--hidden",
    "4",
    "--finder",
    "sa",
    "--budget",
    "50",
    "--seed",
    "0",
    "--no-progress",
]


@pytest.mark.parametrize(
    "extra, words",
    [
        ([], "--overwrite"),
        (["--resume", "--overwrite"], "exclude"),
        (["--overwrite", "--classes", "0,1"], "--classes does not apply"),
        (["--overwrite", "--pool"], "--pool does not apply"),
        (["--overwrite", "--mnist-path", "x.npz"], "--mnist-path applies"),
        (["--overwrite", "--hidden", "1000000000"], "--hidden"),
        (["--overwrite", "--teacher", "100000000,4,2"], "--teacher"),
        (["--overwrite", "--num-samples", "10000000000"], "--num-samples"),
        (["--overwrite", "--budget", str(10**30)], "--budget"),
    ],
    ids=[
        "no-overwrite",
        "resume-and-overwrite",
        "classes",
        "pool",
        "mnist-path",
        "hidden",
        "teacher",
        "num-samples",
        "huge-budget",
    ],
)
def test_train_refusals_keep_the_finished_run(finished_run, capsys, extra, words):
    refused([*TRAIN, "--out", str(finished_run), *extra], capsys, finished_run, words=words)


def test_train_output_that_is_a_folder_is_refused_before_training(finished_run, capsys):
    (finished_run / "metrics.jsonl").unlink()
    (finished_run / "metrics.jsonl").mkdir()
    refused(
        [*TRAIN, "--out", str(finished_run), "--overwrite"],
        capsys,
        finished_run,
        words="is a folder",
    )


def test_overwrite_replaces_and_cleans_stale_temporaries(finished_run, capsys):
    from grover_train.model.io import load_model

    stale = finished_run / "model.npz.999999999.tmp.npz"
    stale.write_bytes(b"")
    assert main([*TRAIN, "--out", str(finished_run), "--overwrite", "--json"]) == 0
    assert not stale.exists()
    assert load_model(finished_run / "model.npz").num_inputs == 16  # the teacher's, replaced


# ------------------------------------------------------------------ search and amplify
def _bqm_file(tmp_path: Path, bqm, name: str = "b.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(bqm.to_serializable()))
    return p


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("command", ["search", "amplify"])
def test_non_finite_biases_are_refused(tmp_path, capsys, bad, command):
    import dimod

    path = _bqm_file(tmp_path, dimod.BQM({0: 1.0, 1: bad}, {(0, 1): 0.5}, 0.0, "SPIN"))
    extra = ["--threshold", "0", "--iterations", "1"] if command == "amplify" else []
    refused([command, "--bqm", str(path), *extra], capsys, tmp_path, words="NaN or infinite")


@pytest.mark.parametrize(
    "argv, words",
    [
        (["search", "--budget", "1000000000000"], "lower --budget"),
        (["search", "--prep", "dqa", "--steps", "1000000000"], "--steps"),
        (["search", "--backend-option", "foo=1"], "takes no option 'foo'"),
        (["search", "--backend", "aer", "--backend-option", "foo=1"], "AerSimulator options"),
        (["search", "--backend", "pennylane", "--backend-option", "foo=1"], "max_qubits"),
        (["amplify", "--threshold", "0", "--iterations", "1000000000000"], "lower --iterations"),
        (["amplify", "--threshold", "0", "--iterations", "1", "--top", "0"], "--top"),
        (
            ["amplify", "--threshold", "0", "--iterations", "1", "--min-probability", "nan"],
            "--min-probability",
        ),
        (["amplify", "--threshold", "0", "--iterations", "1", "--backend-option", "x=1"], "'x'"),
    ],
    ids=[
        "budget",
        "steps",
        "exact-option",
        "aer-option",
        "pennylane-option",
        "iterations",
        "top",
        "min-probability",
        "amplify-option",
    ],
)
def test_search_and_amplify_refusals(tmp_path, capsys, argv, words):
    import dimod

    path = _bqm_file(tmp_path, dimod.generators.ran_r(1, 4, seed=0))
    refused([argv[0], "--bqm", str(path), *argv[1:]], capsys, tmp_path, words=words)


def test_amplify_lists_at_most_top_k_and_refuses_huge_listings(tmp_path, capsys):
    import dimod
    import numpy as np

    bqm = dimod.generators.ran_r(1, 17, seed=0)
    path = _bqm_file(tmp_path, bqm)
    args = ["amplify", "--bqm", str(path), "--threshold", "-20", "--iterations", "2"]
    refused(args, capsys, tmp_path, words="--top")
    assert main([*args, "--top", "5"]) == 0
    out = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert len(out["probabilities"]) == 5
    # the five largest of the full distribution (all states listed with a lower bound on P)
    assert main([*args, "--min-probability", "0.0001"]) == 0
    full = json.loads(capsys.readouterr().out.splitlines()[-1])["probabilities"]
    best = sorted(full.values(), reverse=True)[:5]
    assert np.allclose(sorted(out["probabilities"].values(), reverse=True), best)


def test_json_output_never_holds_nan_or_infinity(capsys):
    from grover_train.cli.main import print_json

    print_json({"a": float("-inf"), "b": [float("nan"), 1.5], "c": __import__("numpy").inf})
    line = capsys.readouterr().out.strip()
    assert json.loads(line) == {"a": None, "b": [None, 1.5], "c": None}
    assert "Infinity" not in line and "NaN" not in line


# ------------------------------------------------------------------ train checkpoints
CKPT = [
    "train",
    "--dataset",
    "teacher",
    "--teacher",
    "12,8,3",
    "--hidden",
    "8",
    "--finder",
    "sa",
    "--budget",
    "12000",
    "--seed",
    "0",
    "--no-progress",
    "--json",
    "--checkpoint-every",
    "0",
]


def _state_step(path: Path) -> int:
    from grover_train.errors import ModelFileError
    from grover_train.model.io import load_model

    try:
        return int(load_model(path).meta["train_state"]["step"])
    except (ModelFileError, KeyError):
        return -1


def test_sigkilled_train_resumes_from_its_checkpoint_as_if_never_killed(tmp_path, capsys):
    import numpy as np

    from grover_train.model.io import load_model
    from grover_train.train.result import read_metrics

    ref, run = tmp_path / "ref", tmp_path / "run"
    assert main([*CKPT, "--out", str(ref)]) == 0
    steps = json.loads(capsys.readouterr().out.splitlines()[-1])["steps"]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "grover_train", *CKPT, "--out", str(run)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 300
        while _state_step(run / "checkpoint.npz") < 5:  # a few steps in: kill it mid-run
            assert proc.poll() is None, proc.communicate()[1][-2000:]
            assert time.monotonic() < deadline, "no checkpoint written"
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    killed_at = _state_step(run / "checkpoint.npz")
    assert 5 <= killed_at < steps and not (run / "model.npz").exists()
    # a plain rerun would start afresh: refused
    refused([*CKPT, "--out", str(run)], capsys, run, words="--resume")
    assert main([*CKPT, "--out", str(run), "--resume"]) == 0
    a, b = load_model(ref / "model.npz"), load_model(run / "model.npz")
    for x, y in zip([*a.W, *a.b, a.U, a.c], [*b.W, *b.b, b.U, b.c], strict=True):
        assert np.array_equal(x, y)
    strip = [
        {k: v for k, v in r.items() if k != "wall_s"} for r in read_metrics(ref / "metrics.jsonl")
    ]
    assert [
        {k: v for k, v in r.items() if k != "wall_s"} for r in read_metrics(run / "metrics.jsonl")
    ] == strip
    assert not (run / "checkpoint.npz").exists()  # finished: the checkpoint is gone


def test_export_qasm_problem_refusals(tmp_path, capsys):
    import dimod

    path = _bqm_file(tmp_path, dimod.BQM({0: float("nan")}, {}, 0.0, "SPIN"))
    out = tmp_path / "q"
    refused(["export-qasm", "--threshold", "1", "--out", str(out)], capsys, tmp_path, words="--bqm")
    refused(["export-qasm", "--bqm", str(path), "--out", str(out)], capsys, tmp_path, words="NaN")
    assert not out.exists()


def test_export_refusals_leave_files_alone(tmp_path, capsys):
    foreign = tmp_path / "their.sqlite"
    _foreign(foreign)
    (tmp_path / "afile").write_text("x")
    refused(
        ["export", "--store", str(tmp_path / "none.sqlite"), "--out", str(tmp_path / "o")],
        capsys,
        tmp_path,
        words="not found",
    )
    refused(
        ["export", "--store", str(foreign), "--out", str(tmp_path / "o")],
        capsys,
        tmp_path,
        words="another program",
    )
    path = tmp_path / "r.sqlite"
    _store_with_runs(path)
    refused(
        ["export", "--store", str(path), "--out", str(tmp_path / "afile")],
        capsys,
        tmp_path,
        words="is a file",
    )


def test_more_workers_than_memory_holds_are_refused_before_the_store(tmp_path, capsys):
    seeds = ", ".join(str(s) for s in range(1000))
    cfg = _write(tmp_path, f'[sweep]\nkind = "{ECHO}"\n[grid]\nseed = [{seeds}]\n')
    store = tmp_path / "s.sqlite"
    refused(
        ["sweep", str(cfg), "--store", str(store), "--workers", "1000"],
        capsys,
        tmp_path,
        words="worker processes",
    )
    assert not store.exists()
