"""Suites: TOML files of cases (dataset x model x training x seeds), parsed and checked."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from numpy_nn import DTYPES, Network, default_loss_for, make_optimizer

from .datasets import resolve_params
from .errors import HarnessError
from .records import FIGHTERS

SUITES_DIR = Path(__file__).with_name("suites")
MODES = ("fair", "native")
# Settings a fighter may override in native mode (each framework as its users run it).
FIGHTER_KEYS = ("epochs", "batch_size", "optimizer", "init", "bias_init")
CASE_KEYS = (
    "name",
    "description",
    "dataset",
    "dataset_params",
    "dataset_seed",
    "hidden",
    "activation",
    "output",
    "loss",
    "init",
    "bias_init",
    "l2",
    "optimizer",
    "batch_size",
    "epochs",
    "seeds",
    "mode",
    "dtype",
    "target_accuracy",
    *FIGHTERS,
)
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
}


class SuiteError(HarnessError):
    """A suite file with a mistake; the message names the file, the case and the field."""


@dataclass(frozen=True)
class FighterSettings:
    """How one fighter trains in a case."""

    epochs: int
    batch_size: int | None  # None: full batch
    optimizer: dict[str, Any]
    init: str
    bias_init: str

    def as_dict(self) -> dict[str, Any]:
        """Plain-data form for results files."""
        return {
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "optimizer": dict(self.optimizer),
            "init": self.init,
            "bias_init": self.bias_init,
        }


@dataclass(frozen=True)
class Case:
    """One resolved case of a suite."""

    name: str
    description: str
    dataset: str
    dataset_params: dict[str, Any]
    dataset_seed: int | None
    hidden: list[int]
    activation: list[str]
    output: str | None
    loss: str | None
    l2: float
    mode: str
    dtype: str
    seeds: list[int]
    target_accuracy: float | None
    fighters: dict[str, FighterSettings] = field(default_factory=dict)

    def layers(self, n_features: int, n_classes: int, fighter: str = "david") -> list[dict]:
        """The plain-data layer spec for a dataset of this shape, with the fighter's init."""
        settings = self.fighters[fighter]
        output = self.output or ("sigmoid" if n_classes == 2 else "softmax")
        n_outputs = 1 if output == "sigmoid" and n_classes == 2 else n_classes
        sizes = [n_features, *self.hidden, n_outputs]
        activations = [*self.activation, output]
        return [
            {
                "input_dim": sizes[i],
                "output_dim": sizes[i + 1],
                "activation": activations[i],
                "init": settings.init,
                "bias_init": settings.bias_init,
            }
            for i in range(len(sizes) - 1)
        ]

    def loss_for(self, n_classes: int) -> str:
        """The loss name, explicit or following the output activation."""
        output = self.output or ("sigmoid" if n_classes == 2 else "softmax")
        return self.loss or default_loss_for(output)

    def as_dict(self) -> dict[str, Any]:
        """Plain-data form for results files (without the model, which needs the dataset)."""
        return {
            "name": self.name,
            "description": self.description,
            "dataset": {
                "name": self.dataset,
                "params": dict(self.dataset_params),
                "seed": self.dataset_seed,
            },
            "mode": self.mode,
            "dtype": self.dtype,
            "target_accuracy": self.target_accuracy,
            "fighters": {name: s.as_dict() for name, s in self.fighters.items()},
        }


@dataclass(frozen=True)
class Suite:
    """A named list of cases read from a TOML file."""

    name: str
    description: str
    path: Path
    cases: list[Case]


