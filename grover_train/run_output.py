"""What one run of a sweep produces: :class:`RunOutput`, returned by every runner.

It sits below the runners and the experiments they dispatch to (search level, replay, noise
study), so that those modules and :mod:`grover_train.runs.runners` do not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RunOutput:
    """What one run produces.

    Attributes:
        summary: final numbers of the run (JSON-serialisable scalars, lists, dicts).
        metrics: one dict per step (e.g. ``{"step": 3, "queries": 120, "eps": 0.4}``).
        queries: total queries used (taken from ``summary["queries"]`` when left ``None``).
        wall_s: wall time of the run in seconds (filled by :func:`execute` when ``None``).
        seed: the run's seed (taken from the spec when ``None``).
        versions: package versions (filled from :func:`grover_train.provenance.versions`).

    >>> RunOutput({"queries": 5}, [{"step": 0, "eps": 1.0}]).metrics[0]["eps"]
    1.0
    """

    summary: dict[str, Any]
    metrics: list[dict[str, Any]] = field(default_factory=list)
    queries: int | None = None
    wall_s: float | None = None
    seed: int | None = None
    versions: dict[str, str] | None = None


__all__ = ["RunOutput"]
