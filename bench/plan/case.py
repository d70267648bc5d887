"""A resolved case: dataset x model x training x seeds x fighters, every default filled in."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from bench.datasets import resolve_params
from bench.errors import SuiteError
from bench.fighters.roster import DEFAULT_FIGHTERS, ROSTER, FighterConfig
from bench.plan.claims import Claim, parse_claims
from numpy_nn import ACTIVATIONS, DTYPES, INITIALIZERS, LOSSES, default_loss_for, make_optimizer

MODES = ("fair", "native")
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")  # also a file name: kept short
MAX_SEED = 2**32 - 1
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
    "claim": [],  # claims under test (bench/plan/claims.py): judged, never part of the fingerprint
}
CASE_KEYS = ("name", "dataset", "hidden", *DEFAULTS, *ROSTER)


@dataclass(frozen=True)
class FighterSettings:
    """How one fighter trains in a case (identical for every fighter in fair mode)."""

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
    time_limit: float
    fighters: dict[str, FighterSettings] = field(default_factory=dict)
    claims: tuple[Claim, ...] = ()  # left out of as_dict: a claim changes no fight

    def output_activation(self, n_classes: int) -> str:
        """The output layer's activation: explicit, or sigmoid for 2 classes, else softmax."""
        return self.output or ("sigmoid" if n_classes == 2 else "softmax")

    def layers(self, n_features: int, n_classes: int, fighter: str = "david") -> list[dict]:
        """The plain-data layer spec for a dataset of this shape, with the fighter's init."""
        settings = self.fighters[fighter]
        output = self.output_activation(n_classes)
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
        return self.loss or default_loss_for(self.output_activation(n_classes))

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
            "hidden": list(self.hidden),
            "activation": list(self.activation),
            "output": self.output,
            "loss": self.loss,
            "l2": self.l2,
            "mode": self.mode,
            "dtype": self.dtype,
            "target_accuracy": self.target_accuracy,
            "time_limit": self.time_limit,
            "fighters": {name: s.as_dict() for name, s in self.fighters.items()},
        }


def is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parse_case(
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
    if not isinstance(hidden, list) or not all(is_integer(h) and h > 0 for h in hidden):
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
    if is_integer(seeds) and seeds > 0:
        seeds = list(range(seeds))
    if not (
        isinstance(seeds, list)
        and seeds
        and all(is_integer(s) and 0 <= s <= MAX_SEED for s in seeds)
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
        is_integer(raw["dataset_seed"]) and 0 <= raw["dataset_seed"] <= MAX_SEED
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
    target = None if target is None else float(target)
    claims = parse_claims(
        raw["claim"], label, fighters, list(known), target, fighters_override is not None
    )
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
        target_accuracy=target,
        time_limit=float(raw["time_limit"]),
        fighters={name: settings[name] for name in fighters},
        claims=claims,
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
    if not (is_integer(epochs) and epochs > 0):
        raise fail(where("epochs"), f"must be a positive integer, got {epochs!r}")
    batch_size = merged["batch_size"]
    if batch_size == "full":
        batch_size = None
    elif not (is_integer(batch_size) and batch_size > 0):
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
