"""The rounds between David and one opponent: accuracy, loss, speed, memory, each won only
beyond an interval or a test that can reject."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.judging import stats
from bench.judging.parity import PARITY_TOLERANCE
from bench.store.records import DAVID, Fight
from bench.store.speed import VERDICT_SPEED
from bench.wording import (
    accuracy_text,
    display_name,
    format_seconds,
    four_digits,
    megabytes,
    ratio_text,
    three_digits,
    tolerance,
)

DRAW = "draw"
# Memory is measured to the page and moves with the allocator: within 10% is a draw.
MEMORY_MARGIN = 1.1
ACCURACY_TEST = "Wilson 95% intervals"
LOSS_TEST = "paired t-interval over seeds (95%)"
PARITY_TEST = "parity check (identical to {} relative to max(1, |loss|))"
ONE_SEED_TEST = "one seed: no interval"
ONE_SEED_EPOCHS = "the epochs of one seed are not independent samples"
SPEED_TESTS = {
    "fair": f"ratio of {VERDICT_SPEED['fair']}s, 95% CI by bootstrap over seeds, then epochs",
    "native": "geometric mean of per-seed training-time ratios, t-interval 95%",
}
MEMORY_TEST = (
    f"per-seed ratio of peak training memory, t-interval 95% beyond a {MEMORY_MARGIN:g}x margin "
    "(memory = the peak of an untimed epoch of a fresh model in every seed: resident-set growth, "
    "or the bytes traced through Python and NumPy where larger)"
)
FORFEIT_TEST = "forfeit"
NO_CONTEST_TEST = "no contest"


@dataclass(frozen=True)
class Round:
    """One round between David and an opponent: who won, why in words, and the numbers."""

    name: str  # "accuracy" | "loss" | "speed"
    winner: str  # "david", the opponent's name, or "draw"
    sentence: str
    test: str  # which test decided the round
    david_value: float | None = None  # pooled accuracy, mean test loss, median seconds
    opponent_value: float | None = None
    estimate: float | None = None  # loss: mean paired difference (David - opponent); speed-up
    low: float | None = None  # the estimate's 95% interval
    high: float | None = None
    david_interval: tuple[float, float] | None = None  # accuracy: each fighter's Wilson interval
    opponent_interval: tuple[float, float] | None = None
    seeds_compared: int = 0


def accuracy_round(fights: Sequence[Fight], opponent: str) -> Round:
    """Accuracy pooled over seeds; won only when the Wilson intervals do not overlap."""
    pooled, intervals = {}, {}
    for name in (DAVID, opponent):
        metrics = [fight.fighters[name].metrics for fight in fights]
        correct = sum(m.test_correct for m in metrics)
        total = sum(m.n_test for m in metrics)
        pooled[name] = correct / total
        intervals[name] = stats.wilson_interval(correct, total)
    (d_low, d_high), (o_low, o_high) = intervals[DAVID], intervals[opponent]
    winner = DAVID if d_low > o_high else opponent if o_low > d_high else DRAW
    if winner == DRAW:
        sentence = (
            f"accuracy a draw: {pooled[DAVID]:.3f} vs {pooled[opponent]:.3f}, "
            f"{ACCURACY_TEST} overlap"
        )
    else:
        loser = opponent if winner == DAVID else DAVID
        sentence = (
            f"{display_name(winner)} wins on accuracy, "
            f"{accuracy_text(pooled[winner], intervals[winner])} vs "
            f"{accuracy_text(pooled[loser], intervals[loser])}: {ACCURACY_TEST} do not overlap"
        )
    return Round(
        name="accuracy",
        winner=winner,
        sentence=sentence,
        test=ACCURACY_TEST,
        david_value=pooled[DAVID],
        opponent_value=pooled[opponent],
        estimate=pooled[DAVID] - pooled[opponent],
        david_interval=intervals[DAVID],
        opponent_interval=intervals[opponent],
        seeds_compared=len(fights),
    )


def loss_round(fights: Sequence[Fight], opponent: str) -> Round:
    """Final test loss by seed: a draw within parity, else won when the paired CI excludes 0."""
    pairs = [
        (fight.fighters[DAVID].metrics.test_loss, fight.fighters[opponent].metrics.test_loss)
        for fight in fights
    ]
    pairs = [(d, o) for d, o in pairs if d is not None and o is not None]
    if not pairs:
        return Round("loss", DRAW, "loss a draw: no test loss recorded", "no data")
    david, theirs = (np.array(side, dtype=np.float64) for side in zip(*pairs, strict=True))
    differences = david - theirs
    values = {
        "david_value": float(david.mean()),
        "opponent_value": float(theirs.mean()),
        "estimate": float(differences.mean()),
        "seeds_compared": len(pairs),
    }
    dtype = fights[0].dtype
    limit = PARITY_TOLERANCE[dtype]
    scale = np.maximum(1.0, np.maximum(np.abs(david), np.abs(theirs)))
    if np.all(np.abs(differences) <= limit * scale):
        parity = "parity" if dtype == "float64" else f"{dtype} parity"
        sentence = f"loss a draw: identical to {tolerance(limit)} ({parity})"
        return Round("loss", DRAW, sentence, PARITY_TEST.format(tolerance(limit)), **values)
    both = f"{four_digits(values['david_value'])} vs {four_digits(values['opponent_value'])}"
    if len(pairs) == 1:
        return Round("loss", DRAW, f"loss a draw: {both}, {ONE_SEED_TEST}", ONE_SEED_TEST, **values)

    low, high = stats.t_interval(differences)
    if high < 0 or low > 0:
        winner = DAVID if high < 0 else opponent
        # Said from the winner's side: its loss first, and by how much lower (a positive gap).
        sign = -1.0 if winner == DAVID else 1.0
        gap_low, gap_high = sorted((sign * low, sign * high))
        mine, other = (
            (values["david_value"], values["opponent_value"])
            if winner == DAVID
            else (values["opponent_value"], values["david_value"])
        )
        sentence = (
            f"{display_name(winner)} wins on loss, {four_digits(mine)} vs {four_digits(other)}: "
            f"lower by {four_digits(sign * values['estimate'])} "
            f"[{four_digits(gap_low)}, {four_digits(gap_high)}], {LOSS_TEST}"
        )
    else:
        winner = DRAW
        interval = f"[{four_digits(low)}, {four_digits(high)}]"
        sentence = f"loss a draw: {both}, {LOSS_TEST} interval {interval} includes 0"
    return Round("loss", winner, sentence, LOSS_TEST, low=low, high=high, **values)


def speed_round(fights: Sequence[Fight], opponent: str) -> Round:
    """David's speed-up over the opponent; won only when its 95% interval excludes 1.

    Fair mode: every epoch does the same work for both, so the ratio of median epoch times is
    bootstrapped, seeds first, then the epochs within them. Native mode: the fighters train
    differently, so the per-seed ratios of whole training times are compared (t-interval of
    their logarithms).
    """
    mode = fights[0].mode
    test = SPEED_TESTS[mode]
    pools = {name: _timings(fights, name, mode) for name in (DAVID, opponent)}
    them = display_name(opponent)
    if any(pool.size == 0 for pool in pools.values()):
        return Round("speed", DRAW, "speed a draw: no timings recorded", test)
    medians = {name: float(np.median(pool)) for name, pool in pools.items()}
    values = {
        "david_value": medians[DAVID],
        "opponent_value": medians[opponent],
        "seeds_compared": len(fights),
    }
    if min(medians.values()) <= 0:
        return Round("speed", DRAW, "speed a draw: timings too small to compare", test, **values)
    if mode == "fair":
        speedup = medians[opponent] / medians[DAVID]
        if len(fights) < 2:
            # The epochs of one seed share its process, data and machine state: they are not
            # independent draws, so they alone give no interval (and no winner).
            sentence = (
                f"speed a draw: median epoch time {format_seconds(medians[DAVID])} vs "
                f"{format_seconds(medians[opponent])}, ratio {three_digits(speedup)}x, "
                f"{ONE_SEED_TEST} ({ONE_SEED_EPOCHS})"
            )
            return Round("speed", DRAW, sentence, ONE_SEED_TEST, estimate=speedup, **values)
        low, high = stats.bootstrap_median_ratio(
            _per_seed(fights, opponent), _per_seed(fights, DAVID)
        )
    else:
        log_ratios = np.log(pools[opponent] / pools[DAVID])  # one per seed, paired
        speedup = float(np.exp(log_ratios.mean()))
        if log_ratios.size < 2:
            sentence = f"speed a draw: ratio {three_digits(speedup)}x, {ONE_SEED_TEST}"
            return Round("speed", DRAW, sentence, ONE_SEED_TEST, estimate=speedup, **values)
        low, high = (float(np.exp(bound)) for bound in stats.t_interval(log_ratios))
    values.update(estimate=speedup, low=low, high=high)
    if low > 1:
        sentence = f"David wins on speed, {ratio_text(speedup, low, high)} faster"
        return Round("speed", DAVID, sentence, test, **values)
    if high < 1:
        # The opponent's advantage reads as "Nx faster" too: invert the ratio and its interval.
        text = ratio_text(1 / speedup, 1 / high, 1 / low)
        return Round("speed", opponent, f"{them} wins on speed, {text} faster", test, **values)
    what = "epoch" if mode == "fair" else "training"
    sentence = (
        f"speed a draw: median {what} time {format_seconds(medians[DAVID])} vs "
        f"{format_seconds(medians[opponent])}, ratio {ratio_text(speedup, low, high)} includes 1"
    )
    return Round("speed", DRAW, sentence, test, **values)


def memory_round(fights: Sequence[Fight], opponent: str) -> Round:
    """Peak training memory, opponent over David per seed; won beyond a 10% margin at 95%."""
    pairs = [
        (fight.fighters[DAVID].peak_memory_bytes, fight.fighters[opponent].peak_memory_bytes)
        for fight in fights
    ]
    pairs = [(d, o) for d, o in pairs if d and o]
    if not pairs:
        return Round("memory", DRAW, "memory a draw: not measured", MEMORY_TEST)
    mine, theirs = (np.array(side, dtype=np.float64) for side in zip(*pairs, strict=True))
    log_ratios = np.log(theirs / mine)
    ratio = float(np.exp(log_ratios.mean()))
    values = {
        "david_value": float(np.median(mine)),
        "opponent_value": float(np.median(theirs)),
        "estimate": ratio,
        "seeds_compared": len(pairs),
    }
    both = f"{megabytes(values['david_value'])} vs {megabytes(values['opponent_value'])}"
    if len(pairs) < 2:
        sentence = f"memory a draw: {both}, {ONE_SEED_TEST}"
        return Round("memory", DRAW, sentence, ONE_SEED_TEST, **values)
    low, high = (float(np.exp(bound)) for bound in stats.t_interval(log_ratios))
    values.update(low=low, high=high)
    them = display_name(opponent)
    if low > MEMORY_MARGIN:
        sentence = f"David wins on memory, {both}: {ratio_text(ratio, low, high)} less"
        return Round("memory", DAVID, sentence, MEMORY_TEST, **values)
    if high < 1 / MEMORY_MARGIN:
        text = ratio_text(1 / ratio, 1 / high, 1 / low)
        sentence = f"{them} wins on memory, {both}: {text} less"
        return Round("memory", opponent, sentence, MEMORY_TEST, **values)
    sentence = f"memory a draw: {both}, ratio {ratio_text(ratio, low, high)} within the margin"
    return Round("memory", DRAW, sentence, MEMORY_TEST, **values)


ROUND_JUDGES = {
    "accuracy": accuracy_round,
    "loss": loss_round,
    "speed": speed_round,
    "memory": memory_round,
}


def _per_seed(fights: Sequence[Fight], name: str) -> list[np.ndarray]:
    """Each seed's epoch seconds of one fighter."""
    return [np.asarray(fight.fighters[name].epoch_seconds, dtype=np.float64) for fight in fights]


def _timings(fights: Sequence[Fight], name: str, mode: str) -> np.ndarray:
    """Fair mode: every epoch's seconds, pooled; native mode: each seed's training seconds."""
    if mode == "fair":
        pooled = [s for fight in fights for s in fight.fighters[name].epoch_seconds]
    else:
        pooled = [fight.fighters[name].train_seconds for fight in fights]
    return np.array([s for s in pooled if s is not None], dtype=np.float64)
