"""The fields of a suite file, declared once: their types, limits, defaults, descriptions and the
message a bad value gets. Validation (`bench/plan/suite.py`) and the published JSON Schema
(`bench/plan/schema.py`, `python -m bench schema`) both come from these models.

Each field's type carries a `Says`: the harness's own words for a bad value, so that a suite's
mistake reads `field 'epochs': must be a positive integer, got -1`, never pydantic's wording.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SkipValidation,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bench.datasets import DATASETS, DatasetError, resolve_params
from bench.fighters.roster import DEFAULT_FIGHTERS
from numpy_nn import ACTIVATIONS, DTYPES, INITIALIZERS, LOSSES, OPTIMIZERS, make_optimizer

NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"  # also a file name: kept short
NAME_PATTERN = re.compile(NAME.strip("^$"))
MAX_SEED = 2**32 - 1
MODES = ("fair", "native")
CLAIM_METRICS = ("test_accuracy", "seconds_to_target", "train_seconds")
RATIO_METRICS = ("seconds_to_target", "train_seconds")
EVERY = "every"  # a claim's fighter: every fighter of the case (test_accuracy only)
MAX_TEXT = 2000  # a quote is a sentence or two, not an article


class Says:
    """A field's message for a bad value: a template of `value` (the field's whole value) and
    `leaf` (the bad element), or a function of (value, the table holding it)."""

    def __init__(self, message: str | Callable[[Any, dict[str, Any]], str]) -> None:
        self.message = message

    def __call__(self, value: Any, leaf: Any, table: dict[str, Any]) -> str:
        """The message for this bad value."""
        if callable(self.message):
            return self.message(value, table)
        return self.message.format(value=value, leaf=leaf)


class Refused(ValueError):
    """A check across fields failed: the field to blame and the message."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def one_of(what: str, options: tuple[str, ...] | list[str]) -> Says:
    """The message of a field that takes one of `options`."""
    return Says(f"unknown {what} {{leaf!r}}; choose one of {', '.join(options)}")


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
TEXT = Says(f"must be text of 1-{MAX_TEXT} characters, got {{value!r}}")


def _threshold(value: Any, claim: dict[str, Any]) -> str:
    if claim.get("metric") in RATIO_METRICS:
        return f"a ratio threshold must be a number > 0, got {value!r}"
    return f"an accuracy threshold must be in [0, 1], got {value!r}"


class Table(BaseModel):
    """A table of a suite file: TOML's own types, nothing converted, no unknown keys."""

    model_config = ConfigDict(
        extra="forbid", strict=True, use_attribute_docstrings=True, frozen=True
    )
    UNKNOWN: ClassVar[str] = "unknown field(s)"  # how unknown keys are named in messages
    MISSING: ClassVar[str] = "missing"


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
    description: Annotated[str, Says("description: must be a string, got {value!r}")] = ""
    """What the suite measures, shown in the report."""
    # Sizes a suite may not exceed unless it says so: a typo of a few zeros should be refused,
    # not fill the memory or run for a month.
    max_parameters: Annotated[
        PositiveInt, Says("max_parameters: must be a positive integer, got {value!r}")
    ] = 50_000_000  # noqa: E501
    """The most parameters a case's model may have."""
    max_steps: Annotated[
        PositiveInt, Says("max_steps: must be a positive integer, got {value!r}")
    ] = 10_000_000  # noqa: E501
    """The most training steps (epochs x batches) a fighter may take in a fight."""
    max_samples: Annotated[
        PositiveInt, Says("max_samples: must be a positive integer, got {value!r}")
    ] = 10_000_000  # noqa: E501
    """The most samples a dataset may have."""


class FighterOverrides(Table):
    """Settings one fighter trains with instead of the case's (mode = "native" only)."""

    UNKNOWN: ClassVar[str] = "unknown override(s)"
    epochs: Epochs | None = None
    batch_size: BatchSize | None = None
    optimizer: Optimizer | None = None
    init: Init | None = None
    bias_init: BiasInit | None = None


