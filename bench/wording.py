"""How numbers and phrases are written, once for the verdicts, the report and the CLI."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from typing import Any

# How reports name the roster's fighters, and the one opponent of version 1 results; any other
# fighter (a user's own) is named as its suite names it.
FIGHTER_NAMES = {
    "david": "David",
    "keras": "Keras",
    "keras-xla": "Keras XLA",
    "keras-deterministic": "Keras (deterministic)",
    "tf-loop": "TF loop",
    "sklearn": "scikit-learn",
    "keras-jax": "Keras on JAX",
    "goliath": "Goliath",
}


def display_name(fighter: str) -> str:
    """How a fighter is named in sentences and tables."""
    return FIGHTER_NAMES.get(fighter, fighter)


MISSING = "—"


def three_digits(value: float) -> str:
    """A number with three significant digits, never in scientific notation."""
    decimals = max(0, 2 - math.floor(math.log10(abs(value)))) if value else 0
    return f"{value:,.{decimals}f}"


def four_digits(value: float) -> str:
    """Four significant digits (losses)."""
    return f"{value:.4g}"


def tiny(value: float) -> str:
    """A small gap (parity) in scientific notation: '2.2e-16'."""
    return "0" if value == 0 else f"{value:.1e}"


def tolerance(value: float) -> str:
    """A tolerance as people write it: '1e-9'."""
    return f"{value:.0e}".replace("e-0", "e-")


def format_seconds(seconds: float) -> str:
    """A duration with three significant digits in a readable unit."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{three_digits(seconds / scale)} {unit}"
    return f"{seconds:.2g} s"


RATIO_SHOWN_UP_TO = 1000.0


def megabytes(size: float) -> str:
    """Bytes as MB (10^6), three significant digits: '12.4 MB'."""
    return f"{three_digits(size / 1e6)} MB"


def milliseconds(seconds: float) -> str:
    """Seconds written as milliseconds, three significant digits: '2.61 ms'."""
    return f"{three_digits(seconds * 1e3)} ms"


def ratio_text(ratio: float, low: float, high: float) -> str:
    """'14.2x [12.9-15.1]': one decimal, more only where one decimal would misread the round."""
    decided = low > 1 or high < 1
    for digits in (1, 2, 3):
        parts = [_ratio_number(v, digits) for v in (ratio, low, high)]
        # A won round must not show a bound of "1.0" (reads as a draw), and a draw must not
        # show "[1.0-1.0]" (hides the spread that made it one).
        if decided and f"{1:.{digits}f}" not in parts[1:]:
            break
        if not decided and (parts[1] != parts[2] or low == high):
            break
    return f"{parts[0]}x [{parts[1]}-{parts[2]}]"


def _ratio_number(value: float, digits: int) -> str:
    # Past 1000x a bound only says "unbounded at this many seeds"; its digits would mislead.
    if not math.isfinite(value) or value > RATIO_SHOWN_UP_TO:
        return f">{RATIO_SHOWN_UP_TO:g}"
    return f"{value:.{digits}f}"


def accuracy_text(value: float, interval: tuple[float, float]) -> str:
    """'0.955 [0.917-0.976]'."""
    return f"{value:.3f} [{interval[0]:.3f}-{interval[1]:.3f}]"


def capitalise(text: str) -> str:
    """First letter upper-case, the rest untouched."""
    return text[:1].upper() + text[1:]


def plural(count: int, word: str) -> str:
    """'1 round', '3 rounds'."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def spread(values: Sequence[float]) -> str:
    """Mean and range over seeds: '0.955 [0.930-0.980]'."""
    if not values:
        return MISSING
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.fmean(values):.3f} [{min(values):.3f}-{max(values):.3f}]"


def mean_of(values: Sequence[float | None], fmt: Callable[[float], str]) -> str:
    """The mean of the present values, formatted; MISSING when none."""
    present = [v for v in values if v is not None]
    return fmt(statistics.fmean(present)) if present else MISSING


def median_of(values: Sequence[float | None], fmt: Callable[[float], str]) -> str:
    """The median of the present values, formatted; MISSING when none."""
    present = [v for v in values if v is not None]
    return fmt(statistics.median(present)) if present else MISSING


def reached_median(values: Sequence[float | None], fmt: Callable[[float], str]) -> str:
    """Median over the seeds that reached a target, saying how many did."""
    if not values:
        return MISSING
    reached = [v for v in values if v is not None]
    if not reached:
        return "not reached"
    text = fmt(statistics.median(reached))
    if len(reached) < len(values):
        text += f" (reached in {len(reached)} of {len(values)} seeds)"
    return text


def flatten(mapping: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Nested dicts become dotted keys; lists become comma-separated text."""
    rows: list[tuple[str, str]] = []
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows += flatten(value, f"{name}.")
        elif isinstance(value, list | tuple):
            rows.append((name, ", ".join(str(item) for item in value)))
        else:
            rows.append((name, MISSING if value is None or value == {} else str(value)))
    return rows


def settings_text(optimizer: dict[str, Any]) -> str:
    """'sgd (learning_rate=0.1, momentum=0.9)'."""
    params = dict(optimizer)
    name = str(params.pop("name"))
    if params:
        name += " (" + ", ".join(f"{key}={value}" for key, value in params.items()) + ")"
    return name
