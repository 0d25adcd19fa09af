"""The SQLite results store: contents, one transaction per run, resume bookkeeping, refusals."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

import numpy as np
import pytest

from grover_train.errors import InputError
from grover_train.runs.config import run_id
from grover_train.runs.runners import RunOutput
from grover_train.runs.store import Store

SPEC = {"kind": "train", "finder": "random", "seed": 3}


def _output(eps: float = 0.25, steps: int = 3) -> RunOutput:
    metrics = [
        {"step": i, "queries": 10 * i, "eps": 1.0 - i / steps, "wall_s": 0.1 * i}
        for i in range(steps)
    ]
    return RunOutput({"eps": eps, "queries": 10 * steps, "wall_s": 1.5}, metrics)


def test_record_and_read_back(tmp_path):
    with Store(tmp_path / "r.sqlite") as store:
        store.record(SPEC, _output(), sweep="s1")
        rid = run_id(SPEC)
        assert store.finished_ids() == {rid}
        assert store.finished_ids(sweep="s1") == {rid}
        assert store.finished_ids(sweep="other") == set()
        (rec,) = store.runs()
        assert rec["spec"] == SPEC and rec["sweep"] == "s1" and rec["kind"] == "train"
        assert rec["status"] == "finished" and rec["error"] is None
        assert rec["queries"] == 30 and rec["seed"] == 3  # from the summary and the spec
        assert rec["summary"]["eps"] == 0.25
        assert "numpy" in rec["versions"] and "python" in rec["versions"]
        assert rec["started"] <= rec["finished"]
        assert [m["eps"] for m in store.metrics(rid)] == pytest.approx([1.0, 2 / 3, 1 / 3])
        assert store.counts() == {"finished": 1}
        # plain SQL works on the metric JSON too
        con = sqlite3.connect(tmp_path / "r.sqlite")
        got = con.execute("SELECT json_extract(data, '$.queries') FROM metrics ORDER BY step")
        assert [r[0] for r in got] == [0, 10, 20]
        con.close()


def test_numpy_values_are_stored_as_plain_json(tmp_path):
    out = RunOutput(
        {"eps": np.float64(0.5), "queries": np.int64(7), "w": np.arange(3)},
        [{"step": np.int64(0), "eps": np.float32(0.5)}],
    )
    with Store(tmp_path / "r.sqlite") as store:
        store.record(SPEC, out)
        (rec,) = store.runs()
        assert rec["summary"] == {"eps": 0.5, "queries": 7, "w": [0, 1, 2]}
        assert rec["queries"] == 7
        assert store.metrics(rec["run_id"]) == [{"step": 0, "eps": 0.5}]


def test_wal_mode_and_a_second_reader(tmp_path):
    path = tmp_path / "r.sqlite"
    with Store(path) as writer, Store(path) as reader:
        assert writer._con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        writer.record(SPEC, _output())
        assert reader.finished_ids() == {run_id(SPEC)}


def test_a_run_is_all_or_nothing(tmp_path):
    """Two metric rows with the same step break the primary key half-way through the
    transaction: nothing of the run may remain, not even its 'finished' status."""
    bad = RunOutput({"queries": 1}, [{"step": 0, "eps": 1.0}, {"step": 0, "eps": 0.5}])
    with Store(tmp_path / "r.sqlite") as store:
        with pytest.raises(sqlite3.IntegrityError):
            store.record(SPEC, bad)
        assert store.finished_ids() == set()
        assert store.runs() == []
        assert store._con.execute("SELECT COUNT(*) FROM metrics").fetchone()[0] == 0
        store.record(SPEC, _output())  # the store still works afterwards
        assert store.finished_ids() == {run_id(SPEC)}


def test_committed_runs_survive_sigkill(tmp_path):
    """A process that records a run and then dies by SIGKILL (no close, no cleanup)."""
    path = tmp_path / "r.sqlite"
    code = (
        "import os, signal\n"
        "from grover_train.runs.store import Store\n"
        "from grover_train.runs.runners import RunOutput\n"
        f"s = Store({str(path)!r})\n"
        "s.record({'kind': 'train', 'seed': 1}, RunOutput({'queries': 5}, [{'eps': 0.5}]))\n"
        "s.mark_started({'kind': 'train', 'seed': 2})\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    with Store(path) as store:
        assert store.finished_ids() == {run_id({"kind": "train", "seed": 1})}
        assert store.metrics(run_id({"kind": "train", "seed": 1})) == [{"eps": 0.5}]
        assert store.counts() == {"finished": 1, "running": 1}


def test_attempts_and_failures(tmp_path):
    with Store(tmp_path / "r.sqlite") as store:
        rid = store.mark_started(SPEC)
        store.mark_started(SPEC)  # e.g. the first attempt was killed
        store.record_failure(SPEC, "RuntimeError: boom", "Traceback ...", wall_s=0.5)
        (rec,) = store.runs()
        assert (rec["status"], rec["attempts"], rec["error"]) == ("failed", 2, "RuntimeError: boom")
        assert store.finished_ids() == set()
        store.mark_started(SPEC)
        store.record(SPEC, _output())
        (rec,) = store.runs(status="finished")
        assert rec["run_id"] == rid and rec["attempts"] == 3 and rec["error"] is None
        # a finished run is never restarted nor overwritten by a late failure
        store.mark_started(SPEC)
        store.record_failure(SPEC, "RuntimeError: late")
        (rec,) = store.runs()
        assert (rec["status"], rec["attempts"], rec["error"]) == ("finished", 3, None)


def test_dump_ignores_times_but_not_results(tmp_path):
    a, b = Store(tmp_path / "a.sqlite"), Store(tmp_path / "b.sqlite")
    with a, b:
        a.record(SPEC, _output())
        slow = _output()
        slow.summary["wall_s"] = 99.0
        slow.metrics[1]["wall_s"] = 42.0
        b.mark_started(SPEC)  # two attempts, other timestamps and wall times
        b.record(SPEC, slow)
        assert a.dump() == b.dump()
        dumped = a.dump()["runs"][0]
        assert "wall_s" not in dumped and "started" not in dumped
        assert "wall_s" not in dumped["summary"] and "wall_s" not in dumped["metrics"][0]
        assert dumped["metrics"][2]["eps"] == pytest.approx(1 / 3)
        assert not b.record(SPEC, _output(eps=0.3))  # finished runs are kept as they are
        assert a.dump() == b.dump()
        assert b.record(SPEC, _output(eps=0.3), overwrite=True)
        assert a.dump() != b.dump()
        assert b.runs()[0]["summary"]["eps"] == 0.3


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: p.write_text("not a database\n" * 10), "not an SQLite file"),
        (lambda p: p.mkdir(), "is a directory"),
        (
            lambda p: sqlite3.connect(p).execute("CREATE TABLE songs (x)").connection.commit(),
            "another program",
        ),
    ],
    ids=["text", "directory", "foreign-sqlite"],
)
def test_foreign_files_are_refused(tmp_path, make, words):
    path = tmp_path / "x.sqlite"
    make(path)
    with pytest.raises(InputError, match=words):
        Store(path)


def test_missing_folder_and_other_application(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        Store(tmp_path / "nope" / "r.sqlite")
    path = tmp_path / "r.sqlite"
    Store(path).close()
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value = 'other' WHERE key = 'application'")
    con.commit()
    con.close()
    with pytest.raises(InputError, match="belongs to 'other'"):
        Store(path)


def test_empty_file_becomes_a_store(tmp_path):
    path = tmp_path / "r.sqlite"
    path.touch()
    with Store(path) as store:
        assert store.runs() == [] and store.counts() == {}
    assert os.path.getsize(path) > 0