class ClaimFields(Table):
    """A claim under test: the quoted sentence, its source, and its checkable form."""

    UNKNOWN: ClassVar[str] = "unknown key(s)"
    MISSING: ClassVar[str] = (
        "missing; a claim needs quote, source, metric, fighter, versus, compare, threshold"
    )
    quote: Annotated[str, Field(min_length=1, max_length=MAX_TEXT, pattern=r"\S"), TEXT]
    """The sentence as the article or README writes it."""
    source: Annotated[str, Field(min_length=1, max_length=MAX_TEXT, pattern=r"\S"), TEXT]
    """Where the sentence comes from."""
    metric: Annotated[Literal[CLAIM_METRICS], one_of("metric", CLAIM_METRICS)]
    """What is measured: test_accuracy, seconds_to_target (to the case's target_accuracy) or
    train_seconds."""
    fighter: Annotated[str, Says("unknown fighter {value!r}")]
    """The fighter the claim is about; "every" (test_accuracy only) for all of the case's."""
    versus: Annotated[str | None, Says("unknown fighter {value!r}")] = None
    """Time metrics: the ratio is fighter's time / versus's time."""
    compare: Annotated[Literal[">=", "<="], one_of("comparison", (">=", "<="))]
    """">=" (at least) or "<=" (at most) the threshold."""
    threshold: Annotated[
        float,
        Field(allow_inf_nan=False),
        Says(_threshold),
    ]
    """An accuracy in [0, 1], or a ratio of times > 0."""

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> ClaimFields:
        """Checks across the claim's fields and its case (fighters, target), in `info.context`."""
        case = info.context or {}
        ratio = self.metric in RATIO_METRICS
        known = list(case.get("known", []))
        self._fighter("fighter", self.fighter, known if ratio else [EVERY, *known], case)
        if not ratio and self.versus is not None:
            raise Refused("versus", f"only time metrics are ratios ({', '.join(RATIO_METRICS)})")
        if ratio and self.versus is None:
            raise Refused(
                "versus", f"missing: {self.metric} is a ratio, fighter's time / versus's time"
            )
        if ratio:
            self._fighter("versus", self.versus, known, case)
            if self.versus == self.fighter:
                raise Refused("versus", f"must differ from fighter, got {self.versus!r} twice")
        if (ratio and self.threshold <= 0) or (not ratio and not 0 <= self.threshold <= 1):
            raise Refused("threshold", _threshold(self.threshold, {"metric": self.metric}))
        if self.metric == "seconds_to_target" and case.get("target") is None:
            raise Refused("metric", "seconds_to_target needs the case's target_accuracy; set it")
        return self

    @staticmethod
    def _fighter(key: str, name: Any, allowed: list[str], case: dict[str, Any]) -> None:
        if name not in allowed:
            raise Refused(key, f"unknown fighter {name!r}; choose one of {', '.join(allowed)}")
        if name != EVERY and name not in case.get("fighters", []) and not case.get("overridden"):
            raise Refused(key, f"{name!r} is not in this case's fighters {case.get('fighters')}")


class CaseFields(Table):
    """A [[case]]: dataset x model x training x seeds x fighters. Any field but `name` may be
    set for every case under [defaults]; a fighter's name holds its overrides."""

    model_config = ConfigDict(extra="allow")  # fighters' names, checked against the suite's
    __pydantic_extra__: dict[str, FighterOverrides]

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
    dataset_params: Annotated[dict[str, Any], Says("must be a table, got {value!r}")] = {}
    """The dataset's parameters, e.g. { n_samples = 500, noise = 0.2 }."""
    hidden: Annotated[
        list[PositiveInt], Says("must be a list of positive layer sizes, got {value!r}")
    ]  # noqa: E501
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


def says(model: type[BaseModel], field: str) -> Says:
    """The message a model's field gives a bad value (on its type, or inside `X | None`)."""
    info = model.model_fields[field]
    inner = (m for a in get_args(info.annotation) for m in getattr(a, "__metadata__", ()))
    return next(m for m in (*info.metadata, *inner) if isinstance(m, Says))


def problem(errors: list[Any], model: type[Table], table: dict[str, Any]) -> tuple[str, str]:
    """The first of pydantic's `errors` on `table` as (field, message) in the harness's words;
    a fighter's override is `david.epochs`, a problem of the whole table has field ''."""
    unknown = sorted(e["loc"][0] for e in errors if e["type"] == "extra_forbidden")
    if unknown and all(len(e["loc"]) == 1 for e in errors if e["type"] == "extra_forbidden"):
        return "", f"{model.UNKNOWN} {unknown}; valid: {', '.join(model.model_fields)}"
    first = errors[0]
    key = str(first["loc"][0]) if first["loc"] else ""
    cause = (first.get("ctx") or {}).get("error")
    if isinstance(cause, Refused):
        return cause.field, str(cause)
    if cause is not None:  # a validator's own words
        return key, str(cause)
    if first["type"] == "missing":
        return key, model.MISSING
    if key not in model.model_fields:  # a fighter's overrides (CaseFields' extras)
        value = table.get(key)
        if not isinstance(value, dict):
            return key, f"must be a table of overrides, got {value!r}"
        inner = [{**e, "loc": e["loc"][1:]} for e in errors if e["loc"][:1] == (key,)]
        field, message = problem(inner, FighterOverrides, value)
        return f"{key}.{field}" if field else key, message
    # In a union (`relu` or a list of them), the innermost bad choice is the one to name.
    choices = [e for e in errors if e["loc"][:1] == (key,) and e["type"] == "literal_error"]
    leaf = choices[-1]["input"] if choices else first["input"]
    return key, says(model, key)(table.get(key), leaf, table)


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
