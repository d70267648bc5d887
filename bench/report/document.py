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
    key: str = ""  # what it was drawn from (picture_cache.py), where it may be reused


@dataclass(frozen=True)
class Animation:
    """A GIF and a still strip of its frames: the strip in Markdown, the GIF in HTML."""

    filename: str  # the GIF's; the strip is the same name with .png
    alt: str
    gif: bytes = field(repr=False)
    strip: bytes = field(repr=False)
    key: str = ""  # what both were drawn from (picture_cache.py)

    @property
    def strip_filename(self) -> str:
        """The still strip's file name."""
        return strip_filename(self.filename)


def strip_filename(gif_filename: str) -> str:
    """The still strip's file name beside a GIF: the same name with .png."""
    return gif_filename.removesuffix(".gif") + ".png"


Block = Heading | Paragraph | Table | Figure | Animation


@dataclass(frozen=True)
class Document:
    """A whole report."""

    title: str
    blocks: list[Block]

    def files(self) -> dict[str, bytes]:
        """Every picture the Markdown links to, by file name."""
        files = {}
        for block in self.blocks:
            if isinstance(block, Figure):
                files[block.filename] = block.png
            elif isinstance(block, Animation):
                files[block.filename] = block.gif
                files[block.strip_filename] = block.strip
        return files
