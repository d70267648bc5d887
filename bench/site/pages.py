"""The site's pages, rendered with Jinja2 (autoescaped); data embedded as script-safe JSON."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

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
