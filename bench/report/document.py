"""The report as a document: a title and blocks in reading order, rendered by each renderer.

Built once and rendered twice, so the Markdown and the HTML cannot drift apart. Block text is
plain: each renderer escapes it for its own format.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Heading:
    """A section title."""

    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    """Running text, optionally led by a few words in bold."""

    text: str
    lead: str = ""


@dataclass(frozen=True)
class Table:
    """A header row and body rows of plain-text cells."""

    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Figure:
    """A PNG: a file under figures/ in Markdown, a data URI in HTML."""

    filename: str
    alt: str
    png: bytes = field(repr=False)


Block = Heading | Paragraph | Table | Figure


@dataclass(frozen=True)
class Document:
    """A whole report."""

    title: str
    blocks: list[Block]

    @property
    def figures(self) -> list[Figure]:
        """Every figure, in order."""
        return [block for block in self.blocks if isinstance(block, Figure)]
