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

# Called after every epoch with the 1-based epoch and its logs; a true return value stops training.
EpochCallback = Callable[[int, dict[str, float]], bool | None]


@dataclass
class History:
    """Per-epoch record of a fit: losses and accuracies on the whole sets, after each epoch.

    With fit(evaluate=False) only epoch_seconds is filled in.
    """

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
    """A dense feed-forward network built from the moons article's plain-data layer spec.

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
        # The step calls these a few times per batch: bound once here.
        self._forwards = [activation.forward for activation in self.activations]
        self._backwards = [activation.backward for activation in self.activations]
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
        self._weights_t = [w.T for w in self.weights]  # views: they follow every update
        self._grad_weights, self._grad_biases = grad_views[0::2], grad_views[1::2]
        self._param_list, self._grad_list = [self._params], [self._grads]
        # The L2 term of each penalised layer: (W, dL/dW, the factor 2 * l2, and room to compute
        # 2 * l2 * W without a temporary: a view of one buffer the size of the largest such W).
        penalised = [index for index, l2 in enumerate(self.l2) if l2]
        self._l2_buffer = np.empty(
            max((self.weights[index].size for index in penalised), default=0), dtype=self.dtype
        )
        self._l2_terms = [
            (
                self.weights[index],
                self._grad_weights[index],
                self.dtype.type(2.0 * self.l2[index]),
                self._l2_buffer[: self.weights[index].size].reshape(self.weights[index].shape),
            )
            for index in penalised
        ]
        self._workspace: _Workspace | None = None

    # ----------------------------------------------------------------- properties

    @property
    def n_features(self) -> int:
        """Number of input features."""
        return self.layers[0]["input_dim"]

    @property
    def n_outputs(self) -> int:
        """Number of output units."""
        return self.layers[-1]["output_dim"]

    @property
    def _widths(self) -> list[int]:
        return [layer["output_dim"] for layer in self.layers]

    def training_memory_bytes(self, batch_size: int) -> int:
        """Upper bound on the array memory the network holds while fit(evaluate=False) trains.

        For batches of up to batch_size rows: parameters and their gradients, the optimiser's
        state, one batch's X and y rows and every layer's outputs and gradients, the L2
        scratch, and the largest temporary an activation makes in a step (one batch_size x
        widest-layer array). Not included: converting X and y to the network's dtype and one-hot
        labels (pass them ready to avoid copies), the batch order the caller hands over, the
        per-epoch evaluation of evaluate=True, and Python's own small objects.
        """
        batch_size = _positive_int(batch_size, "batch_size")
        itemsize = self.dtype.itemsize
        parameters = self._params.nbytes * (2 + self.optimizer.state_size())
        rows = self.n_features + self.n_outputs + 2 * sum(self._widths) + max(self._widths)
        return parameters + self._l2_buffer.nbytes + batch_size * rows * itemsize

    # ----------------------------------------------------------------- forward / backward

    def _forward(self, x: np.ndarray, outputs: list[np.ndarray]) -> np.ndarray:
        """Fill outputs (one array per layer) with every layer's activation; return the last."""
        matmul = np.matmul  # a local name: this loop runs a few times per step
        for w, b, forward, out in zip(
            self.weights, self.biases, self._forwards, outputs, strict=True
        ):
            matmul(x, w, out=out)
            out += b
            x = forward(out)
        return x

    def _backward(
        self,
        y: np.ndarray,
        outputs: list[np.ndarray],
        grads: list[np.ndarray],
        inputs_t: list[np.ndarray],
    ) -> None:
        """Back-propagate the batch's loss into the flat gradient buffer.

        `outputs` are the forward pass's activations; `grads` (shaped like them) receive every
        layer's dL/dz in turn, and both are used up. `inputs_t` holds every layer's input,
        transposed (X.T, then the outputs but the last, .T): views made once, not every step.
        """
        matmul, add_reduce = np.matmul, np.add.reduce
        weights_t, backwards = self._weights_t, self._backwards
        grad_weights, grad_biases = self._grad_weights, self._grad_biases
        last = len(outputs) - 1
        grad = self.loss.gradient(y, outputs[last], grads[last])
        if self.loss.fused_activation is None:
            grad = backwards[last](outputs[last], grad)
        for index in range(last, -1, -1):
            matmul(inputs_t[index], grad, out=grad_weights[index])
            add_reduce(grad, axis=0, out=grad_biases[index])
            if index:
                grad = matmul(grad, weights_t[index], out=grads[index - 1])
                grad = backwards[index - 1](outputs[index - 1], grad)
        for w, grad_w, factor, scratch in self._l2_terms:
            grad_w += np.multiply(w, factor, out=scratch)  # dL/dW += 2 * l2 * W

    def _gradient(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The loss's gradient on (x, y) at the current weights, in the flat parameter order."""
        outputs = self._new_outputs(len(x))
        self._forward(x, outputs)
        self._backward(y, outputs, self._new_outputs(len(x)), _transposed_inputs(x, outputs))
        return self._grads.copy()

    def _new_outputs(self, rows: int) -> list[np.ndarray]:
        return [np.empty((rows, width), dtype=self.dtype) for width in self._widths]

    def _penalty(self) -> float:
        return sum(
            l2 * float(np.square(w).sum())
            for l2, w in zip(self.l2, self.weights, strict=True)
            if l2
        )

    # ----------------------------------------------------------------- data checks

    def _check_x(self, x: Any, what: str = "X") -> np.ndarray:
        """Return X as a contiguous array in the network's dtype, or say what is wrong with it."""
        x = _as_array(x, what)
        if x.dtype.kind not in "iuf":
            raise ValueError(
                f"{what} must hold real numbers (an integer or float dtype), got dtype {x.dtype}"
            )
        if x.ndim != 2:
            raise ValueError(f"{what} must be 2-D (samples, features), got shape {x.shape}")
        if x.shape[1] != self.n_features:
            raise ValueError(
                f"{what} has {x.shape[1]} features but the network's input_dim is {self.n_features}"
            )
        if x.shape[0] == 0:
            raise ValueError(f"{what} has no samples (shape {x.shape})")
        converted = _converted(x, self.dtype)
        if not _all_finite(converted):
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(converted))[0])
            if np.isfinite(x[bad]):
                raise ValueError(
                    f"{what} holds {float(x[bad]):g} (row {bad[0]}, column {bad[1]}), "
                    f"too large for {self.dtype}"
                )
            raise ValueError(f"{what} contains NaN or inf (first at row {bad[0]}, column {bad[1]})")
        return converted

    def _check_y(self, y: Any, n_samples: int, what: str = "y") -> np.ndarray:
        """Return targets shaped like the network's output, in the network's dtype."""
        y = _as_array(y, what)
        if y.dtype.kind not in "biuf":
            raise ValueError(
                f"{what} must hold numbers (class labels or targets), got dtype {y.dtype}"
            )
        if y.ndim not in (1, 2):
            raise ValueError(
                f"{what} must be 1-D (labels) or 2-D (samples, outputs), got shape {y.shape}"
            )
        if y.shape[0] != n_samples:
            raise ValueError(f"{what} has {y.shape[0]} rows but X has {n_samples}")
        k = self.n_outputs
        if y.ndim == 1 and k > 1:
            return self._one_hot(y, what)
        y = y.reshape(n_samples, -1) if y.ndim == 1 else y
        if y.shape != (n_samples, k):
            raise ValueError(f"{what} must have shape ({n_samples}, {k}), got {y.shape}")
        converted = _converted(y, self.dtype)
        if not _all_finite(converted):
            raise ValueError(f"{what} contains NaN or inf, or a value too large for {self.dtype}")
        if self.loss.name == "binary_crossentropy":
            bad = _first_not_binary(converted)
            if bad is not None:
                raise ValueError(
                    f"{what}: label {bad:g} out of range; binary_crossentropy takes 0 or 1"
                )
        return converted

    def _one_hot(self, labels: np.ndarray, what: str) -> np.ndarray:
        """Class labels 0..k-1 for a multi-unit output (softmax, or MSE on k units), one-hot."""
        k = self.n_outputs
        if labels.dtype.kind == "f":
            if not _all_finite(labels):
                raise ValueError(f"{what} contains NaN or inf; class labels expected")
            fractional = labels[labels != np.round(labels)]
            if fractional.size:
                raise ValueError(
                    f"{what}: integer class labels expected, got {fractional[0]:g} "
                    f"(dtype {labels.dtype})"
                )
        bad = labels[(labels < 0) | (labels >= k)]
        if bad.size:
            raise ValueError(
                f"{what}: label {bad[0]:g} out of range; the output layer has {k} classes "
                f"(labels 0..{k - 1})"
            )
        one_hot = np.zeros((len(labels), k), dtype=self.dtype)
        one_hot[np.arange(len(labels)), labels.astype(np.intp)] = 1
        return one_hot

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
        evaluate: bool = True,
    ) -> History:
        """Train; each epoch's batch order comes from `batches`, or is drawn from `rng`.

        `batch_size=None` trains full batch. `rng` defaults to the stream seeded in the constructor.
        `batches`, when given, holds one list of index arrays per epoch (any sequence, even one
        that computes each epoch's order when asked; each is read once, in order) and overrides
        `batch_size` and `rng`, so another framework can replay the same order.
        After every epoch `callback(epoch, logs)` gets the 1-based epoch and its logs (always
        "epoch_seconds"); a true return value stops training. With `evaluate=False` no loss or
        accuracy is computed after each epoch (the history then holds epoch_seconds only, a
        diverged run is not detected, and validation_data is checked but not used).
        """
        x = self._check_x(x)
        y = self._check_y(y, x.shape[0])
        epochs = _positive_int(epochs, "epochs")
        batch_size = _positive_int(batch_size, "batch_size", none_ok=True)
        if batches is not None:
            if not hasattr(batches, "__len__") or not hasattr(batches, "__getitem__"):
                raise ValueError(
                    "batches must be a sequence holding one list of index arrays per epoch, "
                    f"got {type(batches).__name__}"
                )
            if len(batches) != epochs:
                raise ValueError(
                    f"batches has {len(batches)} epochs' orders but epochs is {epochs}"
                )
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise ValueError(f"rng must be a numpy.random.Generator or None, got {rng!r}")
        if callback is not None and not callable(callback):
            raise ValueError(f"callback must be callable or None, got {callback!r}")
        if not isinstance(evaluate, bool | np.bool_):
            raise ValueError(f"evaluate must be True or False, got {evaluate!r}")
        if validation_data is not None:
            if not isinstance(validation_data, tuple | list) or len(validation_data) != 2:
                raise ValueError("validation_data must be a pair (X, y)")
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
                seconds = time.perf_counter() - start
                history.epoch_seconds.append(seconds)
                logs = {"epoch_seconds": seconds}
                if evaluate:
                    logs = {**self.evaluate(x, y, _checked=True), **logs}
                    history.loss.append(logs["loss"])
                    history.accuracy.append(logs["accuracy"])
                    if validation_data is not None:
                        val = self.evaluate(x_val, y_val, _checked=True)
                        history.val_loss.append(val["loss"])
                        history.val_accuracy.append(val["accuracy"])
                        logs.update(val_loss=val["loss"], val_accuracy=val["accuracy"])
                stop = callback(epoch, logs) if callback is not None else False
                if evaluate and not np.isfinite(logs["loss"]):
                    history.diverged_at = epoch
                    break
                if stop:
                    break
        return history

    def _run_epoch(self, x: np.ndarray, y: np.ndarray, order: list[np.ndarray] | None) -> None:
        """One epoch of training steps: the whole set as one batch (order None), or the batches.

        `order` holds checked index arrays. Each batch is gathered into the workspace's
        preallocated rows, so a step allocates nothing.
        """
        if order is None:
            outputs, grads = self._reserve(len(x), gather=False).arrays(len(x))[2:4]
            self._step(x, y, outputs, grads, _transposed_inputs(x, outputs))
            return
        workspace = self._reserve(max(len(indices) for indices in order), gather=True)
        # _step's three calls, with the names looked up once per epoch rather than per step
        forward, backward, update = self._forward, self._backward, self.optimizer.update
        params, param_grads = self._param_list, self._grad_list
        views, arrays = workspace.views, workspace.arrays
        for indices in order:
            x_rows, y_rows, outputs, grads, inputs_t = views.get(len(indices)) or arrays(
                len(indices)
            )
            # take with out= and mode "clip" copies straight into the rows (the indices were
            # checked, so clipping changes nothing).
            x.take(indices, 0, x_rows, "clip")
            y.take(indices, 0, y_rows, "clip")
            forward(x_rows, outputs)
            backward(y_rows, outputs, grads, inputs_t)
            update(params, param_grads)

    def _step(self, x, y, outputs, grads, inputs_t) -> None:
        """One training step on one batch: forward, backward, update."""
        self._forward(x, outputs)
        self._backward(y, outputs, grads, inputs_t)
        self.optimizer.update(self._param_list, self._grad_list)

    def _reserve(self, rows: int, gather: bool) -> _Workspace:
        """The workspace, replaced by a larger one if it cannot hold batches of `rows` rows.

        It stays with the network after fit, so the next fit reuses it.
        """
        workspace = self._workspace
        if workspace is None or workspace.capacity < rows or (gather and not workspace.gather):
            self._workspace = workspace = None  # free the old buffers before allocating anew
            workspace = _Workspace(rows, self.n_features, self._widths, self.dtype, gather)
            self._workspace = workspace
        return workspace

    # ----------------------------------------------------------------- inference

    def predict_proba(self, x: Any) -> np.ndarray:
        """Output-layer activations, shape (samples, output_dim)."""
        x = self._check_x(x)
        return self._forward(x, self._new_outputs(len(x)))

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
        outputs = self._new_outputs(len(x))
        output = self._forward(x, outputs)
        # The forward pass overwrote the output layer's logits with its activations; the
        # cross-entropies need them, so recompute them (the same matmul gives the same numbers).
        logits = (outputs[-2] if len(outputs) > 1 else x) @ self.weights[-1]
        logits += self.biases[-1]
        loss = self.loss.value(y, logits, output) + self._penalty()
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

    # The flat buffer is laid out in the 3-4-2 example's order: W0 row by row, b0, W1, b1, ...

    def get_flat_weights(self) -> np.ndarray:
        """All parameters in the 3-4-2 example's order: W0 row by row, b0, W1, b1, ..."""
        return self._params.copy()

    def set_flat_weights(self, flat: Any) -> None:
        """Load parameters from the 3-4-2 example's flat order."""
        flat = np.asarray(flat).ravel()
        if flat.size != self._params.size:
            raise ValueError(f"expected {self._params.size} values, got {flat.size}")
        self._params[...] = flat
        self.optimizer.reset()


