"""An adapter: numpy_nn.Network's interface around a network written the moons article's way.

The article writes a network as functions over a dict of parameters, `W1`, `b1`, `W2`, ... with W
stored (output_dim, input_dim), b as an (output_dim, 1) column and the samples in columns. The
harness speaks (W, b) pairs with W (input_dim, output_dim), samples in rows. `ArticleNetwork`
does the plumbing (the spec, the fair start, the batches, the epochs, the callback, the timing)
and translates the layouts; a subclass writes the maths, in its own layout:

    forward(params, x) -> output        x: (features, samples); output: (output_dim, samples)
    backward(params, x, y) -> grads     y: (output_dim, samples); {"dW1": ..., "db1": ..., ...}
    update(params, grads) -> None       one optimiser step in place; self.optimizer is the spec,
                                        self.state is the subclass's (emptied by set_weights)

Another layout (W stored (input_dim, output_dim), keys `w0`, biases as rows...) overrides
`to_own` and `to_shared`, the two translations. What the network cannot do is refused by
`supports` (activations, losses, optimiser options) with Unsupported, which runs record as
"not supported" and the doctor as skipped.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from numpy_nn import History

from .base import EpochCallback, Unsupported


class ArticleNetwork:
    """Base class: the harness's model interface over parameters kept in the article's layout."""

    # What the subclass's maths covers; anything else is refused with Unsupported.
    activations: tuple[str, ...] = ("relu", "sigmoid")
    losses: tuple[str, ...] = ("binary_crossentropy",)
    optimizers: dict[str, tuple[str, ...]] = {"sgd": ("learning_rate",)}

    def __init__(
        self,
        layers: Sequence[dict[str, Any]],
        loss: str | None = None,
        optimizer: str | dict[str, Any] = "sgd",
        l2: float = 0.0,
        dtype: str = "float32",
        seed: int = 0,
    ):
        self.layers = [dict(layer) for layer in layers]  # the article's nn_architecture
        self.loss = loss or self.losses[0]
        self.optimizer = {"name": optimizer} if isinstance(optimizer, str) else dict(optimizer)
        self.dtype = np.dtype(dtype)
        self.supports(self.layers, self.loss, self.optimizer, l2)
        self.state: dict[str, Any] = {}
        rng = np.random.default_rng(seed)
        self.params = self.to_own(
            [
                (
                    rng.normal(size=(layer["input_dim"], layer["output_dim"])) * 0.1,
                    rng.normal(size=layer["output_dim"]) * 0.1,
                )
                for layer in self.layers
            ]
        )

    def supports(
        self, layers: list[dict[str, Any]], loss: str, optimizer: dict[str, Any], l2: float
    ) -> None:
        """Raise Unsupported for what the subclass's maths does not cover."""
        for index, layer in enumerate(layers):
            if layer["activation"] not in self.activations:
                raise Unsupported(f"layer {index}: activation {layer['activation']!r}")
            if layer.get("l2") or layer.get("negative_slope") is not None:
                raise Unsupported(f"layer {index}: l2 or negative_slope")
        if loss not in self.losses:
            raise Unsupported(f"loss {loss!r}")
        if l2:
            raise Unsupported(f"l2 = {l2}")
        name = optimizer.get("name")
        if name not in self.optimizers:
            raise Unsupported(f"optimizer {name!r}")
        extra = sorted(key for key, value in optimizer.items() if key not in ("name",))
        unknown = [key for key in extra if key not in self.optimizers[name]]
        if unknown:
            raise Unsupported(f"optimizer {name!r} option(s) {', '.join(unknown)}")

    # ----------------------------------------------------------------- the maths (subclass)

    def forward(self, params: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
        """Output activations (output_dim, samples) for inputs x (features, samples)."""
        raise NotImplementedError

    def backward(
        self, params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray
    ) -> dict[str, np.ndarray]:
        """The mean loss's gradients over the batch, {"dW1": ..., "db1": ...}, own layout."""
        raise NotImplementedError

    def update(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """One optimiser step on params, in place."""
        raise NotImplementedError

    # ----------------------------------------------------------------- the layouts

    def to_own(self, weights: Sequence[tuple[Any, Any]]) -> dict[str, np.ndarray]:
        """(W (input_dim, output_dim), b) pairs -> {"W1": W.T, "b1": b as a column, ...}."""
        params = {}
        for number, (w, b) in enumerate(weights, start=1):
            params[f"W{number}"] = np.array(np.asarray(w).T, dtype=self.dtype)
            params[f"b{number}"] = np.array(b, dtype=self.dtype).reshape(-1, 1)
        return params

    def to_shared(self, params: dict[str, np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """The inverse of to_own: {"W1", "b1", ...} -> (W (input_dim, output_dim), b) pairs."""
        return [
            (params[f"W{number}"].T.copy(), params[f"b{number}"][:, 0].copy())
            for number in range(1, len(self.layers) + 1)
        ]

    # ----------------------------------------------------------------- the interface

    def set_weights(self, weights: Sequence[tuple[Any, Any]]) -> None:
        """Load (W, b) pairs in the shared layout; the optimiser starts afresh."""
        if len(weights) != len(self.layers):
            raise ValueError(f"expected {len(self.layers)} (W, b) pairs, got {len(weights)}")
        self.params = self.to_own(weights)
        self.state = {}

    def get_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Copies of every layer's (W, b) in the shared layout."""
        return self.to_shared(self.params)

    def gradients(self, x: Any, y: Any) -> list[tuple[np.ndarray, np.ndarray]]:
        """backward's gradients on (x, y), translated to the shared layout (for the doctor)."""
        x, targets = self._arrays(x, y)
        grads = self.backward(self.params, x.T, targets.T)
        return self.to_shared({key[1:]: value for key, value in grads.items()})

    def predict_proba(self, x: Any) -> np.ndarray:
        """Output activations, (samples, output_dim)."""
        x = np.asarray(x, dtype=self.dtype)
        return np.asarray(self.forward(self.params, x.T)).T

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
        rng: np.random.Generator | None = None,
    ) -> History:
        """Train on `batches` (one list of index arrays per epoch) when given, else on shuffled
        batches of batch_size (None: the whole set at once)."""
        x, targets = self._arrays(x, y)
        rng = rng or np.random.default_rng(0)
        history = History()
        n = len(x)
        for epoch in range(1, epochs + 1):
            if batches is not None:
                order = [np.asarray(indices) for indices in batches[epoch - 1]]
            elif batch_size is None or batch_size >= n:
                order = [np.arange(n)]
            else:
                perm = rng.permutation(n)
                order = [perm[i : i + batch_size] for i in range(0, n, batch_size)]
            started = time.perf_counter()
            for indices in order:
                # The article's layout: samples in columns.
                grads = self.backward(self.params, x[indices].T, targets[indices].T)
                self.update(self.params, grads)
            seconds = time.perf_counter() - started
            history.epoch_seconds.append(seconds)
            logs = {"epoch_seconds": seconds}
            if evaluate:
                logs["loss"] = self._loss(x, targets)
                history.loss.append(logs["loss"])
            if callback is not None and callback(epoch, logs):
                break
        return history

    def _arrays(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """x in the network's dtype, y as (samples, output_dim) targets: labels become one-hot
        rows for several outputs, a column for one."""
        x = np.asarray(x, dtype=self.dtype)
        y = np.asarray(y)
        outputs = self.layers[-1]["output_dim"]
        if y.ndim == 1 and outputs > 1:
            y = np.eye(outputs)[y.astype(np.int64)]
        return x, np.asarray(y, dtype=self.dtype).reshape(len(x), outputs)

    def _loss(self, x: np.ndarray, targets: np.ndarray) -> float:
        p = self.predict_proba(x)
        if self.loss == "binary_crossentropy":
            return float(-np.mean(targets * np.log(p) + (1 - targets) * np.log(1 - p)))
        if self.loss == "categorical_crossentropy":
            return float(-np.mean(np.sum(targets * np.log(p), axis=1)))
        return float(np.mean(np.square(p - targets)))
