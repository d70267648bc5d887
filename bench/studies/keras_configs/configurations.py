"""The Keras configurations: each a process environment, a network class and its options."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Read once, when the framework is imported: a worker is started with them, never set inside it.
PROCESS_VARIABLES = ("KERAS_BACKEND", "TF_ENABLE_ONEDNN_OPTS", "KERAS_REF_DETERMINISTIC")
ONEDNN_OFF = {"TF_ENABLE_ONEDNN_OPTS": "0"}
DETERMINISTIC = {"KERAS_REF_DETERMINISTIC": "1"}


@dataclass(frozen=True)
class Configuration:
    """One way to run Goliath: process environment, network class and its options."""

    name: str
    description: str
    environment: dict[str, str] = field(default_factory=dict)
    network: str = "KerasNetwork"  # or CompiledLoopNetwork
    options: dict[str, Any] = field(default_factory=dict)
    native: bool = False  # Keras's own shuffling and batching instead of the fair replay


CONFIGURATIONS = [
    Configuration("fit", "model.fit on the replay, TF as shipped (oneDNN on)"),
    Configuration("fit-native", "plain model.fit(x, y, batch_size), TF as shipped", native=True),
    Configuration("fit-onednn-off", "model.fit, oneDNN off", ONEDNN_OFF),
    Configuration("fit-det", "model.fit, op determinism on", DETERMINISTIC),
    Configuration(
        "fit-onednn-off-det",
        "model.fit, oneDNN off + determinism (the parity Goliath)",
        {**ONEDNN_OFF, **DETERMINISTIC},
    ),
    Configuration("xla", "jit_compile=True", options={"jit_compile": True}),
    Configuration("spe-29", "steps_per_execution=29", options={"steps_per_execution": 29}),
    Configuration(
        "spe-epoch", "steps_per_execution=whole epoch", options={"steps_per_execution": "epoch"}
    ),
    Configuration(
        "xla-spe-29",
        "jit_compile=True + steps_per_execution=29",
        options={"jit_compile": True, "steps_per_execution": 29},
    ),
    Configuration(
        "xla-spe-epoch",
        "jit_compile=True + steps_per_execution=epoch",
        options={"jit_compile": True, "steps_per_execution": "epoch"},
    ),
    Configuration(
        "xla-spe-epoch-onednn-off",
        "jit_compile=True + spe=epoch, oneDNN off",
        ONEDNN_OFF,
        options={"jit_compile": True, "steps_per_execution": "epoch"},
    ),
    Configuration(
        # Not XLA: Keras turns jit_compile off under op determinism (KerasNetwork refuses it).
        "spe-epoch-det",
        "steps_per_execution=epoch, determinism on",
        DETERMINISTIC,
        options={"steps_per_execution": "epoch"},
    ),
    Configuration(
        "tf-loop", "one tf.function(jit_compile=True) per epoch", network="CompiledLoopNetwork"
    ),
    Configuration(
        "tf-loop-det", "tf-loop, determinism on", DETERMINISTIC, network="CompiledLoopNetwork"
    ),
    Configuration("jax", "Keras on JAX, compile() defaults (XLA)", {"KERAS_BACKEND": "jax"}),
    Configuration(
        "jax-spe-epoch",
        "Keras on JAX, steps_per_execution=epoch",
        {"KERAS_BACKEND": "jax"},
        options={"steps_per_execution": "epoch"},
    ),
]
