"""Preallocated memory for training, so that a training step allocates nothing.

- The parameters (every W and b) live as views into one flat buffer, and their gradients into
  another: the optimiser then updates all parameters with a few whole-buffer operations per step
  instead of a few per array, which is most of the cost for small networks.
- A Workspace holds every array one batch needs (its X and y rows, each layer's outputs and
  gradients), allocated once for the largest batch and reused by every step.
"""

from __future__ import annotations

import numpy as np


def flat_buffers(
    shapes: list[tuple[int, ...]], dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Zeroed flat buffers for parameters and gradients, and each shape's view into each."""
    total = sum(int(np.prod(shape)) for shape in shapes)
    params = np.zeros(total, dtype=dtype)
    grads = np.zeros(total, dtype=dtype)
    param_views, grad_views, start = [], [], 0
    for shape in shapes:
        stop = start + int(np.prod(shape))
        param_views.append(params[start:stop].reshape(shape))
        grad_views.append(grads[start:stop].reshape(shape))
        start = stop
    return params, grads, param_views, grad_views


def l2_terms(
    weights: list[np.ndarray], grad_weights: list[np.ndarray], l2: list[float], dtype: np.dtype
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray, np.generic, np.ndarray]]]:
    """The L2 term of each penalised layer: (W, dL/dW, the factor 2 * l2, scratch like W).

    The scratch lets the step compute 2 * l2 * W without a temporary: each is a view of one
    buffer (returned first) the size of the largest penalised W.
    """
    penalised = [index for index, factor in enumerate(l2) if factor]
    buffer = np.empty(max((weights[index].size for index in penalised), default=0), dtype=dtype)
    terms = [
        (
            weights[index],
            grad_weights[index],
            dtype.type(2.0 * l2[index]),
            buffer[: weights[index].size].reshape(weights[index].shape),
        )
        for index in penalised
    ]
    return buffer, terms


class Workspace:
    """Preallocated arrays for batches of up to `capacity` rows; smaller ones use leading rows.

    Per layer, the outputs (z, then a = f(z) in place) and the gradients (dL/da, then dL/dz in
    place); and, when batches are gathered from the data, the batch's X and y rows. It stays with
    the network after fit, so the next fit reuses it.
    """

    MAX_SIZES = 8  # batch sizes whose views are kept, which bounds the views' memory

    def __init__(self, n_features: int, widths: list[int], dtype: np.dtype):
        self.n_features, self.widths, self.dtype = n_features, widths, dtype
        self.capacity, self.gather = 0, False
        self._free()

    def _free(self) -> None:
        self._x: np.ndarray | None = None
        self._y: np.ndarray | None = None
        self._outputs: list[np.ndarray] = []
        self._grads: list[np.ndarray] = []
        self.views: dict[int, tuple] = {}  # rows -> what arrays(rows) returns

    def reserve(self, rows: int, gather: bool) -> Workspace:
        """Reallocate, larger, if batches of `rows` rows (gathered or not) do not fit; self."""
        if self.capacity < rows or (gather and not self.gather):
            self._free()  # the old buffers go before the new ones come
            self.capacity, self.gather, dtype = rows, gather, self.dtype
            self._x = np.empty((rows, self.n_features), dtype) if gather else None
            self._y = np.empty((rows, self.widths[-1]), dtype) if gather else None
            self._outputs = [np.empty((rows, width), dtype) for width in self.widths]
            self._grads = [np.empty((rows, width), dtype) for width in self.widths]
        return self

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
                transposed_inputs(x_rows, outputs) if self.gather else None,
            )
        return views


def transposed_inputs(x: np.ndarray, outputs: list[np.ndarray]) -> list[np.ndarray]:
    """Every layer's input, transposed: X.T, then each layer's output but the last."""
    return [x.T] + [out.T for out in outputs[:-1]]
