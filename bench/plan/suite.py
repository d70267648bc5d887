"""Suites: TOML files of cases, parsed and checked before anything trains.

Every mistake is a SuiteError naming the file, the case and the field:
`quick.toml: case 'moons': field 'epochs': must be a positive integer, got -1`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bench.datasets.registry import SOURCES
from bench.errors import HarnessError, SuiteError
from bench.fighters.roster import ROSTER, FighterConfig
from bench.fighters.user import installed_fighters, suite_fighters
from bench.plan.case import Case, parse_case
from bench.plan.fields import CASE_KEYS, NAME_PATTERN, SuiteHeader
from bench.plan.table import problem

SUITES_DIR = Path(__file__).with_name("suites")
LIMITS = {key: f.default for key, f in SuiteHeader.model_fields.items() if key.startswith("max_")}


@dataclass(frozen=True)
class Suite:
    """A named list of cases read from a TOML file."""

    name: str
    description: str
    path: Path
    cases: list[Case]
    max_parameters: int = LIMITS["max_parameters"]  # the sizes no case may exceed
    max_steps: int = LIMITS["max_steps"]
    max_samples: int = LIMITS["max_samples"]
    user_fighters: dict[str, FighterConfig] = field(default_factory=dict)  # beyond the roster


def find_suite(name_or_path: str) -> Path:
    """A suite file from a path, or a name of a file in bench/plan/suites/."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise SuiteError(f"{path}: no such suite file")
        return path
    candidate = SUITES_DIR / f"{name_or_path}.toml"
    if not NAME_PATTERN.fullmatch(name_or_path) or not candidate.is_file():
        known = ", ".join(sorted(p.stem for p in SUITES_DIR.glob("*.toml")))
        raise SuiteError(f"unknown suite {name_or_path!r}; choose one of {known}, or a .toml path")
    return candidate


def resolved_paths(case: Case, folder: Path) -> Case:
    """The case with its dataset's relative file paths (a CSV's `path`, a `dir`) taken from the
    suite file's folder, as user fighters' are: the run reads the same file from anywhere."""
    source = SOURCES.get(case.dataset)
    params = dict(case.dataset_params)
    for key in source.where if source else ():
        value = params.get(key)
        if isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
            params[key] = str((folder / value).resolve())
    return replace(case, dataset_params=params) if params != case.dataset_params else case


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise SuiteError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from err
    except OSError as err:
        raise SuiteError(f"{path}: cannot read ({err.strerror or err})") from err
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SuiteError(f"{path}: not valid TOML: {err}") from err


def load_suite(
    name_or_path: str | Path, seeds: int | None = None, fighters: list[str] | None = None
) -> Suite:
    """Parse and check a suite; `seeds` keeps the first N seeds of each case, `fighters`
    replaces every case's fighters."""
    path = find_suite(str(name_or_path))
    document = _read(path)
    unknown = sorted(set(document) - {"suite", "defaults", "case", "fighter"})
    if unknown:
        raise SuiteError(
            f"{path}: unknown table(s) {unknown}; valid: suite, defaults, case, fighter"
        )
    try:
        users = {**installed_fighters(), **suite_fighters(document.get("fighter", {}), path)}
    except HarnessError as err:
        raise SuiteError(str(err)) from err
    known = {**ROSTER, **users}
    header, defaults = document.get("suite", {}), document.get("defaults", {})
    raw_cases = document.get("case", [])
    if not isinstance(header, dict) or not isinstance(defaults, dict):
        raise SuiteError(f"{path}: [suite] and [defaults] must be tables")
    keys = (*CASE_KEYS[1:], *known)  # a case's fields but its name, and fighters' overrides
    bad_defaults = sorted(set(defaults) - set(keys))
    if bad_defaults:
        raise SuiteError(
            f"{path}: [defaults]: unknown field(s) {bad_defaults}; valid: {', '.join(keys)}"
        )
    if not isinstance(raw_cases, list) or not all(isinstance(raw, dict) for raw in raw_cases):
        raise SuiteError(f"{path}: 'case' must be a list of tables: write [[case]], not [case]")
    if not raw_cases:
        raise SuiteError(f"{path}: no [[case]] tables")
    if seeds is not None and (isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1):
        raise SuiteError(f"--seeds must be at least 1, got {seeds}")
    try:
        suite = SuiteHeader.model_validate(header)
    except ValidationError as err:
        key, message = problem(err.errors(), SuiteHeader, header)
        raise SuiteError(f"{path}: [suite]{'' if key else ':'} {message}") from None
    limits = {key: getattr(suite, key) for key in LIMITS}
    cases, names = [], set()
    for index, raw in enumerate(raw_cases, start=1):
        label = f"case {index}"
        if isinstance(raw, dict) and isinstance(raw.get("name"), str):
            label = f"case {raw['name']!r}"
        case = parse_case({**defaults, **raw}, f"{path}: {label}", fighters, known)
        case = resolved_paths(case, path.parent)
        samples = case.dataset_params.get("n_samples", 0)
        if samples > limits["max_samples"]:
            raise SuiteError(
                f"{path}: {label}: field 'dataset': n_samples {samples:,} exceeds the limit of "
                f"{limits['max_samples']:,}; raise it with max_samples under [suite]"
            )
        # Without regard to case: 'Moons' and 'moons' would share a result file on macOS.
        if case.name.casefold() in names:
            raise SuiteError(
                f"{path}: {label}: field 'name': duplicate case name {case.name!r} (names must "
                "differ in more than letter case)"
            )
        names.add(case.name.casefold())
        if seeds is not None:
            case = replace(case, seeds=case.seeds[:seeds])
        cases.append(case)
    used = {name for case in cases for name in case.fighters}
    user_fighters = {name: config for name, config in users.items() if name in used}
    name = suite.name or path.stem
    return Suite(name, suite.description, path, cases, **limits, user_fighters=user_fighters)
