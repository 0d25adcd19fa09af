"""The report: every registered study's section, side by side with the paper's values.

:func:`write_report` opens a results store read-only and asks each study of the registry
(:data:`grover_train.studies.STUDIES`, in its order) for its
:class:`~grover_train.studies.base.Section`, then writes

- ``report.md``: a header, every study's section, the failed runs, and the list of plots;
- ``exponents.json``: the paper's numbers (``paper.*``) and every study's flat keys;
- the plots the studies draw (``replay_scaling.png``, ``search_scaling.png``, ...).

The report knows no study and no finder by name: what it shows is what the registry holds.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grover_train import jsonify
from grover_train.errors import InputError

#: the paper's numbers (abstract of arXiv:2506.05244)
PAPER = {"backprop": 0.78, "annealing": 1.01, "coherent_max_factor": 2.0}


def open_store(path: str | os.PathLike):
    """Open an existing store for reading; a missing one is an :class:`InputError`."""
    from grover_train.runs.store import Store

    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"results store {str(path)!r} not found: run 'grover-train reproduce --quick --out "
            "DIR' (then use DIR/results.sqlite) or 'grover-train sweep CONFIG.toml --store FILE' "
            "first"
        )
    return Store(path, readonly=True)


def write_report(
    store_path: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    num_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Write report.md, the studies' plots and exponents.json into ``out_dir``.

    Returns the ``exponents.json`` dictionary plus ``files`` (the paths written), ``table``
    (the side-by-side rows of every study) and ``verdict`` (every study's verdict).
    """
    from grover_train import __version__
    from grover_train.studies import all_studies
    from grover_train.studies.base import ReportContext

    out = Path(out_dir)
    store = open_store(store_path)
    try:
        out.mkdir(parents=True, exist_ok=True)
        ctx = ReportContext(store=store, out=out, num_boot=num_boot, seed=seed)
        sections = [study.report(ctx) for study in all_studies()]
        counts = store.counts()
        n_finished = {
            kind: len(store.runs(kind=kind, status="finished")) for kind in ("search", "train")
        }
        failures: dict[str, int] = {}
        for rec in store.runs(status="failed"):
            key = f"{rec['kind']}: {(rec.get('error') or '?').splitlines()[0][:160]}"
            failures[key] = failures.get(key, 0) + 1
    finally:
        store.close()
    exps: dict[str, Any] = {f"paper.{k}": v for k, v in PAPER.items()}
    for sec in sections:
        exps.update(sec.keys)
    exps = jsonify.finite(exps)
    (out / "exponents.json").write_text(json.dumps(exps, indent=2, allow_nan=False) + "\n")
    names = ["report.md", "exponents.json"] + [f for sec in sections for f in sec.files]
    plots = [f for f in names if f.endswith(".png")]
    body = "".join(sec.markdown for sec in sections)
    plot_list = (
        "Each is described in its study's section above:\n\n" + "\n".join(f"- `{f}`" for f in plots)
        if plots
        else "No plots were written."
    )
    text = f"""# grover-train report: does coherent search raise the scaling exponent?

Store `{store_path}`: {n_finished["search"]} search-level runs and {n_finished["train"]} training
runs finished ({", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))}). grover-train
{__version__}, written {datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}.

This is a **reconstruction**: only the abstract of Zhang & Kamenev (arXiv:2506.05244, Commun.
Phys. 8, 478) is public, so the training scheme and the measured quantities are ours (see
`docs/measuring.md`). All exponents are fitted on queries (docs/design.md section 3), never on
simulator wall time. Each section below is one study (`grover_train/studies/`), in the order
of the study registry, and says how its numbers were measured and which intervals it gives.

{body}{_failures_text(failures)}## Plots

{plot_list}

See `docs/measuring.md` for the rules and the model behind the verdict.
"""
    (out / "report.md").write_text(text)
    files = [str(out / n) for n in names]
    table = "\n".join(
        ["| quantity | paper | ours (95% CI) | fit window / notes |", "|---|---|---|---|"]
        + [sec.table for sec in sections if sec.table]
    )
    verdict = "\n\n".join(sec.verdict for sec in sections if sec.verdict)
    return {**exps, "files": files, "table": table, "verdict": verdict}


def _failures_text(failures: dict[str, int]) -> str:
    if not failures:
        return ""
    lines = [
        "## Failed runs",
        "",
        "Runs that failed are left out of every fit; rerun the same "
        "command to retry them once the cause is fixed.",
        "",
    ]
    lines += [f"- {n} x {msg}" for msg, n in sorted(failures.items(), key=lambda kv: -kv[1])]
    return "\n".join(lines) + "\n\n"
