"""Goliath: the plain-data layer spec as a Keras model, trained by `model.fit`."""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import mapping
from .backend import BACKEND, DETERMINISM_VARIABLE, keras, start_fresh
from .history import EpochCallback, EpochRecorder, KerasHistory
from .inputs import check_batch_size, check_epochs, check_x, check_y
from .replay import EpochOrders, EpochSequence, tf_dataset

JIT_CHOICES = "False, True, 'auto'"


def check_jit_compile(jit_compile: Any) -> bool | str:
    """False, True or "auto" (Keras's choice: no XLA for TensorFlow on a CPU, XLA on JAX)."""
    if jit_compile is True or jit_compile is False or jit_compile == "auto":
        return jit_compile
    raise ValueError(f"jit_compile={jit_compile!r}; choose one of {JIT_CHOICES}")


def check_steps_per_execution(steps: Any) -> int | str:
    """A positive number of steps per call into the framework, or "epoch" for a whole epoch."""
    if steps == "epoch":
        return steps
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise ValueError(f"steps_per_execution={steps!r}; choose a positive integer or 'epoch'")
    return int(steps)


class KerasNetwork:
    """A Keras Sequential model of Dense layers built from the moons article's layer spec.

    Takes the same arguments as `numpy_nn.Network` and offers the same fit / predict / evaluate /
    get_weights / set_weights, so the harness can treat the two alike. `jit_compile` and
    `steps_per_execution` are passed to `model.compile`; `steps_per_execution="epoch"` runs a
    whole epoch per call into the framework.
    """

    # Its tensors and compiled code live in C++: the harness reads its peak memory from the
    # resident set alone (its traced Python objects, ~2 MB on digits, never came near it).
    traced_memory = False

    def __init__(
        self,
        layers: Sequence[dict[str, Any]],
        loss: str | None = None,
        optimizer: str | dict[str, Any] = "sgd",
        l2: float = 0.0,
        dtype: str = "float32",
        seed: int = 0,
        jit_compile: bool | str = "auto",
        steps_per_execution: int | str = 1,
    ):
        layers = list(layers)
        _check_dims(layers)
        jit_compile = check_jit_compile(jit_compile)
        self.steps_per_execution = check_steps_per_execution(steps_per_execution)
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
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras's own fallback warning: refused below instead
            self.model.compile(
                loss=mapping.loss(self.loss_name, integer_labels=False),
                optimizer=mapping.optimizer(optimizer),
                jit_compile=jit_compile,
            )
        if jit_compile is True and not self.model.jit_compile:
            # Keras silently trains without XLA then; a result labelled XLA would be false.
            raise ValueError(
                "jit_compile=True: Keras turns XLA off while TensorFlow's op determinism is on "
                f"({DETERMINISM_VARIABLE}=1); choose jit_compile=False or 'auto', or unset "
                f"{DETERMINISM_VARIABLE}"
            )
        self.seed = seed
        self._built_for_training = False

    @property
    def options(self) -> dict[str, Any]:
        """How this model trains: backend, XLA as Keras resolved it, steps per execution."""
        return {
            "backend": BACKEND,
            "jit_compile": bool(self.model.jit_compile),
            "steps_per_execution": self.steps_per_execution,
        }

    # ----------------------------------------------------------------- data

    def _x(self, x: Any, what: str = "X") -> np.ndarray:
        return check_x(x, self.layers[0]["input_dim"], self.dtype, what)

    def _y(self, y: Any, n_samples: int, what: str = "y") -> np.ndarray:
        """Targets shaped like the output; class labels for a multi-unit output become one-hot."""
        return check_y(
            y, n_samples, self.layers[-1]["output_dim"], self.loss_name, self.dtype, what
        )

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
    ) -> KerasHistory:
        """Train on exactly `batches` (one list of index arrays per epoch, read once per epoch in
        order) when given, otherwise with the framework's own shuffling and `batch_size` (None:
        full batch). With evaluate=False only each epoch's training time is recorded."""
        epochs = check_epochs(epochs)
        batch_size = check_batch_size(batch_size)
        x = self._x(x)
        y = self._y(y, len(x))
        validation = None
        if validation_data is not None:
            x_val = self._x(validation_data[0], "validation X")
            validation = (x_val, self._y(validation_data[1], len(x_val), "validation y"))
        orders = EpochOrders(batches, epochs, len(x)) if batches is not None else None
        recorder = EpochRecorder(self._evaluate, (x, y), validation, callback, evaluate)
        self._build_for_training(x, y)
        try:
            self._train(x, y, epochs, batch_size, orders, recorder)
        except Exception:
            # A later epoch's bad order surfaces inside the framework's data pipeline.
            if orders is not None and orders.error is not None:
                raise orders.error from None
            raise
        return recorder.history

    def _build_for_training(self, x: np.ndarray, y: np.ndarray) -> None:
        """Build the compiled loss on one sample, so that `fit` never peeks at the replay (a
        peek would read an epoch's order twice)."""
        if not self._built_for_training:
            # Without XLA: compiling this one-sample step cost ~0.4 s a model, for a function
            # that only builds the loss (fit compiles its own; evaluate rebuilds this one).
            jit_compile = self.model.jit_compile
            self.model.jit_compile = False
            try:
                self.model.test_on_batch(x[:1], y[:1])
            finally:
                self.model.jit_compile = jit_compile
                self.model.test_function = None
            self._built_for_training = True

    def _train(
        self,
        x: np.ndarray,
        y: np.ndarray,
        epochs: int,
        batch_size: int | None,
        orders: EpochOrders | None,
        recorder: EpochRecorder,
    ) -> None:
        n = len(x)
        batch_size = min(batch_size or n, n)
        steps = orders.steps if orders is not None else math.ceil(n / batch_size)
        wanted = steps if self.steps_per_execution == "epoch" else self.steps_per_execution
        steps_per_execution = min(int(wanted), steps)
        if self.model.steps_per_execution != steps_per_execution:
            self.model.steps_per_execution = steps_per_execution
            self.model.train_function = None  # rebuilt by fit for the new step count
        common = {"epochs": epochs, "verbose": 0, "callbacks": [_EpochTimer(recorder)]}
        if orders is None:
            self.model.fit(x, y, batch_size=batch_size, shuffle=True, **common)
        elif BACKEND == "tensorflow" and steps % steps_per_execution == 0:
            # One stream for all epochs: executions end exactly at epoch ends.
            dataset = tf_dataset(x, y, orders, epochs)
            self.model.fit(dataset, steps_per_epoch=steps, shuffle=False, **common)
        elif BACKEND == "tensorflow":
            # An execution would run on into the next epoch of a stream: one dataset per epoch.
            self.model.fit(tf_dataset(x, y, orders, 1), shuffle=False, **common)
        else:
            self.model.fit(EpochSequence(x, y, orders), shuffle=False, **common)

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
        x = self._x(x)
        return self._evaluate(x, self._y(y, len(x)))

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


class _EpochTimer(keras.callbacks.Callback):
    """Times each epoch of `model.fit` around its training updates and hands it to the recorder."""

    def __init__(self, recorder: EpochRecorder):
        super().__init__()
        self.recorder = recorder
        self._started = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        # Reading the loss waits for the last update: JAX dispatches its steps asynchronously.
        running_loss = float((logs or {}).get("loss", math.nan))
        seconds = time.perf_counter() - self._started
        if self.recorder.end_epoch(epoch + 1, seconds, running_loss):
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
