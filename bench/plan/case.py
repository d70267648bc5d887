"""A resolved case: dataset x model x training x seeds x fighters, every default filled in.

The fields a suite may set, their defaults and their checks are declared once, in
`bench/plan/fields.py`; `parse_case` validates a case's table against them and resolves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from bench.errors import SuiteError
from bench.fighters.roster import FighterConfig
from bench.plan.claims import Claim, parse_claims
from bench.plan.fields import CASE_KEYS, CaseFields, FighterOverrides
from bench.plan.table import problem
from numpy_nn import default_loss_for

# Settings a fighter may override in native mode (each framework as its users run it).
FIGHTER_KEYS = tuple(FighterOverrides.model_fields)
# The fields a Case holds as the suite wrote them (pydantic has made every float a float).
AS_WRITTEN = {"name", "description", "dataset", "dataset_params", "dataset_seed", "output", "loss"}
AS_WRITTEN |= {"l2", "mode", "dtype", "target_accuracy", "time_limit"}


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


def parse_case(
    raw: dict[str, Any],
    label: str,
    fighters_override: list[str] | None,
    known: dict[str, FighterConfig],
) -> Case:
    """Check every field of one case (defaults merged in); any problem is a SuiteError naming
    the field."""
    unknown = sorted(set(raw) - set(CASE_KEYS) - set(known))
    if unknown:
        raise SuiteError(
            f"{label}: unknown field(s) {unknown}; valid fields: {', '.join((*CASE_KEYS, *known))}"
        )
    if fighters_override is not None:
        raw = {**raw, "fighters": fighters_override}
    context = {"known": list(known), "overridden": fighters_override is not None}
    try:
        fields = CaseFields.model_validate(raw, context=context)
    except ValidationError as err:
        key, message = problem(err.errors(), CaseFields, raw)
        raise SuiteError(f"{label}: field {key!r}: {message}") from None
    overrides = fields.overrides()
    settings = {}
    for name in fields.fighters:
        merged = {key: getattr(fields, key) for key in FIGHTER_KEYS} | overrides.get(name, {})
        if merged["batch_size"] == "full":
            merged["batch_size"] = None
        settings[name] = FighterSettings(**merged)
    hidden, activation, seeds = fields.hidden, fields.activation, fields.seeds
    return Case(
        **fields.model_dump(include=AS_WRITTEN),
        hidden=hidden,
        activation=activation if isinstance(activation, list) else [activation] * len(hidden),
        seeds=list(range(seeds)) if isinstance(seeds, int) else seeds,
        fighters=settings,
        claims=parse_claims(
            fields.claim,
            label,
            fields.fighters,
            list(known),
            fields.target_accuracy,
            fighters_override is not None,
        ),
    )
