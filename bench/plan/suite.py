"""Suites: TOML files of cases, parsed and checked before anything trains.

Every mistake is a SuiteError naming the file, the case and the field:
`quick.toml: case 'moons': field 'epochs': must be a positive integer, got -1`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bench.datasets.registry import SOURCES
from bench.errors import HarnessError, SuiteError
from bench.fighters.roster import ROSTER, FighterConfig
from bench.fighters.user import installed_fighters, suite_fighters
from bench.plan.case import CASE_KEYS, DEFAULTS, NAME_PATTERN, Case, is_integer, parse_case

SUITES_DIR = Path(__file__).with_name("suites")
# Sizes a suite may not exceed unless it says so under [suite]: a typo of a few zeros should be
# refused, not fill the memory or run for a month.
LIMITS = {"max_parameters": 50_000_000, "max_steps": 10_000_000, "max_samples": 10_000_000}
SUITE_KEYS = ("name", "description", *LIMITS)


@dataclass(frozen=True)
class Suite:
    """A named list of cases read from a TOML file."""

    name: str
    description: str
    path: Path
    cases: list[Case]
    max_parameters: int = LIMITS["max_parameters"]
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
    keys = (*CASE_KEYS, *users)
    bad_defaults = sorted(set(defaults) - set(keys) | ({"name"} & set(defaults)))
    if bad_defaults:
        raise SuiteError(
            f"{path}: [defaults]: unknown field(s) {bad_defaults}; "
            f"valid: {', '.join(CASE_KEYS[1:])}"
        )
    if not isinstance(raw_cases, list) or not all(isinstance(raw, dict) for raw in raw_cases):
        raise SuiteError(f"{path}: 'case' must be a list of tables: write [[case]], not [case]")
    if not raw_cases:
        raise SuiteError(f"{path}: no [[case]] tables")
    if seeds is not None and (isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1):
        raise SuiteError(f"--seeds must be at least 1, got {seeds}")
    bad_header = sorted(set(header) - set(SUITE_KEYS))
    if bad_header:
        raise SuiteError(
            f"{path}: [suite]: unknown field(s) {bad_header}; valid: {', '.join(SUITE_KEYS)}"
        )
    name = header.get("name", path.stem)
    if not isinstance(name, str):
        raise SuiteError(f"{path}: [suite] name: must be a string, got {name!r}")
    if not NAME_PATTERN.fullmatch(name):
        raise SuiteError(
            f"{path}: [suite] name {name!r}: must be 1-100 letters, digits, '_', '.', '-'"
        )
    limits = {key: header.get(key, default) for key, default in LIMITS.items()}
    for key, value in limits.items():
        if not (is_integer(value) and value > 0):
            raise SuiteError(f"{path}: [suite] {key}: must be a positive integer, got {value!r}")
    cases, names = [], set()
    for index, raw in enumerate(raw_cases, start=1):
        label = f"case {index}"
        if isinstance(raw, dict) and isinstance(raw.get("name"), str):
            label = f"case {raw['name']!r}"
        case = parse_case({**DEFAULTS, **defaults, **raw}, f"{path}: {label}", fighters, known)
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
    description = str(header.get("description", ""))
    return Suite(name, description, path, cases, **limits, user_fighters=user_fighters)
