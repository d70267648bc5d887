"""When David got worse: the regression rules, defined once for every gate that applies them.

The baseline gate (`compare RUN --baseline`, bench/gates/regress.py) and the comparison of two
runs (`compare RUN_A RUN_B`, bench/judging/run_pair.py) hold David's accuracy, his speed-up over
the gated opponent and his parity by these rules, so "regressed" means the same thing in both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench import defaults
from bench.errors import HarnessError
from bench.judging import stats
from bench.judging.outcomes import GateVerdict

REGRESSED, IMPROVED, OK, UNDECIDED = (
    GateVerdict.REGRESSED,
    GateVerdict.IMPROVED,
    GateVerdict.OK,
    GateVerdict.UNDECIDED,
)
# Keras as pip ships it: what a NumPy author would use instead, so David's speed is held against
# it alone (testing every opponent's speed-up would multiply the false alarms).
GATED_OPPONENT = "keras"


@dataclass(frozen=True)
class Thresholds:
    """How much worse counts as a regression; refused when a value would disable the gate."""

    accuracy_floor: float = defaults.ACCURACY_FLOOR
    speed_factor: float = defaults.SPEED_FACTOR
    alpha: float = defaults.ALPHA
    parity_tolerance: float = defaults.PARITY_TOLERANCE

    def __post_init__(self) -> None:
        rules = (
            ("--accuracy-floor", self.accuracy_floor, 0 <= self.accuracy_floor < 1, "in [0, 1)"),
            ("--speed-factor", self.speed_factor, self.speed_factor > 1, "a number > 1"),
            ("--alpha", self.alpha, 0 < self.alpha < 1, "in (0, 1)"),
            ("--parity-tolerance", self.parity_tolerance, self.parity_tolerance > 0, "> 0"),
        )
        for flag, value, ok, rule in rules:
            if not (math.isfinite(value) and ok):
                raise HarnessError(f"{flag} must be {rule}, got {value!r}")


@dataclass(frozen=True)
class RuleOutcome:
    """What a rule decided: a verdict (ok, improved, REGRESSED, UNDECIDED) and how it was told."""

    verdict: str
    test: str
    way: str = ""  # speed: "slower" | "faster" | "" (no difference the test could show)


def accuracy_rule(
    before: Sequence[float], after: Sequence[float], limits: Thresholds
) -> RuleOutcome:
    """David's mean test accuracy over seeds: a change must exceed the floor and the noise."""
    change = float(np.mean(after)) - float(np.mean(before))
    # Noise: the 95% intervals of both means, combined; a change must exceed it and the floor.
    noise = math.hypot(stats.t_half_width(before), stats.t_half_width(after))
    bar = max(limits.accuracy_floor, noise)
    verdict = REGRESSED if -change > bar else IMPROVED if change > bar else OK
    test = f"change vs max(floor {limits.accuracy_floor:g}, 95% interval across seeds {noise:.4f})"
    return RuleOutcome(verdict, test)


def separated(now: Sequence[float], base: Sequence[float], alpha: float) -> tuple[str, str]:
    """Which way `now` differs from `base`, by a test that can reject here, and how it was told.

    Mann-Whitney's exact test cannot reach p < alpha with few values (3 against 3: never below
    0.05); where it cannot, as asv does, fall back to whether the 95% t-intervals of the
    log speed-ups are apart, and say so.
    """
    smallest = stats.smallest_mann_whitney_p(len(now), len(base))
    if smallest < alpha:
        worse = stats.mann_whitney_p(now, base, "less")
        better = stats.mann_whitney_p(now, base, "greater")
        way = "slower" if worse <= alpha else "faster" if better <= alpha else ""
        return way, f"one-sided Mann-Whitney p={min(worse, better):.3g} (alpha {alpha:g})"
    why = f"{len(now)} vs {len(base)} values cannot reach p < {alpha:g}"
    if min(len(now), len(base)) < 2:
        return "", f"{why}, nor give an interval: undecided"
    now_low, now_high = stats.t_interval(np.log(now))
    base_low, base_high = stats.t_interval(np.log(base))
    way = "slower" if now_high < base_low else "faster" if now_low > base_high else ""
    return way, f"{why}: 95% t-intervals of log speed-ups {'apart' if way else 'overlap'}"


def speedup_rule(
    before: Sequence[float], after: Sequence[float], limits: Thresholds
) -> RuleOutcome:
    """David's speed-up: regressed when it fell beyond the factor and a test shows it fell."""
    slowdown = float(np.median(before)) / float(np.median(after))
    way, how = separated(after, before, limits.alpha)
    if way == "slower" and slowdown > limits.speed_factor:
        verdict = REGRESSED
    elif way == "faster" and slowdown < 1 / limits.speed_factor:
        verdict = IMPROVED
    else:
        verdict = OK
    return RuleOutcome(verdict, f"slow-down vs {limits.speed_factor:g}, {how}", way)


def parity_rule(before: float | None, after: float | None, limits: Thresholds) -> str | None:
    """Fair float64 parity: regressed when a fighter that matched David no longer does.

    None when it never matched (a fighter that cannot compute the same function is not held).
    """
    if before is None or before > limits.parity_tolerance:
        return None
    return REGRESSED if after is None or after > limits.parity_tolerance else OK


DEFAULT_THRESHOLDS = Thresholds()
