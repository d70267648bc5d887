"""A resolved case: dataset x model x training x seeds x fighters, every default filled in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from numpy_nn import default_loss_for


@dataclass(frozen=True)
class FighterSettings:
    """How one fighter trains in a case (identical for every fighter in fair mode)."""

    epochs: int
    batch_size: int | None  # None: full batch
    optimizer: dict[str, Any]
    init: str
    bias_init: str

    def as_dict(self) -> dict[str, Any]:
        """Plain-data form for results files."""
        return {
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "optimizer": dict(self.optimizer),
            "init": self.init,
            "bias_init": self.bias_init,
        }


@dataclass(frozen=True)
class Case:
    """One resolved case of a suite."""

    name: str
    description: str
    dataset: str
    dataset_params: dict[str, Any]
    dataset_seed: int | None
    hidden: list[int]
    activation: list[str]
    output: str | None
    loss: str | None
    l2: float
    mode: str
    dtype: str
    seeds: list[int]
    target_accuracy: float | None
    time_limit: float
    fighters: dict[str, FighterSettings] = field(default_factory=dict)

    def output_activation(self, n_classes: int) -> str:
        """The output layer's activation: explicit, or sigmoid for 2 classes, else softmax."""
        return self.output or ("sigmoid" if n_classes == 2 else "softmax")

    def layers(self, n_features: int, n_classes: int, fighter: str = "david") -> list[dict]:
        """The plain-data layer spec for a dataset of this shape, with the fighter's init."""
        settings = self.fighters[fighter]
        output = self.output_activation(n_classes)
        n_outputs = 1 if output == "sigmoid" and n_classes == 2 else n_classes
        sizes = [n_features, *self.hidden, n_outputs]
        activations = [*self.activation, output]
        return [
            {
                "input_dim": sizes[i],
                "output_dim": sizes[i + 1],
                "activation": activations[i],
                "init": settings.init,
                "bias_init": settings.bias_init,
            }
            for i in range(len(sizes) - 1)
        ]

    def loss_for(self, n_classes: int) -> str:
        """The loss name, explicit or following the output activation."""
        return self.loss or default_loss_for(self.output_activation(n_classes))

    def as_dict(self) -> dict[str, Any]:
        """Plain-data form for results files (without the model, which needs the dataset)."""
        return {
            "name": self.name,
            "description": self.description,
            "dataset": {
                "name": self.dataset,
                "params": dict(self.dataset_params),
                "seed": self.dataset_seed,
            },
            "hidden": list(self.hidden),
            "activation": list(self.activation),
            "output": self.output,
            "loss": self.loss,
            "l2": self.l2,
            "mode": self.mode,
            "dtype": self.dtype,
            "target_accuracy": self.target_accuracy,
            "time_limit": self.time_limit,
            "fighters": {name: s.as_dict() for name, s in self.fighters.items()},
        }
