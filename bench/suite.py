"""Suites: TOML files of cases, parsed and checked before anything trains.

Every mistake is a SuiteError naming the file, the case and the field:
`quick.toml: case 'moons': field 'epochs': must be a positive integer, got -1`.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from numpy_nn import ACTIVATIONS, DTYPES, INITIALIZERS, LOSSES, make_optimizer

from .case import Case, FighterSettings
from .datasets import resolve_params
from .errors import HarnessError
from .fighters.roster import DEFAULT_FIGHTERS, ROSTER, FighterConfig
from .fighters.user import installed_fighters, suite_fighters

SUITES_DIR = Path(__file__).with_name("suites")
MODES = ("fair", "native")
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")  # also a file name: kept short
# Settings a fighter may override in native mode (each framework as its users run it).
FIGHTER_KEYS = ("epochs", "batch_size", "optimizer", "init", "bias_init")
DEFAULTS: dict[str, Any] = {
    "description": "",
    "dataset_params": {},
    "dataset_seed": None,  # None: each seed draws its own dataset sample and split
    "activation": "relu",
    "output": None,  # None: sigmoid for two classes, softmax for more
    "loss": None,  # None: follows the output activation
    "init": "glorot_uniform",
    "bias_init": "zeros",
    "l2": 0.0,
    "optimizer": {"name": "sgd", "learning_rate": 0.01},
    "batch_size": 32,
    "epochs": 50,
    "seeds": 3,
    "mode": "fair",
    "dtype": "float32",
    "target_accuracy": None,
    "time_limit": 1800.0,  # seconds one fighter may train one fight before it is stopped
    "fighters": list(DEFAULT_FIGHTERS),
}
CASE_KEYS = ("name", "dataset", "hidden", *DEFAULTS, *ROSTER)
# Sizes a suite may not exceed unless it says so under [suite]: a typo of a few zeros should be
# refused, not fill the memory or run for a month.
LIMITS = {"max_parameters": 50_000_000, "max_steps": 10_000_000, "max_samples": 10_000_000}
SUITE_KEYS = ("name", "description", *LIMITS)
MAX_SEED = 2**32 - 1


class SuiteError(HarnessError):
    """A suite file with a mistake; the message names the file, the case and the field."""


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
    """A suite file from a path, or a name of a file in bench/suites/."""
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
    name = str(header.get("name", path.stem))
    if not NAME_PATTERN.fullmatch(name):
        raise SuiteError(
            f"{path}: [suite] name {name!r}: must be 1-100 letters, digits, '_', '.', '-'"
        )
    limits = {key: header.get(key, default) for key, default in LIMITS.items()}
    for key, value in limits.items():
        if not (_is_int(value) and value > 0):
            raise SuiteError(f"{path}: [suite] {key}: must be a positive integer, got {value!r}")
    cases, names = [], set()
    for index, raw in enumerate(raw_cases, start=1):
        label = f"case {index}"
        if isinstance(raw, dict) and isinstance(raw.get("name"), str):
            label = f"case {raw['name']!r}"
        case = _parse_case({**DEFAULTS, **defaults, **raw}, f"{path}: {label}", fighters, known)
        samples = case.dataset_params.get("n_samples", 0)
        if samples > limits["max_samples"]:
            raise SuiteError(
                f"{path}: {label}: field 'dataset': n_samples {samples:,} exceeds the limit of "
                f"{limits['max_samples']:,}; raise it with max_samples under [suite]"
            )
        if case.name in names:
            raise SuiteError(f"{path}: {label}: field 'name': duplicate case name {case.name!r}")
        names.add(case.name)
        if seeds is not None:
            case = replace(case, seeds=case.seeds[:seeds])
        cases.append(case)
    used = {name for case in cases for name in case.fighters}
    user_fighters = {name: config for name, config in users.items() if name in used}
    description = str(header.get("description", ""))
    return Suite(name, description, path, cases, **limits, user_fighters=user_fighters)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _parse_case(
    raw: Any, label: str, fighters_override: list[str] | None, known: dict[str, FighterConfig]
) -> Case:
    """Check every field of one case; any problem is a SuiteError naming the field."""

    def fail(key: str, message: str) -> SuiteError:
        return SuiteError(f"{label}: field {key!r}: {message}")

    unknown = sorted(set(raw) - set(CASE_KEYS) - set(known))
    if unknown:
        raise SuiteError(
            f"{label}: unknown field(s) {unknown}; valid fields: {', '.join(CASE_KEYS)}"
        )
    for key in ("name", "dataset", "hidden"):
        if key not in raw:
            raise fail(key, "missing")
    name = raw["name"]
    if not (isinstance(name, str) and NAME_PATTERN.fullmatch(name)):
        raise fail(
            "name", f"must be 1-100 letters, digits, '_', '.' or '-' (a file name), got {name!r}"
        )
    if not isinstance(raw["dataset"], str) or not isinstance(raw["dataset_params"], dict):
        raise fail("dataset", "must be a dataset name, with dataset_params a table")
    try:
        dataset_params = resolve_params(raw["dataset"], **raw["dataset_params"])
    except (ValueError, TypeError) as err:
        raise fail("dataset", str(err)) from err
    hidden = raw["hidden"]
    if not isinstance(hidden, list) or not all(_is_int(h) and h > 0 for h in hidden):
        raise fail("hidden", f"must be a list of positive layer sizes, got {hidden!r}")
    activation = raw["activation"]
    activations = activation if isinstance(activation, list) else [activation] * len(hidden)
    if len(activations) != len(hidden):
        raise fail("activation", f"{len(activations)} activations for {len(hidden)} hidden layers")
    for key, value, allowed in (
        *(("activation", a, ACTIVATIONS) for a in activations),
        ("output", raw["output"], (None, *ACTIVATIONS)),
        ("loss", raw["loss"], (None, *LOSSES)),
        ("mode", raw["mode"], MODES),
        ("dtype", raw["dtype"], DTYPES),
    ):
        if not isinstance(value, str | None) or value not in allowed:
            choices = ", ".join(str(a) for a in allowed if a is not None)
            raise fail(key, f"unknown {key} {value!r}; choose one of {choices}")
    if not (_is_number(raw["l2"]) and raw["l2"] >= 0):
        raise fail("l2", f"must be a finite number >= 0, got {raw['l2']!r}")
    seeds = raw["seeds"]
    if _is_int(seeds) and seeds > 0:
        seeds = list(range(seeds))
    if not (
        isinstance(seeds, list) and seeds and all(_is_int(s) and 0 <= s <= MAX_SEED for s in seeds)
    ):
        raise fail(
            "seeds",
            f"must be a count >= 1 or a list of seeds in 0..{MAX_SEED}, got {raw['seeds']!r}",
        )
    if len(set(seeds)) != len(seeds):
        raise fail("seeds", f"duplicate seeds in {seeds}: each seed is one independent fight")
    target = raw["target_accuracy"]
    if target is not None and not (_is_number(target) and 0 < target <= 1):
        raise fail("target_accuracy", f"must be in (0, 1], got {target!r}")
    if raw["dataset_seed"] is not None and not (
        _is_int(raw["dataset_seed"]) and 0 <= raw["dataset_seed"] <= MAX_SEED
    ):
        raise fail(
            "dataset_seed", f"must be an integer in 0..{MAX_SEED}, got {raw['dataset_seed']!r}"
        )
    if not (_is_number(raw["time_limit"]) and raw["time_limit"] > 0):
        raise fail("time_limit", f"must be a number of seconds > 0, got {raw['time_limit']!r}")
    fighters = _fighter_names(
        known, raw["fighters"] if fighters_override is None else fighters_override, fail
    )
    settings = {}
    for fighter in known:
        overrides = raw.get(fighter, {})
        if not isinstance(overrides, dict):
            raise fail(fighter, f"must be a table of overrides, got {overrides!r}")
        bad = sorted(set(overrides) - set(FIGHTER_KEYS))
        if bad:
            raise fail(fighter, f"unknown override(s) {bad}; valid: {', '.join(FIGHTER_KEYS)}")
        if overrides and raw["mode"] == "fair":
            raise fail(fighter, "per-fighter overrides need mode = 'native' (fair means identical)")
        if overrides and fighter not in fighters and fighters_override is None:
            raise fail(fighter, f"overrides for {fighter!r}, which is not in fighters {fighters}")
        if fighter in fighters:
            merged = {key: overrides.get(key, raw[key]) for key in FIGHTER_KEYS}
            where = lambda key, f=fighter, o=overrides: f"{f}.{key}" if key in o else key  # noqa: E731
            settings[fighter] = _parse_fighter(merged, where, fail)
    return Case(
        name=name,
        description=str(raw["description"]),
        dataset=raw["dataset"],
        dataset_params=dataset_params,
        dataset_seed=raw["dataset_seed"],
        hidden=list(hidden),
        activation=list(activations),
        output=raw["output"],
        loss=raw["loss"],
        l2=float(raw["l2"]),
        mode=raw["mode"],
        dtype=raw["dtype"],
        seeds=seeds,
        target_accuracy=None if target is None else float(target),
        time_limit=float(raw["time_limit"]),
        fighters={name: settings[name] for name in fighters},
    )


def _fighter_names(known: dict[str, FighterConfig], value: Any, fail) -> list[str]:
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise fail("fighters", f"must be a list of fighter names, got {value!r}")
    unknown = [v for v in value if v not in known]
    if unknown:
        raise fail("fighters", f"unknown fighter {unknown[0]!r}; choose from {', '.join(known)}")
    if len(set(value)) != len(value) or "david" not in value:
        raise fail("fighters", f"must name 'david' and each fighter once, got {value}")
    return ["david", *(v for v in value if v != "david")]


def _parse_fighter(merged: dict[str, Any], where, fail) -> FighterSettings:
    epochs = merged["epochs"]
    if not (_is_int(epochs) and epochs > 0):
        raise fail(where("epochs"), f"must be a positive integer, got {epochs!r}")
    batch_size = merged["batch_size"]
    if batch_size == "full":
        batch_size = None
    elif not (_is_int(batch_size) and batch_size > 0):
        raise fail(where("batch_size"), f"must be a positive integer or 'full', got {batch_size!r}")
    for key in ("init", "bias_init"):
        if not isinstance(merged[key], str) or merged[key] not in INITIALIZERS:
            raise fail(
                where(key),
                f"unknown {key} {merged[key]!r}; choose one of {', '.join(INITIALIZERS)}",
            )
    optimizer = merged["optimizer"]
    try:
        make_optimizer(optimizer)
    except (ValueError, TypeError) as err:
        raise fail(where("optimizer"), str(err)) from err
    optimizer = {"name": optimizer} if isinstance(optimizer, str) else dict(optimizer)
    return FighterSettings(epochs, batch_size, optimizer, merged["init"], merged["bias_init"])
