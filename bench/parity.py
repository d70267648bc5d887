"""Parity: in fair mode the fighters compute the same function, so their numbers must agree.

From the same weights on the same batches, David and a fighter that implements the same maths
end within rounding of each other. That agreement is the proof David's maths is right, and in
fair mode it replaces the accuracy and loss rounds: there is nothing to win where the two are
the same function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .records import Fight

# Per-epoch losses this close (relative to max(1, |loss|)) are the same number. float32 cannot
# do 1e-9: both fighters round every op to 24 bits and sum in different orders, so the same maths
# ends apart (the moons fight, 100 epochs: losses up to 1.5e-5 apart); 1e-4 leaves room for
# longer runs and is still far below a difference worth a round.
PARITY_TOLERANCE = {"float64": 1e-9, "float32": 1e-4}


@dataclass(frozen=True)
class ParityCheck:
    """How far an opponent's run ended from David's, over a case's seeds."""

    opponent: str
    tolerance: float
    max_loss_difference: float | None  # over every epoch of every seed
    max_weight_difference: float | None
    epochs: list[int]  # epochs compared, per seed
    seeds: int

    @property
    def identical(self) -> bool | None:
        """Within tolerance (None: nothing measured)."""
        if self.max_loss_difference is None:
            return None
        return self.max_loss_difference <= self.tolerance


def check_parity(fights: Sequence[Fight], opponent: str) -> ParityCheck:
    """The largest gaps between David and `opponent` over the fair fights of a case."""
    gaps = [fight.parity[opponent] for fight in fights if fight.parity and opponent in fight.parity]
    losses = [g.max_loss_difference for g in gaps if g.max_loss_difference is not None]
    weights = [g.max_weight_difference for g in gaps if g.max_weight_difference is not None]
    return ParityCheck(
        opponent=opponent,
        tolerance=PARITY_TOLERANCE[fights[0].dtype],
        max_loss_difference=max(losses) if losses else None,
        max_weight_difference=max(weights) if weights else None,
        epochs=[g.epochs_compared for g in gaps],
        seeds=len(losses),
    )
