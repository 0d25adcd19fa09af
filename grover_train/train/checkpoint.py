"""Checkpoints of a training run in its output folder, so that a killed run resumes.

``train --out DIR`` writes ``DIR/checkpoint.npz`` (the model file format, with
``meta['train_state']`` saying where the run stands) and ``DIR/checkpoint-metrics.jsonl`` (the
metric rows so far) every few minutes; ``train --resume`` continues from the checkpoint when
there is one (it is newer than ``model.npz``: a finished run removes its checkpoint).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from grover_train.model.io import save_model
from grover_train.model.network import DragonNetwork

CHECKPOINT = "checkpoint.npz"
CHECKPOINT_METRICS = "checkpoint-metrics.jsonl"


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
