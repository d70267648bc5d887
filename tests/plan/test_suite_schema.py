"""Suites declared once: the published JSON Schema comes from the models that check suites, is
committed up to date, and accepts every suite the harness ships."""

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

from bench.cli import main
from bench.fighters.user import KEYS as USER_FIGHTER_KEYS
from bench.plan.fields import CASE_KEYS, UserFighterTable
from bench.plan.schema import SCHEMA_PATH, schema_text, suite_schema
from bench.plan.suite import SUITES_DIR, load_suite

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(SUITES_DIR.glob("*.toml")) + sorted((ROOT / "examples").glob("*.toml"))


def schema_errors(document):
    """What the published schema says about a parsed suite file, as an editor would show it."""
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA_PATH.read_text()))
    return sorted(error.message for error in validator.iter_errors(document))


def test_the_committed_schema_is_up_to_date():
    """Regenerate it with `python -m bench schema --out bench/plan/suite.schema.json`."""
    assert SCHEMA_PATH.read_text() == schema_text()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_every_shipped_suite_is_valid_for_the_schema_and_the_harness(path):
    assert schema_errors(tomllib.loads(path.read_text())) == []
    assert load_suite(path).cases
    directive = path.read_text().splitlines()[0]  # what taplo-based editors read
    assert directive.startswith("#:schema ")
    assert (path.parent / directive.removeprefix("#:schema ")).resolve() == SCHEMA_PATH


def test_the_schema_refuses_what_the_harness_refuses():
    document = tomllib.loads(
        '[[case]]\nname = "x"\ndataset = "moonz"\nhidden = [4]\nmode = "unfair"\n'
        'keras = { epochs = 0 }\n\n[defaults]\nname = "no"\n'
    )
    messages = schema_errors(document)
    assert any("'moonz' is not one of ['moons'" in message for message in messages)
    assert any("'unfair' is not one of ['fair', 'native']" in message for message in messages)
    assert "0 is less than or equal to the minimum of 0" in messages  # keras.epochs
    assert "'no' is not of type 'object'" in messages  # [defaults] name: not a field there


def test_the_schema_lists_every_case_field_and_the_rosters_overrides():
    case = suite_schema()["$defs"]["CaseFields"]
    assert set(CASE_KEYS) <= set(case["properties"])
    assert {"david", "keras", "sklearn"} <= set(case["properties"])
    assert case["required"] == ["name"]  # the rest may come from [defaults]
    assert all(case["properties"][key].get("description") for key in CASE_KEYS)
    assert "null" not in json.dumps(suite_schema())  # TOML has no null


def test_the_user_fighter_table_declares_the_keys_user_py_reads():
    assert set(UserFighterTable.model_json_schema(by_alias=True)["properties"]) == set(
        USER_FIGHTER_KEYS
    )


def test_schema_command_prints_and_writes_it(tmp_path, capsys):
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == schema_text()
    out = tmp_path / "editor" / "suite.schema.json"
    assert main(["schema", "--out", str(out)]) == 0
    assert out.read_text() == schema_text()


def test_schema_command_refuses_an_unwritable_out_and_keeps_what_was_there(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("kept")
    assert main(["schema", "--out", str(blocker / "suite.schema.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {blocker / 'suite.schema.json'}: cannot write here")
    assert blocker.read_text() == "kept"
