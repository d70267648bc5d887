"""The fields of a suite file, declared once: their types, limits, defaults, descriptions and the
message a bad value gets (a `Says`, bench/plan/table.py). Validation (`bench/plan/suite.py`) and
the published JSON Schema (`bench/plan/schema.py`, `python -m bench schema`) both come from these
models; a claim's fields are in bench/plan/claims.py.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    SkipValidation,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bench.datasets import DATASETS, DatasetError, resolve_params
from bench.fighters.roster import DEFAULT_FIGHTERS
from bench.plan.claims import ClaimFields
from bench.plan.table import Refused, Says, Table, one_of
from numpy_nn import ACTIVATIONS, DTYPES, INITIALIZERS, LOSSES, OPTIMIZERS, make_optimizer

NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"  # also a file name: kept short
NAME_PATTERN = re.compile(NAME.strip("^$"))
MAX_SEED = 2**32 - 1
MODES = ("fair", "native")


def _optimizer(spec: Any) -> Any:
    try:
        make_optimizer(spec)  # numpy_nn's own checks and words, for every fighter alike
    except (ValueError, TypeError) as err:
        raise ValueError(str(err)) from err
    return {"name": spec} if isinstance(spec, str) else dict(spec)


def _distinct(seeds: int | list[int]) -> int | list[int]:
    if isinstance(seeds, list) and len(set(seeds)) != len(seeds):
        raise ValueError(f"duplicate seeds in {seeds}: each seed is one independent fight")
    return seeds


PositiveInt = Annotated[int, Field(gt=0)]
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]
Activation = Literal[tuple(ACTIVATIONS)]
Initializer = Literal[tuple(INITIALIZERS)]
Epochs = Annotated[PositiveInt, Says("must be a positive integer, got {value!r}")]
BatchSize = Annotated[
    PositiveInt | Literal["full"], Says("must be a positive integer or 'full', got {value!r}")
]
Init = Annotated[Initializer, one_of("init", INITIALIZERS)]
BiasInit = Annotated[Initializer, one_of("bias_init", INITIALIZERS)]
Optimizer = Annotated[
    Literal[tuple(OPTIMIZERS)] | dict[str, Any],
    AfterValidator(_optimizer),
    one_of("optimizer", list(OPTIMIZERS)),
]


Limit = Annotated[PositiveInt, Says("{key}: must be a positive integer, got {value!r}")]


class SuiteHeader(Table):
    """The [suite] table: the suite's name, description and the sizes it may not exceed."""

    name: Annotated[
        str | None,
        Field(pattern=NAME),
        Says(
            lambda value, _: (
                f"name: must be a string, got {value!r}"
                if not isinstance(value, str)
                else f"name {value!r}: must be 1-100 letters, digits, '_', '.', '-'"
            )
        ),
    ] = None
    """The suite's name (default: the file's name); it names the run folder."""
    description: Annotated[str, Says("{key}: must be a string, got {value!r}")] = ""
    """What the suite measures, shown in the report."""
    # Sizes a suite may not exceed unless it says so: a typo of a few zeros should be refused,
    # not fill the memory or run for a month.
    max_parameters: Limit = 50_000_000
    """The most parameters a case's model may have."""
    max_steps: Limit = 10_000_000
    """The most training steps (epochs x batches) a fighter may take in a fight."""
    max_samples: Limit = 10_000_000
    """The most samples a dataset may have."""


class FighterOverrides(Table):
    """Settings one fighter trains with instead of the case's (mode = "native" only)."""

    UNKNOWN: ClassVar[str] = "unknown override(s)"
    NOT_A_TABLE: ClassVar[str] = "must be a table of overrides, got {value!r}"
    epochs: Epochs | None = None
    batch_size: BatchSize | None = None
    optimizer: Optimizer | None = None
    init: Init | None = None
    bias_init: BiasInit | None = None


