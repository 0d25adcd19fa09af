"""Every "docs/design.md section N" in the code and docs names a section that exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REF = re.compile(r"docs/design\.md\s+sections?\s+(\d+)(?:\s+(?:to|and)\s+(\d+))?")


def _sections() -> set[int]:
    text = (ROOT / "docs" / "design.md").read_text()
    return {int(n) for n in re.findall(r"^## (\d+)\. ", text, flags=re.M)}


def _references() -> list[tuple[str, int]]:
    files = [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
    for folder in ("grover_train", "tests", "benchmarks"):
        files += (ROOT / folder).rglob("*.py")
    out = []
    for path in files:
        for m in REF.finditer(path.read_text()):
            out += [(path.name, int(n)) for n in m.groups() if n]
    return out


def test_design_sections_are_numbered_in_order():
    assert sorted(_sections()) == list(range(1, len(_sections()) + 1))


def test_every_design_reference_names_an_existing_section():
    sections, refs = _sections(), _references()
    assert len(refs) > 30  # the code and docs do refer to it
    wrong = [f"{name}: section {n}" for name, n in refs if n not in sections]
    assert not wrong, wrong
