"""Step changes in a series run after run, found the way asv finds them.

asv (asv/step_detect.py) fits a piecewise-constant curve with an L1 cost, each extra step
penalised by about 3 x the series' noise x log(n), and reports a regression only when the
level moves by more than a threshold. Here ruptures' PELT solves the same penalised L1 fit
exactly; the noise is a robust estimate from successive differences, so the steps themselves
do not inflate it (asv takes the whole series' deviation).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import ruptures as rpt
from scipy.stats import median_abs_deviation

PENALTY = 3.0  # asv's solve_potts_approx: gamma = 3 x noise x log(n)
MIN_POINTS = 4  # two runs on each side at least (min_size=2)
# The smallest level change reported: a factor for speed-ups, a difference for accuracy.
MINIMUM = {"speed-up": math.log(1.10), "accuracy": 0.01}


@dataclass(frozen=True)
class Step:
    """A change of level: the first run at the new level and the run before it."""

    kind: str  # "speed-up" or "accuracy"
    index: int  # position in the series given (missing values included)
    run_id: str
    commit: str
    previous_run_id: str  # the last run with a value at the old level
    previous_commit: str
    before: float  # median of the segment before
    after: float  # median of the segment after

    @property
    def factor(self) -> float:
        """after / before."""
        return self.after / self.before

    @property
    def better(self) -> bool:
        """True when the new level is better for David (faster, or more accurate)."""
        return self.after > self.before


def _scale(kind: str, values: np.ndarray) -> np.ndarray:
    # Speed-ups are ratios: a step is a factor, and noise is proportional to the level.
    return np.log(values) if kind == "speed-up" else values


def _change(kind: str, before: float, after: float) -> float:
    return abs(math.log(after / before)) if kind == "speed-up" else abs(after - before)


def find_steps(
    values: Sequence[float | None], run_ids: Sequence[str], commits: Sequence[str], kind: str
) -> list[Step]:
    """The steps in one ordered series (missing, NaN or non-positive speed-ups skipped)."""
    if kind not in MINIMUM:
        raise ValueError(f"step kind {kind!r}: not one of {', '.join(MINIMUM)}")
    if not len(values) == len(run_ids) == len(commits):
        raise ValueError(
            f"{len(values)} values, {len(run_ids)} run ids and {len(commits)} commits: "
            "one of each per run"
        )
    raw = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    keep = np.isfinite(raw) & ((raw > 0) if kind == "speed-up" else True)
    where, y = np.flatnonzero(keep), raw[keep]
    if y.size < MIN_POINTS:
        return []
    signal = _scale(kind, y)
    # The noise from successive differences (each carries sqrt(2) x sigma), floored at a
    # tenth of the smallest reported change as asv floors it at a tenth of its smallest step:
    # a deterministic series (accuracy in fair mode) has none.
    sigma = median_abs_deviation(np.diff(signal), scale="normal") / math.sqrt(2)
    sigma = max(sigma, MINIMUM[kind] / 10)
    ends = (
        rpt.Pelt(model="l1", min_size=2, jump=1)
        .fit(signal)
        .predict(pen=PENALTY * sigma * math.log(y.size))
    )
    bounds = _merge_small(kind, y, [0, *ends])
    steps = []
    for start, cut, end in zip(bounds, bounds[1:], bounds[2:], strict=False):
        first, last = int(where[cut]), int(where[cut - 1])
        steps.append(
            Step(
                kind,
                first,
                str(run_ids[first]),
                str(commits[first]),
                str(run_ids[last]),
                str(commits[last]),
                float(np.median(y[start:cut])),
                float(np.median(y[cut:end])),
            )
        )
    return steps


def _merge_small(kind: str, y: np.ndarray, bounds: list[int]) -> list[int]:
    """Join neighbouring segments, smallest change first, until every change is reportable."""
    bounds = list(bounds)
    while len(bounds) > 2:
        levels = [np.median(y[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
        changes = [_change(kind, a, b) for a, b in zip(levels, levels[1:], strict=False)]
        smallest = int(np.argmin(changes))
        # The margin: accuracies are fractions, and 0.96 - 0.95 is 0.01000000000000001.
        if changes[smallest] > MINIMUM[kind] + 1e-9:
            break
        del bounds[smallest + 1]
    return bounds


def history_steps(history: pd.DataFrame) -> dict[tuple[str, str | None], list[Step]]:
    """Steps per (case, opponent) in David's speed-up and per (case, None) in his accuracy."""
    found: dict[tuple[str, str | None], list[Step]] = {}
    for case, rows in history.groupby("case", sort=False):
        # Accuracy is David's alone: the same on every opponent's row of a run.
        series = [(None, "accuracy", rows.drop_duplicates("run_id"))]
        series += [(str(o), "speed-up", r) for o, r in rows.groupby("opponent", sort=False)]
        for opponent, kind, table in series:
            column = "david_speedup" if kind == "speed-up" else "david_test_accuracy"
            commits = table["commit"].fillna("").astype(str)
            steps = find_steps(
                list(table[column]), list(table["run_id"].astype(str)), list(commits), kind
            )
            if steps:
                found[(str(case), opponent)] = steps
    return found
