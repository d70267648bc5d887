"""Inputs, targets, batch orders and losses: the arrays around the sklearn estimator."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.neural_network._base import ACTIVATIONS as SKLEARN_ACTIVATIONS

from bench.fighters.base import Unsupported


def checked_x(x: Any, n_inputs: int, dtype: np.dtype, what: str = "X") -> np.ndarray:
    """x as a C-contiguous (samples, n_inputs) array of the model's dtype."""
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != n_inputs:
        raise ValueError(f"{what} must have shape (samples, {n_inputs}), got {x.shape}")
    return np.ascontiguousarray(x, dtype=dtype)


def fit_targets(
    y: Any, n_samples: int, n_outputs: int, is_classifier: bool, dtype: np.dtype, what: str = "y"
) -> tuple[np.ndarray, np.ndarray]:
    """(what sklearn trains on, targets shaped like the output for David's loss)."""
    y = np.asarray(y)
    k = n_outputs
    if y.shape[0] != n_samples:
        raise ValueError(f"{what} has {y.shape[0]} rows but X has {n_samples}")
    if is_classifier or (y.ndim == 1 and k > 1):
        classes = class_labels(y, k, what)
        targets = np.eye(k, dtype=dtype)[classes] if k > 1 else classes[:, None]
        return (classes if is_classifier else targets), targets.astype(dtype)
    targets = y.reshape(n_samples, -1).astype(dtype)
    if targets.shape[1] != k:
        raise ValueError(f"{what} must have shape ({n_samples}, {k}), got {y.shape}")
    # One output: sklearn wants a 1-D target (a column would warn and be raveled).
    return (targets[:, 0] if k == 1 else targets), targets


def class_labels(y: np.ndarray, n_outputs: int, what: str) -> np.ndarray:
    """Integer class labels from labels, a 0/1 column or one-hot rows."""
    k = n_outputs
    if y.ndim == 2 and y.shape[1] == k and k > 1:
        if not (np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all()):
            raise Unsupported(
                "soft targets for categorical_crossentropy (sklearn's classifier takes one-hot "
                "rows or class labels)"
            )
        return y.argmax(axis=1)
    y = y.reshape(len(y)) if y.ndim == 2 and y.shape[1] == 1 else y
    if y.ndim != 1 or not np.all(np.mod(y, 1) == 0):
        raise ValueError(f"{what}: integer class labels expected, got shape {y.shape}")
    classes = y.astype(np.int64)
    bad = classes[(classes < 0) | (classes >= max(2, k))]
    if bad.size:
        raise ValueError(
            f"{what}: label {bad[0]} out of range; the output layer takes labels 0..{max(2, k) - 1}"
        )
    return classes


def loss_value(name: str, y: np.ndarray, z: np.ndarray, a: np.ndarray) -> float:
    """David's mean loss from the output logits z (cross-entropies) or outputs a (MSE)."""
    if name == "binary_crossentropy":
        per_unit = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
        return float(per_unit.mean())
    if name == "categorical_crossentropy":
        shifted = z - z.max(axis=1, keepdims=True)
        log_sum_exp = np.log(np.exp(shifted).sum(axis=1))
        return float((log_sum_exp - np.einsum("ij,ij->i", y, shifted)).mean())
    return float(np.square(a - y).mean())


def labels(output: np.ndarray) -> np.ndarray:
    """Class labels of outputs: > 0.5 for one unit, argmax otherwise."""
    if output.shape[1] == 1:
        return (output[:, 0] > 0.5).astype(np.int64)
    return output.argmax(axis=1)


def checked_order(order: Sequence[Any], n: int, epoch: int) -> list[np.ndarray]:
    """Index arrays of one epoch, each non-empty, 1-D and within 0..n-1."""
    arrays = [np.asarray(indices, dtype=np.intp) for indices in order]
    if not arrays or any(a.ndim != 1 or a.size == 0 for a in arrays):
        raise ValueError(f"epoch {epoch}: each batch must be a non-empty 1-D index array")
    flat = np.concatenate(arrays)
    if flat.min() < 0 or flat.max() >= n:
        raise ValueError(f"epoch {epoch}: batch index out of range 0..{n - 1}")
    return arrays


def forward(
    estimator: MLPClassifier | MLPRegressor, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """sklearn's forward pass as (output logits, output), the logits kept for a stable loss."""
    hidden = SKLEARN_ACTIVATIONS[estimator.activation]
    last = len(estimator.coefs_) - 1
    values = x
    for index, (w, b) in enumerate(zip(estimator.coefs_, estimator.intercepts_, strict=True)):
        values = values @ w
        values += b
        if index < last:
            hidden(values)
    output = values.copy()
    SKLEARN_ACTIVATIONS[estimator.out_activation_](output)
    return values, output
