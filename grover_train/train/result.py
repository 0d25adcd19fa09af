"""What every trainer returns, the metrics it records per step, and the JSONL metrics file.

Metrics (all are measurements: computing them is never counted as queries):

- ``train_error``: eps, the fraction of a fixed evaluation subset of the training set that still
  has a head at margin 0 (exact, closed-form min over h for each of the 2^C output
  configurations, :func:`grover_train.model.landscape.has_head`).
- ``train_error_margin``: the same at the training margin kappa.
- ``train_accuracy`` / ``test_accuracy``: accuracy of the deployable classifier
  argmin_k E+(x, k) on the whole training / test set.
- ``validation_accuracy``: the same on the validation split, when the dataset has one
  (:func:`grover_train.data.datasets.split_validation`); tuning choices use it, never the test set.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grover_train import jsonify
from grover_train.data.datasets import Dataset
from grover_train.model.landscape import clamped_gaps
from grover_train.model.network import DragonNetwork
from grover_train.rng import make_rng


@dataclass
class TrainResult:
    """A trained network, its per-step metrics and a summary of the run."""

    net: DragonNetwork
    metrics: list[dict] = field(default_factory=list)
    summary: dict = field(default_factory=dict)


class Evaluator:
    """Computes the per-step metrics on a fixed evaluation subset drawn once from ``seed``.

    >>> from grover_train.data.datasets import load_dataset
    >>> ds = load_dataset('digits', seed=0, classes=[0, 1], pool=True)
    >>> ev = Evaluator(ds, eval_size=50, seed=0)
    >>> m = ev(DragonNetwork.random(16, 4, 2, seed=0))
    >>> sorted(m)
    ['test_accuracy', 'train_accuracy', 'train_error', 'train_error_margin']
    """

    def __init__(
        self, dataset: Dataset, *, eval_size: int | None, seed: int, margin: float = 0.0
    ) -> None:
        n = len(dataset.y_train)
        rng = make_rng(np.random.SeedSequence([seed, 0xE7A1]).generate_state(1)[0])
        idx = (
            np.arange(n)
            if eval_size is None or eval_size >= n
            else np.sort(rng.choice(n, size=int(eval_size), replace=False))
        )
        self.X_eval, self.y_eval = dataset.X_train[idx], dataset.y_train[idx]
        self.dataset = dataset
        self.margin = float(margin)

    def train_errors(self, net: DragonNetwork) -> tuple[float, float]:
        """eps at margin 0 and at the training margin on the evaluation subset."""
        if len(self.y_eval) == 0:
            return float("nan"), float("nan")
        own, best = clamped_gaps(net, self.X_eval, self.y_eval)
        return float(np.mean(best < own)), float(np.mean(best < own + self.margin))

    def __call__(self, net: DragonNetwork) -> dict:
        eps, eps_m = self.train_errors(net)
        ds = self.dataset
        out = {
            "train_error": eps,
            "train_error_margin": eps_m,
            "train_accuracy": net.accuracy(ds.X_train, ds.y_train),
            "test_accuracy": net.accuracy(ds.X_test, ds.y_test),
        }
        if len(getattr(ds, "y_val", ())):  # a validation split (datasets.split_validation)
            out["validation_accuracy"] = net.accuracy(ds.X_val, ds.y_val)
        return out


class MetricsWriter:
    """Appends one JSON object per step to ``path`` (nothing when ``path`` is None).

    On resume, rows after the saved step (written after the last checkpoint) are dropped first.
    """

    def __init__(self, path: str | os.PathLike | None, *, resume_step: int | None = None):
        self.path = None if path is None else Path(path)
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume_step is None:
            self.path.write_text("")
        elif self.path.exists():
            keep = [
                line
                for line in self.path.read_text().splitlines()
                if line.strip() and json.loads(line).get("step", 0) <= resume_step
            ]
            self.path.write_text("".join(line + "\n" for line in keep))

    def write(self, row: dict) -> None:
        if self.path is not None:
            with self.path.open("a") as f:
                f.write(json.dumps(row, default=jsonify.default) + "\n")


def read_metrics(path: str | os.PathLike) -> list[dict]:
    """Read a metrics.jsonl file back."""
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
