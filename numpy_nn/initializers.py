"""Weight initialisers: Keras's schemes plus the three the seed articles use.

Each takes (fan_in, fan_out, shape, rng) and returns float64 values; the network casts them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# Keras's truncated normals cut at 2 standard deviations; dividing by this constant (the std of
# a unit normal truncated at +-2) keeps the variance of the truncated draw as requested.
_TRUNCATED_STD = 0.87962566103423978

Initializer = Callable[[int, int, tuple[int, ...], np.random.Generator], np.ndarray]


def truncated_normal(rng: np.random.Generator, shape, stddev: float, bound: float) -> np.ndarray:
    """N(0, stddev^2) restricted to [-bound, bound], by vectorised rejection."""
    out = rng.normal(0.0, stddev, size=shape)
    bad = np.abs(out) > bound
    while bad.any():
        out[bad] = rng.normal(0.0, stddev, size=int(bad.sum()))
        bad = np.abs(out) > bound
    return out


def _scaled_truncated(variance: float, rng, shape) -> np.ndarray:
    stddev = np.sqrt(variance) / _TRUNCATED_STD
    return truncated_normal(rng, shape, stddev, 2.0 * stddev)


def glorot_uniform(fan_in, fan_out, shape, rng):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)


def glorot_normal(fan_in, fan_out, shape, rng):
    return _scaled_truncated(2.0 / (fan_in + fan_out), rng, shape)


def he_uniform(fan_in, fan_out, shape, rng):
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=shape)


def he_normal(fan_in, fan_out, shape, rng):
    return _scaled_truncated(2.0 / fan_in, rng, shape)


def lecun_normal(fan_in, fan_out, shape, rng):
    return _scaled_truncated(1.0 / fan_in, rng, shape)


def normal_scaled(fan_in, fan_out, shape, rng):
    """randn * 0.1, the moons article's scheme (it uses it for biases too)."""
    return rng.standard_normal(shape) * 0.1


def fan_in_normal(fan_in, fan_out, shape, rng):
    """N(0, 1/fan_in), the neural-network-with-numpy article's scheme."""
    return rng.normal(0.0, 1.0 / np.sqrt(fan_in), size=shape)


def truncated_normal_fan_in(fan_in, fan_out, shape, rng):
    """N(0, 1) truncated to +-1/sqrt(fan_in), Bernd Klein's tutorial's scheme."""
    return truncated_normal(rng, shape, 1.0, 1.0 / np.sqrt(fan_in))


def zeros(fan_in, fan_out, shape, rng):
    return np.zeros(shape)


INITIALIZERS: dict[str, Initializer] = {
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "lecun_normal": lecun_normal,
    "normal_scaled": normal_scaled,
    "fan_in_normal": fan_in_normal,
    "truncated_normal": truncated_normal_fan_in,
    "zeros": zeros,
}


def get_initializer(name: str) -> Initializer:
    """Look an initialiser up by name."""
    if name not in INITIALIZERS:
        raise ValueError(f"unknown initializer {name!r}; choose one of {', '.join(INITIALIZERS)}")
    return INITIALIZERS[name]