class _Workspace:
    """Preallocated arrays for batches of up to `capacity` rows; smaller ones use leading rows.

    Per layer, the outputs (z, then a = f(z) in place) and the gradients (dL/da, then dL/dz in
    place); and, when batches are gathered from the data, the batch's X and y rows.
    """

    MAX_SIZES = 8  # batch sizes whose views are kept, which bounds the views' memory

    def __init__(
        self, capacity: int, n_features: int, widths: list[int], dtype: np.dtype, gather: bool
    ):
        self.capacity, self.gather = capacity, gather
        self._x = np.empty((capacity, n_features), dtype) if gather else None
        self._y = np.empty((capacity, widths[-1]), dtype) if gather else None
        self._outputs = [np.empty((capacity, width), dtype) for width in widths]
        self._grads = [np.empty((capacity, width), dtype) for width in widths]
        self.views: dict[int, tuple] = {}  # rows -> what arrays(rows) returns

    def arrays(self, rows: int) -> tuple:
        """(X rows, y rows, outputs, grads, inputs transposed) for a batch of `rows` rows."""
        views = self.views.get(rows)
        if views is None:
            if len(self.views) >= self.MAX_SIZES:  # batch sizes are usually one or two
                self.views.clear()
            # Leading rows of a C-contiguous array are C-contiguous: BLAS sees no difference.
            x_rows = self._x[:rows] if self.gather else None
            outputs = [out[:rows] for out in self._outputs]
            views = self.views[rows] = (
                x_rows,
                self._y[:rows] if self.gather else None,
                outputs,
                [grad[:rows] for grad in self._grads],
                _transposed_inputs(x_rows, outputs) if self.gather else None,
            )
        return views


