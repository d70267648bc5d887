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
from typing import Any

from bench.errors import HarnessError, SuiteError
from bench.wording import display_name

EVERY = "every"
METRICS = {
    "test_accuracy": "test accuracy",
    "seconds_to_target": "time to reach the target accuracy",
    "train_seconds": "training time",
}
RATIO_METRICS = ("seconds_to_target", "train_seconds")
COMPARISONS = {">=": "at least", "<=": "at most"}
CLAIM_KEYS = ("quote", "source", "metric", "fighter", "versus", "compare", "threshold")
MAX_TEXT = 2000  # a quote is a sentence or two, not an article


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


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


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
        value = [value]
    if not isinstance(value, list) or not all(isinstance(raw, dict) for raw in value):
        raise SuiteError(
            f"{label}: field 'claim': must be a list of tables ([[case.claim]]), got {value!r}"
        )
    claims = [
        _parse_claim(raw, f"claim[{index}]", label, fighters, known, target, overridden)
        for index, raw in enumerate(value, start=1)
    ]
    seen: set[str] = set()
    for index, claim in enumerate(claims, start=1):
        if claim.statement() in seen:
            raise SuiteError(
                f"{label}: field 'claim[{index}]': the same claim twice: {claim.statement()!r}"
            )
        seen.add(claim.statement())
    return tuple(claims)


def _parse_claim(
    raw: dict[str, Any],
    where: str,
    label: str,
    fighters: list[str],
    known: list[str],
    target: float | None,
    overridden: bool,
) -> Claim:
    def fail(key: str, message: str) -> SuiteError:
        return SuiteError(f"{label}: field '{where}.{key}': {message}")

    unknown = sorted(set(raw) - set(CLAIM_KEYS))
    if unknown:
        raise SuiteError(
            f"{label}: field '{where}': unknown key(s) {unknown}; valid: {', '.join(CLAIM_KEYS)}"
        )
    for key in ("quote", "source", "metric", "fighter", "compare", "threshold"):
        if key not in raw:
            raise fail(key, f"missing; a claim needs {', '.join(k for k in CLAIM_KEYS)}")
    for key in ("quote", "source"):
        text = raw[key]
        if not (isinstance(text, str) and text.strip() and len(text) <= MAX_TEXT):
            raise fail(key, f"must be text of 1-{MAX_TEXT} characters, got {text!r}")
    metric = raw["metric"]
    if not isinstance(metric, str) or metric not in METRICS:
        raise fail("metric", f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    ratio = metric in RATIO_METRICS
    allowed = list(known) if ratio else [EVERY, *known]
    fighter = _fighter(raw["fighter"], "fighter", allowed, fighters, overridden, fail)
    versus = raw.get("versus")
    if not ratio and versus is not None:
        raise fail("versus", f"only time metrics are ratios ({', '.join(RATIO_METRICS)})")
    if ratio:
        if versus is None:
            raise fail("versus", f"missing: {metric} is a ratio, fighter's time / versus's time")
        versus = _fighter(versus, "versus", list(known), fighters, overridden, fail)
        if versus == fighter:
            raise fail("versus", f"must differ from fighter, got {versus!r} twice")
    compare = raw["compare"]
    if not isinstance(compare, str) or compare not in COMPARISONS:
        raise fail("compare", f"unknown comparison {compare!r}; choose one of >=, <=")
    threshold = raw["threshold"]
    if ratio and not (_is_number(threshold) and threshold > 0):
        raise fail("threshold", f"a ratio threshold must be a number > 0, got {threshold!r}")
    if not ratio and not (_is_number(threshold) and 0 <= threshold <= 1):
        raise fail("threshold", f"an accuracy threshold must be in [0, 1], got {threshold!r}")
    if metric == "seconds_to_target" and target is None:
        raise fail("metric", "seconds_to_target needs the case's target_accuracy; set it")
    return Claim(
        quote=" ".join(raw["quote"].split()),
        source=" ".join(raw["source"].split()),
        metric=metric,
        fighter=fighter,
        versus=versus,
        compare=compare,
        threshold=float(threshold),
        target=target if metric == "seconds_to_target" else None,
    )


def _fighter(
    value: Any, key: str, allowed: list[str], fighters: list[str], overridden: bool, fail
) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise fail(key, f"unknown fighter {value!r}; choose one of {', '.join(allowed)}")
    if value != EVERY and value not in fighters and not overridden:
        raise fail(key, f"{value!r} is not in this case's fighters {fighters}")
    return value


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
    known = [name for name in fighters if name != EVERY]
    try:
        (claim,) = parse_claims(
            [{key: value for key, value in entry.items() if key != "target" and value is not None}],
            where,
            known,
            known,
            entry["target"] if _is_number(entry["target"]) else None,
        )
    except SuiteError as err:
        raise HarnessError(str(err)) from err
    return claim
