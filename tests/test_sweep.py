"""Sweeps: TOML grids, resumable runs (SIGKILL included), process pool and Dask executors."""

from __future__ import annotations

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
from grover_train.runs.config import load_sweep, parse_sweep, run_id
from grover_train.runs.runners import RunOutput, run_train_spec
from grover_train.runs.store import Store
from grover_train.runs.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
ECHO = "grover_train.runs.runners:echo"
GATE_ENV = "GROVER_TRAIN_TEST_GATE"
ALL3 = '"random", "exact", "backprop"'
NO_TORCH = '"random", "exact"'  # the SIGKILL test starts two processes: spare the torch import

TINY_TRAIN = """
[sweep]
name = "tiny"
kind = "{kind}"

[grid]
finder = [{finders}]
seed = [{seeds}]

[fixed]
dataset = "teacher"
teacher = [6, 4, 2]
num_samples = 40
hidden = 4
budget = 2000
"""


def _write(tmp_path: Path, text: str, name: str = "sweep.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _last_json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


# ------------------------------------------------------------------------------ config files
def test_example_file_expands_as_documented():
    sweep = load_sweep(ROOT / "docs" / "example-sweep.toml")
    assert sweep.kind == "train" and sweep.name == "train-teacher-6-4-2"
    assert len(sweep.specs) == 4 * 3 + 2 * 3
    grover = [s for s in sweep.specs if s["finder"] == "grover"]
    assert sorted((s["prep"], s["seed"]) for s in grover) == [
        (p, s) for p in ("dqa", "uniform") for s in (0, 1, 2)
    ]
    assert all(s["backend"] == "exact" and s["schedule"] == "bbht" for s in grover)
    classical = [s for s in sweep.specs if s["finder"] != "grover"]
    assert not any({"prep", "backend", "schedule"} & set(s) for s in classical)
    assert all(s["teacher"] == [6, 4, 2] and s["budget"] == 2000 for s in sweep.specs)
    assert len({run_id(s) for s in sweep.specs}) == len(sweep.specs)


def test_grid_product_and_stable_ids():
    doc = {
        "sweep": {"name": "g", "kind": "train"},
        "grid": {"hidden": [4, [4, 4]], "seed": [0, 1, 2]},
        "fixed": {"finder": "sa", "prep": "dqa"},
    }
    a = parse_sweep(doc).specs
    assert len(a) == 6 and all("prep" not in s for s in a)  # prep means nothing to sa
    assert {(json.dumps(s["hidden"]), s["seed"]) for s in a} == {
        (h, s) for h in ("4", "[4, 4]") for s in (0, 1, 2)
    }
    b = parse_sweep({**doc, "grid": {"seed": [0, 1, 2], "hidden": [4, [4, 4]]}}).specs
    assert sorted(map(run_id, a)) == sorted(map(run_id, b))  # key order does not matter
    assert run_id({"kind": "train", "seed": 0}) != run_id({"kind": "train", "seed": 1})
    assert run_id({"kind": "train", "seed": 0}) != run_id({"kind": "search", "seed": 0})


@pytest.mark.parametrize(
    "text, words",
    [
        ('[sweep]\nkind = "train"\n[gird]\nseed = [1]\n', r"unknown table \[gird\]"),
        ('[sweep]\nkind = "train"\nnmae = "x"\n', "unknown key sweep.nmae"),
        ('[sweep]\nkind = "training"\n', "sweep.kind is 'training'"),
        ("[grid]\nseed = [1]\n", r"missing \[sweep\] table"),
        ('[sweep]\nkind = "train"\n[grid]\nseed = []\n', "grid.seed is an empty list"),
        ('[sweep]\nkind = "train"\n[grid]\nseed = 3\n', r"grid.seed must be a list.*seed = \[3\]"),
        ('[sweep]\nkind = "train"\n[grid]\nsede = [1]\n', "unknown key 'sede' for a train"),
        ('[sweep]\nkind = "train"\n[fixed]\nbudget = -5\n', "budget = -5 has the wrong type"),
        ('[sweep]\nkind = "train"\n[fixed]\nseed = "a"\n', 'seed = "a" has the wrong type'),
        ('[sweep]\nkind = "train"\n[fixed]\nteacher = [6, 4]\n', r"three positive integers"),
        ('[sweep]\nkind = "train"\n[grid]\npool = ["yes"]\n', "true or false"),
        ('[sweep]\nkind = "train"\n[grid]\nseed = [1]\n[fixed]\nseed = 2\n', "both"),
        ('[sweep]\nkind = "train"\n[fixed]\nkind = "search"\n', "belongs in"),
        ('[sweep]\nkind = "train"\nname = \n', "not valid TOML"),
    ],
)
def test_bad_sweep_files_name_the_key_and_fix(tmp_path, text, words):
    with pytest.raises(InputError, match=words):
        load_sweep(_write(tmp_path, text))


def test_search_and_custom_kinds():
    search = parse_sweep(
        {"sweep": {"kind": "search"}, "grid": {"n": [6, 8]}, "fixed": {"family": "sk"}}
    )
    assert [s["n"] for s in search.specs] == [6, 8]
    custom = parse_sweep({"sweep": {"kind": ECHO}, "grid": {"anything": [1, 2]}})
    assert [s["anything"] for s in custom.specs] == [1, 2]


def test_cli_input_errors_exit_2(tmp_path, capsys):
    store = str(tmp_path / "s.sqlite")
    assert main(["sweep", str(tmp_path / "missing.toml"), "--store", store]) == 2
    assert "not found" in capsys.readouterr().err
    bad = _write(tmp_path, "[sweep\n")
    assert main(["sweep", str(bad), "--store", store]) == 2
    assert "not valid TOML" in capsys.readouterr().err
    unknown = _write(tmp_path, '[sweep]\nkind = "train"\n[fixed]\nbugdet = 5\n')
    assert main(["sweep", str(unknown), "--store", store]) == 2
    assert "unknown key 'bugdet'" in capsys.readouterr().err
    good = _write(tmp_path, f'[sweep]\nkind = "{ECHO}"\n[grid]\nseed = [1]\n', "good.toml")
    (tmp_path / "notes.txt").write_text("hello")
    assert main(["sweep", str(good), "--store", str(tmp_path / "notes.txt")]) == 2
    assert "not an SQLite file" in capsys.readouterr().err
    assert main(["sweep", str(good), "--store", store, "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err


# ------------------------------------------------------------------- executors (cheap runner)
def test_failing_run_is_recorded_and_the_others_go_on(tmp_path, capsys):
    cfg = _write(
        tmp_path,
        f'[sweep]\nname = "f"\nkind = "{ECHO}"\n[grid]\nseed = [0, 1, 2]\nfail = [false, "x"]\n',
    )
    store = str(tmp_path / "s.sqlite")
    assert main(["sweep", str(cfg), "--store", store, "--no-progress"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out.splitlines()[-1])["failed"] == 3
    assert "failed: RuntimeError: run asked to fail: x" in captured.err
    with Store(store) as s:
        assert s.counts() == {"finished": 3, "failed": 3}
        for rec in s.runs(status="failed"):
            assert rec["spec"]["fail"] == "x" and rec["error"].startswith("RuntimeError")
            assert "Traceback" in rec["traceback"] and s.metrics(rec["run_id"]) == []
    # a re-run retries the failed runs only
    assert main(["sweep", str(cfg), "--store", store, "--no-progress"]) == 1
    out = _last_json(capsys)
    assert (out["skipped"], out["failed"], out["finished"]) == (3, 3, 0)
    with Store(store) as s:
        assert sorted(r["attempts"] for r in s.runs()) == [1, 1, 1, 2, 2, 2]


def test_process_pool_gives_the_in_process_store(tmp_path):
    specs = [{"kind": ECHO, "seed": s, "steps": 3, "fail": s == 4} for s in range(6)]
    one = run_sweep(specs, tmp_path / "one.sqlite", workers=1, progress=False)
    two = run_sweep(specs, tmp_path / "two.sqlite", workers=2, progress=False)
    assert (len(one.finished), len(one.failed)) == (len(two.finished), len(two.failed)) == (5, 1)
    with Store(tmp_path / "one.sqlite") as a, Store(tmp_path / "two.sqlite") as b:
        assert a.dump() == b.dump()
        assert {r["seed"] for r in b.runs(status="finished")} == {0, 1, 2, 3, 5}


def test_storage_error_marks_the_run_failed(tmp_path):
    spec = {"kind": f"{__name__}:duplicate_steps", "seed": 0}
    res = run_sweep(
        [spec, {"kind": ECHO, "seed": 1}],
        tmp_path / "s.sqlite",
        progress=False,
        name="named",
        allow_plugins=True,
    )
    assert len(res.failed) == 1 and len(res.finished) == 1
    with Store(tmp_path / "s.sqlite") as s:
        assert {r["sweep"] for r in s.runs()} == {"named"}
        (rec,) = s.runs(status="failed")
        assert "output not storable: IntegrityError" in rec["error"]
        assert s.metrics(rec["run_id"]) == []


def duplicate_steps(spec):
    """A runner whose metric rows repeat a step (the store refuses them)."""
    return RunOutput({"queries": 1}, [{"step": 0}, {"step": 0}])


def test_bad_dask_address_is_an_input_error(tmp_path, monkeypatch):
    monkeypatch.setattr("grover_train.runs.sweep.DASK_CONNECT_TIMEOUT", "1s")
    with pytest.raises(InputError, match="cannot reach the Dask scheduler"):
        run_sweep(
            [{"kind": ECHO}],
            tmp_path / "s.sqlite",
            dask_address="tcp://127.0.0.1:1",
            progress=False,
        )


# ------------------------------------------------------------------ tiny training sweeps
@pytest.fixture(scope="module")
def local_train_store(tmp_path_factory):
    """The tiny training sweep run once through the command line, in-process."""
    tmp = tmp_path_factory.mktemp("local")
    cfg = _write(tmp, TINY_TRAIN.format(kind="train", finders=ALL3, seeds="0, 1"))
    store = tmp / "local.sqlite"
    assert main(["sweep", str(cfg), "--store", str(store), "--no-progress"]) == 0
    return cfg, store


def test_train_sweep_fills_the_store_and_a_rerun_runs_nothing(local_train_store, capsys):
    cfg, store = local_train_store
    with Store(store) as s:
        runs = s.runs()
        assert len(runs) == 6 and s.counts() == {"finished": 6}
        assert {(r["spec"]["finder"], r["seed"]) for r in runs} == {
            (f, k) for f in ("random", "exact", "backprop") for k in (0, 1)
        }
        for r in runs:
            assert r["sweep"] == "tiny" and r["kind"] == "train" and r["attempts"] == 1
            assert r["queries"] > 0 and r["wall_s"] > 0 and "torch" in r["versions"]
            queries = [m["queries"] for m in s.metrics(r["run_id"])]
            assert queries and queries == sorted(queries) and queries[-1] == r["queries"]
            assert r["summary"]["finder"] == r["spec"]["finder"]
        before = {r["run_id"]: r["finished"] for r in runs}
        dump = s.dump()
    assert main(["sweep", str(cfg), "--store", str(store), "--no-progress"]) == 0
    assert _last_json(capsys) == {
        "sweep": "tiny",
        "runs": 6,
        "skipped": 6,
        "finished": 0,
        "failed": 0,
        "store": str(store),
    }
    with Store(store) as s:
        assert {r["run_id"]: r["finished"] for r in s.runs()} == before
        assert all(r["attempts"] == 1 for r in s.runs())
        assert s.dump() == dump


def test_train_runs_are_reproducible_by_seed(local_train_store, tmp_path):
    _, store = local_train_store
    with Store(store) as s, Store(tmp_path / "again.sqlite") as again:
        rec = next(r for r in s.runs() if r["spec"]["finder"] == "random" and r["seed"] == 1)
        again.record(rec["spec"], run_train_spec(rec["spec"]), sweep="tiny")
        (want,) = [r for r in s.dump()["runs"] if r["run_id"] == rec["run_id"]]
        assert again.dump()["runs"] == [want]


def test_dask_local_cluster_gives_the_local_store(local_train_store, tmp_path):
    from dask.distributed import LocalCluster

    cfg, store = local_train_store
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=40,
    ) as cluster:
        res = run_sweep(
            cfg, tmp_path / "dask.sqlite", dask_address=cluster.scheduler_address, progress=False
        )
    assert (len(res.finished), len(res.failed)) == (6, 0)
    with Store(store) as a, Store(tmp_path / "dask.sqlite") as b:
        assert b.dump() == a.dump()


def gated_train(spec):
    """The train runner, but runs with seed >= 1 wait (after training) for a gate file to exist:
    a sweep killed while waiting is killed part-way, deterministically."""
    out = run_train_spec({**spec, "kind": "train"})
    gate = os.environ.get(GATE_ENV)
    if gate and spec["seed"] >= 1:
        deadline = time.monotonic() + 300
        while not os.path.exists(gate):  # polling, bounded
            if time.monotonic() > deadline:
                raise TimeoutError(f"gate {gate} never opened")
            time.sleep(0.02)
    return out


def _finished_count(path: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute("SELECT COUNT(*) FROM runs WHERE status='finished'").fetchone()[0]
        finally:
            con.close()
    except sqlite3.OperationalError:  # file or tables not there yet
        return 0


def test_sigkill_part_way_then_rerun_loses_nothing_and_repeats_nothing(tmp_path):
    cfg = _write(
        tmp_path,
        TINY_TRAIN.format(kind=f"{__name__}:gated_train", finders=NO_TORCH, seeds="0, 1, 2"),
    )
    store, gate = tmp_path / "s.sqlite", tmp_path / "gate"
    env = {
        **os.environ,
        GATE_ENV: str(gate),
        "PYTHONPATH": os.pathsep.join([str(TESTS), str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
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
    ]
    proc = subprocess.Popen(
        cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 300
        while _finished_count(store) < 1:  # poll the store, no fixed sleep
            assert proc.poll() is None, proc.communicate()[1].decode()[-2000:]
            assert time.monotonic() < deadline, "no run finished in time"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    with Store(store) as s:
        before = {r["run_id"]: r for r in s.runs(status="finished")}
        interrupted = {r["run_id"] for r in s.runs(status="running")}
        assert 1 <= len(before) < 6 and len(interrupted) == 1  # killed part-way, mid-run
        before_metrics = {rid: s.metrics(rid) for rid in before}

    gate.touch()
    rerun = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr.decode()[-2000:]
    out = json.loads(rerun.stdout.decode().strip().splitlines()[-1])
    assert (out["skipped"], out["finished"], out["failed"]) == (len(before), 6 - len(before), 0)
    with Store(store) as s:
        after = {r["run_id"]: r for r in s.runs()}
        assert len(after) == 6 and all(r["status"] == "finished" for r in after.values())
        for rid, rec in before.items():  # nothing lost, nothing repeated
            assert after[rid]["attempts"] == 1
            assert after[rid]["finished"] == rec["finished"]
            assert after[rid]["summary"] == rec["summary"]
            assert s.metrics(rid) == before_metrics[rid]
        for rid, rec in after.items():
            assert rec["attempts"] == (2 if rid in interrupted else 1)
