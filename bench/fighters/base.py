"""What every fighter's model offers the harness: numpy_nn.Network's interface.

A fighter is built from the plain-data spec (the layer dicts of numpy_nn, a loss name, an
optimiser dict, a global l2, a dtype and a seed), takes the shared start weights, trains on the
batches it is given (fair mode) or its own way (native mode), and predicts probabilities. The
harness computes every metric itself from `predict_proba`, the same code for every fighter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

# Called after every epoch with the 1-based epoch and its logs; logs always hold "epoch_seconds"
# (the epoch's training updates only). Returning True stops training (e.g. a diverged loss).
EpochCallback = Callable[[int, dict[str, float]], bool | None]


class Unsupported(Exception):
    """A spec option this fighter cannot express: recorded as 'not supported by <fighter>: ...'."""


class Model(Protocol):
    """The interface of numpy_nn.Network that every fighter's model implements."""

    def __init__(
        self,
        layers: Sequence[dict[str, Any]],
        loss: str | None = None,
        optimizer: str | dict[str, Any] = "sgd",
        l2: float = 0.0,
        dtype: str = "float32",
        seed: int = 0,
    ) -> None: ...

    def set_weights(self, weights: Sequence[tuple[Any, Any]]) -> None:
        """Load (W, b) pairs, W shaped (input_dim, output_dim)."""

    def get_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Copies of every layer's (W, b)."""

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
    ) -> Any:
        """Train; `batches` (one list of index arrays per epoch, read once per epoch in order)
        overrides `batch_size`. With evaluate=False no per-epoch loss is computed by the model.
        Returns a history whose `epoch_seconds` lists each epoch's training time."""

    def predict_proba(self, x: Any) -> np.ndarray:
        """Output-layer activations, shape (samples, output_dim)."""
