"""What the doctor measures, run inside a fighter's worker process on its model class.

The same probes run on the user's class and on Keras, through the model interface alone
(bench/fighters/base.py), so the reference is measured exactly as the patient is. Two optional
methods make them more direct: `layer_outputs(x)` (every layer's activations) and
`gradients(x, y)` ((dW, db) per layer, shared layout). Without them:

- a layer's output is the prediction of the class built from the spec's first layers only, with
  those layers' weights: a network of the first k layers computes exactly the first k layers,
  so nothing is approximated (identity-like later layers or finite differences could not
  promise that through a ReLU or a sigmoid);
- the gradient is read back from one plain SGD step at learning rate 1: W - W' = dL/dW, to
  float64 rounding of W.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

Weights = list[tuple[np.ndarray, np.ndarray]]
Layers = list[dict[str, Any]]


def build(
    model_class: type,
    options: dict[str, Any],
    layers: Layers,
    loss: str | None,
    optimizer: dict[str, Any] | None = None,
    dtype: str = "float64",
    weights: Weights | None = None,
) -> Any:
    """The class built from the plain-data spec, as the harness builds every fighter, and
    started from `weights` when given."""
    optimizer = dict(optimizer or {"name": "sgd", "learning_rate": 1.0})
    model = model_class(
        [dict(layer) for layer in layers],
        loss=loss,
        optimizer=optimizer,
        l2=0.0,
        dtype=dtype,
        seed=0,
        **options,
    )
    if weights is not None:
        model.set_weights(weights)
    return model


def declarations(model_class: type, options: dict[str, Any]) -> dict[str, Any]:
    """What the class declares of itself: whether it has biases (`biases = False`: none, held at
    zero), its loss convention (`loss_convention`), whether it offers layer_outputs()."""
    from bench.fighters.conventions import declared

    return {
        "biases": getattr(model_class, "biases", True) is not False,
        "convention": declared(model_class).names,
        "layer_outputs": callable(getattr(model_class, "layer_outputs", None)),
    }


def accepts(
    model_class: type, options: dict[str, Any], specs: list[tuple[Layers, str]]
) -> list[str | None]:
    """For each (layers, loss): None when the class builds it, else why it refused (Unsupported)."""
    from bench.fighters.base import Unsupported

    answers: list[str | None] = []
    for layers, loss in specs:
        try:
            build(model_class, options, layers, loss)
            answers.append(None)
        except Unsupported as err:
            answers.append(str(err))
    return answers


def _as_weights(pairs: Any) -> Weights:
    return [(np.array(w, dtype=np.float64), np.array(b, dtype=np.float64)) for w, b in pairs]


def round_trip(
    model_class: type,
    options: dict[str, Any],
    layers: Layers,
    loss: str,
    weights: Weights,
) -> Weights:
    """get_weights() right after set_weights(weights)."""
    model = build(model_class, options, layers, loss, weights=weights)
    return _as_weights(model.get_weights())


def outputs(
    model_class: type,
    options: dict[str, Any],
    layers: Layers,
    loss: str,
    weights: Weights,
    x: np.ndarray,
) -> dict[str, Any]:
    """The final output, and every layer's output (an error message where none could be had)."""
    model = build(model_class, options, layers, loss, weights=weights)
    final = np.array(model.predict_proba(x), dtype=np.float64)
    if callable(getattr(model, "layer_outputs", None)):
        per_layer = [np.array(a, dtype=np.float64) for a in model.layer_outputs(x)]
        return {"final": final, "layers": per_layer, "how": "layer_outputs()"}
    # The reading holds only if a network built as the prefixes are (loss None first) computes
    # the full network's output when k = n: else the prefixes are built with the loss.
    attempts: tuple[str | None, ...] = (None, loss)
    whole = _truncated_output(model_class, options, layers, loss, weights, x, attempts)
    if not _same(whole, final):
        attempts = (loss,)
        whole = _truncated_output(model_class, options, layers, loss, weights, x, attempts)
    per_layer: list[Any] = [
        _truncated_output(model_class, options, layers[:count], loss, weights, x, attempts)
        for count in range(1, len(layers))
    ]
    per_layer.append(final)
    how = "the class built from the spec's first k layers, for each k"
    return {"final": final, "layers": per_layer, "how": how, "whole": whole}


def _same(a: np.ndarray | str, b: np.ndarray) -> bool:
    """Whether two outputs agree to float64 rounding."""
    if isinstance(a, str) or a.shape != b.shape:
        return False
    return bool(np.max(np.abs(a - b), initial=0.0) <= 1e-12 * max(1.0, float(np.max(np.abs(b)))))


def lone_layer(
    model_class: type,
    options: dict[str, Any],
    layers: Layers,
    loss: str,
    weights: Weights,
    x: np.ndarray,
    index: int,
) -> np.ndarray | str:
    """Layer `index` alone, as a network of one layer, on the input x given (Keras's input to
    it): what that layer computes when it is a network's last layer."""
    lone = [dict(layers[index])]
    return _truncated_output(model_class, options, lone, loss, weights[index : index + 1], x)


