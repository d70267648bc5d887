"""Loss conventions: a network whose loss is scaled differently from Keras's, by a known constant.

Keras's losses are means: over the output units (squared error, binary cross-entropy) and over the
batch. Tutorials often write the quadratic cost C = 1/2 |a - y|^2 summed over the outputs, or sum
the gradient over the batch. Such a network's gradients are Keras's times one constant (n_out / 2,
m, or both), so with its learning rate divided by that constant it takes Keras's steps exactly: a
convention, not a bug. A fighter declares its own with a class attribute, e.g.

    loss_convention = "half_sum_over_outputs"      # or ("half_sum_over_outputs", "sum_over_batch")

and fights then hand it the equivalent optimiser (bench/run/train.py), saying what was scaled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import HarnessError

HALF_SUM = "half_sum_over_outputs"
BATCH_SUM = "sum_over_batch"
NAMES = (HALF_SUM, BATCH_SUM)
WORDS = {
    HALF_SUM: "the quadratic cost C = 1/2 |a - y|^2 summed over the outputs (Keras: the mean)",
    BATCH_SUM: "the gradient summed over the batch (Keras: the mean)",
}


@dataclass(frozen=True)
class Convention:
    """Which of the known conventions a network follows (none: Keras's means)."""

    half_sum_over_outputs: bool = False
    sum_over_batch: bool = False

    @classmethod
    def named(cls, names: tuple[str, ...] | list[str]) -> Convention:
        """The convention of these names (unknown names are the caller's to refuse)."""
        return cls(HALF_SUM in names, BATCH_SUM in names)

    @property
    def names(self) -> tuple[str, ...]:
        """The conventions' names, as a fighter declares them."""
        flags = (self.half_sum_over_outputs, self.sum_over_batch)
        return tuple(name for name, on in zip(NAMES, flags, strict=True) if on)

    def __bool__(self) -> bool:
        return bool(self.names)

    def factor(self, loss: str, n_outputs: int, batch: int) -> float:
        """Your gradient over Keras's for this loss, output width and batch size."""
        factor = float(batch) if self.sum_over_batch else 1.0
        if self.half_sum_over_outputs and loss == "mean_squared_error":
            factor *= n_outputs / 2
        return factor

    def describe(self) -> str:
        """The conventions in words."""
        return "; ".join(WORDS[name] for name in self.names) or "Keras's means"

    def declaration(self) -> str:
        """The class attribute that declares it."""
        names = self.names
        value = repr(names[0]) if len(names) == 1 else repr(names)
        return f"loss_convention = {value}"


def declared(model_class: type) -> Convention:
    """The convention a model class declares in `loss_convention` (none: Keras's)."""
    value = getattr(model_class, "loss_convention", None) or ()
    names = (value,) if isinstance(value, str) else tuple(value)
    bad = [name for name in names if name not in NAMES]
    if bad:
        raise HarnessError(
            f"{model_class.__name__}.loss_convention {bad[0]!r}: choose from {', '.join(NAMES)}"
        )
    return Convention.named(names)


def equivalent_optimizer(optimizer: dict[str, Any], factor: float) -> dict[str, Any]:
    """The optimiser with which gradients `factor` times Keras's take Keras's steps: SGD's
    learning rate divided by it (with or without momentum), Adam's epsilon multiplied (Adam's
    step m / (sqrt(v) + eps) is otherwise blind to a constant scale)."""
    scaled = dict(optimizer)
    if factor == 1.0:
        return scaled
    if scaled.get("name") == "adam":
        scaled["epsilon"] = scaled.get("epsilon", 1e-7) * factor
    else:
        scaled["learning_rate"] = scaled.get("learning_rate", 0.01) / factor
    return scaled


def scaled_words(optimizer: dict[str, Any], factor: float) -> str:
    """What equivalent_optimizer changes: 'learning_rate 0.1 (0.5 / 5)'."""
    if factor == 1.0:
        return "nothing"
    if optimizer.get("name") == "adam":
        epsilon = optimizer.get("epsilon", 1e-7)
        return f"epsilon {epsilon * factor:g} ({epsilon:g} x {factor:g})"
    rate = optimizer.get("learning_rate", 0.01)
    return f"learning_rate {rate / factor:g} ({rate:g} / {factor:g})"
