"""The report as GitHub-flavoured Markdown; figures link to figures/<name>.png."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .document import Animation, Document, Figure, Heading, Paragraph, Table

FIGURES_DIR = "figures"
# Backslash-escape everything Markdown (and GitHub's extensions: tables, strikethrough, maths)
# could read as markup, so case names and reasons print literally and never break a table.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~$#!])")


def escape(text: str) -> str:
    """Plain text as Markdown that shows it literally, on one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(escape(cell) for cell in cells) + " |"


def to_markdown(document: Document) -> str:
    """Render the document."""
    parts = []
    for block in document.blocks:
        if isinstance(block, Heading):
            parts.append(f"{'#' * block.level} {escape(block.text)}")
        elif isinstance(block, Paragraph):
            parts.append((f"**{escape(block.lead)}** " if block.lead else "") + escape(block.text))
        elif isinstance(block, Table):
            lines = [_row(block.header), "|" + " --- |" * len(block.header)]
            lines += [_row(row) for row in block.rows]
            parts.append("\n".join(lines))
        elif isinstance(block, Figure):
            parts.append(f"![{escape(block.alt)}]({FIGURES_DIR}/{block.filename})")
        elif isinstance(block, Animation):
            parts.append(
                f"![{escape(block.alt)}]({FIGURES_DIR}/{block.strip_filename}) "
                f"([animated]({FIGURES_DIR}/{block.filename}))"
            )
    return "\n\n".join(parts) + "\n"
