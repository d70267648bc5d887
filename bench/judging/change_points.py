"""Step changes in a series run after run, found the way asv finds them.

asv (asv/step_detect.py) fits a piecewise-constant curve with an L1 cost, each extra step
penalised by about 3 x the series' noise x log(n), and reports a regression only when the
level moves by more than a threshold. Here PELT solves the same penalised L1 fit exactly; the
noise is a robust estimate from successive differences, so the steps themselves do not inflate
it (asv takes the whole series' deviation).

`pelt_l1` is ruptures' `Pelt(model="l1", min_size=2, jump=1)`, step for step (tested against
it on random and tied series: the same breakpoints), with every segment's cost computed up front
by window length instead of one `np.median` call per segment: 5x sooner on 334 runs, 2x on
1,000 (a publish searches every case's series of the machine that ran).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
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
    ends = pelt_l1(signal, PENALTY * sigma * math.log(y.size))
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


def segment_costs(signal: np.ndarray) -> np.ndarray:
    """costs[a, b] = sum |signal[a:b] - median(signal[a:b])| for every segment of 2 points or more
    (inf elsewhere), bit for bit what ruptures' CostL1.error computes segment by segment."""
    n = signal.size
    costs = np.full((n + 1, n + 1), np.inf)
    flat = costs.reshape(-1)
    # The middle values are found among small integer ranks (partitioning 16-bit integers is
    # about twice as fast as floats), then read back as the values themselves.
    values, ranks = np.unique(signal, return_inverse=True)
    ranks = ranks.astype(np.uint16 if values.size <= 2**16 else np.intp)
    for length in range(2, n + 1):
        windows = sliding_window_view(signal, length)  # row a: signal[a:a + length]
        ranked = sliding_window_view(ranks, length)
        half = length // 2
        if length % 2:
            median = values[np.partition(ranked, half, axis=1)[:, half]]
        else:  # np.median's mean of the two middle values: (low + high) / 2
            middle = np.partition(ranked, (half - 1, half), axis=1)
            median = (values[middle[:, half - 1]] + values[middle[:, half]]) / 2
        deviations = windows - median[:, None]
        starts = np.arange(n - length + 1)
        flat[starts * (n + 1) + starts + length] = np.abs(deviations, out=deviations).sum(axis=1)
    return costs


def pelt_l1(signal: np.ndarray, penalty: float, min_size: int = 2) -> list[int]:
    """The ends of the segments minimising total L1 cost + `penalty` per segment (PELT), as
    ruptures' Pelt(model="l1", jump=1).predict(pen=penalty) returns them, ties broken alike."""
    n = signal.size
    costs = segment_costs(signal)
    # total[t]: the best cost of signal[:t], summed in the order ruptures sums its partition
    total, previous = {0: 0.0}, {0: 0}
    admissible: list[int] = []
    for end in [*range(min_size, n), n]:
        # ruptures offers end - min_size, and drops a start no partition ends at (only 1)
        admissible = [t for t in [*admissible, end - min_size] if t in total]
        starts = np.array(admissible)
        candidates = np.array([total[t] for t in admissible]) + (costs[starts, end] + penalty)
        best = int(np.argmin(candidates))  # the first of equals, as min() over a list
        total[end], previous[end] = float(candidates[best]), admissible[best]
        # pruning: a start that cannot beat the best even with one penalty less
        admissible = [
            t for t, c in zip(admissible, candidates, strict=True) if c <= total[end] + penalty
        ]
    ends, end = [], n
    while end:
        ends.append(end)
        end = previous[end]
    return ends[::-1]


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
