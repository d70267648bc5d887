"""The suite file's JSON Schema, published for editors (bench/plan/suite.schema.json): made from
the models of bench/plan/fields.py, so that an editor completes and checks what the harness does.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bench.fighters.roster import ROSTER
from bench.plan.fields import CaseFields, SuiteHeader, UserFighterTable

SCHEMA_PATH = Path(__file__).with_name("suite.schema.json")


class _SuiteFile(BaseModel):
    """A suite of cases: David against the frameworks, on the same data from the same start."""

    suite: SuiteHeader
    defaults: CaseFields
    case: list[CaseFields]
    fighter: dict[str, UserFighterTable]


def suite_schema() -> dict[str, Any]:
    """The JSON Schema of a suite file (TOML), as Even Better TOML / taplo read it."""
    schema = _without_null(_SuiteFile.model_json_schema(by_alias=True))
    definitions = schema["$defs"]
    case = definitions["CaseFields"]
    # Any field but the name may come from [defaults], so a case requires only its name; the
    # roster's fighters are listed so that an editor offers them for overrides.
    case["required"] = ["name"]
    overrides = {"$ref": "#/$defs/FighterOverrides"}
    case["properties"] |= {name: overrides for name in ROSTER}
    defaults = copy.deepcopy(case)
    del defaults["properties"]["name"], defaults["required"]
    defaults["description"] = "Fields every [[case]] takes unless it sets its own."
    definitions["Defaults"] = defaults
    schema["properties"]["defaults"] = {"$ref": "#/$defs/Defaults"}
    schema["required"] = ["case"]
    schema["properties"]["case"]["minItems"] = 1
    # Draft 7: what editors' TOML extensions read (a "#/$defs/..." pointer resolves in it too).
    return {"$schema": "http://json-schema.org/draft-07/schema#", **schema}


def schema_text() -> str:
    """The schema as the committed file holds it."""
    return json.dumps(suite_schema(), indent=2, ensure_ascii=False) + "\n"


def _without_null(node: Any) -> Any:
    """TOML has no null: a field that may be unset is simply optional."""
    if isinstance(node, list):
        return [_without_null(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _without_null(value) for key, value in node.items()}
    if node.get("default", 0) is None:
        del node["default"]
    if "anyOf" in node:
        options = [option for option in node["anyOf"] if option != {"type": "null"}]
        if len(options) == 1:
            del node["anyOf"]
            node |= options[0]
        else:
            node["anyOf"] = options
    return node
