"""Train/test splits: stratified, seeded, standardised with the training statistics only."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from .errors import DatasetError


@dataclass(frozen=True, eq=False)
class Split:
    """Train and test arrays, labels 0..k-1, and the classes' names where the data have them."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...] | None = None


def _label(label: int, class_names: tuple[str, ...] | None) -> str:
    return repr(class_names[label]) if class_names else str(label)


def check_classes(y: np.ndarray, class_names: tuple[str, ...] | None = None) -> int:
    """The number of classes in labels 0..k-1; a DatasetError if one is empty or there is one."""
    counts = np.bincount(y, minlength=len(class_names) if class_names else 0)
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        raise DatasetError(f"no samples of class {_label(int(empty[0]), class_names)}")
    if len(counts) < 2:
        raise DatasetError(
            f"only one class ({_label(0, class_names)}): a classifier needs at least 2"
        )
    return len(counts)


def stratified_split(
    x: np.ndarray,
    y: np.ndarray,
    test_size: float,
    seed: int,
    class_names: tuple[str, ...] | None = None,
) -> Split:
    """Split (x, y) so both parts hold every class in the same proportions."""
    n_classes = check_classes(y, class_names)
    counts = np.bincount(y)
    if counts.min() < 2:
        label = _label(int(counts.argmin()), class_names)
        raise DatasetError(
            f"class {label} has only {counts.min()} sample: a stratified split needs at least 2 "
            "of each class (one for training, one for testing)"
        )
    # scikit-learn's own arithmetic, checked here so that the message says what to change.
    n_test = math.ceil(test_size * len(y))
    for part, size in (("training", len(y) - n_test), ("testing", n_test)):
        if size < n_classes:
            raise DatasetError(
                f"test_size={test_size} of {len(y)} samples leaves {size} for {part}, fewer than "
                f"the {n_classes} classes; change test_size or use more samples"
            )
    try:
        x_train, x_test, y_train, y_test = train_test_split(
            x, y, test_size=test_size, stratify=y, random_state=seed
        )
    except ValueError as err:  # a case the checks above missed: still the user's to fix
        message = f"cannot split {len(y)} samples with test_size={test_size}: {err}"
        raise DatasetError(message) from err
    return Split(x_train, y_train, x_test, y_test, class_names)


def stratified_subset(y: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Indices (sorted) of `size` samples drawn from each class in proportion to its share."""
    if size >= len(y):
        return np.arange(len(y))
    classes, counts = np.unique(y, return_counts=True)
    exact = counts * size / len(y)
    take = np.floor(exact).astype(np.int64)
    # The places left over go to the largest remainders, ties to the lower class: every class
    # gets its share rounded up or down, and the sizes add up exactly.
    leftover = size - int(take.sum())
    take[np.argsort(-(exact - take), kind="stable")[:leftover]] += 1
    chosen = [
        rng.choice(np.flatnonzero(y == label), size=n, replace=False)
        for label, n in zip(classes, take, strict=True)
    ]
    return np.sort(np.concatenate(chosen))


def standardise(split: Split) -> Split:
    """Features scaled to mean 0 and variance 1 with the training statistics (float64)."""
    # Our own float64 copies, so scaling them in place costs no second copy of a large set.
    x_train = np.array(split.x_train, dtype=np.float64, order="C")
    x_test = np.array(split.x_test, dtype=np.float64, order="C")
    scaler = StandardScaler(copy=False).fit(x_train)  # the test set stays unseen
    return replace(
        split,
        x_train=scaler.transform(x_train),
        x_test=scaler.transform(x_test),
        y_train=np.asarray(split.y_train, dtype=np.int64),
        y_test=np.asarray(split.y_test, dtype=np.int64),
    )
