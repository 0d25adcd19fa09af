"""mkdocs hook: the tutorial page is docs/tutorial.py (a jupytext percent script) turned into
Markdown by jupytext, so the page and the tested script are one file."""

from __future__ import annotations

from pathlib import Path

import jupytext
from mkdocs.structure.files import File, Files

SOURCE = Path(__file__).with_name("tutorial.py")


def on_files(files: Files, config) -> Files:
    notebook = jupytext.read(SOURCE)
    text = jupytext.writes(notebook, fmt="md")
    files.append(File.generated(config, "tutorial.md", content=text))
    return files
