"""Fair-mode replay: exactly the given batches, read one epoch at a time, gathered lazily.

The `batches` Sequence holds one list of index arrays per epoch and may compute them on demand, so
each epoch is read once, in order, when training reaches it; nothing stacks all epochs' data (for
Fashion-MNIST that would be gigabytes). Keras cuts a stream with one batch size, so every epoch
must be cut like the first: equal batches, then at most one smaller last batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .backend import keras, tf


class EpochOrders:
    """Reads `batches` one epoch at a time, in order, each epoch once, checking every cut."""

    def __init__(self, batches: Sequence[Sequence[Any]], epochs: int, n_samples: int):
        if len(batches) != epochs:
            raise ValueError(f"batches has {len(batches)} epochs' orders but epochs is {epochs}")
        self._batches = batches
        self._n_samples = n_samples
        self.epochs_read = 0
        # An error met while the framework reads ahead, re-raised by fit as itself.
        self.error: ValueError | None = None
        first = self._read()
        self.sizes = first[1]
        self._pending: np.ndarray | None = first[0]

    @property
    def batch_size(self) -> int:
        """The size of every batch but the last."""
        return self.sizes[0]

    @property
    def steps(self) -> int:
        """Batches per epoch."""
        return len(self.sizes)

    def _read(self) -> tuple[np.ndarray, list[int]]:
        epoch = self.epochs_read + 1
        order = self._batches[self.epochs_read]
        self.epochs_read = epoch
        arrays = [np.asarray(indices) for indices in order]
        if not arrays or any(a.ndim != 1 or a.size == 0 for a in arrays):
            raise ValueError(f"epoch {epoch}: each batch must be a non-empty 1-D index array")
        if any(not np.issubdtype(a.dtype, np.integer) for a in arrays):
            kinds = sorted({str(a.dtype) for a in arrays})
            raise ValueError(f"epoch {epoch}: batch indices must be integers, got dtype {kinds}")
        flat = np.concatenate(arrays).astype(np.int64)
        if flat.min() < 0 or flat.max() >= self._n_samples:
            bad = flat[(flat < 0) | (flat >= self._n_samples)][0]
            raise ValueError(
                f"epoch {epoch}: batch index {bad} out of range 0..{self._n_samples - 1}"
            )
        sizes = [a.size for a in arrays]
        expected = getattr(self, "sizes", None) or sizes
        first = expected[0]
        if sizes != expected or any(s != first for s in sizes[:-1]) or sizes[-1] > first:
            raise ValueError(
                f"epoch {epoch}: Keras needs every epoch cut into equal batches of {first} "
                f"with at most one smaller last batch, like epoch 1; got sizes {sizes}"
            )
        return flat, sizes

    def next_epoch(self) -> np.ndarray:
        """The next epoch's sample indices, batch after batch, as one int64 array."""
        if self._pending is not None:
            flat, self._pending = self._pending, None
            return flat
        try:
            return self._read()[0]
        except ValueError as err:
            self.error = err
            raise


def tf_dataset(x: np.ndarray, y: np.ndarray, orders: EpochOrders, epochs: int) -> Any:
    """A tf.data pipeline of `epochs` epochs' batches, each epoch's order read when reached.

    With epochs=1 every new iteration replays the next epoch (Keras starts a new iterator per
    epoch over a dataset of known length); with more, one iterator streams them all, which saves
    TensorFlow's costly per-epoch iterator start. Batches are gathered by TensorFlow, one batch at a
    time, from the data held once.
    """
    batch_size, steps = orders.batch_size, orders.steps
    full_steps, remainder = divmod(sum(orders.sizes), batch_size)
    x_all, y_all = tf.constant(x), tf.constant(y)

    def epoch_orders():
        for _ in range(epochs):
            yield orders.next_epoch()

    def cut(order):
        batches = tf.data.Dataset.from_tensor_slices(
            tf.reshape(order[: full_steps * batch_size], (full_steps, batch_size))
        )
        if remainder:
            batches = batches.concatenate(
                tf.data.Dataset.from_tensors(order[full_steps * batch_size :])
            )
        return batches

    def gather(indices):
        return tf.gather(x_all, indices), tf.gather(y_all, indices)

    return (
        tf.data.Dataset.from_generator(
            epoch_orders, output_signature=tf.TensorSpec((None,), tf.int64)
        )
        .flat_map(cut)
        .map(gather)
        .apply(tf.data.experimental.assert_cardinality(epochs * steps))
        .prefetch(tf.data.AUTOTUNE)
    )


class EpochSequence(keras.utils.PyDataset):
    """The replay for backends without tf.data (JAX): one epoch gathered when it starts.

    Keras asks for batch 0 again at every epoch; a new epoch is read only once the previous one
    was served to the end, so a look-ahead at batch 0 does not skip an epoch.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, orders: EpochOrders):
        super().__init__()
        self._x, self._y, self._orders = x, y, orders
        self._bounds = np.concatenate([[0], np.cumsum(orders.sizes)])
        self._epoch: tuple[np.ndarray, np.ndarray] | None = None
        self._served_to_end = True

    def __len__(self) -> int:
        return self._orders.steps

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if index == 0 and self._served_to_end:
            flat = self._orders.next_epoch()
            self._epoch = (self._x[flat], self._y[flat])
        assert self._epoch is not None
        self._served_to_end = index == len(self) - 1
        start, stop = self._bounds[index], self._bounds[index + 1]
        return self._epoch[0][start:stop], self._epoch[1][start:stop]
