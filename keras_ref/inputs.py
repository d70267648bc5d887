"""Training inputs checked before they reach Keras, which would otherwise accept them silently.

Keras maps label -1 to the last class (one-hot of -1), trains binary cross-entropy on labels 2 or
0.5, turns a NaN in X into a "diverged" run, and fails on strings or empty arrays deep inside
TensorFlow. Each of these is refused here with the bad value and the valid range.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _array(values: Any, what: str) -> np.ndarray:
    try:
        return np.asarray(values)
    except (ValueError, TypeError) as err:  # ragged nested lists, unconvertible objects
        raise ValueError(f"{what} must be a rectangular numeric array: {err}") from None


def _real(array: np.ndarray, what: str) -> None:
    is_real = np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
    if not is_real or array.dtype == np.bool_:
        raise ValueError(f"{what} must be numeric (integers or floats), got dtype {array.dtype}")


def check_x(x: Any, n_features: int, dtype: np.dtype, what: str = "X") -> np.ndarray:
    """X as a finite (samples, n_features) array of `dtype`, or a ValueError naming the problem."""
    x = _array(x, what)
    if x.ndim != 2:
        raise ValueError(f"{what} must be 2-D (samples, features), got shape {x.shape}")
    if x.shape[0] == 0:
        raise ValueError(f"{what} has no samples (shape {x.shape}); at least 1 row is needed")
    if x.shape[1] != n_features:
        raise ValueError(
            f"{what} has {x.shape[1]} features but the network's input_dim is {n_features}"
        )
    _real(x, what)
    with np.errstate(over="ignore"):  # an overflow to inf is reported below, as inf
        x = np.ascontiguousarray(x, dtype=dtype)
    if not np.isfinite(x).all():
        row, column = np.argwhere(~np.isfinite(x))[0]
        raise ValueError(
            f"{what} contains {x[row, column]} at row {row}, column {column}; "
            f"values must be finite {dtype.name} numbers"
        )
    return x


def check_y(
    y: Any, n_samples: int, n_outputs: int, loss: str, dtype: np.dtype, what: str = "y"
) -> np.ndarray:
    """Targets shaped (n_samples, n_outputs) in `dtype`; class labels for several outputs become
    one-hot rows. Raises ValueError naming the bad value and the valid range."""
    y = _array(y, what)
    if y.ndim == 0 or y.shape[0] != n_samples:
        shape = "a scalar" if y.ndim == 0 else f"{y.shape[0]} rows"
        raise ValueError(f"{what} has {shape} but X has {n_samples} rows")
    _real(y, what)
    if y.ndim == 1 and n_outputs > 1:
        if not np.isfinite(y).all() or not np.all(np.mod(y, 1) == 0):
            bad = y[~np.isfinite(y) | (np.mod(y, 1) != 0)][0]
            raise ValueError(
                f"{what}: label {bad} is not a class; the output layer has {n_outputs} classes "
                f"(integer labels 0..{n_outputs - 1})"
            )
        labels = y.astype(np.int64)
        bad = labels[(labels < 0) | (labels >= n_outputs)]
        if bad.size:
            raise ValueError(
                f"{what}: label {bad[0]} out of range; the output layer has {n_outputs} classes "
                f"(labels 0..{n_outputs - 1})"
            )
        return np.eye(n_outputs, dtype=dtype)[labels]
    y = y.reshape(n_samples, -1) if y.ndim == 1 else y
    if y.shape != (n_samples, n_outputs):  # Keras would broadcast a mismatch silently
        raise ValueError(f"{what} must have shape ({n_samples}, {n_outputs}), got {y.shape}")
    with np.errstate(over="ignore"):
        y = np.ascontiguousarray(y, dtype=dtype)
    if not np.isfinite(y).all():
        raise ValueError(f"{what} contains {y[~np.isfinite(y)][0]}; targets must be finite")
    if loss == "binary_crossentropy" and not np.isin(y, (0, 1)).all():
        bad = y[~np.isin(y, (0, 1))][0]
        raise ValueError(f"{what}: label {bad:g} out of range; binary_crossentropy takes 0 or 1")
    return y


def check_epochs(epochs: Any) -> int:
    """A positive whole number of epochs."""
    if isinstance(epochs, bool) or not isinstance(epochs, int | np.integer) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    return int(epochs)


def check_batch_size(batch_size: Any) -> int | None:
    """A positive batch size, or None for full batch."""
    if batch_size is None:
        return None
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
        raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}")
    return int(batch_size)