def _truncated_output(
    model_class: type,
    options: dict[str, Any],
    layers: Layers,
    loss: str,
    weights: Weights,
    x: np.ndarray,
    attempts: tuple[str | None, ...] = (None,),
) -> np.ndarray | str:
    """The output of a network of these layers only, built with each loss of `attempts` in turn
    (None first: only predictions are used), then the problem's loss, as a class may know only
    that one."""
    errors = []
    for attempt in dict.fromkeys([*attempts, loss]):
        try:
            model = build(model_class, options, layers, attempt, weights=weights[: len(layers)])
            return np.array(model.predict_proba(x), dtype=np.float64)
        except Exception as err:  # reported: the layer cannot be probed this way
            errors.append(f"{type(err).__name__}: {err}")
    return f"a network of the first {len(layers)} layer(s) could not run: {errors[-1]}"


def gradients(
    model_class: type,
    options: dict[str, Any],
    layers: Layers,
    loss: str,
    weights: Weights,
    x: np.ndarray,
    y: np.ndarray,
) -> dict[str, Any]:
    """dL/dW and dL/db of the mean loss over (x, y), per layer, and how they were read."""
    sgd_step_1 = {"name": "sgd", "learning_rate": 1.0}  # one step moves W by exactly -dL/dW
    model = build(model_class, options, layers, loss, sgd_step_1, weights=weights)
    if callable(getattr(model, "gradients", None)):
        return {"grads": _as_weights(model.gradients(x, y)), "how": "gradients()"}
    model.fit(x, y, epochs=1, batches=[[np.arange(len(x))]], evaluate=False)
    after = _as_weights(model.get_weights())
    grads = [(w - w1, b - b1) for (w, b), (w1, b1) in zip(weights, after, strict=True)]
    return {"grads": grads, "how": "one plain SGD step at learning rate 1 (W - W')"}


def mean_loss(loss: str, targets: np.ndarray, p: np.ndarray) -> float:
    """Keras's definitions from probabilities: mean over units and samples (binary
    cross-entropy, squared error), sum over classes then mean over samples (categorical)."""
    if loss == "binary_crossentropy":
        return float(-np.mean(targets * np.log(p) + (1 - targets) * np.log(1 - p)))
    if loss == "categorical_crossentropy":
        return float(-np.mean(np.sum(targets * np.log(p), axis=1)))
    return float(np.mean(np.square(p - targets)))


def finite_differences(
    model_class: type,
    options: dict[str, Any],
    layers: Layers,
    loss: str,
    weights: Weights,
    x: np.ndarray,
    targets: np.ndarray,
    step: float,
) -> Weights:
    """Central differences of the loss of the class's own predictions, parameter by parameter."""
    model = build(model_class, options, layers, loss)
    current = [(w.copy(), b.copy()) for w, b in weights]
    grads = [(np.zeros_like(w), np.zeros_like(b)) for w, b in weights]

    def objective() -> float:
        model.set_weights(current)
        return mean_loss(loss, targets, np.asarray(model.predict_proba(x), dtype=np.float64))

    for layer, pair in enumerate(current):
        for which, array in enumerate(pair):
            flat, out = array.reshape(-1), grads[layer][which].reshape(-1)
            for index in range(flat.size):
                saved = flat[index]
                flat[index] = saved + step
                up = objective()
                flat[index] = saved - step
                down = objective()
                flat[index] = saved
                out[index] = (up - down) / (2 * step)
    return grads


def trajectory(
    model_class: type,
    options: dict[str, Any],
    layers: Layers,
    loss: str,
    optimizer: dict[str, Any],
    weights: Weights,
    x: np.ndarray,
    y: np.ndarray,
    steps: list[list[np.ndarray]],
    zero_biases: bool = False,
) -> list[Weights]:
    """The weights after each training step: one step per epoch, read in the epoch's callback.
    With zero_biases, biases a step moved are set back to zero (Keras keeps its optimiser's
    state through set_weights): the trajectory of the same network without biases."""
    model = build(model_class, options, layers, loss, optimizer, weights=weights)
    snapshots: list[Weights] = []

    def after_step(epoch: int, logs: dict[str, float]) -> bool:
        now = _as_weights(model.get_weights())
        if zero_biases and any(b.any() for _, b in now):
            now = [(w, np.zeros_like(b)) for w, b in now]
            model.set_weights(now)
        snapshots.append(now)
        return False

    model.fit(x, y, epochs=len(steps), batches=steps, evaluate=False, callback=after_step)
    return snapshots


def timing(
    model_class: type,
    options: dict[str, Any],
    layers: Layers,
    loss: str,
    optimizer: dict[str, Any],
    weights: Weights,
    x: np.ndarray,
    y: np.ndarray,
    batches: Sequence,
    dtype: str,
) -> list[float]:
    """Seconds of each epoch's training updates, as the model's fit reports them."""
    model = build(model_class, options, layers, loss, optimizer, dtype, weights)
    seconds: list[float] = []

    def after_epoch(epoch: int, logs: dict[str, float]) -> bool:
        seconds.append(float(logs["epoch_seconds"]))
        return False

    model.fit(x, y, epochs=len(batches), batches=batches, evaluate=False, callback=after_epoch)
    return seconds
