"""A run folder on disk: one JSON per fight, checked against the schema where it is read or written.

A run folder holds `run.json` (the suite, the environment, start and end times), `cases/` with
one `<case>--seed<k>.json` per finished fight, `summary.csv`, and the reports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema

from bench.errors import HarnessError
from bench.files import json_safe, parse_json, read_file_bytes, write_text
from bench.store.integrity import canonical_json, why_untrusted, with_digest
from bench.store.records import Fight

SCHEMA_VERSION = 2
SCHEMA_PATH = Path(__file__).with_name("result_schema.json")
RUN_FILE = "run.json"
CASES_DIR = "cases"
NOT_SELECTED = " (dropped from the suite, or not chosen by --cases/--seeds)"


class ResultsError(HarnessError):
    """A results folder or file that cannot be used."""


@dataclass(frozen=True)
class Run:
    """A run folder read back: its metadata and its fights, in case-then-seed order."""

    run_dir: Path
    info: dict[str, Any]  # run.json: suite, environment, start and end times; {} when absent
    fights: list[Fight]
    ignored: list[str] = field(default_factory=list)  # files in cases/ left out, and why

    @property
    def by_case(self) -> dict[str, list[Fight]]:
        """The fights grouped by case, in run order."""
        cases: dict[str, list[Fight]] = {}
        for fight in self.fights:
            cases.setdefault(fight.case_name, []).append(fight)
        return cases

    @property
    def suite_name(self) -> str | None:
        """The suite this run ran, as recorded."""
        suite = self.info.get("suite")
        return suite.get("name") if isinstance(suite, dict) else None


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


@cache
def _compiled_check() -> Any:
    """The schema compiled to Python code (fastjsonschema): the same answer, ~4x sooner.

    fastjsonschema knows drafts up to 7; the schema uses nothing of 2020-12 that draft 7 lacks
    ($defs are reached by JSON pointer, const exists since draft 6), and its relative $id would
    send the compiler looking for a remote document, so both are set aside for it.
    """
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    schema.pop("$id", None)
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return fastjsonschema.compile(schema)


def upgrade(result: Any) -> Any:
    """A version 1 result (David against one "goliath") read as version 2, so old runs render."""
    if not (isinstance(result, dict) and result.get("schema_version") == 1):
        return result
    upgraded = {**result, "schema_version": SCHEMA_VERSION, "error": None}
    upgraded["config_fingerprint"] = "0" * 64  # unknown: a resume re-runs such a fight
    parity = result.get("parity")
    upgraded["parity"] = None if parity is None else {"goliath": parity}
    return upgraded


def validate_case_result(result: Any, source: str | Path = "result") -> None:
    """Raise ResultsError naming the first problem if result does not match the schema."""
    if isinstance(result, dict) and result.get("schema_version") not in (None, SCHEMA_VERSION):
        raise ResultsError(
            f"{source}: schema_version {result.get('schema_version')!r} is not supported "
            f"(this harness reads version {SCHEMA_VERSION})"
        )
    try:
        _compiled_check()(result)
        return
    except fastjsonschema.JsonSchemaException:
        pass  # name the problem as jsonschema does: its best match is the clearer message
    error = jsonschema.exceptions.best_match(_validator().iter_errors(result))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        raise ResultsError(f"{source}: {where}: {error.message}")


def case_file(run_dir: Path, case_name: str, seed: int) -> Path:
    """Where the result of one case and seed lives: always directly inside `cases/`."""
    folder = Path(run_dir) / CASES_DIR
    path = folder / f"{case_name}--seed{seed}.json"
    if path.parent != folder or case_name.startswith(".") or not case_name:
        raise ResultsError(f"case name {case_name!r}: its result file would leave {folder}")
    return path


def write_case_result(run_dir: Path, result: dict[str, Any]) -> Fight:
    """Validate and atomically write one fight's result, its content digest inside; return it
    typed."""
    result = json_safe(result)
    path = case_file(run_dir, result["case"]["name"], result["seed"])
    validate_case_result(result, path)
    result = with_digest(result)
    # Canonical text (sorted keys, no spaces): half the bytes of indented JSON, and a reader
    # checks the digest by hashing the bytes instead of writing the result out again.
    write_text(path, canonical_json(result) + "\n")
    return Fight.from_json(result)


def read_case_result(path: Path) -> Fight:
    """One fight's result file, validated, its digest and numbers checked, and typed."""
    text = _read_bytes(path)
    result = upgrade(_parse(path, text))
    validate_case_result(result, path)
    untrusted = why_untrusted(result, text)
    if untrusted:
        raise ResultsError(f"{path}: {untrusted}")
    return Fight.from_json(result)


