"""SklearnNetwork: the spec as an sklearn MLP, with David's fit/predict/weights interface."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.neural_network import MLPClassifier, MLPRegressor

from bench.fighters.base import EpochCallback, Unsupported
from bench.fighters.sklearn_mlp.arrays import (
    checked_order,
    checked_x,
    fit_targets,
    forward,
    labels,
    loss_value,
)
from bench.fighters.sklearn_mlp.history import SklearnHistory
from bench.fighters.sklearn_mlp.spec import (
    DTYPES,
    NATIVE_INIT,
    check_output,
    checked_layers,
    default_loss_for,
    hidden_activation,
    optimizer_params,
    single_l2,
)
from bench.fighters.sklearn_mlp.timing import TimedMLPClassifier, TimedMLPRegressor

NON_FINITE_WEIGHTS = "non-finite parameter weights"  # sklearn's ValueError when a run diverges


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
        self.layers = checked_layers(layers)
        if dtype not in DTYPES:
            raise ValueError(f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPES)}")
        if isinstance(l2, bool) or not (isinstance(l2, int | float) and l2 >= 0):
            raise ValueError(f"l2 must be a number >= 0, got {l2!r}")
        self.dtype = np.dtype(dtype)
        self.seed = seed
        output = self.layers[-1]
        self.loss_name = loss or default_loss_for(output["activation"])
        self.n_outputs = output["output_dim"]
        self.is_classifier = check_output(output, self.loss_name)
        # sklearn's gradient is this many times David's (the regressor's 0.5*sum: the package doc).
        self._gradient_scale = 1.0 if self.is_classifier else self.n_outputs / 2.0
        self.l2 = single_l2(self.layers, l2)
        self._hidden_activation = hidden_activation(self.layers)
        self._optimizer_params = optimizer_params(optimizer, self._gradient_scale)
        self._classes = np.arange(max(2, self.n_outputs))
        self.estimator = self._new_estimator()
        self._has_weights = False

    def _new_estimator(self) -> MLPClassifier | MLPRegressor:
        cls = TimedMLPClassifier if self.is_classifier else TimedMLPRegressor
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
        return checked_x(x, self.layers[0]["input_dim"], self.dtype, what)

    def _y(self, y: Any, n_samples: int, what: str = "y") -> tuple[np.ndarray, np.ndarray]:
        """(what sklearn trains on, targets shaped like the output for David's loss)."""
        return fit_targets(y, n_samples, self.n_outputs, self.is_classifier, self.dtype, what)

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
    ) -> SklearnHistory:
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
        history = SklearnHistory()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(1, epochs + 1):
                order = None if batches is None else checked_order(batches[epoch - 1], n, epoch)
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
        """sklearn's alpha for the spec's l2 on batches of these sizes (see the package doc)."""
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
        return labels(self.predict_proba(x))

    def score(self, x: Any, y: Any) -> float:
        """Accuracy on (x, y)."""
        return self.evaluate(x, y)["accuracy"]

    def evaluate(self, x: Any, y: Any) -> dict[str, float]:
        """David's loss (the l2 penalty included, as Keras reports it) and accuracy on (x, y)."""
        x = self._x(x)
        return self._evaluate(x, self._y(y, len(x))[1])

    def _evaluate(self, x: np.ndarray, targets: np.ndarray) -> dict[str, float]:
        logits, output = self._forward(x)
        loss = loss_value(self.loss_name, targets, logits, output) + self._penalty()
        accuracy = float((labels(output) == labels(targets)).mean())
        return {"loss": loss, "accuracy": accuracy}

    def _forward(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self._require_weights()
        return forward(self.estimator, x)

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
