"""What "how fast" means: one definition for verdicts, one for the regression gate.

Both say how many times faster David is than an opponent (the opponent's seconds over David's:
above 1, David is faster), everywhere: verdicts, the gate, summary.csv, history and trend.

- The verdict's speed is the *median epoch time* in fair mode, where every epoch is the same
  work for every fighter; in native mode, where fighters train differently, it is the *whole
  training time*. A case's verdict pools its seeds: the ratio of the median epoch times over
  all seeds' epochs (rounds.speed_round), its interval resampling seeds, then epochs.
- The gate's speed is the *fast epoch time*, the 10th percentile of a fighter's epoch times: on a
  shared machine a burst of load slows a whole case and the median moves with it, while the fast
  epochs are the ones the machine let run undisturbed (timeit takes the minimum for the same
  reason). In native mode the gate also uses the whole training time.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bench.store.records import DAVID, Fight, FighterRecord

VERDICT_SPEED = {"fair": "median epoch time", "native": "whole training time"}
GATE_SPEED = {"fair": "10th-percentile epoch time", "native": "whole training time"}
FAST_EPOCH_PERCENTILE = 10


def median_epoch_seconds(record: FighterRecord) -> float | None:
    """The median of a fighter's epoch times (the verdict's speed in fair mode)."""
    return float(np.median(record.epoch_seconds)) if record.epoch_seconds else None


def fast_epoch_seconds(record: FighterRecord) -> float | None:
    """The 10th percentile of a fighter's epoch times (the gate's speed in fair mode)."""
    if not record.epoch_seconds:
        return None
    return float(np.percentile(record.epoch_seconds, FAST_EPOCH_PERCENTILE))


def gate_seconds(fight: Fight, fighter: str) -> float | None:
    """A fighter's time in one fight by the gate's definition; None when it did not finish."""
    record = fight.fighters.get(fighter)
    if record is None or not record.ok:
        return None
    return fast_epoch_seconds(record) if fight.mode == "fair" else record.train_seconds


def verdict_speedup(fight: Fight, opponent: str) -> float | None:
    """How many times faster David was than `opponent` in one fight, by the verdict's definition."""
    return _speedup(fight, opponent, median_epoch_seconds)


def gate_speedup(fight: Fight, opponent: str) -> float | None:
    """How many times faster David was than `opponent` in one fight, by the gate's definition."""
    return _speedup(fight, opponent, fast_epoch_seconds)


def _speedup(
    fight: Fight, opponent: str, epoch_speed: Callable[[FighterRecord], float | None]
) -> float | None:
    david, other = fight.fighters[DAVID], fight.fighters[opponent]
    if not (david.ok and other.ok):
        return None
    if fight.mode == "fair":
        mine, theirs = epoch_speed(david), epoch_speed(other)
    else:
        mine, theirs = david.train_seconds, other.train_seconds
    return theirs / mine if mine and theirs else None
