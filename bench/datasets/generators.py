"""Generated and bundled datasets: a pure function of (seed, params) -> (x, y, class names)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn import datasets as skd

# maker(seed, **params) -> (x, y, class names or None); y's labels index the class names.
Maker = Callable[..., tuple[np.ndarray, np.ndarray, tuple[str, ...] | None]]


def xor(seed: int, n_samples: int, noise: float) -> tuple[np.ndarray, np.ndarray, None]:
    """Points in [-1, 1]^2, labelled by the sign of x0 * x1, then blurred by noise."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    # Label the clean points, so the noise blurs the boundary instead of moving it.
    y = (x[:, 0] * x[:, 1] < 0).astype(np.int64)
    return x + rng.normal(scale=noise, size=x.shape), y, None


def spiral(
    seed: int, n_samples: int, noise: float, turns: float
) -> tuple[np.ndarray, np.ndarray, None]:
    """Two interleaved spiral arms, one per class."""
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % 2
    # An arm's length grows with the radius; sqrt spaces the points evenly along it.
    t = np.sqrt(rng.uniform(size=n_samples)) * turns
    angle = 2 * np.pi * t + np.pi * y  # the second arm is the first rotated half a turn
    x = t[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return x + rng.normal(scale=noise, size=x.shape), y, None


def unnamed(make: Callable[..., tuple[np.ndarray, np.ndarray]]) -> Maker:
    """A scikit-learn generator whose classes have no names."""
    return lambda seed, **params: (*make(**params, random_state=seed), None)


def blobs(seed: int, centers: int, **params: Any) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Gaussian blobs, one class per centre, named 'blob 0', 'blob 1', ..."""
    x, y = skd.make_blobs(centers=centers, **params, random_state=seed)
    return x, y, tuple(f"blob {i}" for i in range(centers))


def bundled(loader: Callable[..., Any]) -> Maker:
    """A dataset shipped with scikit-learn: fixed data, so the seed only drives the split."""

    def make(seed: int) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
        data = loader()
        return data.data, data.target, tuple(str(name) for name in data.target_names)

    return make
