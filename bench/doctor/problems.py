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

# What the doctor can build a problem of, to exercise whatever the patient accepts: hidden
# activations, and output heads (activation, loss, dataset, units). Squared error is tried on
# three one-hot outputs too, so that a 1/2-sum convention (n_out / 2) shows apart from a lone
# factor 2.
ACTIVATIONS = ("relu", "sigmoid", "tanh", "linear", "softmax")
LOSSES = ("binary_crossentropy", "categorical_crossentropy", "mean_squared_error")
HIDDEN_ACTIVATIONS = ("relu", "sigmoid", "tanh", "linear")
HEADS = (
    ("sigmoid", "binary_crossentropy", "moons", 1),
    ("softmax", "categorical_crossentropy", "blobs", 3),
    ("linear", "mean_squared_error", "circles", 1),
    ("sigmoid", "mean_squared_error", "blobs", 3),
    ("tanh", "mean_squared_error", "circles", 1),
)
SHORT = {
    "binary_crossentropy": "bce",
    "categorical_crossentropy": "cce",
    "mean_squared_error": "mse",
}


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


def instance(problem: Problem, n_samples: int | None = None, biases: bool = True) -> Instance:
    """The problem's training data (`n_samples` drawn, if given) and start weights, from SEED;
    biases held at zero for a network that has none."""
    params = dict(problem.dataset_params)
    if n_samples is not None:
        params["n_samples"] = n_samples
    from ..datasets import load_dataset  # here: scikit-learn takes a second to import

    data = load_dataset(problem.dataset, SEED, cache_dir=None, **params)
    layers = problem.layers(data.n_features)
    weights = initial_weights(layers, SEED)
    rng = np.random.default_rng(SEED)
    weights = [(w, rng.normal(0.0, 0.1, size=b.shape) * biases) for w, b in weights]
    return Instance(problem, np.array(data.x_train), np.array(data.y_train), layers, weights)


def candidates() -> list[Problem]:
    """Every problem the doctor can build from one hidden activation and one output head:
    2-6-4-out, both hidden layers alike (a hidden-to-hidden layer is back-propagated through)."""
    found = []
    for hidden in HIDDEN_ACTIVATIONS:
        for activation, loss, dataset, units in HEADS:
            params = {"n_samples": 72, **({"centers": units} if dataset == "blobs" else {})}
            used = "-".join(dict.fromkeys([hidden, activation]))
            found.append(
                Problem(
                    f"{dataset}-{used}-{SHORT[loss]}",
                    dataset,
                    params,
                    ((6, hidden), (4, hidden)),
                    (units, activation),
                    loss,
                )
            )
    return found


def covering(accepted: list[Problem]) -> list[Problem]:
    """The accepted problems, in order, that exercise an activation or a loss no earlier one
    did: every activation and loss the network takes, by as few problems as this order gives."""
    chosen, seen = [], set()
    for problem in accepted:
        uses = {activation for _, activation in problem.hidden} | {problem.output[1], problem.loss}
        if uses - seen:
            chosen.append(problem)
            seen |= uses
    return chosen


def refused_everything(refusals: dict[str, str]) -> str:
    """What a network that accepted none of the doctor's problems refused: the activations and
    losses its refusals name, or its reasons as given."""
    reasons = sorted(set(refusals.values()))
    named = [
        (kind, [name for name in names if any(f"'{name}'" in why for why in reasons)])
        for kind, names in (("activations", ACTIVATIONS), ("losses", LOSSES))
    ]
    parts = [f"the {kind} {', '.join(names)}" for kind, names in named if names]
    if not parts:
        return f"it refused every problem: {'; '.join(reasons)}"
    return f"it refused {' and '.join(parts)} ({'; '.join(reasons)})"


def stated(layers: str, activations: str, loss: str) -> Problem:
    """The problem a user states: --layers 2-5-1 --activations sigmoid,sigmoid --loss ...;
    moons for 2 inputs and 1 output, blobs (as many centres as outputs) otherwise."""
    try:
        widths = [int(width) for width in layers.split("-")]
    except ValueError:
        widths = []
    if len(widths) < 2 or min(widths) < 1:
        raise HarnessError(f"--layers {layers!r}: give the widths from input to output, e.g. 2-5-1")
    names = [name.strip() for name in activations.split(",")]
    bad = [name for name in names if name not in ACTIVATIONS]
    if bad:
        raise HarnessError(
            f"--activations: unknown activation {bad[0]!r}; choose one of {', '.join(ACTIVATIONS)}"
        )
    if len(names) != len(widths) - 1:
        raise HarnessError(
            f"--activations {activations!r}: {len(names)} activation(s) for the "
            f"{len(widths) - 1} layer(s) of --layers {layers}"
        )
    if loss not in LOSSES:
        raise HarnessError(f"--loss {loss!r}: choose one of {', '.join(LOSSES)}")
    n_in, n_out = widths[0], widths[-1]
    if n_in == 2 and n_out == 1:
        dataset, params = "moons", {"n_samples": 72}
    else:
        params = {"n_samples": 72, "n_features": n_in, "centers": max(n_out, 2)}
        dataset = "blobs"
    if loss == "categorical_crossentropy" and n_out < 2:
        raise HarnessError("--loss categorical_crossentropy needs at least 2 outputs")
    return Problem(
        "stated",
        dataset,
        params,
        tuple(zip(widths[1:-1], names[:-1], strict=True)),
        (n_out, names[-1]),
        loss,
    )


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
