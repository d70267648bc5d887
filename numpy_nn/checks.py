"""Input checks: every argument the network is handed, checked before any maths runs.

Each check either returns the value ready for use (an array in the network's dtype, an int) or
raises ValueError (SpecError for the network's spec) saying what is wrong and where, so a mistake
in the data shows up as a sentence rather than as a shape error from deep inside a step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .losses import Loss
from .spec import SpecError

DTYPES = ("float32", "float64")


# ----------------------------------------------------------------- the network's spec


def checked_dtype(dtype: Any) -> np.dtype:
    """One of DTYPES as a NumPy dtype; SpecError otherwise."""
    if dtype not in DTYPES:
        raise SpecError(f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPES)}")
    return np.dtype(dtype)


def check_l2(l2: Any) -> None:
    """SpecError unless the global L2 factor is a number >= 0."""
    if not (isinstance(l2, int | float) and l2 >= 0):
        raise SpecError(f"l2 must be a number >= 0, got {l2!r}")


def check_loss_fits(loss: Loss, output_layer: dict[str, Any]) -> None:
    """SpecError when the loss does not fit the output layer (a fused loss needs its activation)."""
    fused, activation = loss.fused_activation, output_layer["activation"]
    if fused is not None and activation != fused:
        raise SpecError(f"loss {loss.name!r} needs a {fused!r} output layer, got {activation!r}")
    if loss.name == "binary_crossentropy" and output_layer["output_dim"] != 1:
        raise SpecError("binary_crossentropy needs an output layer with output_dim 1")


# ----------------------------------------------------------------- data


def check_x(x: Any, n_features: int, dtype: np.dtype, what: str = "X") -> np.ndarray:
    """X as a contiguous array in dtype, or ValueError saying what is wrong with it."""
    x = as_array(x, what)
    if x.dtype.kind not in "iuf":
        raise ValueError(
            f"{what} must hold real numbers (an integer or float dtype), got dtype {x.dtype}"
        )
    if x.ndim != 2:
        raise ValueError(f"{what} must be 2-D (samples, features), got shape {x.shape}")
    if x.shape[1] != n_features:
        raise ValueError(
            f"{what} has {x.shape[1]} features but the network's input_dim is {n_features}"
        )
    if x.shape[0] == 0:
        raise ValueError(f"{what} has no samples (shape {x.shape})")
    result = converted(x, dtype)
    if not all_finite(result):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(result))[0])
        if np.isfinite(x[bad]):
            raise ValueError(
                f"{what} holds {float(x[bad]):g} (row {bad[0]}, column {bad[1]}), "
                f"too large for {dtype}"
            )
        raise ValueError(f"{what} contains NaN or inf (first at row {bad[0]}, column {bad[1]})")
    return result


def check_y(
    y: Any, n_samples: int, n_outputs: int, dtype: np.dtype, loss_name: str, what: str = "y"
) -> np.ndarray:
    """Targets shaped (n_samples, n_outputs) in dtype (labels one-hot encoded), or ValueError."""
    y = as_array(y, what)
    if y.dtype.kind not in "biuf":
        raise ValueError(f"{what} must hold numbers (class labels or targets), got dtype {y.dtype}")
    if y.ndim not in (1, 2):
        raise ValueError(
            f"{what} must be 1-D (labels) or 2-D (samples, outputs), got shape {y.shape}"
        )
    if y.shape[0] != n_samples:
        raise ValueError(f"{what} has {y.shape[0]} rows but X has {n_samples}")
    k = n_outputs
    if y.ndim == 1 and k > 1:
        return one_hot(y, k, dtype, what)
    y = y.reshape(n_samples, -1) if y.ndim == 1 else y
    if y.shape != (n_samples, k):
        raise ValueError(f"{what} must have shape ({n_samples}, {k}), got {y.shape}")
    result = converted(y, dtype)
    if not all_finite(result):
        raise ValueError(f"{what} contains NaN or inf, or a value too large for {dtype}")
    if loss_name == "binary_crossentropy":
        bad = first_not_binary(result)
        if bad is not None:
            raise ValueError(
                f"{what}: label {bad:g} out of range; binary_crossentropy takes 0 or 1"
            )
    return result


def one_hot(labels: np.ndarray, k: int, dtype: np.dtype, what: str) -> np.ndarray:
    """Class labels 0..k-1 for a multi-unit output (softmax, or MSE on k units), one-hot."""
    if labels.dtype.kind == "f":
        if not all_finite(labels):
            raise ValueError(f"{what} contains NaN or inf; class labels expected")
        fractional = labels[labels != np.round(labels)]
        if fractional.size:
            raise ValueError(
                f"{what}: integer class labels expected, got {fractional[0]:g} "
                f"(dtype {labels.dtype})"
            )
    bad = labels[(labels < 0) | (labels >= k)]
    if bad.size:
        raise ValueError(
            f"{what}: label {bad[0]:g} out of range; the output layer has {k} classes "
            f"(labels 0..{k - 1})"
        )
    encoded = np.zeros((len(labels), k), dtype=dtype)
    encoded[np.arange(len(labels)), labels.astype(np.intp)] = 1
    return encoded


def as_array(data: Any, what: str) -> np.ndarray:
    """np.asarray, with NumPy's complaint about ragged or odd input named after the argument."""
    try:
        return np.asarray(data)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{what} could not be read as an array: {err}") from None


