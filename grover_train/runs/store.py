"""SQLite store of sweep results: one row per run, one row per step of each run.

Tables:

- ``runs``: ``run_id`` (primary key), ``sweep``, ``kind``, ``spec`` (JSON), ``status``
  (``running``, ``finished`` or ``failed``), ``summary`` (JSON), ``error``, ``traceback``,
  ``queries``, ``wall_s``, ``seed``, ``versions`` (JSON), ``attempts`` (how many times the run
  was started), ``started`` and ``finished`` (UTC ISO timestamps).
- ``metrics``: ``run_id``, ``step``, ``data`` (JSON of the step's dict); primary key
  ``(run_id, step)``. SQLite's ``json_extract(data, '$.eps')`` reads one value in plain SQL.
- ``meta``: ``application = grover-train`` and ``schema_version``, so foreign files are refused.
- ``leases``: ``run_id``, ``owner`` (``host:pid:token``), ``expires`` (Unix time): a run being
  computed, so that two sweeps on one store (or Dask workers) compute each run once. A lease
  whose owner died (same host, no such process) or that was not renewed in time is taken over.

A file is checked to be a grover-train store, through a read-only connection, before anything
is written to it; ``Store(path, readonly=True)`` never writes (``sweep --list``, ``report``).

A finished run is written in ONE transaction (its run row and all its metric rows), in WAL mode,
so a crash (even SIGKILL) loses nothing finished and never leaves half a run.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import socket
import sqlite3
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grover_train import jsonify
from grover_train.errors import DiskFullError, InputError
from grover_train.runs.config import canonical_json, run_id

APPLICATION = "grover-train"
#: free bytes below which a write error of SQLite is taken for a full disk
LOW_DISK_BYTES = 16 * 2**20
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
CREATE TABLE IF NOT EXISTS leases (
    run_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires REAL NOT NULL
);
"""


