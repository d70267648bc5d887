"""David's multi-layer perceptron: forward, backward and the training step, then fit.

The lines of maths carry their equation and shapes. A batch has n rows; a dense layer maps its
input a_in, (n, d_in), through W, (d_in, d_out), and b, (d_out,), to the pre-activation
z = a_in @ W + b, (n, d_out), and the activation a = f(z); the first layer's a_in is X. Going
back, delta = dL/dz, shaped like z. Each line computes in place what its comment writes out,
into arrays allocated once (workspace.py) so that a step allocates nothing; input checks live
in checks.py. textbook.py writes the same maths plainly, allocating freely.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from . import checks
from .activations import make_activation
from .checks import DTYPES
from .initializers import get_initializer
from .losses import default_loss_for, make_loss
from .optimizers import Optimizer, make_optimizer
from .rounding import float32_rounded
from .spec import validate_layers
from .workspace import Workspace, flat_buffers, l2_terms, transposed_inputs

__all__ = ["DTYPES", "EpochCallback", "History", "Network"]

# Called after every epoch with the 1-based epoch and its logs; a true return value stops training.
EpochCallback = Callable[[int, dict[str, float]], bool | None]

# One training step on one batch: step(x, y, outputs, deltas, inputs_t), all arrays preallocated.
Step = Callable[
    [np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray], list[np.ndarray]], None
]


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
        self.dtype = checks.checked_dtype(dtype)
        checks.check_l2(l2)
        self.loss = make_loss(loss or default_loss_for(self.layers[-1]["activation"]))
        checks.check_loss_fits(self.loss, self.layers[-1])
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

    # ----------------------------------------------------------------- the maths

    def _forward(self, x: np.ndarray, outputs: list[np.ndarray]) -> np.ndarray:
        """Fill outputs, one (n, d_out) array per layer, with each layer's a; return the last."""
        matmul = np.matmul  # a local name: this loop runs a few times per step
        for w, b, forward, out in zip(
            self.weights, self.biases, self._forwards, outputs, strict=True
        ):
            matmul(x, w, out=out)  # z = a_in @ W: (n, d_in) @ (d_in, d_out) -> (n, d_out)
            out += b  # z += b: (d_out,) added to each of the n rows
            x = forward(out)  # a = f(z), written over z: (n, d_out), the next layer's a_in
        return x

    def _backward(
        self,
        y: np.ndarray,
        outputs: list[np.ndarray],
        deltas: list[np.ndarray],
        inputs_t: list[np.ndarray],
    ) -> None:
        """Back-propagate the batch's loss into the flat gradient buffer (dL/dW, dL/db per layer).

        `outputs` are the forward pass's activations; `deltas` (shaped like them) receive every
        layer's dL/da and then dL/dz in turn, and both are used up. `inputs_t` holds every layer's
        a_in transposed (X.T, then the outputs but the last, .T): views made once, not every step.
        """
        matmul, add_reduce = np.matmul, np.add.reduce
        weights_t, backwards = self._weights_t, self._backwards
        grad_weights, grad_biases = self._grad_weights, self._grad_biases
        last = len(outputs) - 1
        # The output layer's delta, (n, d_out). A fused loss gives it at once ((a - y) / n for
        # the cross-entropies); any other gives dL/da, then delta = f'(z) * dL/da.
        delta = self.loss.gradient(y, outputs[last], deltas[last])
        if self.loss.fused_activation is None:
            delta = backwards[last](outputs[last], delta)
        for index in range(last, -1, -1):
            # dL/dW = a_in.T @ delta: (d_in, n) @ (n, d_out) -> (d_in, d_out)
            matmul(inputs_t[index], delta, out=grad_weights[index])
            # dL/db = delta summed over the batch: (n, d_out) -> (d_out,)
            add_reduce(delta, axis=0, out=grad_biases[index])
            if index:
                # dL/da_in = delta @ W.T: (n, d_out) @ (d_out, d_in) -> (n, d_in)
                delta = matmul(delta, weights_t[index], out=deltas[index - 1])
                # the layer below's delta = f'(z_below) * dL/da_in: (n, d_in)
                delta = backwards[index - 1](outputs[index - 1], delta)
        for w, grad_w, factor, scratch in self._l2_terms:
            grad_w += np.multiply(w, factor, out=scratch)  # dL/dW += 2 * l2 * W: (d_in, d_out)

    def _training_step(self) -> Step:
        """The training step every path runs (full batch, minibatches, given batch orders).

        Made once per epoch, with the network's parts looked up then: a step on a small network
        is short enough that looking them up on every call would show in the timings.
        """
        forward, backward = self._forward, self._backward
        update, params, grads = self.optimizer.update, self._param_list, self._grad_list

        def step(x, y, outputs, deltas, inputs_t):
            forward(x, outputs)  # every layer's a = f(a_in @ W + b)
            backward(y, outputs, deltas, inputs_t)  # dL/dW and dL/db into the gradient buffer
            update(params, grads)  # W and b take the optimiser's step (see optimizers.py)

        return step

    def _run_epoch(self, x: np.ndarray, y: np.ndarray, order: list[np.ndarray] | None) -> None:
        """One epoch of training steps: the whole set as one batch (order None), or the batches.

        `order` holds checked index arrays. Each batch is gathered into the workspace's
        preallocated rows, so a step allocates nothing.
        """
        step = self._training_step()
        if order is None:
            outputs, deltas = self._workspace.reserve(len(x), gather=False).arrays(len(x))[2:4]
            step(x, y, outputs, deltas, transposed_inputs(x, outputs))
            return
        workspace = self._workspace.reserve(max(len(indices) for indices in order), gather=True)
        views, arrays = workspace.views, workspace.arrays
        for indices in order:
            x_rows, y_rows, outputs, deltas, inputs_t = views.get(len(indices)) or arrays(
                len(indices)
            )
            # take with out= and mode "clip" copies straight into the rows (the indices were
            # checked, so clipping changes nothing).
            x.take(indices, 0, x_rows, "clip")
            y.take(indices, 0, y_rows, "clip")
            step(x_rows, y_rows, outputs, deltas, inputs_t)

    def _gradient(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The loss's gradient on (x, y) at the current weights, in the flat parameter order."""
        outputs = self._new_outputs(len(x))
        self._forward(x, outputs)
        self._backward(y, outputs, self._new_outputs(len(x)), transposed_inputs(x, outputs))
        return self._grads.copy()

    def _penalty(self) -> float:
        """The L2 penalty, sum over layers of l2 * sum(W**2)."""
        return sum(
            l2 * float(np.square(w).sum())
            for l2, w in zip(self.l2, self.weights, strict=True)
            if l2
        )

    # ----------------------------------------------------------------- memory

    def _allocate_parameters(self) -> None:
        """Every W and b, and their gradients, as views into one flat buffer each (workspace.py)."""
        shapes = [
            shape
            for layer in self.layers
            for shape in ((layer["input_dim"], layer["output_dim"]), (layer["output_dim"],))
        ]
        self._params, self._grads, params, grads = flat_buffers(shapes, self.dtype)
        self.weights, self.biases = params[0::2], params[1::2]
        self._weights_t = [w.T for w in self.weights]  # views: they follow every update
        self._grad_weights, self._grad_biases = grads[0::2], grads[1::2]
        self._param_list, self._grad_list = [self._params], [self._grads]
        self._l2_buffer, self._l2_terms = l2_terms(
            self.weights, self._grad_weights, self.l2, self.dtype
        )
        self._workspace = Workspace(self.n_features, self._widths, self.dtype)

    def _new_outputs(self, rows: int) -> list[np.ndarray]:
        return [np.empty((rows, width), dtype=self.dtype) for width in self._widths]

    def training_memory_bytes(self, batch_size: int) -> int:
        """Upper bound on the array memory the network holds while fit(evaluate=False) trains.

        For batches of up to batch_size rows: parameters and their gradients, the optimiser's
        state, one batch's X and y rows and every layer's outputs and gradients, the L2
        scratch, and the largest temporary an activation makes in a step (one batch_size x
        widest-layer array). Not included: converting X and y to the network's dtype and one-hot
        labels (pass them ready to avoid copies), the batch order the caller hands over, the
        per-epoch evaluation of evaluate=True, and Python's own small objects.
        """
        batch_size = checks.positive_int(batch_size, "batch_size")
        itemsize = self.dtype.itemsize
        parameters = self._params.nbytes * (2 + self.optimizer.state_size())
        rows = self.n_features + self.n_outputs + 2 * sum(self._widths) + max(self._widths)
        return parameters + self._l2_buffer.nbytes + batch_size * rows * itemsize

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
        epochs, batch_size = checks.check_fit_options(
            epochs, batch_size, batches, rng, callback, evaluate
        )
        if validation_data is not None:
            checks.check_validation_pair(validation_data)
            x_val = self._check_x(validation_data[0], "validation X")
            y_val = self._check_y(validation_data[1], x_val.shape[0], "validation y")
        rng = rng if rng is not None else self._rng
        history = History()
        n = x.shape[0]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(1, epochs + 1):
                if batches is not None:
                    order = checks.checked_order(batches[epoch - 1], n, epoch)
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

    def _check_x(self, x: Any, what: str = "X") -> np.ndarray:
        """X as a contiguous array in the network's dtype, or ValueError saying what is wrong."""
        return checks.check_x(x, self.n_features, self.dtype, what)

    def _check_y(self, y: Any, n_samples: int, what: str = "y") -> np.ndarray:
        """Targets shaped like the network's output, in the network's dtype, or ValueError."""
        return checks.check_y(y, n_samples, self.n_outputs, self.dtype, self.loss.name, what)

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
        return asdict(self)  # every field, in order
