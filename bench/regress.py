"""Regression tracking: a committed baseline, `compare` against it, and a history of runs.

Tracked per case: David's test accuracy, parity with Keras (fair float64 cases), and speed as
the David/Goliath time ratio measured in the same run (so a slower machine does not look like a
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
from scipy import stats

from .results import (
    FIGHTERS,
    SCHEMA_VERSION,
    ResultsError,
    atomic_write_text,
    load_case_results,
    load_run,
    read_json,
    write_json,
)

BASELINE_KIND = "david-vs-goliath-baseline"
DEFAULT_BASELINE = Path("results/baseline.json")
FAST_EPOCH_PERCENTILE = 10
HISTORY_FILE = "history.csv"  # beside the run folders, so a report finds its trend
DEFAULT_HISTORY = Path("results") / HISTORY_FILE


@dataclass(frozen=True)
class Thresholds:
    """How much worse counts as a regression."""

    accuracy_floor: float = 0.01  # an accuracy drop smaller than this is never a regression
    speed_factor: float = 1.5  # the time ratio must worsen by more than this factor...
    alpha: float = 0.05  # ...and be significant (one-sided Mann-Whitney U, p <= alpha)
    parity_tolerance: float = 1e-9  # max |loss difference| allowed in fair float64 cases


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


def _time_ratio(result: dict[str, Any]) -> float | None:
    """David's time over Goliath's in one fight: fast-epoch times (fair) or totals (native).

    On a shared machine a burst of load slows a whole case, and the median epoch moves with it;
    the 10th percentile of epoch times is the epoch the machine let run undisturbed, so the
    gate follows the code, not the neighbours (timeit takes the minimum for the same reason).
    """
    fighters = result["fighters"]
    if any(fighters[name]["status"] != "ok" for name in FIGHTERS):
        return None
    if result["case"]["mode"] == "fair":
        david, goliath = (
            float(np.percentile(fighters[name]["history"]["epoch_seconds"], FAST_EPOCH_PERCENTILE))
            for name in FIGHTERS
        )
    else:
        david, goliath = fighters["david"]["train_seconds"], fighters["goliath"]["train_seconds"]
    return david / goliath if goliath else None


def summarize_run(run_dir: Path) -> dict[str, dict[str, Any]]:
    """Per case: seeds, David's status and test accuracy per seed, time ratios, parity, seconds."""
    cases: dict[str, dict[str, Any]] = {}
    for result in load_case_results(run_dir):
        case = result["case"]
        entry = cases.setdefault(
            case["name"],
            {
                "mode": case["mode"],
                "dtype": case["dtype"],
                "seeds": [],
                "david_status": [],
                "david_test_accuracy": [],
                "time_ratio": [],
                "david_train_seconds": [],
                "goliath_train_seconds": [],
                "parity_max_loss_difference": None,
            },
        )
        david = result["fighters"]["david"]
        entry["seeds"].append(result["seed"])
        entry["david_status"].append(david["status"])
        entry["david_test_accuracy"].append(
            david["metrics"]["test_accuracy"] if david["metrics"] else None
        )
        entry["time_ratio"].append(_time_ratio(result))
        for name in FIGHTERS:
            entry[f"{name}_train_seconds"].append(result["fighters"][name]["train_seconds"])
        parity = result["parity"]
        if parity and parity["max_loss_difference"] is not None:
            previous = entry["parity_max_loss_difference"] or 0.0
            entry["parity_max_loss_difference"] = max(previous, parity["max_loss_difference"])
    return cases


