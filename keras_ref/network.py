"""Goliath: the plain-data layer spec as a Keras model, trained on the batches it is given."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import mapping
from .backend import keras, start_fresh, tf

EpochCallback = Callable[[int, dict[str, float]], None]


@dataclass
class History:
    """Per-epoch record with the same meaning as David's: whole-set losses after each epoch."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    # Seconds from the start of an epoch to its end, before the end-of-epoch evaluation.
    epoch_seconds: list[float] = field(default_factory=list)
    diverged_at: int | None = None
    # Keras's own logged loss: the running mean over the epoch's batches (not comparable).
    running_loss: list[float] = field(default_factory=list)

    @property
    def diverged(self) -> bool:
        """Whether training stopped on a non-finite loss."""
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


class KerasNetwork:
    """A Keras Sequential model of Dense layers built from seed 002's layer spec.

    Takes the same arguments as `numpy_nn.Network` and offers the same fit / predict / evaluate /
    get_weights / set_weights, so the harness can treat the two alike.
    """

    def __init__(
        self,
        layers: Sequence[dict[str, Any]],
        loss: str | None = None,
        optimizer: str | dict[str, Any] = "sgd",
        l2: float = 0.0,
        dtype: str = "float32",
        seed: int = 0,
    ):
        layers = list(layers)
        _check_dims(layers)
        start_fresh(dtype, seed)
        self.dtype = np.dtype(dtype)
        self.layers = layers
        self.loss_name = loss or mapping.default_loss_for(layers[-1]["activation"])
        model_layers: list[Any] = [keras.Input(shape=(layers[0]["input_dim"],), dtype=dtype)]
        for index, layer in enumerate(layers):
            layer_l2 = layer.get("l2")
            layer_l2 = l2 if layer_l2 is None else layer_l2
            model_layers.append(
                keras.layers.Dense(
                    layer["output_dim"],
                    activation=mapping.activation(layer),
                    kernel_initializer=mapping.initializer(
                        layer.get("init", "glorot_uniform"), layer["input_dim"], seed + 2 * index
                    ),
                    bias_initializer=mapping.initializer(
                        layer.get("bias_init", "zeros"), layer["input_dim"], seed + 2 * index + 1
                    ),
                    kernel_regularizer=keras.regularizers.L2(layer_l2) if layer_l2 else None,
                    dtype=dtype,
                )
            )
        self.model = keras.Sequential(model_layers)
        self.model.compile(
            loss=mapping.loss(self.loss_name, integer_labels=False),
            optimizer=mapping.optimizer(optimizer),
        )

    # ----------------------------------------------------------------- data

    def _x(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 2 or x.shape[1] != self.layers[0]["input_dim"]:
            raise ValueError(
                f"X must have shape (samples, {self.layers[0]['input_dim']}), got {x.shape}"
            )
        return x

    def _y(self, y: Any) -> np.ndarray:
        """Targets shaped like the output; class labels for a multi-unit output become one-hot."""
        y = np.asarray(y)
        k = self.layers[-1]["output_dim"]
        if y.ndim == 1 and k > 1:
            return np.eye(k, dtype=self.dtype)[y.astype(np.int64)]
        y = y.reshape(len(y), -1).astype(self.dtype)
        if y.shape[1] != k:  # Keras would broadcast a mismatch silently
            raise ValueError(f"y must have shape ({len(y)}, {k}), got {y.shape}")
        return y

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
    ) -> History:
        """Train with `model.fit`: on exactly `batches` (one list of index arrays per epoch) when
        given, otherwise with Keras's own shuffling and `batch_size` (None: full batch)."""
        x, y = self._x(x), self._y(y)
        validation = None
        if validation_data is not None:
            validation = (self._x(validation_data[0]), self._y(validation_data[1]))
        recorder = _EpochRecorder(self, (x, y), validation, callback)
        common = {"epochs": epochs, "verbose": 0, "callbacks": [recorder]}
        if batches is not None:
            dataset, steps = _replay_dataset(x, y, batches, epochs)
            self.model.fit(dataset, steps_per_epoch=steps, shuffle=False, **common)
        else:
            self.model.fit(x, y, batch_size=batch_size or len(x), shuffle=True, **common)
        return recorder.history

    # ----------------------------------------------------------------- inference

    def predict_proba(self, x: Any) -> np.ndarray:
        """Output-layer activations, shape (samples, output_dim)."""
        return np.asarray(self.model.predict_on_batch(self._x(x)))

    def predict(self, x: Any) -> np.ndarray:
        """Class labels: output > 0.5 for one output unit, argmax otherwise."""
        return _labels(self.predict_proba(x))

    def score(self, x: Any, y: Any) -> float:
        """Accuracy on (x, y)."""
        return self.evaluate(x, y)["accuracy"]

    def evaluate(self, x: Any, y: Any) -> dict[str, float]:
        """Keras's loss (regularisation included) on the whole set in one batch, and accuracy."""
        return self._evaluate(self._x(x), self._y(y))

    def _evaluate(self, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
        loss = float(self.model.test_on_batch(x, y, return_dict=True)["loss"])
        accuracy = float((_labels(self.predict_proba(x)) == _labels(y)).mean())
        return {"loss": loss, "accuracy": accuracy}

    # ----------------------------------------------------------------- weights

    def get_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Every layer's (W, b), W shaped (input_dim, output_dim)."""
        return [tuple(layer.get_weights()) for layer in self.model.layers]  # type: ignore[misc]

    def set_weights(self, weights: Sequence[tuple[Any, Any]]) -> None:
        """Load (W, b) pairs, cast to the model's dtype."""
        if len(weights) != len(self.model.layers):
            raise ValueError(f"expected {len(self.model.layers)} (W, b) pairs, got {len(weights)}")
        for layer, (w, b) in zip(self.model.layers, weights, strict=True):
            layer.set_weights([np.asarray(w, dtype=self.dtype), np.asarray(b, dtype=self.dtype)])


class _EpochRecorder(keras.callbacks.Callback):
    """Times each epoch, then records whole-set loss and accuracy as David does."""

    def __init__(self, network: KerasNetwork, train, validation, callback):
        super().__init__()
        self.network = network
        self.train = train
        self.validation = validation
        self.callback = callback
        self.history = History()
        self._started = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        history = self.history
        history.epoch_seconds.append(time.perf_counter() - self._started)
        history.running_loss.append(float((logs or {}).get("loss", math.nan)))
        result = self.network._evaluate(*self.train)
        history.loss.append(result["loss"])
        history.accuracy.append(result["accuracy"])
        if self.validation is not None:
            val = self.network._evaluate(*self.validation)
            history.val_loss.append(val["loss"])
            history.val_accuracy.append(val["accuracy"])
            result = {**result, "val_loss": val["loss"], "val_accuracy": val["accuracy"]}
        if self.callback is not None:
            self.callback(epoch + 1, result)
        if not math.isfinite(result["loss"]):
            history.diverged_at = epoch + 1
            self.model.stop_training = True


def _labels(output: np.ndarray) -> np.ndarray:
    if output.shape[1] == 1:
        return (output[:, 0] > 0.5).astype(np.int64)
    return output.argmax(axis=1)


def _check_dims(layers: list[dict[str, Any]]) -> None:
    if not layers:
        raise ValueError("a model spec is a non-empty list of layer dicts")
    for index in range(1, len(layers)):
        if layers[index]["input_dim"] != layers[index - 1]["output_dim"]:
            raise ValueError(
                f"layer {index}: input_dim {layers[index]['input_dim']} does not match the "
                f"output_dim {layers[index - 1]['output_dim']} of layer {index - 1}"
            )


def _replay_dataset(
    x: np.ndarray, y: np.ndarray, batches: Sequence[Sequence[np.ndarray]], epochs: int
) -> tuple[tf.data.Dataset, int]:
    """A tf.data pipeline yielding exactly the given batches, epoch after epoch.

    Keras batches a stream with one batch size, so every epoch must be cut the same way: equal
    batches, then possibly one smaller last batch.
    """
    if len(batches) != epochs:
        raise ValueError(f"batches has {len(batches)} epochs' orders but epochs is {epochs}")
    sizes = [len(b) for b in batches[0]]
    batch_size = sizes[0]
    for epoch, order in enumerate(batches, start=1):
        these = [len(b) for b in order]
        if these != sizes or any(s != batch_size for s in these[:-1]) or these[-1] > batch_size:
            raise ValueError(
                f"epoch {epoch}: Keras needs every epoch cut into equal batches of {batch_size} "
                f"with at most one smaller last batch, like epoch 1; got sizes {these}"
            )
    orders = np.stack([np.concatenate(order) for order in batches]).astype(np.int64)
    dataset = (
        tf.data.Dataset.from_tensor_slices((x[orders], y[orders]))
        .flat_map(lambda xe, ye: tf.data.Dataset.from_tensor_slices((xe, ye)).batch(batch_size))
        .prefetch(tf.data.AUTOTUNE)
    )
    return dataset, len(sizes)
