"""Claims under test: a sentence an article or a README makes, and its machine-checkable form.

A case carries claims as `[[case.claim]]` tables (or `claim = [...]`, also under [defaults]):

    [[case.claim]]
    quote = "However, it took several dozen times longer for our model to reach such a result."
    source = "the NumPy-vs-Keras moons article"
    metric = "seconds_to_target"   # test_accuracy | seconds_to_target | train_seconds
    fighter = "david"              # a fighter of the case; "every" for test_accuracy
    versus = "keras"               # time metrics: the ratio is fighter's time / versus's time
    compare = ">="                 # or "<="
    threshold = 24

Claims say nothing about how a fight runs: they are kept out of a case's fingerprint (editing a
claim re-runs nothing) and recorded in run.json, from which the report and `compare` judge them.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, ValidationError, ValidationInfo, model_validator

from bench.errors import HarnessError, SuiteError
from bench.plan.table import Refused, Says, Table, one_of, problem
from bench.wording import display_name

CLAIM_METRICS = ("test_accuracy", "seconds_to_target", "train_seconds")
RATIO_METRICS = ("seconds_to_target", "train_seconds")
EVERY = "every"  # a claim's fighter: every fighter of the case (test_accuracy only)
MAX_TEXT = 2000  # a quote is a sentence or two, not an article

METRICS = {
    "test_accuracy": "test accuracy",
    "seconds_to_target": "time to reach the target accuracy",
    "train_seconds": "training time",
}
COMPARISONS = {">=": "at least", "<=": "at most"}
Text = Annotated[
    str,
    Field(min_length=1, max_length=MAX_TEXT, pattern=r"\S"),
    AfterValidator(lambda text: " ".join(text.split())),  # one line, however the TOML wrapped it
    Says(f"must be text of 1-{MAX_TEXT} characters, got {{value!r}}"),
]


def _threshold(value: Any, claim: dict[str, Any]) -> str:
    if claim.get("metric") in RATIO_METRICS:
        return f"a ratio threshold must be a number > 0, got {value!r}"
    return f"an accuracy threshold must be in [0, 1], got {value!r}"


class ClaimFields(Table):
    """A claim under test: the quoted sentence, its source, and its checkable form."""

    UNKNOWN: ClassVar[str] = "unknown key(s)"
    MISSING: ClassVar[str] = (
        "missing; a claim needs quote, source, metric, fighter, versus, compare, threshold"
    )
    quote: Text
    """The sentence as the article or README writes it."""
    source: Text
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


CLAIM_KEYS = tuple(ClaimFields.model_fields)


@dataclass(frozen=True)
class Claim:
    """One claim of a case: the quoted sentence, its source, and the form that is checked."""

    quote: str
    source: str
    metric: str  # a key of METRICS
    fighter: str  # a fighter's name, or EVERY (test_accuracy only)
    versus: str | None  # the ratio's denominator (time metrics), else None
    compare: str  # ">=" | "<="
    threshold: float
    target: float | None = None  # the case's target accuracy (seconds_to_target)

    @property
    def is_ratio(self) -> bool:
        """A time metric: one fighter's time over another's."""
        return self.metric in RATIO_METRICS

    def statement(self) -> str:
        """The checked form in words, which also names the claim in baselines: unique per case."""
        bound = f"{COMPARISONS[self.compare]} {self.threshold:g}"
        if not self.is_ratio:
            who = "every fighter" if self.fighter == EVERY else display_name(self.fighter)
            return f"test accuracy of {who} is {bound}"
        what = METRICS[self.metric]
        if self.metric == "seconds_to_target":
            what = f"time to reach {self.target:g} test accuracy"
        mine, theirs = display_name(self.fighter), display_name(str(self.versus))
        return f"{mine}'s {what} is {bound}x {theirs}'s"

    def as_dict(self) -> dict[str, Any]:
        """Plain-data form for run.json."""
        return asdict(self)


def parse_claims(
    value: Any,
    label: str,
    fighters: list[str],
    known: list[str],
    target: float | None,
    overridden: bool = False,
) -> tuple[Claim, ...]:
    """Check a case's `claim` list; any problem is a SuiteError naming the claim and its field.

    `fighters` are the case's, `known` every fighter the suite may name; with `overridden`
    (--fighters) a claim may name a known fighter that does not fight this run: it is undecided.
    """
    if isinstance(value, dict):
        value = [value]  # [case.claim]: a single claim
    if not isinstance(value, list) or not all(isinstance(raw, dict) for raw in value):
        raise SuiteError(
            f"{label}: field 'claim': must be a list of tables ([[case.claim]]), got {value!r}"
        )
    case = {"fighters": fighters, "known": known, "target": target, "overridden": overridden}
    claims: list[Claim] = []
    for index, raw in enumerate(value, start=1):
        try:
            fields = ClaimFields.model_validate(raw, context=case)
        except ValidationError as err:
            key, message = problem(err.errors(), ClaimFields, raw)
            where = f"claim[{index}].{key}" if key else f"claim[{index}]"
            raise SuiteError(f"{label}: field {where!r}: {message}") from None
        ratio_target = target if fields.metric == "seconds_to_target" else None
        claim = Claim(**fields.model_dump(), target=ratio_target)
        if claim.statement() in {earlier.statement() for earlier in claims}:
            raise SuiteError(
                f"{label}: field 'claim[{index}]': the same claim twice: {claim.statement()!r}"
            )
        claims.append(claim)
    return tuple(claims)


def claims_from_run(info: dict[str, Any]) -> dict[str, list[Claim]]:
    """The claims recorded in run.json, by case; HarnessError naming the first bad one."""
    recorded = info.get("claims") or {}
    if not isinstance(recorded, dict):
        raise HarnessError(f"run.json: 'claims' must map case names to lists, got {recorded!r}")
    claims: dict[str, list[Claim]] = {}
    for case, entries in recorded.items():
        if not isinstance(entries, list):
            raise HarnessError(f"run.json: claims of case {case!r}: expected a list")
        claims[case] = [_claim_from_json(entry, f"run.json: case {case!r}") for entry in entries]
    return claims


def _claim_from_json(entry: Any, where: str) -> Claim:
    if not isinstance(entry, dict) or set(entry) != {*CLAIM_KEYS, "target"}:
        raise HarnessError(f"{where}: a claim must hold {', '.join(CLAIM_KEYS)}, target")
    fighters = [name for name in (entry["fighter"], entry["versus"]) if isinstance(name, str)]
    target = entry["target"]
    if isinstance(target, bool) or not isinstance(target, int | float) or not math.isfinite(target):
        target = None
    known = [name for name in fighters if name != EVERY]
    try:
        (claim,) = parse_claims(
            [{key: value for key, value in entry.items() if key != "target" and value is not None}],
            where,
            known,
            known,
            target,
        )
    except SuiteError as err:
        raise HarnessError(str(err)) from err
    return claim
