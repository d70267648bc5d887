"""Parity: in fair mode the fighters compute the same function, so their numbers must agree.

From the same weights on the same batches, David and a fighter that implements the same maths
end within rounding of each other. That agreement is the proof David's maths is right, and in
fair mode it replaces the accuracy and loss rounds: there is nothing to win where the two are
the same function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench import defaults
from bench.store.records import Fight

# Per-epoch losses this close (relative to max(1, |loss|)) are the same number. In float64 every
# epoch is held to it. float32 cannot do 1e-9: both fighters round every op to 24 bits and sum in
# different orders, and training amplifies those ulps. On the moons fight with Adam the losses
# agree to 1e-7 for ten epochs, then part (4.8e-4 by epoch 20 at learning rate 0.01) while the
# float64 run stays at 1e-16. So float32 is held over its first EARLY_EPOCHS epochs, before the
# drift, to 1e-4: far below a difference worth a round, far above rounding.
PARITY_TOLERANCE = {"float64": defaults.PARITY_TOLERANCE, "float32": 1e-4}
EARLY_EPOCHS = 10


@dataclass(frozen=True)
class ParityCheck:
    """How far an opponent's run ended from David's, over a case's seeds."""

    opponent: str
    dtype: str
    tolerance: float
    max_loss_difference: float | None  # over every epoch of every seed
    early_loss_difference: float | None  # over the first EARLY_EPOCHS epochs of every seed
    max_weight_difference: float | None
    epochs: list[int]  # epochs compared, per seed
    seeds: int

    @property
    def held_gap(self) -> float | None:
        """The gap the tolerance holds: every epoch in float64, the early ones in float32."""
        if self.dtype == "float32" and self.early_loss_difference is not None:
            return self.early_loss_difference
        return self.max_loss_difference

    @property
    def identical(self) -> bool | None:
        """Within tolerance (None: nothing measured)."""
        gap = self.held_gap
        return None if gap is None else gap <= self.tolerance


def check_parity(fights: Sequence[Fight], opponent: str) -> ParityCheck:
    """The largest gaps between David and `opponent` over the fair fights of a case."""
    gaps = [fight.parity[opponent] for fight in fights if fight.parity and opponent in fight.parity]
    losses = [g.max_loss_difference for g in gaps if g.max_loss_difference is not None]
    early = [g.early_loss_difference for g in gaps if g.early_loss_difference is not None]
    weights = [g.max_weight_difference for g in gaps if g.max_weight_difference is not None]
    return ParityCheck(
        opponent=opponent,
        dtype=fights[0].dtype,
        tolerance=PARITY_TOLERANCE[fights[0].dtype],
        max_loss_difference=max(losses) if losses else None,
        early_loss_difference=max(early) if early else None,
        max_weight_difference=max(weights) if weights else None,
        epochs=[g.epochs_compared for g in gaps],
        seeds=len(losses),
    )
