"""The site's pages, rendered with Jinja2 (autoescaped); data embedded as script-safe JSON."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from bench.files import KeyManifest, inputs_digest
from bench.wording import display_name

# Inside <script> the HTML parser ends the element at "</script>" whatever JSON says, and
# U+2028/9 end a line in older JavaScript: every such character is written as a \u escape.
_SCRIPT_SAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def script_json(data: Any) -> str:
    """JSON that can sit inside a <script> element or a .js file without ending it."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    for character, escape in _SCRIPT_SAFE.items():
        text = text.replace(character, escape)
    return text


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("bench.site", "templates"),
        autoescape=True,  # every case, fighter and machine name is text, never markup
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["embed_json"] = lambda data: Markup(script_json(data))
    environment.filters["fighter"] = display_name
    return environment


def render(template: str, **context: Any) -> str:
    """One page of the site."""
    context.setdefault("data", None)
    context.setdefault("plots", False)
    return _environment().get_template(template).render(**context)


MANIFEST_FILE = ".pages.json"  # in the site folder: each page's render key


@cache
def _templates_digest() -> str:
    """The templates' text: a changed template renders every page again."""
    folder = resources.files("bench.site").joinpath("templates")
    texts = sorted((f.name, f.read_text(encoding="utf-8")) for f in folder.iterdir())
    return hashlib.sha256(json.dumps(texts).encode("utf-8")).hexdigest()


class PageManifest(KeyManifest):
    """Which template and context each page of a site was last rendered from (a digest)."""

    @staticmethod
    def key(template: str, context: dict[str, Any]) -> str | None:
        """The digest of a page's inputs; None when they cannot be pickled (always rendered)."""
        return inputs_digest(_templates_digest(), template, context)
