"""mkdocs hook: the tutorial page is docs/tutorial.py (a jupytext percent script) turned into
Markdown by jupytext, so the page and the tested script are one file. The script is run at
build time (about 4 s of CPU: small enough for every build) and the page shows what each cell
printed and the figures it saved, so the page never shows output the code no longer gives.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path
from typing import Any

import jupytext
from mkdocs.structure.files import File, Files

SOURCE = Path(__file__).with_name("tutorial.py")
#: figures of the tutorial are served beside its page under this prefix
FIGURE_PREFIX = "tutorial-"


def run_cells(notebook: Any, folder: Path) -> dict[str, bytes]:
    """Run the code cells of ``notebook`` in order in ``folder`` (one namespace, as a kernel
    would); after each, insert a Markdown cell with what it printed and the PNG figures it
    wrote. Returns the figures by their page file name. A failing cell fails the build."""
    from nbformat.v4 import new_markdown_cell

    namespace: dict[str, Any] = {"__name__": "__main__"}
    figures: dict[str, bytes] = {}
    cells = []
    old = Path.cwd()
    os.chdir(folder)
    try:
        for i, cell in enumerate(notebook.cells):
            cells.append(cell)
            if cell.cell_type != "code":
                continue
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(cell.source, f"{SOURCE.name}, cell {i}", "exec"), namespace)
            parts = []
            if out.getvalue().strip():
                parts.append("```text\n" + out.getvalue().rstrip() + "\n```")
            for png in sorted(folder.glob("*.png")):
                name = FIGURE_PREFIX + png.name
                if name not in figures:
                    figures[name] = png.read_bytes()
                    parts.append(f"![{png.stem}]({name})")
            if parts:
                cells.append(new_markdown_cell("\n\n".join(parts)))
    finally:
        os.chdir(old)
    notebook.cells = cells
    return figures


def on_files(files: Files, config: Any) -> Files:
    notebook = jupytext.read(SOURCE)
    with tempfile.TemporaryDirectory() as tmp:
        figures = run_cells(notebook, Path(tmp))
    text = jupytext.writes(notebook, fmt="md")
    files.append(File.generated(config, "tutorial.md", content=text))
    for name, data in figures.items():
        files.append(File.generated(config, name, content=data))
    return files
