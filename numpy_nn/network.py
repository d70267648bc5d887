"""The multi-layer perceptron: forward, backward, training loop, weights in and out."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .activations import make_activation
from .initializers import get_initializer
from .losses import default_loss_for, make_loss
from .optimizers import Optimizer, make_optimizer
from .rounding import float32_rounded
from .spec import SpecError, validate_layers

DTYPES = ("float32", "float64")

EpochCallback = Callable[[int, dict[str, float]], None]


@dataclass
class History:
    """Per-epoch record of a fit: losses and accuracies on the whole sets, after each epoch."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    # Seconds spent on the epoch's updates only (end-of-epoch evaluation excluded).
    epoch_seconds: list[float] = field(default_factory=list)
    diverged_at: int | None = None  # 1-based epoch whose loss was NaN or infinite

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
        }


class Network:
    """A dense feed-forward network built from seed 002's plain-data layer spec.

    >>> net = Network([{"input_dim": 2, "output_dim": 1, "activation": "sigmoid"}], seed=0)
    """

    def __init__(
        self,
        layers: Sequence[dict[str, Any]],
        loss: str | None = None,
        optimizer: str | dict[str, Any] | Optimizer = "sgd",
        l2: float = 0.0,
        dtype: str = "float32",
        seed: int | np.random.Generator | None = 0,
    ):
        self.layers = validate_layers(list(layers))
        if dtype not in DTYPES:
            raise SpecError(f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPES)}")
        if not (isinstance(l2, int | float) and l2 >= 0):
            raise SpecError(f"l2 must be a number >= 0, got {l2!r}")
        self.dtype = np.dtype(dtype)
        output_activation = self.layers[-1]["activation"]
        self.loss = make_loss(loss or default_loss_for(output_activation))
        fused = self.loss.fused_activation
        if fused is not None and output_activation != fused:
            raise SpecError(
                f"loss {self.loss.name!r} needs a {fused!r} output layer, got {output_activation!r}"
            )
        if self.loss.name == "binary_crossentropy" and self.layers[-1]["output_dim"] != 1:
            raise SpecError("binary_crossentropy needs an output layer with output_dim 1")
        self.optimizer = make_optimizer(optimizer)
        self.activations = [
            make_activation(layer["activation"], layer.get("negative_slope"))
            for layer in self.layers
        ]
        # Per-layer L2 overrides the global one; Keras's definition: penalty l2 * sum(W**2), with
        # l2 rounded to float32 as Keras's regulariser casts it (see rounding.py).
        self.l2 = [
            float32_rounded(layer["l2"] if layer["l2"] is not None else l2) for layer in self.layers
        ]
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        self._rng = rng  # continues into fit's batch draws unless fit is given its own
        self._allocate_parameters()
        for layer, w, b in zip(self.layers, self.weights, self.biases, strict=True):
            fan_in, fan_out = layer["input_dim"], layer["output_dim"]
            w[...] = get_initializer(layer["init"])(fan_in, fan_out, w.shape, rng)
            b[...] = get_initializer(layer["bias_init"])(fan_in, fan_out, b.shape, rng)

    def _allocate_parameters(self) -> None:
        """Keep every W and b (and their gradients) as views into one flat buffer each.

        The optimiser then updates all parameters with a few whole-buffer operations per step
        instead of a few per array, which is most of the cost for small networks.
        """
        shapes = [
            shape
            for layer in self.layers
            for shape in ((layer["input_dim"], layer["output_dim"]), (layer["output_dim"],))
        ]
        total = sum(int(np.prod(shape)) for shape in shapes)
        self._params = np.zeros(total, dtype=self.dtype)
        self._grads = np.zeros(total, dtype=self.dtype)
        param_views, grad_views, start = [], [], 0
        for shape in shapes:
            stop = start + int(np.prod(shape))
            param_views.append(self._params[start:stop].reshape(shape))
            grad_views.append(self._grads[start:stop].reshape(shape))
            start = stop
        self.weights, self.biases = param_views[0::2], param_views[1::2]
        self._grad_weights, self._grad_biases = grad_views[0::2], grad_views[1::2]

    # ----------------------------------------------------------------- properties

    @property
    def n_features(self) -> int:
        """Number of input features."""
        return self.layers[0]["input_dim"]

    @property
    def n_outputs(self) -> int:
        """Number of output units."""
        return self.layers[-1]["output_dim"]

    # ----------------------------------------------------------------- forward / backward

    def _forward(self, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Return (inputs of every layer plus the output, pre-activations of every layer)."""
        activations, pre_activations = [x], []
        for w, b, act in zip(self.weights, self.biases, self.activations, strict=True):
            z = activations[-1] @ w
            z += b
            pre_activations.append(z)
            activations.append(act.forward(z))
        return activations, pre_activations

    def _gradients(
        self, activations: list[np.ndarray], pre_activations: list[np.ndarray], y: np.ndarray
    ) -> None:
        """Back-propagate the loss into the flat gradient buffer."""
        grad = self.loss.gradient(y, pre_activations[-1], activations[-1])
        if self.loss.fused_activation is None:
            grad = self.activations[-1].backward(pre_activations[-1], activations[-1], grad)
        for index in range(len(self.weights) - 1, -1, -1):
            w, grad_w = self.weights[index], self._grad_weights[index]
            np.matmul(activations[index].T, grad, out=grad_w)
            if self.l2[index]:
                grad_w += w * self.dtype.type(2.0 * self.l2[index])
            np.add.reduce(grad, axis=0, out=self._grad_biases[index])
            if index:
                grad = grad @ w.T
                grad = self.activations[index - 1].backward(
                    pre_activations[index - 1], activations[index], grad
                )

    def _penalty(self) -> float:
        return sum(
            l2 * float(np.square(w).sum())
            for l2, w in zip(self.l2, self.weights, strict=True)
            if l2
        )

    # ----------------------------------------------------------------- data checks

    def _check_x(self, x: Any, what: str = "X") -> np.ndarray:
        x = np.asarray(x)
        if x.ndim != 2:
            raise ValueError(f"{what} must be 2-D (samples, features), got shape {x.shape}")
        if x.shape[1] != self.n_features:
            raise ValueError(
                f"{what} has {x.shape[1]} features but the network's input_dim is {self.n_features}"
            )
        if not np.issubdtype(x.dtype, np.number):
            raise ValueError(f"{what} must be numeric, got dtype {x.dtype}")
        x = np.ascontiguousarray(x, dtype=self.dtype)
        if not np.isfinite(x).all():
            bad = np.argwhere(~np.isfinite(x))[0]
            raise ValueError(f"{what} contains NaN or inf (first at row {bad[0]}, column {bad[1]})")
        return x

    def _check_y(self, y: Any, n_samples: int, what: str = "y") -> np.ndarray:
        """Return targets shaped like the network's output, in the network's dtype."""
        y = np.asarray(y)
        if y.shape[0] != n_samples:
            raise ValueError(f"{what} has {y.shape[0]} rows but X has {n_samples}")
        k = self.n_outputs
        if y.ndim == 1 and k > 1:
            # Class labels for a multi-unit output (softmax, or MSE on k units) become one-hot rows.
            if not (np.issubdtype(y.dtype, np.integer) or np.all(np.mod(y, 1) == 0)):
                raise ValueError(f"{what}: integer class labels expected, got dtype {y.dtype}")
            labels = y.astype(np.int64)
            bad = labels[(labels < 0) | (labels >= k)]
            if bad.size:
                raise ValueError(
                    f"{what}: label {bad[0]} out of range; the output layer has {k} classes "
                    f"(labels 0..{k - 1})"
                )
            one_hot = np.zeros((n_samples, k), dtype=self.dtype)
            one_hot[np.arange(n_samples), labels] = 1
            return one_hot
        y = y.reshape(n_samples, -1) if y.ndim == 1 else y
        if y.shape != (n_samples, k):
            raise ValueError(f"{what} must have shape ({n_samples}, {k}), got {y.shape}")
        y = np.ascontiguousarray(y, dtype=self.dtype)
        if not np.isfinite(y).all():
            raise ValueError(f"{what} contains NaN or inf")
        if self.loss.name == "binary_crossentropy" and not np.isin(y, (0, 1)).all():
            bad = y[~np.isin(y, (0, 1))][0]
            raise ValueError(
                f"{what}: label {bad:g} out of range; binary_crossentropy takes 0 or 1"
            )
        return y

    # ----------------------------------------------------------------- training

    def fit(
        self,
        x: Any,
        y: Any,
        epochs: int = 1,
        batch_size: int | None = None,
        rng: np.random.Generator | None = None,
        batches: Sequence[Sequence[np.ndarray]] | None = None,
        validation_data: tuple[Any, Any] | None = None,
        callback: EpochCallback | None = None,
    ) -> History:
        """Train; each epoch's batch order comes from `batches`, or is drawn from `rng`.

        `batch_size=None` trains full batch. `rng` defaults to the stream seeded in the constructor.
        `batches`, when given, is one list of index arrays per epoch and overrides `batch_size` and
        `rng` (so another framework can replay the same order).
        """
        x = self._check_x(x)
        y = self._check_y(y, x.shape[0])
        if not (isinstance(epochs, int) and epochs > 0):
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
        if batches is not None and len(batches) != epochs:
            raise ValueError(f"batches has {len(batches)} epochs' orders but epochs is {epochs}")
        if batch_size is not None and not (isinstance(batch_size, int) and batch_size > 0):
            raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}")
        if validation_data is not None:
            x_val = self._check_x(validation_data[0], "validation X")
            y_val = self._check_y(validation_data[1], x_val.shape[0], "validation y")
        rng = rng if rng is not None else self._rng
        history = History()
        n = x.shape[0]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(1, epochs + 1):
                if batches is not None:
                    order = _checked_order(batches[epoch - 1], n, epoch)
                elif batch_size is None or batch_size >= n:
                    order = None
                else:
                    perm = rng.permutation(n)
                    order = [perm[i : i + batch_size] for i in range(0, n, batch_size)]
                start = time.perf_counter()
                self._run_epoch(x, y, order)
                history.epoch_seconds.append(time.perf_counter() - start)

                logs = self.evaluate(x, y, _checked=True)
                history.loss.append(logs["loss"])
                history.accuracy.append(logs["accuracy"])
                if validation_data is not None:
                    val = self.evaluate(x_val, y_val, _checked=True)
                    history.val_loss.append(val["loss"])
                    history.val_accuracy.append(val["accuracy"])
                    logs = {**logs, "val_loss": val["loss"], "val_accuracy": val["accuracy"]}
                if callback is not None:
                    callback(epoch, logs)
                if not np.isfinite(logs["loss"]):
                    history.diverged_at = epoch
                    break
        return history

    def _run_epoch(self, x, y, order) -> None:
        if order is None:
            self._step(x, y)
            return
        # One gather per epoch, then contiguous slices: cheaper than a fancy index per batch.
        flat = np.concatenate(order)
        x_epoch, y_epoch = x[flat], y[flat]
        start = 0
        for indices in order:
            stop = start + len(indices)
            self._step(x_epoch[start:stop], y_epoch[start:stop])
            start = stop

    def _step(self, x, y) -> None:
        activations, pre_activations = self._forward(x)
        self._gradients(activations, pre_activations, y)
        self.optimizer.update([self._params], [self._grads])

    # ----------------------------------------------------------------- inference

    def predict_proba(self, x: Any) -> np.ndarray:
        """Output-layer activations, shape (samples, output_dim)."""
        return self._forward(self._check_x(x))[0][-1]

    def predict(self, x: Any) -> np.ndarray:
        """Class labels: output > 0.5 for one output unit, argmax otherwise."""
        return self._labels(self.predict_proba(x))

    def score(self, x: Any, y: Any) -> float:
        """Accuracy on (x, y)."""
        return self.evaluate(x, y)["accuracy"]

    def evaluate(self, x: Any, y: Any, _checked: bool = False) -> dict[str, float]:
        """Loss (with the L2 penalty, as Keras reports it) and accuracy on (x, y)."""
        if not _checked:
            x = self._check_x(x)
            y = self._check_y(y, x.shape[0])
        activations, pre_activations = self._forward(x)
        output = activations[-1]
        loss = self.loss.value(y, pre_activations[-1], output) + self._penalty()
        accuracy = float((self._labels(output) == self._labels(y)).mean())
        return {"loss": loss, "accuracy": accuracy}

    def _labels(self, output: np.ndarray) -> np.ndarray:
        if output.shape[1] == 1:
            return (output[:, 0] > 0.5).astype(np.int64)
        return output.argmax(axis=1)

    # ----------------------------------------------------------------- weights

    def get_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Copies of every layer's (W, b), W shaped (input_dim, output_dim) as in Keras."""
        return [(w.copy(), b.copy()) for w, b in zip(self.weights, self.biases, strict=True)]

    def set_weights(self, weights: Sequence[tuple[Any, Any]]) -> None:
        """Load (W, b) pairs in Keras's layout, cast to the network's dtype."""
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
        for (w, b), own_w, own_b in zip(checked, self.weights, self.biases, strict=True):
            own_w[...], own_b[...] = w, b
        self.optimizer.reset()

    # The flat buffer is laid out in seed 000's order: W0 row by row, b0, W1, b1, ...

    def get_flat_weights(self) -> np.ndarray:
        """All parameters in seed 000's order: W0 row by row, b0, W1, b1, ..."""
        return self._params.copy()

    def set_flat_weights(self, flat: Any) -> None:
        """Load parameters from seed 000's flat order."""
        flat = np.asarray(flat).ravel()
        if flat.size != self._params.size:
            raise ValueError(f"expected {self._params.size} values, got {flat.size}")
        self._params[...] = flat
        self.optimizer.reset()


def _checked_order(order: Sequence[Any], n: int, epoch: int) -> list[np.ndarray]:
    """Index arrays of one epoch, each non-empty, 1-D and within 0..n-1."""
    arrays = [np.asarray(indices, dtype=np.intp) for indices in order]
    if not arrays or any(a.ndim != 1 or a.size == 0 for a in arrays):
        raise ValueError(f"epoch {epoch}: each batch must be a non-empty 1-D index array")
    flat = np.concatenate(arrays)
    if flat.min() < 0 or flat.max() >= n:
        raise ValueError(f"epoch {epoch}: batch index out of range 0..{n - 1}")
    return arrays
