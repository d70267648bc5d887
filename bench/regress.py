"""Regression tracking: a committed baseline of David's numbers, and `compare` against it.

Tracked per case: David's test accuracy, parity in fair float64 cases, and David's speed-up over
the gated opponent measured in the same run (so a slower machine does not look like a
regression). Absolute seconds are shown, never gated on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import defaults, stats
from .files import read_json, write_json
from .records import display_name
from .results import ResultsError, load_run
from .speed import GATE_SPEED
from .tracking import CaseSummary, summarize

BASELINE_KIND = "david-vs-goliath-baseline"
BASELINE_VERSION = 2
GATED_OPPONENT = "keras"  # Keras as pip ships it: what a NumPy author would use instead


@dataclass(frozen=True)
class Thresholds:
    """How much worse counts as a regression."""

    accuracy_floor: float = defaults.ACCURACY_FLOOR
    speed_factor: float = defaults.SPEED_FACTOR
    alpha: float = defaults.ALPHA
    parity_tolerance: float = defaults.PARITY_TOLERANCE


@dataclass(frozen=True)
class Row:
    """One tracked metric of one case: baseline, now, change, verdict and the deciding test."""

    case: str
    metric: str
    baseline: str
    now: str
    change: str
    verdict: str  # "ok" | "improved" | "REGRESSED"
    test: str


def write_baseline(run_dirs: list[Path], path: Path = defaults.BASELINE_PATH) -> Path:
    """Write the runs' tracked numbers, seeds pooled, as the baseline (small, committed).

    Timings on a shared machine drift from run to run; pooling the seeds of a few runs gives
    the speed gate a steadier reference than any single run.
    """
    runs = [load_run(run_dir) for run_dir in run_dirs]
    cases: dict[str, dict[str, Any]] = {}
    for run in runs:
        for name, entry in summarize(run).items():
            if any(status != "ok" for status in entry.david_status):
                raise ResultsError(
                    f"{run.run_dir}: case {name!r}: David did not finish every seed cleanly"
                )
            pooled = cases.setdefault(
                name,
                {
                    "mode": entry.mode,
                    "dtype": entry.dtype,
                    "seeds": [],
                    "david_test_accuracy": [],
                    "speedup": [],
                    "parity": {},
                },
            )
            pooled["seeds"] += entry.seeds
            pooled["david_test_accuracy"] += entry.david_test_accuracy
            pooled["speedup"] += entry.speedups.get(GATED_OPPONENT, [])
            for opponent, gap in entry.parity.items():
                gaps = [g for g in (pooled["parity"].get(opponent), gap) if g is not None]
                pooled["parity"][opponent] = max(gaps) if gaps else None
    if not cases:
        raise ResultsError(f"{', '.join(map(str, run_dirs))}: no finished cases for a baseline")
    suites = {run.suite_name for run in runs}
    if len(suites) > 1:
        raise ResultsError(f"a baseline pools runs of one suite, got {sorted(map(str, suites))}")
    baseline = {
        "schema_version": BASELINE_VERSION,
        "kind": BASELINE_KIND,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_ids": [run.info.get("run_id", run.run_dir.name) for run in runs],
        "suite": suites.pop(),
        "git_commit": (runs[-1].info.get("environment") or {}).get("git_commit"),
        "opponent": GATED_OPPONENT,
        "cases": {
            name: {k: _rounded(v) for k, v in entry.items()} for name, entry in cases.items()
        },
    }
    write_json(Path(path), baseline)
    return Path(path)


def _rounded(value: Any) -> Any:
    """Four significant digits keep the committed baseline readable and its diffs small."""
    if isinstance(value, float):
        return float(f"{value:.4g}")
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return value


def load_baseline(path: Path) -> dict[str, Any]:
    """Read and check a baseline file; ResultsError with a clear message if unusable."""
    baseline = read_json(Path(path))
    if not isinstance(baseline, dict) or baseline.get("kind") != BASELINE_KIND:
        raise ResultsError(f"{path}: not a baseline file (expected kind {BASELINE_KIND!r})")
    if baseline.get("schema_version") != BASELINE_VERSION:
        raise ResultsError(
            f"{path}: schema_version {baseline.get('schema_version')!r} is not supported "
            f"(this harness reads version {BASELINE_VERSION}); make a new baseline"
        )
    cases = baseline.get("cases")
    if not isinstance(cases, dict) or not cases:
        raise ResultsError(f"{path}: no cases in baseline")
    for name, entry in cases.items():
        for key in ("david_test_accuracy", "speedup", "seeds"):
            if not isinstance(entry, dict) or not isinstance(entry.get(key), list):
                raise ResultsError(f"{path}: case {name!r}: missing list {key!r}")
    return baseline


def _compare_accuracy(case: str, base: dict, now: CaseSummary, limits: Thresholds) -> Row:
    metric = "David test accuracy"
    base_values = [v for v in base["david_test_accuracy"] if v is not None]
    now_values = [v for v in now.david_test_accuracy if v is not None]
    base_mean = float(np.mean(base_values))
    if any(status != "ok" for status in now.david_status) or not now_values:
        statuses = ", ".join(
            f"seed {s}: {st}" for s, st in zip(now.seeds, now.david_status, strict=True)
        )
        test = f"David did not finish cleanly ({statuses})"
        return Row(case, metric, f"{base_mean:.4f}", "-", "-", "REGRESSED", test)
    now_mean = float(np.mean(now_values))
    change = now_mean - base_mean
    # Noise: the 95% intervals of both means, combined; a change must exceed it and the floor.
    noise = math.hypot(stats.t_half_width(base_values), stats.t_half_width(now_values))
    bar = max(limits.accuracy_floor, noise)
    verdict = "REGRESSED" if -change > bar else "improved" if change > bar else "ok"
    test = f"change vs max(floor {limits.accuracy_floor:g}, 95% interval across seeds {noise:.4f})"
    return Row(case, metric, f"{base_mean:.4f}", f"{now_mean:.4f}", f"{change:+.4f}", verdict, test)


def _compare_speed(
    case: str, base: dict, now: CaseSummary, opponent: str, limits: Thresholds
) -> Row:
    metric = f"David speed-up vs {display_name(opponent)}"
    base_values = [r for r in base["speedup"] if r is not None]
    now_values = [r for r in now.speedups.get(opponent, []) if r is not None]
    if not base_values or not now_values:
        return Row(case, metric, "-", "-", "-", "ok", "no speed-up to compare")
    base_median, now_median = float(np.median(base_values)), float(np.median(now_values))
    slowdown = base_median / now_median  # how many times slower David got, relatively
    worse = stats.mann_whitney_p(now_values, base_values, "less")
    better = stats.mann_whitney_p(now_values, base_values, "greater")
    if slowdown > limits.speed_factor and worse <= limits.alpha:
        verdict, p = "REGRESSED", worse
    elif slowdown < 1 / limits.speed_factor and better <= limits.alpha:
        verdict, p = "improved", better
    else:
        verdict, p = "ok", min(worse, better)
    test = (
        f"slow-down vs {limits.speed_factor:g}, one-sided Mann-Whitney p={p:.3g} "
        f"(alpha {limits.alpha:g}); speed = {GATE_SPEED[now.mode]}"
    )
    return Row(
        case,
        metric,
        f"{base_median:.4g}x",
        f"{now_median:.4g}x",
        f"x{slowdown:.2f}",
        verdict,
        test,
    )


def _compare_parity(case: str, base: dict, now: CaseSummary, limits: Thresholds) -> list[Row]:
    """Fair float64 cases: every opponent that matched David in the baseline must still match."""
    if now.mode != "fair" or now.dtype != "float64":
        return []
    rows = []
    for opponent, base_gap in (base.get("parity") or {}).items():
        if base_gap is None or base_gap > limits.parity_tolerance:
            continue  # never in parity (a fighter that cannot compute the same function)
        metric = f"parity vs {display_name(opponent)} |loss diff|"
        gap = now.parity.get(opponent)
        if gap is None:
            test = "no parity measured (a fighter did not finish)"
            rows.append(Row(case, metric, f"{base_gap:.2g}", "-", "-", "REGRESSED", test))
            continue
        verdict = "REGRESSED" if gap > limits.parity_tolerance else "ok"
        test = f"max |loss difference| vs tolerance {limits.parity_tolerance:g}"
        rows.append(Row(case, metric, f"{base_gap:.2g}", f"{gap:.2g}", "-", verdict, test))
    return rows


def compare_runs(
    current: dict[str, CaseSummary], baseline: dict[str, Any], limits: Thresholds = Thresholds()
) -> list[Row]:
    """Every tracked metric of every baseline case, judged against the current run."""
    opponent = baseline.get("opponent", GATED_OPPONENT)
    rows: list[Row] = []
    for case, base in baseline["cases"].items():
        now = current.get(case)
        if now is None:
            test = "the baseline case was not run"
            rows.append(Row(case, "(case)", "present", "missing", "-", "REGRESSED", test))
            continue
        rows.append(_compare_accuracy(case, base, now, limits))
        rows += _compare_parity(case, base, now, limits)
        rows.append(_compare_speed(case, base, now, opponent, limits))
    return rows


def format_rows(rows: list[Row], current: dict[str, CaseSummary]) -> str:
    """A plain-text table of the comparison, with absolute seconds shown for information."""
    table = pd.DataFrame([row.__dict__ for row in rows])
    lines = [table.to_string(index=False)]
    lines.append("\nabsolute training seconds (median; shown, never gated on):")
    for case, entry in current.items():
        seconds = ", ".join(
            f"{display_name(name)} {_median(values)} s"
            for name, values in entry.train_seconds.items()
        )
        lines.append(f"  {case}: {seconds}")
    return "\n".join(lines)


def _median(values: list[float | None]) -> str:
    present = [v for v in values if v is not None]
    return f"{np.median(present):.3g}" if present else "-"