def converted(data: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """The data as a C-contiguous array of dtype (no copy when it already is one)."""
    with np.errstate(over="ignore"):  # values beyond the dtype's range become inf: checked next
        return np.ascontiguousarray(data, dtype=dtype)


def all_finite(data: np.ndarray) -> bool:
    """Whether no value is NaN or inf, without allocating an array of flags."""
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(data.sum()):  # any NaN or inf makes the sum NaN or inf
            return True
    return bool(np.isfinite(data).all())  # the sum overflowed, or something is not finite


def first_not_binary(y: np.ndarray, chunk: int = 4096) -> float | None:
    """The first value that is neither 0 nor 1, scanning in chunks to keep temporaries small."""
    flat = y.reshape(-1)
    for start in range(0, flat.size, chunk):
        part = flat[start : start + chunk]
        bad = (part != 0) & (part != 1)
        if bad.any():
            return float(part[bad.argmax()])
    return None


# ----------------------------------------------------------------- fit's options


def positive_int(value: Any, what: str, none_ok: bool = False) -> int | None:
    """A Python or NumPy integer > 0 as an int (bool is not a count); None when allowed."""
    if value is None and none_ok:
        return None
    if isinstance(value, int | np.integer) and not isinstance(value, bool) and value > 0:
        return int(value)
    choices = "a positive integer or None" if none_ok else "a positive integer"
    raise ValueError(f"{what} must be {choices}, got {value!r}")


def check_fit_options(
    epochs: Any,
    batch_size: Any,
    batches: Sequence[Sequence[np.ndarray]] | None,
    rng: Any,
    callback: Any,
    evaluate: Any,
) -> tuple[int, int | None]:
    """fit's options other than the data checked, in order; (epochs, batch_size) as ints."""
    epochs = positive_int(epochs, "epochs")
    batch_size = positive_int(batch_size, "batch_size", none_ok=True)
    if batches is not None:
        if not hasattr(batches, "__len__") or not hasattr(batches, "__getitem__"):
            raise ValueError(
                "batches must be a sequence holding one list of index arrays per epoch, "
                f"got {type(batches).__name__}"
            )
        if len(batches) != epochs:
            raise ValueError(f"batches has {len(batches)} epochs' orders but epochs is {epochs}")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator or None, got {rng!r}")
    if callback is not None and not callable(callback):
        raise ValueError(f"callback must be callable or None, got {callback!r}")
    if not isinstance(evaluate, bool | np.bool_):
        raise ValueError(f"evaluate must be True or False, got {evaluate!r}")
    return epochs, batch_size


def check_validation_pair(validation_data: Any) -> None:
    """ValueError unless validation_data is a pair (X, y)."""
    if not isinstance(validation_data, tuple | list) or len(validation_data) != 2:
        raise ValueError("validation_data must be a pair (X, y)")


def checked_order(order: Any, n: int, epoch: int) -> list[np.ndarray]:
    """Index arrays of one epoch, each a non-empty 1-D integer array within 0..n-1."""
    where = f"epoch {epoch}"
    try:
        items = list(order)
    except TypeError:
        raise ValueError(
            f"{where}: expected a list of index arrays, got {type(order).__name__}"
        ) from None
    if not items:
        raise ValueError(f"{where}: no batches; an epoch needs at least one")
    arrays = []
    for number, indices in enumerate(items):
        batch = as_array(indices, f"{where}, batch {number}")
        if batch.ndim != 1 or batch.size == 0:
            raise ValueError(
                f"{where}, batch {number}: a batch is a non-empty 1-D array of sample indices, "
                f"got shape {batch.shape}"
            )
        if batch.dtype.kind not in "iu":
            raise ValueError(
                f"{where}, batch {number}: sample indices must be integers, got dtype {batch.dtype}"
            )
        arrays.append(batch if batch.dtype == np.intp else batch.astype(np.intp))
    check_range(arrays, n, where)
    return arrays


def check_range(arrays: list[np.ndarray], n: int, where: str, group: int = 8192) -> None:
    """Raise if an index is outside 0..n-1.

    Checked on groups of batches concatenated up to `group` indices: two reductions per group
    rather than per batch, and a temporary of at most one group (64 KiB) plus one batch.
    """
    first = 0
    while first < len(arrays):
        last, size = first, 0
        while last < len(arrays) and size < group:
            size += arrays[last].size
            last += 1
        indices = np.concatenate(arrays[first:last])
        if indices.min() < 0 or indices.max() >= n:
            for number in range(first, last):
                low, high = arrays[number].min(), arrays[number].max()
                if low < 0 or high >= n:
                    raise ValueError(
                        f"{where}, batch {number}: sample index {low if low < 0 else high} "
                        f"out of range 0..{n - 1}"
                    )
        first = last