def _transposed_inputs(x: np.ndarray, outputs: list[np.ndarray]) -> list[np.ndarray]:
    """Every layer's input, transposed: X.T, then each layer's output but the last."""
    return [x.T] + [out.T for out in outputs[:-1]]


def _positive_int(value: Any, what: str, none_ok: bool = False) -> int | None:
    """A Python or NumPy integer > 0 as an int (bool is not a count); None when allowed."""
    if value is None and none_ok:
        return None
    if isinstance(value, int | np.integer) and not isinstance(value, bool) and value > 0:
        return int(value)
    choices = "a positive integer or None" if none_ok else "a positive integer"
    raise ValueError(f"{what} must be {choices}, got {value!r}")


def _as_array(data: Any, what: str) -> np.ndarray:
    """np.asarray, with NumPy's complaint about ragged or odd input named after the argument."""
    try:
        return np.asarray(data)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{what} could not be read as an array: {err}") from None


def _converted(data: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """The data as a C-contiguous array of dtype (no copy when it already is one)."""
    with np.errstate(over="ignore"):  # values beyond the dtype's range become inf: checked next
        return np.ascontiguousarray(data, dtype=dtype)


def _all_finite(data: np.ndarray) -> bool:
    """Whether no value is NaN or inf, without allocating an array of flags."""
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(data.sum()):  # any NaN or inf makes the sum NaN or inf
            return True
    return bool(np.isfinite(data).all())  # the sum overflowed, or something is not finite


def _first_not_binary(y: np.ndarray, chunk: int = 4096) -> float | None:
    """The first value that is neither 0 nor 1, scanning in chunks to keep temporaries small."""
    flat = y.reshape(-1)
    for start in range(0, flat.size, chunk):
        part = flat[start : start + chunk]
        bad = (part != 0) & (part != 1)
        if bad.any():
            return float(part[bad.argmax()])
    return None


def _checked_order(order: Any, n: int, epoch: int) -> list[np.ndarray]:
    """Index arrays of one epoch, each a non-empty 1-D integer array within 0..n-1."""
    where = f"epoch {epoch}"
    try:
        items = list(order)
    except TypeError:
        raise ValueError(
            f"{where}: expected a list of index arrays, got {type(order).__name__}"
        ) from None
    if not items:
        raise ValueError(f"{where}: no batches; an epoch needs at least one")
    arrays = []
    for number, indices in enumerate(items):
        batch = _as_array(indices, f"{where}, batch {number}")
        if batch.ndim != 1 or batch.size == 0:
            raise ValueError(
                f"{where}, batch {number}: a batch is a non-empty 1-D array of sample indices, "
                f"got shape {batch.shape}"
            )
        if batch.dtype.kind not in "iu":
            raise ValueError(
                f"{where}, batch {number}: sample indices must be integers, got dtype {batch.dtype}"
            )
        arrays.append(batch if batch.dtype == np.intp else batch.astype(np.intp))
    _check_range(arrays, n, where)
    return arrays


def _check_range(arrays: list[np.ndarray], n: int, where: str, group: int = 8192) -> None:
    """Raise if an index is outside 0..n-1.

    Checked on groups of batches concatenated up to `group` indices: two reductions per group
    rather than per batch, and a temporary of at most one group (64 KiB) plus one batch.
    """
    first = 0
    while first < len(arrays):
        last, size = first, 0
        while last < len(arrays) and size < group:
            size += arrays[last].size
            last += 1
        indices = np.concatenate(arrays[first:last])
        if indices.min() < 0 or indices.max() >= n:
            for number in range(first, last):
                low, high = arrays[number].min(), arrays[number].max()
                if low < 0 or high >= n:
                    raise ValueError(
                        f"{where}, batch {number}: sample index {low if low < 0 else high} "
                        f"out of range 0..{n - 1}"
                    )
        first = last