def _new_row(rid: str, spec: dict[str, Any], sweep: str) -> tuple:
    """The values of a new run row: run_id, sweep, kind, spec, seed, started."""
    return (
        rid,
        sweep,
        str(spec.get("kind", "")),
        canonical_json(spec),
        _int_or_none(spec.get("seed")),
        _now(),
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=jsonify.default, allow_nan=True)


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
    >>> from grover_train.runs.runners import RunOutput
    >>> path = os.path.join(tempfile.mkdtemp(), "r.sqlite")
    >>> store = Store(path)
    >>> spec = {"kind": "train", "seed": 3}
    >>> store.record(spec, RunOutput({"queries": 10, "eps": 0.5}, [{"step": 0, "eps": 1.0}]))
    True
    >>> store.finished_ids() == {run_id(spec)}, store.metrics(run_id(spec))[0]["eps"]
    (True, 1.0)
    >>> store.close()
    """

    def __init__(self, path: str | os.PathLike, *, timeout: float = 60.0, readonly: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        _check_file(self.path, readonly)
        fresh = not self.path.exists() or self.path.stat().st_size == 0
        if not fresh:
            # look before writing: a foreign or damaged file is refused untouched
            _check_ours(self.path, timeout)
        if readonly:
            self._con = _connect_readonly(self.path, timeout)
            return
        if not os.access(self.path if self.path.exists() else self.path.parent, os.W_OK):
            raise InputError(
                f"store {str(self.path)!r} is not writable: fix its permissions or give "
                "a writable path (reading commands such as 'sweep --list' and 'report' "
                "open it read-only)"
            )
        try:
            # isolation_level=None: we open our own transactions (BEGIN IMMEDIATE ... COMMIT)
            self._con = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            self._con.execute("PRAGMA journal_mode=WAL")
            self._con.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across crashes
            self._con.execute("PRAGMA foreign_keys=ON")
            with self._transaction():
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    self._con.execute(statement)
                if fresh or not dict(self._con.execute("SELECT key, value FROM meta")):
                    self._con.executemany(
                        "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                        [("application", APPLICATION), ("schema_version", SCHEMA_VERSION)],
                    )
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc) from None

    # -- plumbing ----------------------------------------------------------------------------
    def _transaction(self):
        if self.readonly:
            raise InputError(
                f"store {str(self.path)!r} was opened read-only: open it with Store(path) to write"
            )
        return _Transaction(self._con, self.path)

    def _rows(self, sql: str, args: tuple | list = ()) -> list[tuple]:
        """All rows of a query; a damaged file is an :class:`InputError`, not a traceback."""
        try:
            return self._con.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc) from None

    def _load(self, text: str | None, what: str) -> Any:
        if text is None:
            return None
        try:
            return json.loads(text)
        except (json.JSONDecodeError, TypeError) as exc:
            raise InputError(
                f"store {str(self.path)!r} holds invalid JSON in {what} ({exc}): restore the "
                "store from a copy, or delete that run so that the sweep computes it again"
            ) from None

    def close(self) -> None:
        """Close the connection (the file stays complete: every write was committed)."""
        self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- leases ------------------------------------------------------------------------------
    def claim(
        self, spec: dict[str, Any], owner: str, *, sweep: str = "adhoc", ttl: float = 120.0
    ) -> str:
        """Take the lease of a run before computing it.

        Returns ``"claimed"`` (the run is ours: marked ``running``, ``attempts`` + 1),
        ``"finished"`` (nothing to do) or ``"leased"`` (another live owner computes it).

        >>> import tempfile, os
        >>> s = Store(os.path.join(tempfile.mkdtemp(), "l.sqlite"))
        >>> s.claim({"seed": 1}, "here:1:a"), s.claim({"seed": 1}, new_owner())
        ('claimed', 'leased')
        >>> s.close()
        """
        rid = run_id(spec)
        now = time.time()
        with self._transaction():
            row = self._con.execute("SELECT status FROM runs WHERE run_id = ?", (rid,)).fetchone()
            if row is not None and row[0] == "finished":
                return "finished"
            lease = self._con.execute(
                "SELECT owner, expires FROM leases WHERE run_id = ?", (rid,)
            ).fetchone()
            if lease is not None and lease[0] != owner and lease[1] > now and owner_alive(lease[0]):
                return "leased"
            self._con.execute(
                "INSERT OR REPLACE INTO leases VALUES (?, ?, ?)", (rid, owner, now + ttl)
            )
            self._start(rid, spec, sweep)
        return "claimed"

    def renew(self, owner: str, ttl: float = 120.0) -> int:
        """Extend every lease of ``owner`` by ``ttl`` seconds from now; return how many."""
        with self._transaction():
            cur = self._con.execute(
                "UPDATE leases SET expires = ? WHERE owner = ?", (time.time() + ttl, owner)
            )
        return cur.rowcount

    def release(self, owner: str) -> None:
        """Drop every lease of ``owner`` (its runs are finished, failed or given up)."""
        with self._transaction():
            self._con.execute("DELETE FROM leases WHERE owner = ?", (owner,))

    # -- writing -----------------------------------------------------------------------------
    def mark_started(self, spec: dict[str, Any], sweep: str = "adhoc") -> str:
        """Record that a run starts (status ``running``, ``attempts`` + 1); return its id.

        A finished run is never marked again; one left ``running`` by a crash is started anew.
        """
        rid = run_id(spec)
        with self._transaction():
            self._start(rid, spec, sweep)
        return rid

    def _start(self, rid: str, spec: dict[str, Any], sweep: str) -> None:
        self._con.execute(
            "INSERT INTO runs (run_id, sweep, kind, spec, status, seed, attempts, started) "
            "VALUES (?, ?, ?, ?, 'running', ?, 1, ?) "
            "ON CONFLICT(run_id) DO UPDATE SET status = 'running', "
            "attempts = attempts + 1, started = excluded.started "
            "WHERE runs.status != 'finished'",
            _new_row(rid, spec, sweep),
        )

    def record(
        self, spec: dict[str, Any], output: Any, *, sweep: str = "adhoc", overwrite: bool = False
    ) -> bool:
        """Store a finished run: its row and all its metric rows in one transaction.

        ``output`` is a :class:`grover_train.runs.runners.RunOutput`. Missing ``queries`` and
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
            self._con.execute("DELETE FROM leases WHERE run_id = ?", (rid,))
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
            self._con.execute("DELETE FROM leases WHERE run_id = ?", (rid,))

    def _upsert(self, rid: str, spec: dict[str, Any], sweep: str) -> None:
        """Make sure the run row exists (a run recorded without :meth:`mark_started`)."""
        self._con.execute(
            "INSERT OR IGNORE INTO runs (run_id, sweep, kind, spec, status, seed, attempts, "
            "started) VALUES (?, ?, ?, ?, 'running', ?, 1, ?)",
            _new_row(rid, spec, sweep),
        )

    # -- reading -----------------------------------------------------------------------------
    def finished_ids(self, sweep: str | None = None) -> set[str]:
        """Ids of the finished runs (of one sweep when ``sweep`` is given)."""
        sql, args = "SELECT run_id FROM runs WHERE status = 'finished'", ()
        if sweep is not None:
            sql, args = sql + " AND sweep = ?", (sweep,)
        return {r[0] for r in self._rows(sql, args)}

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
        try:
            cur = self._con.execute(sql + " ORDER BY run_id", args)
            cols = [d[0] for d in cur.description]
            rows = cur.fetchall()
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc) from None
        out = []
        for row in rows:
            rec = dict(zip(cols, row, strict=True))
            for key in ("spec", "summary", "versions"):
                rec[key] = self._load(rec[key], f"the {key} of run {rec['run_id']}")
            out.append(rec)
        return out

    def metrics(self, run_id: str) -> list[dict[str, Any]]:
        """The per-step metric dicts of one run, ordered by step."""
        rows = self._rows("SELECT data FROM metrics WHERE run_id = ? ORDER BY step", (run_id,))
        return [self._load(r[0], f"a metric row of run {run_id}") for r in rows]

    def counts(self) -> dict[str, int]:
        """Number of runs by status, e.g. ``{"finished": 12, "failed": 1}``."""
        return dict(self._rows("SELECT status, COUNT(*) FROM runs GROUP BY status"))

    def tables(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Flat rows for data frames or CSV: runs and metrics.

        A run row has the run's columns (without ``traceback`` and ``versions``) plus
        ``spec.<key>`` and ``summary.<key>`` for every key; a metric row has ``run_id``,
        ``step`` and the step's keys. Lists and dicts stay Python values.

        >>> import tempfile, os
        >>> from grover_train.runs.runners import RunOutput
        >>> s = Store(os.path.join(tempfile.mkdtemp(), "t.sqlite"))
        >>> out = RunOutput({"eps": 0.5}, [{"step": 0, "eps": 1.0}])
        >>> _ = s.record({"kind": "x", "seed": 1}, out)
        >>> runs, metrics = s.tables()
        >>> runs[0]["spec.seed"], runs[0]["summary.eps"], metrics[0]["eps"]
        (1, 0.5, 1.0)
        >>> s.close()
        """
        runs, metrics = [], []
        for rec in self.runs():
            row = {k: v for k, v in rec.items() if k not in ("spec", "summary", "versions")}
            row.pop("traceback", None)
            for part in ("spec", "summary"):
                for key, value in (rec[part] or {}).items():
                    row[f"{part}.{key}"] = value
            runs.append(row)
            for m in self.metrics(rec["run_id"]):
                metrics.append({"run_id": rec["run_id"], **m})
        return runs, metrics

    def to_pandas(self):
        """``(runs, metrics)`` as pandas DataFrames (columns of :meth:`tables`); needs pandas
        (``pip install 'grover-train[pandas]'``)."""
        try:
            import pandas as pd
        except ModuleNotFoundError:
            from grover_train.extras import ExtraMissingError

            raise ExtraMissingError(
                "Store.to_pandas needs pandas, which is not installed: "
                "pip install 'grover-train[pandas]'"
            ) from None
        runs, metrics = self.tables()
        return pd.DataFrame(runs), pd.DataFrame(metrics)

    def dump(self) -> dict[str, Any]:
        """Canonical content for comparing stores: every run with its metrics, ordered by id,
        without wall times, timestamps, attempt counts, tracebacks or any key of
        :data:`VOLATILE_KEYS` at any depth of summaries and metrics."""
        runs = []
        for rec in self.runs():
            rec["metrics"] = self.metrics(rec["run_id"])
            runs.append(_strip(rec))
        return {"application": APPLICATION, "schema_version": SCHEMA_VERSION, "runs": runs}


def new_owner() -> str:
    """A lease owner name unique to this process and call: ``host:pid:token``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def owner_alive(owner: str) -> bool:
    """Whether a lease owner may still be running: False only when it ran on this host and
    its process is gone (e.g. a SIGKILLed sweep), so a rerun takes its runs at once.

    >>> owner_alive(new_owner()), owner_alive("elsewhere:1:x")
    (True, True)
    """
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return True
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _strip(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k not in VOLATILE_KEYS}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on error): all or nothing."""

    def __init__(self, con: sqlite3.Connection, path: Path):
        self.con = con
        self.path = path

    def __enter__(self):
        try:
            self.con.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc) from None
        return self.con

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.con.execute("COMMIT")
            else:
                self.con.execute("ROLLBACK")
        except sqlite3.DatabaseError as err:
            if exc_type is None:
                raise _damaged(self.path, err) from None
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.IntegrityError):
            raise _damaged(self.path, exc) from None
        return False


def _check_file(path: Path, readonly: bool = False) -> None:
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
    if readonly and (not path.is_file() or path.stat().st_size == 0):
        raise InputError(
            f"results store {str(path)!r} not found or empty: give the store written by "
            "'grover-train sweep' or 'grover-train reproduce'"
        )
    if path.exists() and path.stat().st_size > 0:
        try:
            with path.open("rb") as fh:
                header = fh.read(16)
        except OSError as exc:
            raise InputError(
                f"store {str(path)!r} cannot be read ({exc.strerror}): fix its permissions "
                "or give another path"
            ) from None
        if header != b"SQLite format 3\x00":
            raise InputError(
                f"{str(path)!r} is not an SQLite file: give a new path or an "
                "existing grover-train store"
            )


def _disk_full(path: Path, exc: Exception) -> bool:
    """SQLite's "database or disk is full", or a write error with (almost) no space left."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_FULL:
        return True
    if code is not None and code & 0xFF == sqlite3.SQLITE_IOERR:
        try:
            return shutil.disk_usage(path.resolve().parent).free < LOW_DISK_BYTES
        except OSError:
            return False
    return False