class CaseFields(Table):
    """A [[case]]: dataset x model x training x seeds x fighters. Any field but `name` may be
    set for every case under [defaults]; a fighter's name holds its overrides."""

    model_config = ConfigDict(extra="allow")  # fighters' names, checked against the suite's
    __pydantic_extra__: dict[str, FighterOverrides]
    EXTRA: ClassVar[type[Table]] = FighterOverrides

    name: Annotated[
        str,
        Field(pattern=NAME),
        Says("must be 1-100 letters, digits, '_', '.' or '-' (a file name), got {value!r}"),
    ]
    """The case's name (it names its result files)."""
    description: Annotated[str, Says("must be text, got {value!r}")] = ""
    """What the case shows, for the report."""
    dataset: Annotated[Literal[tuple(DATASETS)], one_of("dataset", list(DATASETS))]
    """The dataset, by name (`python -m bench list` shows each with its parameters)."""
    dataset_params: Annotated[
        dict[str, Any], Field(validate_default=True), Says("must be a table, got {value!r}")
    ] = {}  # validated even when unset: the dataset's defaults are filled in
    """The dataset's parameters, e.g. { n_samples = 500, noise = 0.2 }."""
    hidden: Annotated[
        list[PositiveInt], Says("must be a list of positive layer sizes, got {value!r}")
    ]
    """The hidden layers' sizes, e.g. [25, 50, 50, 25]; [] for none."""
    activation: Annotated[Activation | list[Activation], one_of("activation", ACTIVATIONS)] = "relu"
    """The hidden layers' activation: one for all, or a list with one per layer."""
    output: Annotated[Activation | None, one_of("output", ACTIVATIONS)] = None
    """The output layer's activation (default: sigmoid for 2 classes, softmax for more)."""
    loss: Annotated[Literal[tuple(LOSSES)] | None, one_of("loss", LOSSES)] = None
    """The loss (default: the one that follows the output activation)."""
    mode: Annotated[Literal[MODES], one_of("mode", MODES)] = "fair"
    """fair: every fighter from the same weights on the same batches; native: each its own way."""
    dtype: Annotated[Literal[tuple(DTYPES)], one_of("dtype", DTYPES)] = "float32"
    """The floating-point type every fighter trains in."""
    l2: Annotated[
        float, Field(ge=0, allow_inf_nan=False), Says("must be a finite number >= 0, got {value!r}")
    ] = 0.0
    """L2 penalty on the weights."""
    seeds: Annotated[
        PositiveInt | Annotated[list[Seed], Field(min_length=1)],
        AfterValidator(_distinct),
        Says(f"must be a count >= 1 or a list of seeds in 0..{MAX_SEED}, got {{value!r}}"),
    ] = 3
    """How many seeds (0, 1, ...), or which: one independent fight each."""
    target_accuracy: Annotated[
        float | None,
        Field(gt=0, le=1, allow_inf_nan=False),
        Says("must be in (0, 1], got {value!r}"),
    ] = None
    """The test accuracy whose time to reach is measured (seconds_to_target)."""
    dataset_seed: Annotated[
        Seed | None, Says(f"must be an integer in 0..{MAX_SEED}, got {{value!r}}")
    ] = None
    """One dataset sample and split for every seed (default: each seed draws its own)."""
    time_limit: Annotated[
        float,
        Field(gt=0, allow_inf_nan=False),
        Says("must be a number of seconds > 0, got {value!r}"),
    ] = 1800.0
    """Seconds one fighter may train one fight before it is stopped."""
    fighters: Annotated[list[str], Says("must be a list of fighter names, got {value!r}")] = list(
        DEFAULT_FIGHTERS
    )
    """The fighters, by name: the roster's or the suite's [fighter.NAME]; "david" always."""
    epochs: Epochs = 50
    """Training epochs."""
    batch_size: BatchSize = 32
    """Samples per batch, or "full" for the whole training set."""
    optimizer: Optimizer = {"name": "sgd", "learning_rate": 0.01}
    """A name (sgd, rmsprop, adam) or a table: { name = "adam", learning_rate = 0.001 }."""
    init: Init = "glorot_uniform"
    """The weights' initialiser."""
    bias_init: BiasInit = "zeros"
    """The biases' initialiser."""
    # Checked by parse_claims once the case's fighters are known: never part of the fingerprint.
    claim: SkipValidation[list[ClaimFields] | ClaimFields] = []
    """Claims under test ([[case.claim]]): judged on the fights, never changing one."""

    @field_validator("dataset_params")
    @classmethod
    def _dataset(cls, params: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        if "dataset" not in info.data:
            return params
        try:
            return resolve_params(info.data["dataset"], **params)
        except (DatasetError, TypeError) as err:
            raise Refused("dataset", str(err)) from err

    @field_validator("fighters")
    @classmethod
    def _known(cls, names: list[str], info: ValidationInfo) -> list[str]:
        known = list((info.context or {}).get("known", []))
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ValueError(f"unknown fighter {unknown[0]!r}; choose from {', '.join(known)}")
        if len(set(names)) != len(names) or "david" not in names:
            raise ValueError(f"must name 'david' and each fighter once, got {names}")
        return ["david", *(name for name in names if name != "david")]

    @model_validator(mode="after")
    def _across(self, info: ValidationInfo) -> CaseFields:
        if isinstance(self.activation, list) and len(self.activation) != len(self.hidden):
            raise Refused(
                "activation",
                f"{len(self.activation)} activations for {len(self.hidden)} hidden layers",
            )
        for fighter in self.overrides():
            if self.mode == "fair":
                raise Refused(
                    fighter, "per-fighter overrides need mode = 'native' (fair means identical)"
                )
            if fighter not in self.fighters and not (info.context or {}).get("overridden"):
                raise Refused(
                    fighter, f"overrides for {fighter!r}, which is not in fighters {self.fighters}"
                )
        return self

    def overrides(self) -> dict[str, dict[str, Any]]:
        """Each fighter's overrides, as set in the file (empty tables left out)."""
        extra = self.__pydantic_extra__ or {}
        tables = {name: table.model_dump(exclude_unset=True) for name, table in extra.items()}
        return {name: table for name, table in tables.items() if table}


CASE_KEYS = tuple(CaseFields.model_fields)


class UserFighterTable(Table):
    """[fighter.NAME]: your own network as a fighter (checked by bench/fighters/user.py, which
    reads its file; declared here for the published schema)."""

    path: Annotated[str, Field(pattern=r"\.py$")]
    """The Python file, relative to the suite file."""
    class_: Annotated[str, Field(alias="class", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
    """The class in it: numpy_nn.Network's interface, or an adapter to it."""
    display: str | None = None
    """Its name in the report (default: the table's name)."""
    description: str | None = None
    """What it is, for the report."""
    env: dict[str, str] = {}
    """Environment variables its worker process starts with."""
    options: dict[str, Any] = {}
    """Keyword arguments its class is built with."""
