"""What a study is to ``reproduce`` and the report: :class:`Study`, its contexts, its section.

A study module holds one experiment: its run specs, its run function and its analysis, and
ends with one ``STUDY = Study(...)`` that the registry (:data:`grover_train.studies.STUDIES`)
names. ``reproduce`` calls every study's ``run`` with a :class:`RunContext`; the report calls
every study's ``report`` with a :class:`ReportContext` and lays the :class:`Section` it
returns out in registry order. The contexts carry what the infrastructure offers (a function
that runs a sweep into the results store, the open store), so studies never import it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RunContext:
    """What ``reproduce`` gives a study's ``run``.

    Attributes:
        out: the output folder (the store, report and each study's own files live there).
        quick: the reduced grid of ``make demo`` instead of the full one.
        workers: local worker processes a study may use.
        progress: tqdm bars on stderr.
        sweep: ``sweep(name, kind, specs)`` runs the specs (a spec without a ``kind`` gets
            ``kind``) into the results store (resumable: finished runs are skipped) and
            records its duration.
        time: ``time(label, seconds)`` records the duration of work a study does without a
            sweep.
        seeds: study name -> seeds that override the study's own (tests and quick checks).
    """

    out: Path
    quick: bool
    workers: int
    progress: bool
    sweep: Callable[[str, str, list[dict[str, Any]]], None]
    time: Callable[[str, float], None]
    seeds: Mapping[str, Sequence[int]] = field(default_factory=dict)

    @property
    def tag(self) -> str:
        """``quick`` or ``full``: the suffix of every sweep name."""
        return "quick" if self.quick else "full"


@dataclass(frozen=True)
class ReportContext:
    """What the report gives a study's ``report``: the open results store (read only), the
    output folder with the study's own files, and the bootstrap settings."""

    store: Any
    out: Path
    num_boot: int = 1000
    seed: int = 0


@dataclass(frozen=True)
class Section:
    """A study's part of the report.

    Attributes:
        markdown: its section of report.md ("" when the study has nothing to show).
        keys: its flat keys of exponents.json.
        files: the plots and files it wrote into the output folder (names, not paths).
        table: rows it adds to the side-by-side table that ``reproduce`` prints.
        verdict: its sentences of the printed verdict.
    """

    markdown: str = ""
    keys: dict[str, Any] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    table: str = ""
    verdict: str = ""


@dataclass(frozen=True)
class Study:
    """One experiment of ``reproduce`` and the report.

    Attributes:
        name: the registry name (also ``reproduce``'s timing label when it runs no sweep).
        title: one line for listings.
        report: builds the study's :class:`Section` from a :class:`ReportContext`.
        run: runs the study from a :class:`RunContext` (None: nothing to run, e.g. committed
            results).
        switch: the ``reproduce`` keyword that skips it (``replay``, ``anneal``, ``deep``,
            ``hardware``); None: always runs.

    >>> s = Study("nothing", "an empty study", lambda ctx: Section())
    >>> s.report(None).markdown, s.run is None
    ('', True)
    """

    name: str
    title: str
    report: Callable[[ReportContext], Section]
    run: Callable[[RunContext], None] | None = None
    switch: str | None = None


def fmt(x: float | None, digits: int = 2) -> str:
    """A number as report text: fixed ``digits``, ``n/a`` for None and non-finite floats.

    >>> fmt(1.23456), fmt(None), fmt(float("nan")), fmt_ci(0.5, 1.25, 1)
    ('1.23', 'n/a', 'n/a', '[0.5, 1.2]')
    """
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x:.{digits}f}"


def fmt_ci(lo: float | None, hi: float | None, digits: int = 2) -> str:
    """An interval as report text, ``[lo, hi]`` with :func:`fmt`."""
    return f"[{fmt(lo, digits)}, {fmt(hi, digits)}]"


__all__ = ["ReportContext", "RunContext", "Section", "Study", "fmt", "fmt_ci"]