def _damaged(path: Path, exc: Exception) -> InputError | DiskFullError:
    """The one-line error for a store SQLite cannot read (or write)."""
    if _disk_full(path, exc):
        # the transaction rolled back: the file is intact, only this write is lost
        return DiskFullError(
            f"the disk holding store {str(path)!r} is full ({exc}): free some space and rerun "
            "the same command; the store is intact and the sweep resumes where it stopped"
        )
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return InputError(
            f"store {str(path)!r} stayed locked by another process ({exc}): wait for it "
            "to finish or use another store"
        )
    return InputError(
        f"store {str(path)!r} is damaged or unreadable ({exc}): restore it from a copy, "
        "or give a new path"
    )


def _connect_readonly(path: Path, timeout: float) -> sqlite3.Connection:
    """A connection that cannot write and creates no file. With no ``-wal`` file no connection
    is open (a WAL writer keeps one while connected): ``immutable=1`` then reads the file alone,
    even in a read-only folder. Otherwise ``mode=ro`` reads what a running sweep committed."""
    uri = path.resolve().as_uri()
    wal = path.with_name(path.name + "-wal").exists()
    last: Exception | None = None
    for query in ("?mode=ro", "?mode=ro&immutable=1") if wal else ("?mode=ro&immutable=1",):
        try:
            con = sqlite3.connect(uri + query, uri=True, timeout=timeout, isolation_level=None)
            con.execute("SELECT name FROM sqlite_master").fetchall()
            return con
        except sqlite3.DatabaseError as exc:
            last = exc
    raise _damaged(path, last) from None


def _check_ours(path: Path, timeout: float) -> None:
    """Refuse (without writing anything) an SQLite file that is not a grover-train store."""
    con = _connect_readonly(path, timeout)
    try:
        try:
            tables = {
                r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            meta = dict(con.execute("SELECT key, value FROM meta")) if "meta" in tables else {}
        except sqlite3.DatabaseError as exc:
            raise _damaged(path, exc) from None
    finally:
        con.close()
    if not tables:
        return  # an SQLite file with nothing in it: nothing to harm
    if meta.get("application") != APPLICATION:
        what = (
            f"belongs to {meta['application']!r}, not grover-train"
            if meta.get("application")
            else f"is an SQLite file of another program (tables {', '.join(sorted(tables))})"
        )
        raise InputError(f"{str(path)!r} {what}: give a new path for the store")
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise InputError(
            f"{str(path)!r} has store schema {meta.get('schema_version')},"
            f" this grover-train writes {SCHEMA_VERSION}: use a new store path"
        )
    missing = {"runs", "metrics"} - tables
    if missing:
        raise InputError(
            f"{str(path)!r} is an incomplete grover-train store (no table "
            f"{', '.join(sorted(missing))}): restore it from a copy, or give a new path"
        )
