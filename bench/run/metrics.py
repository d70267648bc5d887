"""Metrics, computed by the harness from each fighter's predictions: the same code for all."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import xlogy
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

BOUNDARY_RESOLUTION = 60  # grid points per axis: enough for a smooth contour, small in JSON
BOUNDARY_MARGIN = 0.5  # in standardised units around the data


def predicted_labels(probabilities: np.ndarray) -> np.ndarray:
    """Class labels from output activations: > 0.5 for one unit, argmax otherwise."""
    probabilities = np.asarray(probabilities)
    if probabilities.shape[1] == 1:
        return (probabilities[:, 0] > 0.5).astype(np.int64)
    return probabilities.argmax(axis=1)


def prediction_loss(
    y: np.ndarray, probabilities: np.ndarray, loss: str, n_classes: int
) -> float | None:
    """The case's loss on predictions (cross-entropy or MSE); None when they are not finite.

    The cross-entropy is scikit-learn's log_loss (probabilities clipped to [eps, 1 - eps], rows
    renormalised), written out here because the harness computes it twice an epoch for every
    fighter and log_loss's input checks cost milliseconds a call; tests hold it to log_loss.
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if not np.isfinite(probabilities).all():
        return None
    y = np.asarray(y)
    if loss == "mean_squared_error":
        targets = y[:, None] if probabilities.shape[1] == 1 else np.eye(n_classes)[y]
        return float(np.mean(np.square(targets - probabilities)))
    eps = np.finfo(np.float64).eps
    if probabilities.shape[1] == 1:
        p = np.clip(probabilities[:, 0], eps, 1 - eps)
        return float(-np.mean(xlogy(y, p) + xlogy(1 - y, 1 - p)))
    # float32 softmax rows sum to 1 only within float32 rounding: renormalise, as log_loss does.
    p = np.clip(probabilities, eps, 1 - eps)
    p /= p.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(p[np.arange(len(y)), y])))


def max_weight_difference(a: list[tuple], b: list[tuple]) -> float:
    """Largest absolute difference between two fighters' (W, b) pairs, in float64."""
    return max(
        float(np.max(np.abs(np.asarray(p, np.float64) - np.asarray(q, np.float64))))
        for pair_a, pair_b in zip(a, b, strict=True)
        for p, q in zip(pair_a, pair_b, strict=True)
    )


def first_reaching(values: list[float], target: float | None) -> int | None:
    """1-based index of the first value >= target, or None."""
    if target is None:
        return None
    for index, value in enumerate(values, start=1):
        if value is not None and value >= target:
            return index
    return None


def fighter_metrics(
    data: Any,
    train_probabilities: np.ndarray,
    test_probabilities: np.ndarray,
    history: dict[str, Any],
    loss: str,
    target_accuracy: float | None,
) -> dict[str, Any]:
    """Accuracy, loss, speed and per-class scores of one trained fighter, from its predictions."""
    test_labels = predicted_labels(test_probabilities)
    train_labels = predicted_labels(train_probabilities)
    classes = list(range(data.n_classes))
    precision, recall, f1, support = precision_recall_fscore_support(
        data.y_test, test_labels, labels=classes, zero_division=0
    )
    epoch_seconds = history["epoch_seconds"]
    train_seconds = float(sum(epoch_seconds))
    # Validation is the held-out test split: per-epoch curves and time-to-target come from it.
    reached = first_reaching(history["val_accuracy"], target_accuracy)
    return {
        "train_accuracy": float((train_labels == data.y_train).mean()),
        "test_accuracy": float((test_labels == data.y_test).mean()),
        "test_loss": prediction_loss(data.y_test, test_probabilities, loss, data.n_classes),
        "test_correct": int((test_labels == data.y_test).sum()),
        "n_test": len(data.y_test),
        "samples_per_second": (
            len(data.y_train) * len(epoch_seconds) / train_seconds if train_seconds else None
        ),
        "epochs_to_target": reached,
        "seconds_to_target": float(sum(epoch_seconds[:reached])) if reached else None,
        "confusion_matrix": confusion_matrix(data.y_test, test_labels, labels=classes).tolist(),
        "per_class": {
            "precision": precision.tolist(),
            "recall": recall.tolist(),
            "f1": f1.tolist(),
            "support": support.tolist(),
        },
    }


def boundary_grid(data: Any, resolution: int = BOUNDARY_RESOLUTION) -> tuple[np.ndarray, dict]:
    """The grid points covering a 2-D dataset and the grid's extent."""
    points = np.vstack([data.x_train, data.x_test])
    low, high = points.min(axis=0) - BOUNDARY_MARGIN, points.max(axis=0) + BOUNDARY_MARGIN
    xs = np.linspace(low[0], high[0], resolution)
    ys = np.linspace(low[1], high[1], resolution)
    grid = np.array(np.meshgrid(xs, ys)).reshape(2, -1).T  # row-major: y varies slowest
    extent = {"x_min": low[0], "x_max": high[0], "y_min": low[1], "y_max": high[1]}
    return grid, {key: float(value) for key, value in extent.items()}


def decision_boundary(
    probabilities: np.ndarray, extent: dict[str, float], resolution: int, decimals: int = 4
) -> dict[str, Any]:
    """Class-1 probability (binary) or predicted class (multiclass) on a boundary grid."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    shape = (resolution, resolution)
    if probabilities.shape[1] == 1:
        values = np.round(probabilities[:, 0], decimals).reshape(shape)
        kind = "probability"
    else:
        values = predicted_labels(probabilities).reshape(shape)
        kind = "class"
    return {**extent, "resolution": resolution, "kind": kind, "values": values.tolist()}
