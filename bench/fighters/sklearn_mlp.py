"""scikit-learn's MLPClassifier and MLPRegressor as a fighter, built from the plain-data spec.

What scikit-learn's MLP can express, and how the spec maps onto it (read from sklearn 1.9's
`sklearn/neural_network/_multilayer_perceptron.py` and `_stochastic_optimizers.py`):

- One activation for every hidden layer (relu, tanh, logistic = sigmoid, identity = linear).
  The output is fixed by the estimator: MLPClassifier uses one sigmoid unit with log-loss for two
  classes and softmax with log-loss for three or more; MLPRegressor uses a linear output with
  squared error. Both back-propagate delta = output - target from the output's logits, as David's
  fused losses do.
- Gradients: sklearn divides (A.T @ delta + alpha * W) by the batch's size. For the classifier
  that is exactly David's cross-entropy gradient plus alpha/n * W, so Keras's penalty
  l2 * sum(W**2) (gradient 2*l2*W) is alpha = 2*l2*n: exact only while n, the batch size, is the
  same for every batch of an epoch. The regressor's gradient is (k/2) times David's mean squared
  error gradient over k outputs (sklearn differentiates 0.5*sum((p-y)**2)/n), so the learning rate
  of SGD is divided by k/2, Adam's epsilon multiplied by k/2 (Adam is otherwise invariant to a
  gradient scale) and alpha = k*l2*n: the same updates, not approximately but by algebra.
- SGD: sklearn's update is v = momentum*v - lr*g (Nesterov: momentum*v - lr*g again), David's and
  Keras's exactly; with momentum 0 it is w - lr*g. Adam: sklearn folds the bias correction into
  the step size and adds epsilon to sqrt(v), as Keras does; but see the betas in _optimizer_params.

Fair mode replays the given batches with `partial_fit` (shuffle off, constant learning rate, no
early stopping) from the loaded weights, with sklearn's optimiser created fresh after loading.
An epoch cut into equal batches with at most one smaller last batch (what the fair start draws)
is one `partial_fit` on that epoch's rows in batch order with batch_size set to the first batch:
sklearn's own loop then cuts exactly those batches. Any other cut is one `partial_fit` per batch
(same numbers, more calls). An epoch's seconds are those of sklearn's training loop plus the
gathering of the epoch's rows, not partial_fit's per-call input checks (see _LoopTimer).
Native mode is sklearn as its users run it: its own initial weights, shuffling and batching, one
`partial_fit` per epoch, sklearn's way of training epoch by epoch. Its first epoch is exactly
`fit(max_iter=1)`'s; later epochs shuffle the rows afresh where `fit` reshuffles the previous
epoch's order (alike in distribution, not in numbers), and sklearn's tolerance-based early stop
does not apply: the harness decides how many epochs run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.neural_network import MLPClassifier, MLPRegressor

# sklearn's own in-place activation functions: the evaluation forward pass below reuses them so
# that it computes exactly sklearn's hidden and output values.
from sklearn.neural_network._base import ACTIVATIONS as SKLEARN_ACTIVATIONS

from bench.fighters.base import EpochCallback, Unsupported

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
NON_FINITE_WEIGHTS = "non-finite parameter weights"  # sklearn's ValueError when a run diverges


class _LoopTimer:
    """Adds up the seconds sklearn spends in its stochastic training loop (the epoch's updates).

    partial_fit also checks its input and parameters on every call (measured on the moons fight:
    about a quarter of the call, 1.5 ms of 6), where sklearn's own fit does so once per fit, not
    once per epoch. That is not training work, so an epoch's time is this loop's, plus gathering
    the epoch's rows as in David's. Timing only: the loop itself runs unchanged.
    """

    loop_seconds = 0.0

    def _fit_stochastic(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return super()._fit_stochastic(*args, **kwargs)  # type: ignore[misc]
        finally:
            self.loop_seconds += time.perf_counter() - started


if not hasattr(MLPClassifier, "_fit_stochastic"):  # the timer would silently measure nothing
    raise ImportError("this scikit-learn's MLP has no _fit_stochastic loop to time")


class _TimedMLPClassifier(_LoopTimer, MLPClassifier):
    """MLPClassifier whose training loop is timed."""


class _TimedMLPRegressor(_LoopTimer, MLPRegressor):
    """MLPRegressor whose training loop is timed."""


@dataclass
class History:
    """Per-epoch record with the same meaning as David's: whole-set losses after each epoch."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    # Seconds spent on the epoch's training updates only (evaluation excluded).
    epoch_seconds: list[float] = field(default_factory=list)
    diverged_at: int | None = None  # 1-based epoch whose loss (or weights) went non-finite
    # sklearn's own `loss_`: the mean of its batch losses over the epoch, in its scaling (half the
    # squared error for regression, clipped log-loss, alpha penalty): not comparable, shown as is.
    running_loss: list[float] = field(default_factory=list)

    @property
    def diverged(self) -> bool:
        """Whether training stopped on a non-finite loss or non-finite weights."""
        return self.diverged_at is not None

    def as_dict(self) -> dict[str, Any]:
        """Plain-data form, ready for JSON."""
        return {
            "loss": self.loss,
            "accuracy": self.accuracy,
            "val_loss": self.val_loss,
            "val_accuracy": self.val_accuracy,
            "epoch_seconds": self.epoch_seconds,
            "diverged_at": self.diverged_at,
            "running_loss": self.running_loss,
        }


class SklearnNetwork:
    """The plain-data spec as scikit-learn's MLPClassifier or MLPRegressor.

    Takes the same arguments as `numpy_nn.Network`; options sklearn cannot express raise
    `Unsupported` with the option's name, bad values raise ValueError naming the valid choices.
    """

    def __init__(
        self,
        layers: Sequence[dict[str, Any]],
        loss: str | None = None,
        optimizer: str | dict[str, Any] = "sgd",
        l2: float = 0.0,
        dtype: str = "float32",
        seed: int = 0,
    ) -> None:
        self.layers = _checked_layers(layers)
        if dtype not in DTYPES:
            raise ValueError(f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPES)}")
        if isinstance(l2, bool) or not (isinstance(l2, int | float) and l2 >= 0):
            raise ValueError(f"l2 must be a number >= 0, got {l2!r}")
        self.dtype = np.dtype(dtype)
        self.seed = seed
        output = self.layers[-1]
        self.loss_name = loss or _default_loss_for(output["activation"])
        self.n_outputs = output["output_dim"]
        self.is_classifier = _check_output(output, self.loss_name)
        # sklearn's gradient is this many times David's (the regressor's 0.5*sum, see module doc).
        self._gradient_scale = 1.0 if self.is_classifier else self.n_outputs / 2.0
        self.l2 = _single_l2(self.layers, l2)
        self._hidden_activation = _hidden_activation(self.layers)
        self._optimizer_params = _optimizer_params(optimizer, self._gradient_scale)
        self._classes = np.arange(max(2, self.n_outputs))
        self.estimator = self._new_estimator()
        self._has_weights = False

    def _new_estimator(self) -> MLPClassifier | MLPRegressor:
        cls = _TimedMLPClassifier if self.is_classifier else _TimedMLPRegressor
        return cls(
            hidden_layer_sizes=tuple(layer["output_dim"] for layer in self.layers[:-1]),
            activation=self._hidden_activation,
            alpha=0.0,  # set per epoch from l2 and the batch size, see _alpha
            learning_rate="constant",
            early_stopping=False,
            # A RandomState instance, not the int: every partial_fit then continues one stream
            # (initial weights, then each epoch's shuffle); an int would re-seed every call and
            # repeat the first epoch's permutation in every epoch.
            random_state=np.random.RandomState(self.seed),
            # partial_fit trains one epoch per call; the harness decides how many epochs run.
            n_iter_no_change=np.inf,
            **self._optimizer_params,
        )

    # ----------------------------------------------------------------- data

    def _x(self, x: Any, what: str = "X") -> np.ndarray:
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.layers[0]["input_dim"]:
            raise ValueError(
                f"{what} must have shape (samples, {self.layers[0]['input_dim']}), got {x.shape}"
            )
        return np.ascontiguousarray(x, dtype=self.dtype)

    def _y(self, y: Any, n_samples: int, what: str = "y") -> tuple[np.ndarray, np.ndarray]:
        """(what sklearn trains on, targets shaped like the output for David's loss)."""
        y = np.asarray(y)
        k = self.n_outputs
        if y.shape[0] != n_samples:
            raise ValueError(f"{what} has {y.shape[0]} rows but X has {n_samples}")
        if self.is_classifier or (y.ndim == 1 and k > 1):
            labels = self._labels_of(y, what)
            targets = np.eye(k, dtype=self.dtype)[labels] if k > 1 else labels[:, None]
            return (labels if self.is_classifier else targets), targets.astype(self.dtype)
        targets = y.reshape(n_samples, -1).astype(self.dtype)
        if targets.shape[1] != k:
            raise ValueError(f"{what} must have shape ({n_samples}, {k}), got {y.shape}")
        # One output: sklearn wants a 1-D target (a column would warn and be raveled).
        return (targets[:, 0] if k == 1 else targets), targets

    def _labels_of(self, y: np.ndarray, what: str) -> np.ndarray:
        """Integer class labels from labels, a 0/1 column or one-hot rows."""
        k = self.n_outputs
        if y.ndim == 2 and y.shape[1] == k and k > 1:
            if not (np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all()):
                raise Unsupported(
                    f"soft targets for {self.loss_name} (sklearn's classifier takes one-hot rows "
                    "or class labels)"
                )
            return y.argmax(axis=1)
        y = y.reshape(len(y)) if y.ndim == 2 and y.shape[1] == 1 else y
        if y.ndim != 1 or not np.all(np.mod(y, 1) == 0):
            raise ValueError(f"{what}: integer class labels expected, got shape {y.shape}")
        labels = y.astype(np.int64)
        bad = labels[(labels < 0) | (labels >= max(2, k))]
        if bad.size:
            raise ValueError(
                f"{what}: label {bad[0]} out of range; the output layer takes labels "
                f"0..{max(2, k) - 1}"
            )
        return labels

    # ----------------------------------------------------------------- training

    def fit(
        self,
        x: Any,
        y: Any,
        epochs: int = 1,
        batch_size: int | None = None,
        batches: Sequence[Sequence[np.ndarray]] | None = None,
        validation_data: tuple[Any, Any] | None = None,
        callback: EpochCallback | None = None,
        evaluate: bool = True,
    ) -> History:
        """Train: on exactly `batches` (one list of index arrays per epoch, read once, in order)
        when given, otherwise sklearn's own way with `batch_size` (None: full batch)."""
        x = self._x(x)
        n = x.shape[0]
        y_fit, targets = self._y(y, n)
        if not (isinstance(epochs, int) and epochs > 0):
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
        if batches is not None and len(batches) != epochs:
            raise ValueError(f"batches has {len(batches)} epochs' orders but epochs is {epochs}")
        if batch_size is not None and not (isinstance(batch_size, int) and batch_size > 0):
            raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}")
        validation = None
        if validation_data is not None:
            x_val = self._x(validation_data[0], "validation X")
            validation = (x_val, self._y(validation_data[1], len(x_val), "validation y")[1])
        if not self._has_weights:
            self._check_native_init()
        if batches is None:
            size = min(batch_size or n, n)
            sizes = [size] * (n // size) + ([n % size] if n % size else [])
            self.estimator.set_params(shuffle=True, batch_size=size, alpha=self._alpha(sizes, n))
        else:
            self.estimator.set_params(shuffle=False)
        history = History()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(1, epochs + 1):
                order = None if batches is None else _checked_order(batches[epoch - 1], n, epoch)
                self._gather_seconds = self.estimator.loop_seconds = 0.0
                diverged = False
                try:
                    running = self._run_epoch(x, y_fit, order)
                except ValueError as err:  # sklearn refuses to keep non-finite weights
                    if NON_FINITE_WEIGHTS not in str(err):
                        raise
                    running, diverged = math.nan, True
                seconds = self._gather_seconds + self.estimator.loop_seconds
                history.epoch_seconds.append(seconds)
                history.running_loss.append(running)
                logs: dict[str, float] = {"epoch_seconds": seconds}
                if evaluate:
                    logs.update(self._evaluate(x, targets))
                    history.loss.append(logs["loss"])
                    history.accuracy.append(logs["accuracy"])
                    if validation is not None:
                        val = self._evaluate(*validation)
                        history.val_loss.append(val["loss"])
                        history.val_accuracy.append(val["accuracy"])
                        logs.update(val_loss=val["loss"], val_accuracy=val["accuracy"])
                    diverged = diverged or not math.isfinite(logs["loss"])
                stop = callback(epoch, logs) if callback is not None else False
                if diverged:
                    history.diverged_at = epoch
                if diverged or stop:
                    break
        return history

    def _run_epoch(self, x: np.ndarray, y: np.ndarray, order: list[np.ndarray] | None) -> float:
        """One epoch of updates; returns sklearn's own mean batch loss over it."""
        if order is None:  # native: sklearn shuffles and batches itself
            self._partial_fit(x, y)
            return float(self.estimator.loss_)
        sizes = [len(indices) for indices in order]
        alpha = self._alpha(sizes, len(x))
        if all(size == sizes[0] for size in sizes[:-1]) and sizes[-1] <= sizes[0]:
            # sklearn's gen_batches cuts these rows into exactly the given batches.
            x_epoch, y_epoch = self._gather(x, y, np.concatenate(order))
            self.estimator.set_params(batch_size=sizes[0], alpha=alpha)
            self._partial_fit(x_epoch, y_epoch)
            return float(self.estimator.loss_)
        total = 0.0
        for indices in order:
            x_batch, y_batch = self._gather(x, y, indices)
            self.estimator.set_params(batch_size=len(indices), alpha=alpha)
            self._partial_fit(x_batch, y_batch)
            total += float(self.estimator.loss_) * len(indices)
        return total / sum(sizes)

    def _gather(self, x: np.ndarray, y: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, ...]:
        """The rows to train on, timed: gathering is part of the epoch's work, as in David's."""
        started = time.perf_counter()
        gathered = x[rows], y[rows]
        self._gather_seconds += time.perf_counter() - started
        return gathered

    def _partial_fit(self, x: np.ndarray, y: np.ndarray) -> None:
        extra = {"classes": self._classes} if self.is_classifier else {}
        self.estimator.partial_fit(x, y, **extra)
        self._has_weights = True

    def _alpha(self, sizes: Sequence[int], n_samples: int) -> float:
        """sklearn's alpha for the spec's l2 on batches of these sizes (see the module doc)."""
        if not self.l2:
            return 0.0
        if any(size != sizes[0] for size in sizes):
            raise Unsupported(
                f"l2 with unequal batch sizes (got {sorted(set(sizes))} for {n_samples} samples): "
                "sklearn divides its alpha penalty by each batch's size"
            )
        return 2.0 * self._gradient_scale * self.l2 * sizes[0]

    def _check_native_init(self) -> None:
        """sklearn draws its own initial weights: only the spec's default init means that.

        (Its scheme: weights and biases uniform in +-sqrt(6 / (fan_in + fan_out)), or
        +-sqrt(2 / (fan_in + fan_out)) for logistic hidden layers.)
        """
        for index, layer in enumerate(self.layers):
            chosen = (layer["init"], layer["bias_init"])
            if chosen != NATIVE_INIT:
                raise Unsupported(
                    f"init {chosen[0]} / bias_init {chosen[1]} (layer {index}) in native mode: "
                    "sklearn draws its own Glorot-uniform weights and biases"
                )

    # ----------------------------------------------------------------- inference

    def predict_proba(self, x: Any) -> np.ndarray:
        """Output-layer activations from sklearn's own predict, shape (samples, output_dim)."""
        x = self._x(x)
        self._require_weights()
        if not self.is_classifier:
            return self.estimator.predict(x).reshape(len(x), self.n_outputs)
        probabilities = self.estimator.predict_proba(x)
        # For two classes sklearn returns [1 - p, p]; the network's one sigmoid unit is p.
        return probabilities[:, 1:] if self.n_outputs == 1 else probabilities

    def predict(self, x: Any) -> np.ndarray:
        """Class labels: output > 0.5 for one output unit, argmax otherwise."""
        return _labels(self.predict_proba(x))

    def score(self, x: Any, y: Any) -> float:
        """Accuracy on (x, y)."""
        return self.evaluate(x, y)["accuracy"]

    def evaluate(self, x: Any, y: Any) -> dict[str, float]:
        """David's loss (the l2 penalty included, as Keras reports it) and accuracy on (x, y)."""
        x = self._x(x)
        return self._evaluate(x, self._y(y, len(x))[1])

    def _evaluate(self, x: np.ndarray, targets: np.ndarray) -> dict[str, float]:
        logits, output = self._forward(x)
        loss = _loss_value(self.loss_name, targets, logits, output) + self._penalty()
        accuracy = float((_labels(output) == _labels(targets)).mean())
        return {"loss": loss, "accuracy": accuracy}

    def _forward(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """sklearn's forward pass, keeping the output layer's logits for a stable loss."""
        self._require_weights()
        estimator = self.estimator
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

    def _penalty(self) -> float:
        if not self.l2:
            return 0.0
        return sum(self.l2 * float(np.square(w).sum()) for w in self.estimator.coefs_)

    # ----------------------------------------------------------------- weights

    def get_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Copies of every layer's (W, b), W shaped (input_dim, output_dim)."""
        self._require_weights()
        estimator = self.estimator
        return [
            (w.copy(), b.copy())
            for w, b in zip(estimator.coefs_, estimator.intercepts_, strict=True)
        ]

    def set_weights(self, weights: Sequence[tuple[Any, Any]]) -> None:
        """Load (W, b) pairs cast to the model's dtype; sklearn's optimiser then starts fresh."""
        if len(weights) != len(self.layers):
            raise ValueError(f"expected {len(self.layers)} (W, b) pairs, got {len(weights)}")
        checked = []
        for index, ((w, b), layer) in enumerate(zip(weights, self.layers, strict=True)):
            w, b = np.asarray(w), np.asarray(b)
            w_shape, b_shape = (layer["input_dim"], layer["output_dim"]), (layer["output_dim"],)
            if w.shape != w_shape or b.shape != b_shape:
                raise ValueError(
                    f"layer {index}: expected W {w_shape} and b {b_shape}, "
                    f"got {w.shape} and {b.shape}"
                )
            checked.append((w, b))
        if not self._has_weights:
            self._prime()
        estimator = self.estimator
        for (w, b), own_w, own_b in zip(
            checked, estimator.coefs_, estimator.intercepts_, strict=True
        ):
            own_w[...], own_b[...] = w, b
        # partial_fit builds a new optimiser (zero velocities, Adam's step 0) when it has none.
        if hasattr(estimator, "_optimizer"):
            del estimator._optimizer
        self._has_weights = True

    def _prime(self) -> None:
        """Let sklearn set up a fitted estimator (one step on one zero sample) to load weights into.

        sklearn builds its layers, output activation and label binariser at the first partial_fit
        only; the weights and the optimiser that step leaves behind are then replaced.
        """
        x = np.zeros((1, self.layers[0]["input_dim"]), dtype=self.dtype)
        if self.is_classifier:
            self.estimator.partial_fit(x, np.zeros(1, np.int64), classes=self._classes)
        else:
            shape = (1,) if self.n_outputs == 1 else (1, self.n_outputs)
            self.estimator.partial_fit(x, np.zeros(shape, self.dtype))

    def _require_weights(self) -> None:
        if not self._has_weights:
            raise ValueError(
                "the model has no weights yet: sklearn draws them at its first partial_fit; "
                "call set_weights or fit first"
            )


# --------------------------------------------------------------------- the spec, checked


def _checked_layers(layers: Any) -> list[dict[str, Any]]:
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


def _default_loss_for(output_activation: str) -> str:
    return {"sigmoid": "binary_crossentropy", "softmax": "categorical_crossentropy"}.get(
        output_activation, "mean_squared_error"
    )


def _check_output(output: dict[str, Any], loss: str) -> bool:
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


def _hidden_activation(layers: list[dict[str, Any]]) -> str:
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


def _single_l2(layers: list[dict[str, Any]], l2: float) -> float:
    """The one l2 every layer uses, rounded to float32 as Keras's regulariser (and David) do."""
    per_layer = [layer["l2"] if layer["l2"] is not None else l2 for layer in layers]
    if len(set(per_layer)) > 1:
        raise Unsupported(
            f"per-layer l2 that differs between layers ({', '.join(map(str, per_layer))}): "
            "sklearn's alpha applies one penalty to every layer"
        )
    return float(np.float32(per_layer[0]))


def _optimizer_params(spec: str | dict[str, Any], gradient_scale: float) -> dict[str, Any]:
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
            "momentum": _float32_rounded(momentum),
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


def _float32_rounded(value: float) -> float:
    return float(np.float32(value))


# --------------------------------------------------------------------- losses and labels


def _loss_value(name: str, y: np.ndarray, z: np.ndarray, a: np.ndarray) -> float:
    """David's mean loss from the output logits z (cross-entropies) or outputs a (MSE)."""
    if name == "binary_crossentropy":
        per_unit = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
        return float(per_unit.mean())
    if name == "categorical_crossentropy":
        shifted = z - z.max(axis=1, keepdims=True)
        log_sum_exp = np.log(np.exp(shifted).sum(axis=1))
        return float((log_sum_exp - np.einsum("ij,ij->i", y, shifted)).mean())
    return float(np.square(a - y).mean())


def _labels(output: np.ndarray) -> np.ndarray:
    if output.shape[1] == 1:
        return (output[:, 0] > 0.5).astype(np.int64)
    return output.argmax(axis=1)


def _checked_order(order: Sequence[Any], n: int, epoch: int) -> list[np.ndarray]:
    """Index arrays of one epoch, each non-empty, 1-D and within 0..n-1."""
    arrays = [np.asarray(indices, dtype=np.intp) for indices in order]
    if not arrays or any(a.ndim != 1 or a.size == 0 for a in arrays):
        raise ValueError(f"epoch {epoch}: each batch must be a non-empty 1-D index array")
    flat = np.concatenate(arrays)
    if flat.min() < 0 or flat.max() >= n:
        raise ValueError(f"epoch {epoch}: batch index out of range 0..{n - 1}")
    return arrays