def write_baseline(run_dirs: list[Path], path: Path = DEFAULT_BASELINE) -> Path:
    """Write the runs' tracked numbers, seeds pooled, as the baseline (small, committed).

    Timings on a shared machine drift from run to run; pooling the seeds of a few runs gives
    the speed gate a steadier reference than any single run.
    """
    runs = [load_run(run_dir) for run_dir in run_dirs]
    cases: dict[str, dict[str, Any]] = {}
    for run_dir in run_dirs:
        for name, entry in summarize_run(run_dir).items():
            if any(status != "ok" for status in entry["david_status"]):
                raise ResultsError(
                    f"{run_dir}: case {name!r}: David did not finish every seed cleanly"
                )
            if name not in cases:
                cases[name] = entry
                continue
            pooled = cases[name]
            for key in ("seeds", "david_test_accuracy", "time_ratio"):
                pooled[key] = pooled[key] + entry[key]
            gaps = [pooled["parity_max_loss_difference"], entry["parity_max_loss_difference"]]
            gaps = [gap for gap in gaps if gap is not None]
            pooled["parity_max_loss_difference"] = max(gaps) if gaps else None
    if not cases:
        raise ResultsError(f"{', '.join(map(str, run_dirs))}: no finished cases for a baseline")
    suites = {run.get("suite", {}).get("name") for run in runs}
    if len(suites) > 1:
        raise ResultsError(f"a baseline pools runs of one suite, got {sorted(map(str, suites))}")
    baseline = {
        "schema_version": SCHEMA_VERSION,
        "kind": BASELINE_KIND,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_ids": [run.get("run_id", Path(d).name) for run, d in zip(runs, run_dirs, strict=True)],
        "suite": suites.pop(),
        "git_commit": runs[-1].get("environment", {}).get("git_commit"),
        "cases": {
            name: {
                key: _rounded(entry[key])
                for key in (
                    "mode",
                    "dtype",
                    "seeds",
                    "david_test_accuracy",
                    "time_ratio",
                    "parity_max_loss_difference",
                )
            }
            for name, entry in cases.items()
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
    if baseline.get("schema_version") != SCHEMA_VERSION:
        raise ResultsError(
            f"{path}: schema_version {baseline.get('schema_version')!r} is not supported "
            f"(this harness reads version {SCHEMA_VERSION}); make a new baseline"
        )
    cases = baseline.get("cases")
    if not isinstance(cases, dict) or not cases:
        raise ResultsError(f"{path}: no cases in baseline")
    for name, entry in cases.items():
        for key in ("david_test_accuracy", "time_ratio", "seeds"):
            if not isinstance(entry, dict) or not isinstance(entry.get(key), list):
                raise ResultsError(f"{path}: case {name!r}: missing list {key!r}")
    return baseline


def _mean_interval(values: list[float]) -> float:
    """Half-width of the 95% t-interval of the mean (0 for fewer than two values)."""
    if len(values) < 2:
        return 0.0
    spread = float(np.std(values, ddof=1))
    return float(stats.t.ppf(0.975, len(values) - 1) * spread / math.sqrt(len(values)))


def _compare_accuracy(case: str, base: dict, now: dict, limits: Thresholds) -> Row:
    failed = [
        s for s, status in zip(now["seeds"], now["david_status"], strict=True) if status != "ok"
    ]
    base_values = [v for v in base["david_test_accuracy"] if v is not None]
    now_values = [v for v in now["david_test_accuracy"] if v is not None]
    base_mean = float(np.mean(base_values))
    if failed or not now_values:
        statuses = ", ".join(
            f"seed {s}: {st}" for s, st in zip(now["seeds"], now["david_status"], strict=True)
        )
        return Row(
            case,
            "David test accuracy",
            f"{base_mean:.4f}",
            "-",
            "-",
            "REGRESSED",
            f"David did not finish cleanly ({statuses})",
        )
    now_mean = float(np.mean(now_values))
    change = now_mean - base_mean
    # Noise: the 95% intervals of both means, combined; a change must exceed it and the floor.
    noise = math.hypot(_mean_interval(base_values), _mean_interval(now_values))
    bar = max(limits.accuracy_floor, noise)
    verdict = "REGRESSED" if -change > bar else "improved" if change > bar else "ok"
    test = f"change vs max(floor {limits.accuracy_floor:g}, 95% interval across seeds {noise:.4f})"
    return Row(
        case,
        "David test accuracy",
        f"{base_mean:.4f}",
        f"{now_mean:.4f}",
        f"{change:+.4f}",
        verdict,
        test,
    )


def _compare_speed(case: str, base: dict, now: dict, limits: Thresholds) -> Row:
    base_ratios = [r for r in base["time_ratio"] if r is not None]
    now_ratios = [r for r in now["time_ratio"] if r is not None]
    if not base_ratios or not now_ratios:
        return Row(case, "David/Goliath time", "-", "-", "-", "ok", "no ratio to compare")
    base_median, now_median = float(np.median(base_ratios)), float(np.median(now_ratios))
    factor = now_median / base_median
    worse = stats.mannwhitneyu(now_ratios, base_ratios, alternative="greater").pvalue
    better = stats.mannwhitneyu(now_ratios, base_ratios, alternative="less").pvalue
    if factor > limits.speed_factor and worse <= limits.alpha:
        verdict, p = "REGRESSED", worse
    elif factor < 1 / limits.speed_factor and better <= limits.alpha:
        verdict, p = "improved", better
    else:
        verdict, p = "ok", min(worse, better)
    test = (
        f"factor vs {limits.speed_factor:g}, one-sided Mann-Whitney p={p:.3g} "
        f"(alpha {limits.alpha:g})"
    )
    return Row(
        case,
        "David/Goliath time",
        f"{base_median:.4g}",
        f"{now_median:.4g}",
        f"x{factor:.2f}",
        verdict,
        test,
    )


def _compare_parity(case: str, base: dict, now: dict, limits: Thresholds) -> Row | None:
    if now["mode"] != "fair" or now["dtype"] != "float64":
        return None
    gap = now["parity_max_loss_difference"]
    base_gap = base.get("parity_max_loss_difference")
    shown = "-" if base_gap is None else f"{base_gap:.2g}"
    if gap is None:
        return Row(
            case,
            "parity |loss diff|",
            shown,
            "-",
            "-",
            "REGRESSED",
            "no parity measured (a fighter failed)",
        )
    verdict = "REGRESSED" if gap > limits.parity_tolerance else "ok"
    return Row(
        case,
        "parity |loss diff|",
        shown,
        f"{gap:.2g}",
        "-",
        verdict,
        f"max |loss difference| vs tolerance {limits.parity_tolerance:g}",
    )


def compare_runs(
    current: dict[str, dict], baseline: dict[str, Any], limits: Thresholds = Thresholds()
) -> list[Row]:
    """Every tracked metric of every baseline case, judged against the current run."""
    rows: list[Row] = []
    for case, base in baseline["cases"].items():
        now = current.get(case)
        if now is None:
            rows.append(
                Row(
                    case,
                    "(case)",
                    "present",
                    "missing",
                    "-",
                    "REGRESSED",
                    "the baseline case was not run",
                )
            )
            continue
        rows.append(_compare_accuracy(case, base, now, limits))
        parity = _compare_parity(case, base, now, limits)
        if parity is not None:
            rows.append(parity)
        rows.append(_compare_speed(case, base, now, limits))
    return rows


def format_rows(rows: list[Row], current: dict[str, dict]) -> str:
    """A plain-text table of the comparison, with absolute seconds shown for information."""
    table = pd.DataFrame([row.__dict__ for row in rows])
    lines = [table.to_string(index=False)]
    lines.append("\nabsolute training seconds (median; shown, never gated on):")
    for case, entry in current.items():
        david = _median(entry["david_train_seconds"])
        goliath = _median(entry["goliath_train_seconds"])
        lines.append(f"  {case}: David {david} s, Goliath {goliath} s")
    return "\n".join(lines)


def _median(values: list[float | None]) -> str:
    present = [v for v in values if v is not None]
    return f"{np.median(present):.3g}" if present else "-"


def append_history(run_dir: Path, path: Path = DEFAULT_HISTORY) -> Path:
    """Append one row per case of the run to the history CSV (commit, date, tracked metrics)."""
    run = load_run(run_dir)
    rows = []
    for case, entry in summarize_run(run_dir).items():
        accuracies = [a for a in entry["david_test_accuracy"] if a is not None]
        ratios = [r for r in entry["time_ratio"] if r is not None]
        rows.append(
            {
                "date": run.get("started"),
                "commit": (run.get("environment", {}).get("git_commit") or "")[:12],
                "run_id": run.get("run_id"),
                "suite": run.get("suite", {}).get("name"),
                "case": case,
                "seeds": len(entry["seeds"]),
                "david_test_accuracy": np.mean(accuracies) if accuracies else None,
                "time_ratio": np.median(ratios) if ratios else None,
                "parity_max_loss_difference": entry["parity_max_loss_difference"],
            }
        )
    path = Path(path)
    frame = pd.DataFrame(rows)
    if path.exists():
        frame = pd.concat([read_history(path), frame], ignore_index=True)
    atomic_write_text(path, frame.to_csv(index=False))
    return path


def read_history(path: Path = DEFAULT_HISTORY) -> pd.DataFrame:
    """The history table (empty when the file does not exist yet)."""
    path = Path(path)
    if not path.exists():
        return pd.DataFrame()
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise ResultsError(f"{path}: not a readable history CSV ({err})") from err
