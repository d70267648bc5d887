"""The report as one self-contained HTML page (Jinja2, autoescaped; figures as data URIs)."""

from __future__ import annotations

import base64
from functools import cache

import jinja2

from .document import Animation, Document, Figure, Heading, Paragraph, Table


def _data_uri(image: bytes) -> str:
    kind = "gif" if image[:4] == b"GIF8" else "png"
    return f"data:image/{kind};base64," + base64.b64encode(image).decode("ascii")


@cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("bench.report", "templates"),
        autoescape=True,  # every case name, reason and CPU string is text, never markup
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["data_uri"] = _data_uri
    return environment.get_template("report.html.j2")


def to_html(document: Document) -> str:
    """Render the document."""
    kinds = {
        Heading: "heading",
        Paragraph: "paragraph",
        Table: "table",
        Figure: "figure",
        Animation: "animation",
    }
    blocks = [(kinds[type(block)], block) for block in document.blocks]
    return _template().render(title=document.title, blocks=blocks)
