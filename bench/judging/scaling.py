"""How each fighter's step time grows with the work of a step, and where David stops winning.

The work of a step is its matrix products: 2 * rows * inputs * outputs FLOPs per layer forward,
as much again for each weight gradient, and as much again for each input gradient except the
first layer's (nothing needs the gradient of the data).
A fighter's time per step is its verdict speed (the median epoch time, fair mode) over the
epoch's steps, the median over seeds. Only fair-mode cases count: there every fighter does the
same steps on the same batches, so the points of different fighters compare.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bench.judging import stats
from bench.judging.rounds import Round
from bench.store.records import DAVID, Fight
from bench.store.speed import median_epoch_seconds

MIN_POINTS = 3  # sizes a growth exponent is fitted over


@dataclass(frozen=True)
class Point:
    """One case as seen by one fighter: the work of a step and the time it took."""

    case: str
    fighter: str
    flops: float
    step_seconds: float


@dataclass(frozen=True)
class Growth:
    """A fighter's growth exponent: step time ~ FLOPs ** exponent, with its 95% interval."""

    fighter: str
    exponent: float
    low: float
    high: float
    points: int


@dataclass(frozen=True)
class Crossover:
    """Where, in FLOPs per step, David's speed round against one opponent turns."""

    opponent: str
    david_wins_up_to: float | None  # the largest step David won on speed
    opponent_wins_from: float | None  # the smallest step the opponent won on speed

    @property
    def clean(self) -> bool:
        """Whether David wins every size below the turn and loses every size above it."""
        return (
            self.david_wins_up_to is not None
            and self.opponent_wins_from is not None
            and self.david_wins_up_to < self.opponent_wins_from
        )

    @property
    def at(self) -> float | None:
        """A clean turn's FLOPs, the geometric middle of the two sizes that bound it."""
        if not self.clean:
            return None
        return math.sqrt(self.david_wins_up_to * self.opponent_wins_from)  # type: ignore[operator]


def step_flops(layers: Sequence[Mapping[str, int]], rows: float) -> float:
    """Matrix-product FLOPs of one training step on `rows` samples (forward and backward)."""
    sizes = [layer["input_dim"] * layer["output_dim"] for layer in layers]
    return 2.0 * rows * (3 * sum(sizes) - sizes[0])


def case_points(fights: Sequence[Fight]) -> list[Point]:
    """Every fighter's point for one case (fair mode; fighters that finished every seed)."""
    if not fights or fights[0].mode != "fair" or fights[0].error:
        return []
    case, n_train = fights[0].case, int(fights[0].dataset["n_train"])
    points = []
    for name in fights[0].fighters:
        batch = case["fighters"][name].get("batch_size") or n_train
        steps = math.ceil(n_train / batch)
        per_seed = [median_epoch_seconds(fight.fighters[name]) for fight in fights]
        if any(seconds is None for seconds in per_seed):
            continue
        flops = step_flops(case["model"]["layers"], n_train / steps)
        seconds = statistics.median(per_seed) / steps  # type: ignore[type-var]
        points.append(Point(fights[0].case_name, name, flops, seconds))
    return points


def growth(points: Sequence[Point], fighter: str) -> Growth | None:
    """The fighter's fitted exponent on log-log axes, or None with too few distinct sizes."""
    mine = [p for p in points if p.fighter == fighter and p.step_seconds > 0]
    if len({p.flops for p in mine}) < MIN_POINTS:
        return None
    x = np.log([p.flops for p in mine])
    y = np.log([p.step_seconds for p in mine])
    slope, low, high = stats.slope_interval(list(x), list(y))
    return Growth(fighter, slope, low, high, len(mine))


def crossover(
    points: Sequence[Point], speed_rounds: Mapping[str, Round], opponent: str
) -> Crossover:
    """Where David's won speed rounds against `opponent` end and the opponent's begin.

    Decided by each case's speed round (its interval), not by the raw ratio: a draw is neither.
    """
    flops = {p.case: p.flops for p in points if p.fighter == DAVID}
    won = [flops[c] for c, r in speed_rounds.items() if c in flops and r.winner == DAVID]
    lost = [flops[c] for c, r in speed_rounds.items() if c in flops and r.winner == opponent]
    return Crossover(opponent, max(won, default=None), min(lost, default=None))
