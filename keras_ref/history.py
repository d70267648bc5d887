"""What a fit records per epoch, and the end-of-epoch routine every Goliath shares."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

# Called after every epoch with the 1-based epoch and its logs; logs always hold "epoch_seconds".
# Returning True stops training.
EpochCallback = Callable[[int, dict[str, float]], bool | None]
Evaluator = Callable[[np.ndarray, np.ndarray], dict[str, float]]


@dataclass
class KerasHistory:
    """Per-epoch record with the same meaning as David's: whole-set losses after each epoch."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    # Seconds spent on the epoch's training updates only (whole-set evaluation excluded).
    epoch_seconds: list[float] = field(default_factory=list)
    diverged_at: int | None = None
    # The framework's own logged loss: the mean over the epoch's batches (not comparable).
    running_loss: list[float] = field(default_factory=list)

    @property
    def diverged(self) -> bool:
        """Whether training stopped on a non-finite loss."""
        return self.diverged_at is not None

    def as_dict(self) -> dict[str, Any]:
        """Plain-data form, ready for JSON."""
        return asdict(self)  # every field, in order


class EpochRecorder:
    """Records each finished epoch, evaluates when asked to, and decides whether to stop."""

    def __init__(
        self,
        evaluator: Evaluator,
        train: tuple[np.ndarray, np.ndarray],
        validation: tuple[np.ndarray, np.ndarray] | None,
        callback: EpochCallback | None,
        evaluate: bool,
    ):
        self.evaluator = evaluator
        self.train = train
        self.validation = validation
        self.callback = callback
        self.evaluate = evaluate
        self.history = KerasHistory()

    def end_epoch(self, epoch: int, seconds: float, running_loss: float) -> bool:
        """Record 1-based `epoch`; True when training should stop."""
        history = self.history
        history.epoch_seconds.append(seconds)
        history.running_loss.append(running_loss)
        logs: dict[str, float] = {"epoch_seconds": seconds}
        watched = running_loss
        if self.evaluate:
            result = self.evaluator(*self.train)
            history.loss.append(result["loss"])
            history.accuracy.append(result["accuracy"])
            logs.update(result)
            watched = result["loss"]
            if self.validation is not None:
                val = self.evaluator(*self.validation)
                history.val_loss.append(val["loss"])
                history.val_accuracy.append(val["accuracy"])
                logs.update(val_loss=val["loss"], val_accuracy=val["accuracy"])
        stop = bool(self.callback(epoch, logs)) if self.callback is not None else False
        if not math.isfinite(watched):
            history.diverged_at = epoch
            stop = True
        return stop
