"""The doctor's small problems, optimisers and tolerances: everything it holds a network to.

Each problem is small enough to check every parameter by finite differences in a second, in
float64, from weights drawn once per problem: the fair start's Glorot weights and, unlike the
fair start, non-zero biases (zero biases would hide a forgotten or misplaced bias).
Hyper-parameters are exact in float32: Keras rounds momentum and Adam's betas to float32 even in
a float64 model (numpy_nn/rounding.py), and a user's 0.9 would then differ from Keras's
0.8999999761581421 by a rounding that is no bug.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.run.fair_start import BatchSchedule, initial_weights

from ..datasets import load_dataset
from ..errors import HarnessError

DTYPE = "float64"
SEED = 0
# max |yours - Keras| / max(1, max |Keras|) per layer output: float64 rounding is ~1e-16.
FORWARD_TOLERANCE = 1e-9
# max |yours - reference| / max |reference| per parameter array. A gradient read back from an
# SGD step (W - W') carries W's rounding (~1e-16 |W|), central differences ~1e-10.
GRADIENT_TOLERANCE = 1e-6
FINITE_DIFFERENCE_STEP = 1e-6
# max |yours - Keras| / max(1, max |Keras|) over the weights, after each training step.
TRAINING_TOLERANCE = 1e-9
DEFAULT_STEPS = 300


@dataclass(frozen=True)
class Problem:
    """A dataset, a layer spec and its loss."""

    name: str
    dataset: str
    dataset_params: dict[str, Any]
    hidden: tuple[tuple[int, str], ...]  # (units, activation) per hidden layer
    output: tuple[int, str]
    loss: str

    def layers(self, n_features: int) -> list[dict[str, Any]]:
        """The plain-data layer spec."""
        widths = [n_features, *(units for units, _ in self.hidden), self.output[0]]
        names = [activation for _, activation in self.hidden] + [self.output[1]]
        return [
            {"input_dim": widths[i], "output_dim": widths[i + 1], "activation": names[i]}
            for i in range(len(names))
        ]


PROBLEMS = {
    problem.name: problem
    for problem in (
        Problem(
            "moons",
            "moons",
            {"n_samples": 72},
            ((6, "relu"), (4, "sigmoid")),
            (1, "sigmoid"),
            "binary_crossentropy",
        ),
        Problem(
            "blobs",
            "blobs",
            {"n_samples": 72, "centers": 3},
            ((5, "tanh"),),
            (3, "softmax"),
            "categorical_crossentropy",
        ),
        Problem(
            "circles",
            "circles",
            {"n_samples": 72},
            ((5, "tanh"),),
            (1, "linear"),
            "mean_squared_error",
        ),
    )
}
OPTIMIZERS: dict[str, dict[str, Any]] = {
    "sgd": {"name": "sgd", "learning_rate": 0.5},
    "momentum": {"name": "sgd", "learning_rate": 0.125, "momentum": 0.875},
    "adam": {
        "name": "adam",
        "learning_rate": 0.0078125,
        "beta_1": 0.875,
        "beta_2": 0.9990234375,
        "epsilon": 2.0**-20,
    },
}
DEFAULT_OPTIMIZERS = ("sgd", "momentum")
TRAINING_BATCH = 16


@dataclass(frozen=True)
class Instance:
    """A problem made concrete: its data, spec and start weights."""

    problem: Problem
    x: np.ndarray
    y: np.ndarray  # labels (integers)
    layers: list[dict[str, Any]]
    weights: list[tuple[np.ndarray, np.ndarray]]

    @property
    def name(self) -> str:
        """The problem's name."""
        return self.problem.name

    def sizes(self) -> str:
        """The layer sizes and activations: 2-6-4-1 (relu, sigmoid, sigmoid)."""
        widths = [self.layers[0]["input_dim"]] + [layer["output_dim"] for layer in self.layers]
        names = ", ".join(layer["activation"] for layer in self.layers)
        return f"{'-'.join(map(str, widths))} ({names})"

    def describe(self) -> str:
        """One line: sizes, activations, loss, samples."""
        return f"{self.sizes()}, {self.problem.loss}, {len(self.x)} samples"

    def targets(self) -> np.ndarray:
        """y as the loss sees it: a column for one output, one-hot rows for several."""
        outputs = self.layers[-1]["output_dim"]
        if outputs == 1:
            return self.y[:, None].astype(np.float64)
        return np.eye(outputs)[self.y]

    def steps(self, count: int) -> list[list[np.ndarray]]:
        """`count` training steps of TRAINING_BATCH samples, one step per 'epoch', so that a
        callback sees the weights after every step."""
        full = len(self.x) // TRAINING_BATCH  # Keras cuts every epoch alike: full batches only
        schedule = BatchSchedule(len(self.x), -(-count // full), TRAINING_BATCH, SEED)
        flat = [batch for epoch in range(len(schedule)) for batch in schedule[epoch][:full]]
        return [[batch] for batch in flat[:count]]


def instance(problem: Problem, n_samples: int | None = None) -> Instance:
    """The problem's training data (`n_samples` drawn, if given) and start weights, from SEED."""
    params = dict(problem.dataset_params)
    if n_samples is not None:
        params["n_samples"] = n_samples
    data = load_dataset(problem.dataset, SEED, cache_dir=None, **params)
    layers = problem.layers(data.n_features)
    weights = initial_weights(layers, SEED)
    rng = np.random.default_rng(SEED)
    weights = [(w, rng.normal(0.0, 0.1, size=b.shape)) for w, b in weights]
    return Instance(problem, np.array(data.x_train), np.array(data.y_train), layers, weights)


def describe_optimizer(optimizer: dict[str, Any]) -> str:
    """sgd (learning_rate 0.125, momentum 0.875)."""
    options = ", ".join(f"{key} {value:g}" for key, value in optimizer.items() if key != "name")
    return f"{optimizer['name']} ({options})"


def choose(names: str | None, table: dict[str, Any], default: tuple[str, ...], flag: str) -> list:
    """A comma-separated choice from a table, or a HarnessError naming the valid ones."""
    if names is None:
        return list(default)
    chosen = [name.strip() for name in names.split(",") if name.strip()]
    bad = [name for name in chosen if name not in table]
    if bad or not chosen:
        raise HarnessError(f"{flag} {names!r}: choose from {', '.join(table)}")
    return list(dict.fromkeys(chosen))
