"""The plain-data spec's names mapped onto Keras objects, with clear errors for the rest."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .backend import keras

ACTIVATIONS = ("relu", "leaky_relu", "sigmoid", "tanh", "softmax", "linear")
LOSSES = ("binary_crossentropy", "categorical_crossentropy", "mean_squared_error")
DEFAULT_LEAKY_SLOPE = 0.01
OPTIMIZERS: dict[str, tuple[type, tuple[str, ...]]] = {
    "sgd": (keras.optimizers.SGD, ("learning_rate", "momentum", "nesterov")),
    "rmsprop": (
        keras.optimizers.RMSprop,
        ("learning_rate", "rho", "momentum", "epsilon", "centered"),
    ),
    "adam": (keras.optimizers.Adam, ("learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad")),
}


def activation(layer: dict[str, Any]) -> Any:
    """The Keras activation for a layer spec."""
    name = layer["activation"]
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
    if name == "leaky_relu":
        slope = layer.get("negative_slope", DEFAULT_LEAKY_SLOPE)
        return functools.partial(keras.activations.leaky_relu, negative_slope=slope)
    return name


class FanInTruncatedNormal(keras.initializers.Initializer):
    """N(0, 1) truncated to +-1/sqrt(fan_in) (Bernd Klein's tutorial's scheme), which Keras lacks.

    Keras's TruncatedNormal always cuts at 2 standard deviations, so this is the documented exact
    custom equivalent: rejection sampling from Keras's own seeded normal generator.
    """

    def __init__(self, seed: int | None = None):
        self.seed = seed

    def __call__(self, shape, dtype=None):
        bound = 1.0 / np.sqrt(shape[0])
        generator = keras.random.SeedGenerator(self.seed)
        values = keras.ops.convert_to_numpy(keras.random.normal(shape, seed=generator))
        bad = np.abs(values) > bound
        while bad.any():
            fresh = keras.random.normal((int(bad.sum()),), seed=generator)
            values[bad] = keras.ops.convert_to_numpy(fresh)
            bad = np.abs(values) > bound
        return keras.ops.convert_to_tensor(values, dtype=dtype)

    def get_config(self):
        return {"seed": self.seed}


def initializer(name: str, fan_in: int, seed: int) -> keras.initializers.Initializer:
    """The Keras initializer drawing from the same distribution as David's scheme of that name."""
    table = {
        "glorot_uniform": lambda: keras.initializers.GlorotUniform(seed),
        "glorot_normal": lambda: keras.initializers.GlorotNormal(seed),
        "he_normal": lambda: keras.initializers.HeNormal(seed),
        "he_uniform": lambda: keras.initializers.HeUniform(seed),
        "lecun_normal": lambda: keras.initializers.LecunNormal(seed),
        "normal_scaled": lambda: keras.initializers.RandomNormal(stddev=0.1, seed=seed),
        "fan_in_normal": lambda: keras.initializers.RandomNormal(
            stddev=1.0 / np.sqrt(fan_in), seed=seed
        ),
        "truncated_normal": lambda: FanInTruncatedNormal(seed),
        "zeros": keras.initializers.Zeros,
    }
    if name not in table:
        raise ValueError(f"unknown initializer {name!r}; choose one of {', '.join(table)}")
    return table[name]()


def loss(name: str, integer_labels: bool) -> keras.losses.Loss:
    """The Keras loss; categorical cross-entropy on integer labels uses the sparse form."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}")
    if name == "categorical_crossentropy":
        if integer_labels:
            return keras.losses.SparseCategoricalCrossentropy()
        return keras.losses.CategoricalCrossentropy()
    if name == "binary_crossentropy":
        return keras.losses.BinaryCrossentropy()
    return keras.losses.MeanSquaredError()


def optimizer(spec: str | dict[str, Any]) -> keras.optimizers.Optimizer:
    """The Keras optimiser for a plain-data optimiser spec."""
    params = {"name": spec} if isinstance(spec, str) else dict(spec)
    name = params.pop("name", None)
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    cls, valid = OPTIMIZERS[name]
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ValueError(
            f"bad parameter for optimizer {name!r}: {unknown}; valid: {', '.join(valid)}"
        )
    return cls(**params)


def default_loss_for(output_activation: str) -> str:
    """The natural loss for an output activation, as David chooses it."""
    return {"sigmoid": "binary_crossentropy", "softmax": "categorical_crossentropy"}.get(
        output_activation, "mean_squared_error"
    )
