"""SQLite store of sweep results: one row per run, one row per step of each run.

Tables:

- ``runs``: ``run_id`` (primary key), ``sweep``, ``kind``, ``spec`` (JSON), ``status``
  (``running``, ``finished`` or ``failed``), ``summary`` (JSON), ``error``, ``traceback``,
  ``queries``, ``wall_s``, ``seed``, ``versions`` (JSON), ``attempts`` (how many times the run
  was started), ``started`` and ``finished`` (UTC ISO timestamps).
- ``metrics``: ``run_id``, ``step``, ``data`` (JSON of the step's dict); primary key
  ``(run_id, step)``. SQLite's ``json_extract(data, '$.eps')`` reads one value in plain SQL.
- ``meta``: ``application = grover-train`` and ``schema_version``, so foreign files are refused.

A finished run is written in ONE transaction (its run row and all its metric rows), in WAL mode,
so a crash (even SIGKILL) loses nothing finished and never leaves half a run.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grover_train.errors import InputError
from grover_train.scaling.config import canonical_json, run_id

APPLICATION = "grover-train"
SCHEMA_VERSION = "1"
#: keys left out of :meth:`Store.dump` at any depth: they change from one execution to the next
VOLATILE_KEYS = frozenset(
    {"wall_s", "timing", "started", "finished", "attempts", "traceback", "time_s", "elapsed_s"}
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    sweep TEXT NOT NULL,
    kind TEXT NOT NULL,
    spec TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
    summary TEXT,
    error TEXT,
    traceback TEXT,
    queries INTEGER,
    wall_s REAL,
    seed INTEGER,
    versions TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    started TEXT,
    finished TEXT
);
CREATE TABLE IF NOT EXISTS metrics (
    run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (run_id, step)
);
CREATE INDEX IF NOT EXISTS runs_sweep ON runs(sweep, status);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=_plain, allow_nan=True)


def _plain(o: Any) -> Any:
    """JSON fallback for numpy scalars and arrays (and anything else: its string)."""
    import numpy as np

    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    return str(o)


def _int_or_none(v: Any) -> int | None:
    if v is None:
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _float_or_none(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


class Store:
    """A results store in one SQLite file (created when missing).

    >>> import tempfile, os
    >>> from grover_train.scaling.runners import RunOutput
    >>> path = os.path.join(tempfile.mkdtemp(), "r.sqlite")
    >>> store = Store(path)
    >>> spec = {"kind": "train", "seed": 3}
    >>> store.record(spec, RunOutput({"queries": 10, "eps": 0.5}, [{"step": 0, "eps": 1.0}]))
    True
    >>> store.finished_ids() == {run_id(spec)}, store.metrics(run_id(spec))[0]["eps"]
    (True, 1.0)
    >>> store.close()
    """

    def __init__(self, path: str | os.PathLike, *, timeout: float = 60.0):
        self.path = Path(path)
        _check_file(self.path)
        try:
            # isolation_level=None: we open our own transactions (BEGIN IMMEDIATE ... COMMIT)
            self._con = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            self._con.execute("PRAGMA journal_mode=WAL")
            self._con.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across crashes
            self._con.execute("PRAGMA foreign_keys=ON")
            tables = {r[0] for r in self._con.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as exc:
            raise InputError(
                f"{str(self.path)!r} is not an SQLite file ({exc}): give a new "
                "path or an existing grover-train store"
            ) from None
        if tables and "meta" not in tables:
            self._con.close()
            raise InputError(
                f"{str(self.path)!r} is an SQLite file of another program (tables "
                f"{', '.join(sorted(tables))}): give a new path for the store"
            )
        with self._transaction():
            for statement in filter(str.strip, _SCHEMA.split(";")):
                self._con.execute(statement)
            meta = dict(self._con.execute("SELECT key, value FROM meta"))
            if not meta:
                self._con.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [("application", APPLICATION), ("schema_version", SCHEMA_VERSION)],
                )
        if meta and meta.get("application") != APPLICATION:
            self._con.close()
            raise InputError(
                f"{str(self.path)!r} belongs to {meta.get('application')!r}, not "
                "grover-train: give a new path for the store"
            )
        if meta and meta.get("schema_version") != SCHEMA_VERSION:
            self._con.close()
            raise InputError(
                f"{str(self.path)!r} has store schema {meta.get('schema_version')},"
                f" this grover-train writes {SCHEMA_VERSION}: use a new store path"
            )

    # -- plumbing ----------------------------------------------------------------------------
    def _transaction(self):
        return _Transaction(self._con)

    def close(self) -> None:
        """Close the connection (the file stays complete: every write was committed)."""
        self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------------
    def mark_started(self, spec: dict[str, Any], sweep: str = "adhoc") -> str:
        """Record that a run starts (status ``running``, ``attempts`` + 1); return its id.

        A finished run is never marked again; one left ``running`` by a crash is started anew.
        """
        rid = run_id(spec)
        with self._transaction():
            self._con.execute(
                "INSERT INTO runs (run_id, sweep, kind, spec, status, seed, attempts, started) "
                "VALUES (?, ?, ?, ?, 'running', ?, 1, ?) "
                "ON CONFLICT(run_id) DO UPDATE SET status = 'running', "
                "attempts = attempts + 1, started = excluded.started "
                "WHERE runs.status != 'finished'",
                (
                    rid,
                    sweep,
                    str(spec.get("kind", "")),
                    canonical_json(spec),
                    _int_or_none(spec.get("seed")),
                    _now(),
                ),
            )
        return rid

    def record(
        self, spec: dict[str, Any], output: Any, *, sweep: str = "adhoc", overwrite: bool = False
    ) -> bool:
        """Store a finished run: its row and all its metric rows in one transaction.

        ``output`` is a :class:`grover_train.scaling.runners.RunOutput`. Missing ``queries`` and
        ``seed`` are taken from the summary and the spec. A run already finished in the store
        (e.g. by another sweep process on the same file) is kept as it is unless ``overwrite``;
        returns whether the output was written.
        """
        rid = run_id(spec)
        summary = dict(output.summary or {})
        queries = output.queries if output.queries is not None else summary.get("queries")
        seed = output.seed if output.seed is not None else spec.get("seed", summary.get("seed"))
        versions = output.versions
        if versions is None:
            from grover_train.provenance import versions as _versions

            versions = _versions()
        rows = []
        for i, m in enumerate(output.metrics or []):
            step = _int_or_none(m.get("step", i))
            rows.append((rid, i if step is None else step, _json(m)))
        with self._transaction():
            self._upsert(rid, spec, sweep)
            (status,) = self._con.execute(
                "SELECT status FROM runs WHERE run_id = ?", (rid,)
            ).fetchone()
            if status == "finished" and not overwrite:
                return False
            self._con.execute("DELETE FROM metrics WHERE run_id = ?", (rid,))
            self._con.execute(
                "UPDATE runs SET status = 'finished', summary = ?, error = NULL, "
                "traceback = NULL, queries = ?, wall_s = ?, seed = ?, versions = ?, finished = ? "
                "WHERE run_id = ?",
                (
                    _json(summary),
                    _int_or_none(queries),
                    _float_or_none(output.wall_s),
                    _int_or_none(seed),
                    _json(versions),
                    _now(),
                    rid,
                ),
            )
            self._con.executemany("INSERT INTO metrics VALUES (?, ?, ?)", rows)
        return True

    def record_failure(
        self,
        spec: dict[str, Any],
        error: str,
        traceback: str = "",
        *,
        sweep: str = "adhoc",
        wall_s: float | None = None,
    ) -> None:
        """Store a failed run with its error message (its metrics, if any, are removed)."""
        rid = run_id(spec)
        from grover_train.provenance import versions as _versions

        with self._transaction():
            self._upsert(rid, spec, sweep)
            self._con.execute("DELETE FROM metrics WHERE run_id = ?", (rid,))
            self._con.execute(
                "UPDATE runs SET status = 'failed', summary = NULL, error = ?, traceback = ?, "
                "wall_s = ?, versions = ?, finished = ? WHERE run_id = ? "
                "AND status != 'finished'",
                (error, traceback, _float_or_none(wall_s), _json(_versions()), _now(), rid),
            )

    def _upsert(self, rid: str, spec: dict[str, Any], sweep: str) -> None:
        """Make sure the run row exists (a run recorded without :meth:`mark_started`)."""
        self._con.execute(
            "INSERT OR IGNORE INTO runs (run_id, sweep, kind, spec, status, seed, attempts, "
            "started) VALUES (?, ?, ?, ?, 'running', ?, 1, ?)",
            (
                rid,
                sweep,
                str(spec.get("kind", "")),
                canonical_json(spec),
                _int_or_none(spec.get("seed")),
                _now(),
            ),
        )

    # -- reading -----------------------------------------------------------------------------
    def finished_ids(self, sweep: str | None = None) -> set[str]:
        """Ids of the finished runs (of one sweep when ``sweep`` is given)."""
        sql, args = "SELECT run_id FROM runs WHERE status = 'finished'", ()
        if sweep is not None:
            sql, args = sql + " AND sweep = ?", (sweep,)
        return {r[0] for r in self._con.execute(sql, args)}

    def runs(
        self, *, sweep: str | None = None, kind: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """Run rows as dicts (``spec``, ``summary`` and ``versions`` parsed), ordered by id.

        Filters: ``sweep``, ``kind`` and ``status`` (e.g. ``status="finished"``).
        """
        where, args = [], []
        for col, val in (("sweep", sweep), ("kind", kind), ("status", status)):
            if val is not None:
                where.append(f"{col} = ?")
                args.append(val)
        sql = "SELECT * FROM runs" + (" WHERE " + " AND ".join(where) if where else "")
        cur = self._con.execute(sql + " ORDER BY run_id", args)
        cols = [d[0] for d in cur.description]
        out = []
        for row in cur:
            rec = dict(zip(cols, row, strict=True))
            for key in ("spec", "summary", "versions"):
                if rec[key] is not None:
                    rec[key] = json.loads(rec[key])
            out.append(rec)
        return out

    def metrics(self, run_id: str) -> list[dict[str, Any]]:
        """The per-step metric dicts of one run, ordered by step."""
        cur = self._con.execute(
            "SELECT data FROM metrics WHERE run_id = ? ORDER BY step", (run_id,)
        )
        return [json.loads(r[0]) for r in cur]

    def counts(self) -> dict[str, int]:
        """Number of runs by status, e.g. ``{"finished": 12, "failed": 1}``."""
        return dict(self._con.execute("SELECT status, COUNT(*) FROM runs GROUP BY status"))

    def dump(self) -> dict[str, Any]:
        """Canonical content for comparing stores: every run with its metrics, ordered by id,
        without wall times, timestamps, attempt counts, tracebacks or any key of
        :data:`VOLATILE_KEYS` at any depth of summaries and metrics."""
        runs = []
        for rec in self.runs():
            rec["metrics"] = self.metrics(rec["run_id"])
            runs.append(_strip(rec))
        return {"application": APPLICATION, "schema_version": SCHEMA_VERSION, "runs": runs}


def _strip(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k not in VOLATILE_KEYS}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on error): all or nothing."""

    def __init__(self, con: sqlite3.Connection):
        self.con = con

    def __enter__(self):
        self.con.execute("BEGIN IMMEDIATE")
        return self.con

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.con.execute("COMMIT")
        else:
            self.con.execute("ROLLBACK")
        return False


def _check_file(path: Path) -> None:
    """Refuse a directory or a non-SQLite file before SQLite touches it."""
    if path.is_dir():
        raise InputError(
            f"store path {str(path)!r} is a directory: give a file path such as "
            f"{str(path / 'results.sqlite')!r}"
        )
    if not path.parent.exists():
        raise InputError(
            f"folder {str(path.parent)!r} of the store does not exist: create it "
            "or give another path"
        )
    if path.exists() and path.stat().st_size > 0:
        with path.open("rb") as fh:
            header = fh.read(16)
        if header != b"SQLite format 3\x00":
            raise InputError(
                f"{str(path)!r} is not an SQLite file: give a new path or an "
                "existing grover-train store"
            )
