"""Losses, each with its value and its gradient side by side; mean over the batch.

Cross-entropies are computed from the pre-activation logits z of the output layer: the value
never takes log(0) and the gradient is the fused, stable (p - y) / n. Keras does the same when
the output op is a sigmoid or softmax, which is what makes step-for-step parity possible.
"""

from __future__ import annotations

import numpy as np


class Loss:
    """A loss over a batch of predictions."""

    name = "loss"
    # The output activation this loss is fused with (None: any output works).
    fused_activation: str | None = None

    def value(self, y: np.ndarray, z: np.ndarray, a: np.ndarray) -> float:
        """Mean loss over the batch, given targets y, logits z and outputs a."""
        raise NotImplementedError

    def gradient(self, y: np.ndarray, a: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Write dL/dz (fused with the output activation) or else dL/da into out; return it."""
        raise NotImplementedError


class BinaryCrossEntropy(Loss):
    name = "binary_crossentropy"
    fused_activation = "sigmoid"

    def value(self, y, z, a):
        # -[y log s(z) + (1-y) log(1-s(z))] = max(z,0) - z*y + log(1 + exp(-|z|))
        per_unit = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
        return float(per_unit.mean())

    def gradient(self, y, a, out):
        # Keras means over the output units, then over the batch.
        np.subtract(a, y, out=out)
        out /= a.size
        return out


class CategoricalCrossEntropy(Loss):
    """Categorical cross-entropy; targets are one-hot rows (integer labels are one-hot encoded)."""

    name = "categorical_crossentropy"
    fused_activation = "softmax"

    def value(self, y, z, a):
        shifted = z - z.max(axis=1, keepdims=True)
        log_sum_exp = np.log(np.exp(shifted).sum(axis=1))
        return float((log_sum_exp - np.einsum("ij,ij->i", y, shifted)).mean())

    def gradient(self, y, a, out):
        np.subtract(a, y, out=out)
        out /= y.shape[0]
        return out


class MeanSquaredError(Loss):
    name = "mean_squared_error"

    def value(self, y, z, a):
        return float(np.square(a - y).mean())

    def gradient(self, y, a, out):
        np.subtract(a, y, out=out)
        out *= 2.0 / a.size
        return out


LOSSES: dict[str, type[Loss]] = {
    cls.name: cls for cls in (BinaryCrossEntropy, CategoricalCrossEntropy, MeanSquaredError)
}


def make_loss(name: str) -> Loss:
    """Build a loss by name."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}")
    return LOSSES[name]()


def default_loss_for(output_activation: str) -> str:
    """The natural loss for an output activation: sigmoid->BCE, softmax->CCE, else MSE."""
    return {"sigmoid": "binary_crossentropy", "softmax": "categorical_crossentropy"}.get(
        output_activation, "mean_squared_error"
    )