def find_suite(name_or_path: str) -> Path:
    """A suite file from a path, or a name of a file in bench/suites/."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise SuiteError(f"{path}: no such suite file")
        return path
    candidate = SUITES_DIR / f"{name_or_path}.toml"
    if not candidate.is_file():
        known = ", ".join(sorted(p.stem for p in SUITES_DIR.glob("*.toml")))
        raise SuiteError(f"unknown suite {name_or_path!r}; choose one of {known}, or a .toml path")
    return candidate


def load_suite(name_or_path: str | Path, seeds: int | None = None) -> Suite:
    """Parse and check a suite; `seeds` keeps only the first N seeds of every case."""
    path = find_suite(str(name_or_path))
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise SuiteError(f"{path}: not valid TOML: {err}") from err
    unknown = sorted(set(document) - {"suite", "defaults", "case"})
    if unknown:
        raise SuiteError(f"{path}: unknown table(s) {unknown}; valid: suite, defaults, case")
    header = document.get("suite", {})
    defaults = {**DEFAULTS, **document.get("defaults", {})}
    bad_defaults = sorted(set(document.get("defaults", {})) - set(CASE_KEYS))
    if bad_defaults:
        raise SuiteError(f"{path}: [defaults]: unknown field(s) {bad_defaults}")
    raw_cases = document.get("case", [])
    if not raw_cases:
        raise SuiteError(f"{path}: no [[case]] tables")
    cases, names = [], set()
    for index, raw in enumerate(raw_cases, start=1):
        label = f"{path}: case {index} ({raw.get('name', 'unnamed')!r})"
        case = _parse_case({**defaults, **raw}, label)
        if case.name in names:
            raise SuiteError(f"{label}: field 'name': duplicate case name {case.name!r}")
        names.add(case.name)
        if seeds is not None:
            case = _with_seeds(case, seeds)
        cases.append(case)
    return Suite(
        name=str(header.get("name", path.stem)),
        description=str(header.get("description", "")),
        path=path,
        cases=cases,
    )


def _with_seeds(case: Case, count: int) -> Case:
    if count < 1:
        raise SuiteError(f"--seeds must be at least 1, got {count}")
    return Case(**{**case.__dict__, "seeds": list(range(count))})


def _parse_case(raw: dict[str, Any], label: str) -> Case:
    """Check every field of one case; any problem is a SuiteError naming the field."""

    def fail(key: str, message: str) -> SuiteError:
        return SuiteError(f"{label}: field {key!r}: {message}")

    unknown = sorted(set(raw) - set(CASE_KEYS))
    if unknown:
        raise SuiteError(
            f"{label}: unknown field(s) {unknown}; valid fields: {', '.join(CASE_KEYS)}"
        )
    for key in ("name", "dataset", "hidden"):
        if key not in raw:
            raise fail(key, "missing")
    name = raw["name"]
    if not (isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name)):
        raise fail("name", f"must be letters, digits, '_', '.' or '-' (a file name), got {name!r}")
    try:
        dataset_params = resolve_params(raw["dataset"], **raw["dataset_params"])
    except (ValueError, TypeError) as err:
        raise fail("dataset", str(err)) from err
    hidden = raw["hidden"]
    if not isinstance(hidden, list) or not all(isinstance(h, int) and h > 0 for h in hidden):
        raise fail("hidden", f"must be a list of positive layer sizes, got {hidden!r}")
    activation = raw["activation"]
    activations = activation if isinstance(activation, list) else [activation] * len(hidden)
    if len(activations) != len(hidden):
        raise fail("activation", f"{len(activations)} activations for {len(hidden)} hidden layers")
    for key, allowed in (("mode", MODES), ("dtype", DTYPES)):
        if raw[key] not in allowed:
            raise fail(key, f"unknown {key} {raw[key]!r}; choose one of {', '.join(allowed)}")
    seeds = raw["seeds"]
    if isinstance(seeds, int) and not isinstance(seeds, bool) and seeds > 0:
        seeds = list(range(seeds))
    if not (
        isinstance(seeds, list) and seeds and all(isinstance(s, int) and s >= 0 for s in seeds)
    ):
        raise fail("seeds", f"must be a count >= 1 or a list of seeds >= 0, got {raw['seeds']!r}")
    target = raw["target_accuracy"]
    if target is not None and not (isinstance(target, int | float) and 0 < target <= 1):
        raise fail("target_accuracy", f"must be in (0, 1], got {target!r}")
    if raw["dataset_seed"] is not None and not (
        isinstance(raw["dataset_seed"], int) and raw["dataset_seed"] >= 0
    ):
        raise fail("dataset_seed", f"must be an integer >= 0, got {raw['dataset_seed']!r}")

    fighters = {}
    for fighter in FIGHTERS:
        overrides = raw.get(fighter, {})
        if not isinstance(overrides, dict):
            raise fail(fighter, f"must be a table of overrides, got {overrides!r}")
        bad = sorted(set(overrides) - set(FIGHTER_KEYS))
        if bad:
            raise fail(fighter, f"unknown override(s) {bad}; valid: {', '.join(FIGHTER_KEYS)}")
        if overrides and raw["mode"] == "fair":
            raise fail(fighter, "per-fighter overrides need mode = 'native' (fair means identical)")
        merged = {key: overrides.get(key, raw[key]) for key in FIGHTER_KEYS}
        # A problem in an override is named `david.epochs`; in a shared setting, `epochs`.
        where = lambda key, f=fighter, o=overrides: f"{f}.{key}" if key in o else key  # noqa: E731
        fighters[fighter] = _parse_fighter(merged, where, fail)
    case = Case(
        name=name,
        description=str(raw["description"]),
        dataset=raw["dataset"],
        dataset_params=dataset_params,
        dataset_seed=raw["dataset_seed"],
        hidden=list(hidden),
        activation=list(activations),
        output=raw["output"],
        loss=raw["loss"],
        l2=raw["l2"],
        mode=raw["mode"],
        dtype=raw["dtype"],
        seeds=seeds,
        target_accuracy=None if target is None else float(target),
        fighters=fighters,
    )
    # Build David for a stand-in dataset shape: numpy_nn checks every name and combination.
    for fighter in FIGHTERS:
        try:
            Network(case.layers(2, 3, fighter), loss=case.loss_for(3), l2=case.l2)
        except ValueError as err:
            raise fail(_field_named_by(str(err)), str(err)) from err
    return case


def _field_named_by(message: str) -> str:
    """The case field a numpy_nn error is about, from its wording."""
    for key in ("bias_init", "init", "loss", "l2", "activation"):
        if key in message:
            return key
    return "hidden"


def _parse_fighter(merged: dict[str, Any], where, fail) -> FighterSettings:
    epochs = merged["epochs"]
    if not (isinstance(epochs, int) and not isinstance(epochs, bool) and epochs > 0):
        raise fail(where("epochs"), f"must be a positive integer, got {epochs!r}")
    batch_size = merged["batch_size"]
    if batch_size == "full":
        batch_size = None
    elif not (isinstance(batch_size, int) and not isinstance(batch_size, bool) and batch_size > 0):
        raise fail(where("batch_size"), f"must be a positive integer or 'full', got {batch_size!r}")
    optimizer = merged["optimizer"]
    try:
        make_optimizer(optimizer)
    except (ValueError, TypeError) as err:
        raise fail(where("optimizer"), str(err)) from err
    optimizer = {"name": optimizer} if isinstance(optimizer, str) else dict(optimizer)
    return FighterSettings(
        epochs=epochs,
        batch_size=batch_size,
        optimizer=optimizer,
        init=merged["init"],
        bias_init=merged["bias_init"],
    )
