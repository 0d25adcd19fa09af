"""A training run in its output folder: the model, metrics and summary it writes, the
checkpoints that let a killed run resume, and the checks that keep a folder from harm.

:func:`train_in_folder` is ``grover-train train --out DIR``: it writes ``DIR/model.npz``,
``DIR/metrics.jsonl`` and ``DIR/summary.json`` when the run has finished (the metrics grow in
a temporary file until then), and ``DIR/checkpoint.npz`` (the model file format, with
``meta['train_state']`` saying where the run stands) with ``DIR/checkpoint-metrics.jsonl``
every few minutes; ``--resume`` continues from the checkpoint when there is one (it is newer
than ``model.npz``: a finished run removes its checkpoint). Nothing is written before every
check has passed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path
from typing import Any, Unpack

from grover_train.data.datasets import Dataset
from grover_train.errors import InputError
from grover_train.model.io import clean_stale_temporaries, load_model, save_model
from grover_train.model.network import DragonNetwork
from grover_train.train.loop import RunKeywords
from grover_train.train.options import TrainOptions
from grover_train.train.result import TrainResult

CHECKPOINT = "checkpoint.npz"
CHECKPOINT_METRICS = "checkpoint-metrics.jsonl"
#: files ``train --out DIR`` writes
TRAIN_OUTPUTS = ("model.npz", "metrics.jsonl", "summary.json")


def write_checkpoint(
    out: str | os.PathLike, net: DragonNetwork, *, metrics: str | os.PathLike | None = None
) -> Path:
    """Save ``net`` as the run's checkpoint, with a copy of the metrics file written so far.

    The metrics go first: a kill in between leaves rows newer than the checkpoint, which the
    resumed run drops (rows after the saved step).

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> net = DragonNetwork.random(4, 3, 2, seed=0)
    >>> write_checkpoint(d, net).name, resume_source(d).name
    ('checkpoint.npz', 'checkpoint.npz')
    >>> clear_checkpoint(d); resume_source(d).name
    'model.npz'
    """
    out = Path(out)
    if metrics is not None and Path(metrics).exists():
        tmp = out / f"{CHECKPOINT_METRICS}.{os.getpid()}.tmp"
        shutil.copyfile(metrics, tmp)
        os.replace(tmp, out / CHECKPOINT_METRICS)
    return save_model(net, out / CHECKPOINT)


def resume_source(out: str | os.PathLike) -> Path:
    """The model a resumed run starts from: the checkpoint if there is one, else model.npz."""
    out = Path(out)
    return out / CHECKPOINT if (out / CHECKPOINT).is_file() else out / "model.npz"


def resume_metrics(out: str | os.PathLike) -> Path | None:
    """The metrics file that goes with :func:`resume_source` (None when there is none)."""
    out = Path(out)
    path = out / (CHECKPOINT_METRICS if (out / CHECKPOINT).is_file() else "metrics.jsonl")
    return path if path.is_file() else None


def clear_checkpoint(out: str | os.PathLike) -> None:
    """Remove the checkpoint files (the run finished, or is started afresh)."""
    for name in (CHECKPOINT, CHECKPOINT_METRICS):
        (Path(out) / name).unlink(missing_ok=True)


def check_train_out(
    out: Path, *, resume: bool, overwrite: bool, checkpoint_every: float = 300.0
) -> None:
    """Refuse an output folder that would be harmed: a finished model replaced without
    ``--resume`` or ``--overwrite``, outputs that are folders, a folder that cannot be written.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "model.npz").write_bytes(b"x")
    >>> check_train_out(d, resume=False, overwrite=False)
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: --out ... already holds a trained model: pass --resume ...
    """
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {str(out)!r} is a file: give a folder")
    for name in TRAIN_OUTPUTS:
        if (out / name).is_dir():
            raise InputError(
                f"{str(out / name)!r} is a folder, but train writes a file there: move it "
                "away or give another --out"
            )
    if resume and overwrite:
        raise InputError("--resume and --overwrite exclude each other: pass one of them")
    if (out / "model.npz").exists() and not (resume or overwrite):
        raise InputError(
            f"--out {str(out)!r} already holds a trained model: pass --resume to continue "
            "it, --overwrite to replace it, or give another --out"
        )
    if (out / "checkpoint.npz").exists() and not (resume or overwrite):
        raise InputError(
            f"--out {str(out)!r} holds the checkpoint of an unfinished run: pass --resume to "
            "continue it, --overwrite to start afresh, or give another --out"
        )
    if not (checkpoint_every >= 0 and checkpoint_every < float("inf")):
        raise InputError(
            f"--checkpoint-every must be a number of seconds >= 0, got {checkpoint_every}: "
            "pass e.g. --checkpoint-every 300"
        )
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(
            f"--out {str(out)!r} cannot be written ({str(existing)!r} is not a writable "
            "folder): give a writable --out"
        )


def resume_point(out: str | os.PathLike[str]) -> DragonNetwork:
    """The saved run that ``--resume`` continues: the checkpoint if there is one, else
    model.npz (refused with one line if there is none or it is malformed)."""
    out = Path(out)
    if not (out / "model.npz").exists() and not (out / CHECKPOINT).exists():
        raise InputError(
            f"--resume: {str(out)!r} holds no model.npz or checkpoint.npz to continue: drop "
            "--resume or give the --out of an earlier run"
        )
    return load_model(resume_source(out))


def train_in_folder(
    out: str | os.PathLike[str],
    dataset: Dataset,
    options: TrainOptions,
    *,
    overwrite: bool = False,
    meta: dict[str, Any] | None = None,
    **run: Unpack[RunKeywords],
) -> TrainResult:
    """Train as :func:`grover_train.train.run.train_model` does (``run``: its keywords,
    :class:`grover_train.train.loop.RunKeywords`) and keep the run in ``out``: model.npz (with
    ``meta`` added to its metadata), metrics.jsonl, summary.json, and a checkpoint every
    ``checkpoint_every`` seconds while it runs. ``resume`` continues the run saved there
    (``init``: that run, already loaded by :func:`resume_point`); the metrics file, the
    checkpoints and the start are this function's own.

    Every check (the folder's, the options', the resume's) comes before anything is written;
    a run that fails before its first checkpoint leaves no new folder behind.

    >>> import tempfile
    >>> from grover_train.data.datasets import load_dataset
    >>> from grover_train.train.options import BackpropOptions
    >>> ds = load_dataset('digits', seed=0, classes=[0, 1])
    >>> d = Path(tempfile.mkdtemp()) / "run"
    >>> r = train_in_folder(d, ds, BackpropOptions(), hidden=4, budget=500, seed=0,
    ...                     progress=False)
    >>> sorted(p.name for p in d.iterdir()), r.summary["out"] == str(d)
    (['metrics.jsonl', 'model.npz', 'summary.json'], True)
    """
    from grover_train.train.run import train_model

    out = Path(out)
    resume = run.get("resume", False)
    checkpoint_every = run.get("checkpoint_every", 300.0)
    check_train_out(out, resume=resume, overwrite=overwrite, checkpoint_every=checkpoint_every)
    if resume and run.get("init") is None:
        run["init"] = resume_point(out)
    tmp_metrics = out / "metrics.jsonl.tmp"
    created = not out.exists()

    def start() -> None:
        # every check has passed: only now is anything written
        out.mkdir(parents=True, exist_ok=True)
        clean_stale_temporaries(out)  # left by a killed run
        saved = resume_metrics(out) if resume else None
        if saved is not None:
            tmp_metrics.write_text(saved.read_text())
        if not resume:
            clear_checkpoint(out)  # an older run's checkpoint must not be resumed later

    try:
        run.update(
            metrics_path=tmp_metrics,
            checkpoint=lambda snap: write_checkpoint(out, snap, metrics=tmp_metrics),
            checkpoint_every=checkpoint_every,
            start=start,
        )
        result = train_model(dataset, options, **run)
    except BaseException:
        tmp_metrics.unlink(missing_ok=True)
        if created:  # a run that failed before its first checkpoint leaves no empty folder
            with contextlib.suppress(OSError):
                out.rmdir()
        raise
    model_path = out / "model.npz"
    result.net.meta.update(
        {
            "classes": list(dataset.classes),
            **(meta or {}),
            "queries": result.summary["queries"],
            "finder": result.summary["finder"],
            "finder_options": result.summary["finder_options"],
        }
    )
    save_model(result.net, model_path)
    tmp_metrics.replace(out / "metrics.jsonl")
    result.summary.update({"out": str(out), "model": str(model_path)})
    (out / "summary.json").write_text(json.dumps(result.summary, indent=2, default=str) + "\n")
    clear_checkpoint(out)  # finished: model.npz is the newest state
    return result
