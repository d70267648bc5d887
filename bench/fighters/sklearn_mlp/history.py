"""The sklearn fighter's per-epoch record."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class SklearnHistory:
    """Per-epoch record with the same meaning as David's: whole-set losses after each epoch."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    # Seconds spent on the epoch's training updates only (evaluation excluded).
    epoch_seconds: list[float] = field(default_factory=list)
    diverged_at: int | None = None  # 1-based epoch whose loss (or weights) went non-finite
    # sklearn's own `loss_`: the mean of its batch losses over the epoch, in its scaling (half the
    # squared error for regression, clipped log-loss, alpha penalty): not comparable, shown as is.
    running_loss: list[float] = field(default_factory=list)

    @property
    def diverged(self) -> bool:
        """Whether training stopped on a non-finite loss or non-finite weights."""
        return self.diverged_at is not None

    def as_dict(self) -> dict[str, Any]:
        """Plain-data form, ready for JSON."""
        return asdict(self)  # every field, in order