def load_fights(run_dir: Path) -> tuple[list[Fight], list[str]]:
    """Every fight of a run in case-then-seed order, and the files left out with the reason.

    A file that cannot be read, does not match the schema, is named for another case or seed
    than it holds, belongs to another run, is not one of the fights run.json plans now (a case or
    seed dropped from the suite since), or ran with a configuration other than the plan's is left
    out (and said so): it would otherwise mix another configuration into this run's verdicts.
    """
    run_dir = Path(run_dir)
    folder = run_dir / CASES_DIR
    if not folder.is_dir():
        raise ResultsError(f"{run_dir}: not a run folder (no {CASES_DIR}/ inside)")
    info = load_run_info(run_dir)
    fights, ignored = [], []
    for path in sorted(folder.glob("*.json")):
        try:
            fight = read_case_result(path)
        except ResultsError as err:
            ignored.append(str(err))
            continue
        problem = why_left_out(path, fight, info)
        if problem:
            ignored.append(problem)
        else:
            fights.append(fight)
    names = info.get("case_names") if isinstance(info.get("case_names"), list) else []
    order = {name: index for index, name in enumerate(names)}
    fights.sort(key=lambda f: (order.get(f.case_name, len(order)), f.case_name, f.seed))
    return fights, ignored


def why_left_out(path: Path, fight: Fight, info: dict[str, Any]) -> str | None:
    """Why a valid fight file is not one of the run's fights (named wrong, another run's, not
    planned, another configuration), or None when it is."""
    run_id = info.get("run_id")
    outside = _outside_plan(fight, info)
    if path.name != case_file(path.parent.parent, fight.case_name, fight.seed).name:
        return f"{path}: holds case {fight.case_name!r} seed {fight.seed}"
    if run_id and fight.run_id != run_id:
        return f"{path}: belongs to run {fight.run_id!r}, not {run_id!r}"
    if outside:
        return f"{path}: {outside}"
    return None


def _outside_plan(fight: Fight, info: dict[str, Any]) -> str | None:
    """Why a fight is not one of the run's fights as run.json describes them now, or None."""
    which = f"case {fight.case_name!r} seed {fight.seed}"
    plan, names = info.get("plan"), info.get("case_names")
    if isinstance(plan, list):
        planned = {
            (entry.get("case"), entry.get("seed")): entry.get("config_fingerprint")
            for entry in plan
            if isinstance(entry, dict)
            and isinstance(entry.get("case"), str)
            and isinstance(entry.get("seed"), int)
        }
        key = (fight.case_name, fight.seed)
        if key not in planned:
            return f"{which} is not part of this run's suite now{NOT_SELECTED}"
        if planned[key] not in (None, fight.config_fingerprint):
            return (
                f"{which} ran with an earlier configuration of the suite (a resume runs it again)"
            )
    elif isinstance(names, list) and fight.case_name not in names:  # run.json before plans
        return f"{which} is not part of this run's suite now{NOT_SELECTED}"
    return None


def load_run_info(run_dir: Path) -> dict[str, Any]:
    """The run's metadata (suite, environment, times); {} when run.json is absent."""
    path = Path(run_dir) / RUN_FILE
    if not path.exists():
        return {}
    run = _read(path)
    if not isinstance(run, dict):
        raise ResultsError(f"{path}: expected a JSON object")
    return run


def load_run(run_dir: Path) -> Run:
    """A whole run folder, read and checked."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ResultsError(f"{run_dir}: no such run folder")
    fights, ignored = load_fights(run_dir)
    return Run(run_dir=run_dir, info=load_run_info(run_dir), fights=fights, ignored=ignored)


def _read(path: Path) -> Any:
    return _parse(path, _read_bytes(path))


def _read_bytes(path: Path) -> bytes:
    try:
        return read_file_bytes(path)
    except HarnessError as err:
        raise ResultsError(str(err)) from err


def _parse(path: Path, data: bytes) -> Any:
    try:
        return parse_json(path, data)
    except HarnessError as err:
        raise ResultsError(str(err)) from err
