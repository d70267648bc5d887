"""The plain-data spec checked and translated into sklearn's MLP parameters."""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.fighters.base import Unsupported

DTYPES = ("float32", "float64")
ACTIVATIONS = ("relu", "leaky_relu", "sigmoid", "tanh", "softmax", "linear")
LOSSES = ("binary_crossentropy", "categorical_crossentropy", "mean_squared_error")
LAYER_KEYS = ("input_dim", "output_dim", "activation", "init", "bias_init", "l2", "negative_slope")
# The spec's optimiser parameters and their defaults: David's and Keras's, stated explicitly
# because sklearn's differ (SGD: lr 0.001, momentum 0.9, Nesterov on; Adam: epsilon 1e-8).
OPTIMIZER_DEFAULTS: dict[str, dict[str, Any]] = {
    "sgd": {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
    "rmsprop": {
        "learning_rate": 0.001,
        "rho": 0.9,
        "momentum": 0.0,
        "epsilon": 1e-7,
        "centered": False,
    },
    "adam": {
        "learning_rate": 0.001,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "epsilon": 1e-7,
        "amsgrad": False,
    },
}
HIDDEN_ACTIVATIONS = {"relu": "relu", "tanh": "tanh", "sigmoid": "logistic", "linear": "identity"}
NATIVE_INIT = ("glorot_uniform", "zeros")  # the spec's default (weights, biases) init


def checked_layers(layers: Any) -> list[dict[str, Any]]:
    """The layer dicts with the spec's defaults filled in; structural errors are ValueErrors."""
    if not isinstance(layers, list | tuple) or not layers:
        raise ValueError(f"a model spec is a non-empty list of layer dicts, got {layers!r}")
    checked = []
    for index, layer in enumerate(layers):
        if not isinstance(layer, dict):
            raise ValueError(f"layer {index}: expected a dict, got {layer!r}")
        unknown = sorted(set(layer) - set(LAYER_KEYS))
        if unknown:
            raise ValueError(
                f"layer {index}: unknown key(s) {unknown}; valid keys: {', '.join(LAYER_KEYS)}"
            )
        for key in ("input_dim", "output_dim", "activation"):
            if key not in layer:
                raise ValueError(f"layer {index}: missing {key!r}")
        if layer["activation"] not in ACTIVATIONS:
            raise ValueError(
                f"layer {index}: unknown activation {layer['activation']!r}; "
                f"choose one of {', '.join(ACTIVATIONS)}"
            )
        if index and layer["input_dim"] != layers[index - 1]["output_dim"]:
            raise ValueError(
                f"layer {index}: input_dim {layer['input_dim']} does not match the output_dim "
                f"{layers[index - 1]['output_dim']} of layer {index - 1}"
            )
        checked.append({"init": "glorot_uniform", "bias_init": "zeros", "l2": None, **layer})
    return checked


def default_loss_for(output_activation: str) -> str:
    return {"sigmoid": "binary_crossentropy", "softmax": "categorical_crossentropy"}.get(
        output_activation, "mean_squared_error"
    )


def check_output(output: dict[str, Any], loss: str) -> bool:
    """Whether the output layer and loss make an MLPClassifier (else an MLPRegressor)."""
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    activation, units = output["activation"], output["output_dim"]
    if loss == "binary_crossentropy":
        if activation != "sigmoid" or units != 1:
            raise ValueError(
                f"binary_crossentropy needs a sigmoid output layer with output_dim 1, "
                f"got {activation!r} with {units}"
            )
        return True
    if loss == "categorical_crossentropy":
        if activation != "softmax":
            raise ValueError(f"categorical_crossentropy needs a softmax output, got {activation!r}")
        if units < 3:
            raise Unsupported(
                f"softmax output with {units} units (sklearn's classifier uses one sigmoid unit "
                "for two classes)"
            )
        return True
    if activation != "linear":
        raise Unsupported(
            f"{activation} output with mean_squared_error (MLPRegressor's output is linear)"
        )
    return False


def hidden_activation(layers: list[dict[str, Any]]) -> str:
    """sklearn's name for the one activation all hidden layers share."""
    hidden = [layer["activation"] for layer in layers[:-1]]
    if "leaky_relu" in hidden:
        raise Unsupported("leaky_relu activation (sklearn has relu, tanh, logistic, identity)")
    if "softmax" in hidden:
        raise Unsupported("softmax hidden layer (sklearn uses softmax for the output only)")
    if len(set(hidden)) > 1:
        raise Unsupported(
            f"hidden activations that differ between layers ({', '.join(hidden)}): "
            "sklearn uses one activation for every hidden layer"
        )
    return HIDDEN_ACTIVATIONS[hidden[0]] if hidden else "relu"


def single_l2(layers: list[dict[str, Any]], l2: float) -> float:
    """The one l2 every layer uses, rounded to float32 as Keras's regulariser (and David) do."""
    per_layer = [layer["l2"] if layer["l2"] is not None else l2 for layer in layers]
    if len(set(per_layer)) > 1:
        raise Unsupported(
            f"per-layer l2 that differs between layers ({', '.join(map(str, per_layer))}): "
            "sklearn's alpha applies one penalty to every layer"
        )
    return float(np.float32(per_layer[0]))


def optimizer_params(spec: str | dict[str, Any], gradient_scale: float) -> dict[str, Any]:
    """sklearn's solver parameters computing the spec's optimiser update."""
    params = {"name": spec} if isinstance(spec, str) else dict(spec)
    name = params.pop("name", None)
    if name not in OPTIMIZER_DEFAULTS:
        raise ValueError(
            f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZER_DEFAULTS)}"
        )
    unknown = sorted(set(params) - set(OPTIMIZER_DEFAULTS[name]))
    if unknown:
        raise ValueError(
            f"bad parameter for optimizer {name!r}: {unknown}; "
            f"valid: {', '.join(OPTIMIZER_DEFAULTS[name])}"
        )
    if name == "rmsprop":
        raise Unsupported("rmsprop optimizer (sklearn has sgd and adam)")
    options = {**OPTIMIZER_DEFAULTS[name], **params}
    learning_rate = options["learning_rate"]
    if not (isinstance(learning_rate, int | float) and learning_rate > 0):
        raise ValueError(f"learning_rate must be > 0, got {learning_rate!r}")
    if name == "sgd":
        momentum = options["momentum"]
        if not (isinstance(momentum, int | float) and 0 <= momentum < 1):
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
        return {
            "solver": "sgd",
            # A gradient `gradient_scale` times David's needs a step that much smaller.
            "learning_rate_init": learning_rate / gradient_scale,
            # David and Keras use momentum rounded to float32 (TensorFlow holds the Python float
            # as a float32 tensor); passing the same value makes sklearn compute the same update.
            "momentum": float32_rounded(momentum),
            "nesterovs_momentum": bool(options["nesterov"]),
        }
    if options["amsgrad"]:
        raise Unsupported("amsgrad (sklearn's adam has no amsgrad variant)")
    for label in ("beta_1", "beta_2"):
        beta = options[label]
        if not (isinstance(beta, int | float) and 0 <= beta < 1):
            raise ValueError(f"{label} must be in [0, 1), got {beta!r}")
    epsilon = options["epsilon"]
    if not (isinstance(epsilon, int | float) and epsilon > 0):
        raise ValueError(f"epsilon must be > 0, got {epsilon!r}")
    return {
        "solver": "adam",
        "learning_rate_init": learning_rate,
        # The spec's betas as written. Keras (and David) decay the moments by 1 - beta but take
        # the bias correction's beta**t of beta rounded to float32; sklearn uses one beta for
        # both, so no value computes Keras's update unless a float32 holds the beta exactly
        # (0.875, 0.9990234375, ...). Passing the rounded betas instead moves the mismatch to
        # the moments; measured, the gaps are the same size (~1e-6 on the first epoch's loss).
        "beta_1": float(options["beta_1"]),
        "beta_2": float(options["beta_2"]),
        # The spec's epsilon (Keras's default 1e-7, not sklearn's 1e-8); Adam's step is
        # invariant to a gradient scale except for epsilon, which scales with it.
        "epsilon": epsilon * gradient_scale,
    }


def float32_rounded(value: float) -> float:
    return float(np.float32(value))
