"""The hardware section of the report: noise study and fault-tolerant estimates in one call.

:func:`hardware_section` runs (or reloads) the noise study (:mod:`.noise_study`) and the
fault-tolerant estimates (:mod:`.ft_estimates`), writes their JSON, Markdown tables and the
noise plot into ``out_dir`` and returns the Markdown of a report section with the break-even
two-qubit error rate per n (with its interval) and the fault-tolerant crossover.
Quick: the noise study's quick version and four sizes on the optimistic profile (about a
minute); full: everything (about 12 minutes here).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from grover_train.studies.base import ReportContext, RunContext, Section, Study


def hardware_section(out_dir: str | Path, quick: bool = True, reuse: bool = True) -> dict[str, Any]:
    """Run the noise study and the fault-tolerant estimates into ``out_dir``; return
    ``{"markdown", "noise", "ft", "files"}``. ``reuse``: take existing JSON files in ``out_dir``
    instead of recomputing (a resumed reproduction)."""
    from grover_train.studies import ft_estimates as ft
    from grover_train.studies import noise_study as ns

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    noise_json, ft_json = out / "noise_study.json", out / "ft_estimates.json"
    if reuse and noise_json.exists():
        data = json.loads(noise_json.read_text())
        study = ns.NoiseStudy(**data)
        ns.write_noise_study(study, out)
    else:
        study = ns.run_noise_study(quick=quick, out_dir=out)
    if reuse and ft_json.exists():
        fts = json.loads(ft_json.read_text())
    else:
        if quick:
            sizes, profiles = (10, 20, 30, 40), ("qubit_gate_ns_e4",)
        else:
            sizes, profiles = (10, 15, 20, 25, 30, 40, 50), ft.PROFILES
        fts = ft.run_ft_study(sizes=sizes, profiles=profiles, out_dir=out)
    lines = [
        "## Gate-based hardware: noise and fault tolerance",
        "",
        "Break-even two-qubit error rate (amplified search beats repetition of the same "
        "preparation below it; mean of log10 over landscapes, 95 % t interval), the fidelity "
        "model it rests on, the effective exponents and the fake devices "
        "(docs/hardware.md):",
        "",
        ns.noise_table(study),
        "![noise study](noise_study.png)",
        "",
        "Fault-tolerant estimates (Azure Quantum Resource Estimator):",
        "",
        ft.ft_table(fts),
    ]
    return {
        "markdown": "\n".join(lines),
        "noise": study,
        "ft": fts,
        "files": {
            "noise_json": str(noise_json),
            "noise_md": str(out / "noise_study.md"),
            "noise_png": str(out / "noise_study.png"),
            "ft_json": str(ft_json),
            "ft_md": str(out / "ft_estimates.md"),
        },
    }


def _run(ctx: RunContext) -> None:
    t0 = time.perf_counter()
    hardware_section(ctx.out, quick=ctx.quick, reuse=True)  # the report reads its files back
    ctx.time("hardware", time.perf_counter() - t0)


def _report(ctx: ReportContext) -> Section:
    if not ((ctx.out / "noise_study.json").exists() and (ctx.out / "ft_estimates.json").exists()):
        return Section()
    hw = hardware_section(ctx.out, reuse=True)  # reads the files reproduce wrote
    keys = {
        "hardware.break_even": hw["noise"].break_even,
        "hardware.lambda": hw["noise"].lam,
        "hardware.ft_crossover_n": hw["ft"].get("crossover_n"),
    }
    files = ("noise_study.png",) if (ctx.out / "noise_study.png").exists() else ()
    return Section(hw["markdown"] + "\n\n", keys, files)


#: the study's registry entry (:data:`grover_train.studies.STUDIES`)
STUDY = Study(
    "hardware",
    "noise study (break-even two-qubit error) and fault-tolerant resource estimates",
    _report,
    _run,
    switch="hardware",
)
