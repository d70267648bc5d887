"""The tf-loop fighter: a Keras model's variables trained by one XLA-compiled call per epoch.

This is the training loop speed-minded TensorFlow users write by hand: the same Keras model, loss
(`model.compute_loss`, L2 penalties included) and optimizer as `model.fit` uses, but one
`tf.function(jit_compile=True)` gathers the epoch's batches and runs every step, so Python and
Keras's per-step machinery drop out. XLA needs static shapes, so full batches run in a loop and a
smaller last batch, when there is one, runs once more after it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .backend import BACKEND, tf
from .history import EpochRecorder
from .network import KerasNetwork
from .replay import EpochOrders


class CompiledLoopNetwork(KerasNetwork):
    """KerasNetwork's model and methods, trained by one compiled `tf.function` per epoch.

    `jit_compile=False` keeps the single graph per epoch but leaves XLA out (for comparison).
    Native mode (no `batches`) shuffles in the graph with a stateless generator seeded by `seed`
    and the epoch, so it is seeded like everything else.
    """

    def __init__(
        self,
        layers: Any,
        loss: str | None = None,
        optimizer: str | dict[str, Any] = "sgd",
        l2: float = 0.0,
        dtype: str = "float32",
        seed: int = 0,
        jit_compile: bool = True,
    ):
        if tf is None:
            raise ValueError(
                f"CompiledLoopNetwork is a TensorFlow loop; KERAS_BACKEND is {BACKEND!r}, "
                "choose 'tensorflow'"
            )
        if jit_compile is not True and jit_compile is not False:
            raise ValueError(f"jit_compile={jit_compile!r}; choose one of False, True")
        super().__init__(layers, loss, optimizer, l2, dtype, seed)
        self.loop_jit_compile = jit_compile
        self._epoch_functions: dict[tuple[int, int, bool], Callable[..., Any]] = {}

    @property
    def options(self) -> dict[str, Any]:
        """How this model trains: one compiled call per epoch, with or without XLA."""
        return {
            "backend": BACKEND,
            "jit_compile": self.loop_jit_compile,
            "steps_per_execution": "epoch",
            "loop": "tf.function per epoch",
        }

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
        if orders is not None:
            batch_size, used = orders.batch_size, sum(orders.sizes)
        else:
            batch_size, used = min(batch_size or n, n), n
        shuffle = orders is None and batch_size < n
        run_epoch = self._epoch_function(used, batch_size, shuffle)
        x_all, y_all = tf.constant(x), tf.constant(y)
        for epoch in range(1, epochs + 1):
            started = time.perf_counter()
            if orders is not None:
                source = tf.constant(orders.next_epoch())
            elif shuffle:
                source = tf.constant([self.seed, epoch], dtype=tf.int64)
            else:
                source = tf.range(n, dtype=tf.int64)
            # Reading the result waits for the whole epoch to finish.
            running_loss = float(run_epoch(x_all, y_all, source))
            seconds = time.perf_counter() - started
            if recorder.end_epoch(epoch, seconds, running_loss):
                break

    def _epoch_function(self, used: int, batch_size: int, shuffle: bool) -> Callable[..., Any]:
        """One traced function per epoch shape: `used` samples cut into `batch_size` batches."""
        key = (used, batch_size, shuffle)
        if key not in self._epoch_functions:
            self._epoch_functions[key] = self._make_epoch_function(used, batch_size, shuffle)
        return self._epoch_functions[key]

    def _make_epoch_function(self, used: int, batch_size: int, shuffle: bool):
        model, optimizer = self.model, self.model.optimizer
        variables = model.trainable_variables
        optimizer.build(variables)  # its slots must exist before tracing
        full_steps, remainder = divmod(used, batch_size)
        steps = full_steps + (1 if remainder else 0)
        dtype = self.dtype.name

        def step(x_batch, y_batch):
            # The body of Keras's own train_step, without its metric bookkeeping.
            with tf.GradientTape() as tape:
                y_pred = model(x_batch, training=True)
                loss = model.compute_loss(x=x_batch, y=y_batch, y_pred=y_pred, training=True)
                scaled = optimizer.scale_loss(loss)
            gradients = tape.gradient(scaled, variables)
            optimizer.apply_gradients(zip(gradients, variables, strict=True))
            return loss

        def run(x_all, y_all, source):
            # `source` is the epoch's order, or in native mode the shuffle's seed.
            if shuffle:
                order = tf.argsort(tf.random.stateless_uniform((used,), seed=source))
            else:
                order = source
            full = tf.reshape(order[: full_steps * batch_size], (full_steps, batch_size))
            total = tf.zeros((), dtype)
            for index in tf.range(full_steps):
                indices = full[index]
                total += step(tf.gather(x_all, indices), tf.gather(y_all, indices))
            if remainder:
                indices = order[full_steps * batch_size :]
                total += step(tf.gather(x_all, indices), tf.gather(y_all, indices))
            return total / steps

        return tf.function(run, jit_compile=self.loop_jit_compile)
