"""The floor: a fight's training step hand-written as plain NumPy, and its matmuls alone."""

from __future__ import annotations

import numpy as np

from bench.studies.numpy_floor.fights import DTYPE, Fight
from numpy_nn.optimizers import PIECE_BYTES


class Floor:
    """The fight's training step as plain NumPy: what the step costs with nothing around it.

    Same maths as numpy_nn, operation for operation (so the weights come out bit-identical), with
    every buffer allocated once: parameters and gradients in one flat array each (one optimiser
    pass per step), per-batch-size views of preallocated layer buffers, in-place activations.
    """

    def __init__(self, fight: Fight, flat_weights: np.ndarray, x: np.ndarray, y: np.ndarray):
        self.sizes, self.x, self.y = fight.sizes, x, y
        self.sigmoid = fight.head == "sigmoid"
        self.params = flat_weights.astype(DTYPE, copy=True)
        self.grads = np.zeros_like(self.params)
        self.weights, self.biases = self._views(self.params)
        self.grad_weights, self.grad_biases = self._views(self.grads)
        self.n_layers = len(self.weights)
        rows = fight.batch_size
        self._x_rows = np.empty((rows, self.sizes[0]), DTYPE)
        self._y_rows = np.empty((rows, self.sizes[-1]), DTYPE)
        self._z_rows = [np.empty((rows, units), DTYPE) for units in self.sizes[1:]]
        self._g_rows = [np.empty((rows, units), DTYPE) for units in self.sizes[1:]]
        self._scratch_rows = np.empty((rows, self.sizes[-1]), DTYPE)
        self.buffers: dict[int, tuple] = {}
        spec = fight.optimizer
        self.adam = spec["name"] == "adam"
        self.lr = DTYPE(spec["learning_rate"])
        if self.adam:  # Keras's Adam, as numpy_nn.Adam computes it
            self.beta_1, self.beta_2, self.epsilon = 0.9, 0.999, 1e-7
            self.m, self.v = np.zeros_like(self.params), np.zeros_like(self.params)
            self.scratch = np.zeros_like(self.params)
            self.iterations = 0

    def _views(self, flat: np.ndarray):
        weights, biases, start = [], [], 0
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            weights.append(flat[start : start + fan_in * fan_out].reshape(fan_in, fan_out))
            start += fan_in * fan_out
            biases.append(flat[start : start + fan_out])
            start += fan_out
        return weights, biases

    def _rows(self, rows: int) -> tuple:
        """The batch buffers for `rows` rows: leading-row views of the full-batch buffers."""
        buffers = (
            self._x_rows[:rows],
            self._y_rows[:rows],
            [z[:rows] for z in self._z_rows],
            [g[:rows] for g in self._g_rows],
            self._scratch_rows[:rows],
        )
        self.buffers[rows] = buffers
        return buffers

    def epoch(self, order: list[np.ndarray]) -> None:
        """One epoch of training steps over the batches in `order`."""
        x, y, weights, biases = self.x, self.y, self.weights, self.biases
        grad_weights, grad_biases = self.grad_weights, self.grad_biases
        last = self.n_layers - 1
        matmul, maximum, multiply = np.matmul, np.maximum, np.multiply
        add_reduce = np.add.reduce
        for indices in order:
            rows = len(indices)
            buffers = self.buffers.get(rows) or self._rows(rows)
            xb, yb, zs, gs, scratch = buffers
            x.take(indices, 0, xb, "clip")
            y.take(indices, 0, yb, "clip")
            # forward: relu hidden layers, in place
            a = xb
            for i in range(last):
                z = zs[i]
                matmul(a, weights[i], out=z)
                z += biases[i]
                maximum(z, 0.0, out=z)
                a = z
            out = zs[last]
            matmul(a, weights[last], out=out)
            out += biases[last]
            if self.sigmoid:  # exp(min(z, 0)) / (1 + exp(-|z|)): exp never overflows
                np.abs(out, out=scratch)
                np.negative(scratch, out=scratch)
                np.exp(scratch, out=scratch)
                scratch += 1.0
                np.minimum(out, 0.0, out=out)
                np.exp(out, out=out)
                out /= scratch
            else:
                out -= out.max(axis=1, keepdims=True)
                np.exp(out, out=out)
                out /= out.sum(axis=1, keepdims=True)
            # fused cross-entropy gradient: (p - y) / n (and / units for binary cross-entropy)
            g = gs[last]
            np.subtract(out, yb, out=g)
            g /= out.size if self.sigmoid else rows
            for i in range(last, 0, -1):
                a_in = zs[i - 1]
                matmul(a_in.T, g, out=grad_weights[i])
                add_reduce(g, axis=0, out=grad_biases[i])
                previous = gs[i - 1]
                matmul(g, weights[i].T, out=previous)
                multiply(previous, a_in > 0, out=previous)
                g = previous
            matmul(xb.T, g, out=grad_weights[0])
            add_reduce(g, axis=0, out=grad_biases[0])
            if self.adam:
                self._adam()
            else:
                self.grads *= self.lr
                self.params -= self.grads

    def _adam(self) -> None:
        step = DTYPE(self.iterations + 1)
        beta_1_power = np.power(DTYPE(np.float32(self.beta_1)), step)
        beta_2_power = np.power(DTYPE(np.float32(self.beta_2)), step)
        alpha = self.lr * np.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        one_minus_beta_1, one_minus_beta_2 = DTYPE(1 - self.beta_1), DTYPE(1 - self.beta_2)
        epsilon = DTYPE(self.epsilon)
        # The dozen passes run over cache-sized pieces, as numpy_nn's optimisers do.
        piece = PIECE_BYTES // self.params.itemsize
        for start in range(0, self.params.size, piece):
            part = slice(start, start + piece)
            params, grads, scratch = self.params[part], self.grads[part], self.scratch[part]
            m, v = self.m[part], self.v[part]
            np.subtract(grads, m, out=scratch)
            scratch *= one_minus_beta_1
            m += scratch
            np.square(grads, out=scratch)
            scratch -= v
            scratch *= one_minus_beta_2
            v += scratch
            np.sqrt(v, out=grads)
            grads += epsilon
            np.multiply(m, alpha, out=scratch)
            scratch /= grads
            params -= scratch
        self.iterations += 1

    def matmul_epoch(self, order: list[np.ndarray]) -> None:
        """Only the matrix products of one epoch's steps, on the floor's own buffers."""
        weights, grad_weights, last = self.weights, self.grad_weights, self.n_layers - 1
        matmul = np.matmul
        for indices in order:
            rows = len(indices)
            xb, _, zs, gs, _ = self.buffers.get(rows) or self._rows(rows)
            a = xb
            for w, z in zip(weights, zs, strict=True):
                matmul(a, w, out=z)
                a = z
            for i in range(last, 0, -1):
                matmul(zs[i - 1].T, gs[i], out=grad_weights[i])
                matmul(gs[i], weights[i].T, out=gs[i - 1])
            matmul(xb.T, gs[0], out=grad_weights[0])
