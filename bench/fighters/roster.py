"""The roster: every fighter the harness can field, how to build it and the process it needs.

A fighter is a model class with numpy_nn.Network's interface (see base.py), the options its
constructor takes, and the environment its worker process starts with: variables a framework
reads when it is imported (backend, kernels, determinism) must be set before that import, so
every fighter trains in a process of its own.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import HarnessError
from ..wording import FIGHTER_NAMES


@dataclass(frozen=True)
class FighterConfig:
    """One entry of the roster."""

    name: str
    display: str  # how reports name it
    description: str  # what it is, in one line
    model: str  # "module:Class" of its model, built in its worker process
    options: dict[str, Any] = field(default_factory=dict)  # extra constructor arguments
    env: dict[str, str] = field(default_factory=dict)  # its process settings
    requires: tuple[str, ...] = ()  # modules it imports, to say when it cannot run here
    install_hint: str = ""
    dtypes: tuple[str, ...] = ("float32", "float64")  # the float types it can train in
    # Why it cannot compute David's exact function with an optimiser, by optimiser name.
    known_gaps: dict[str, str] = field(default_factory=dict)

    def load_model_class(self) -> type:
        """The model class: `module:Class`, or `path/to/file.py:Class` for a user's own code."""
        where, _, class_name = self.model.rpartition(":")
        if where.endswith(".py"):
            # As `python file.py` would: the file's folder on the path, so it imports its siblings.
            folder = str(Path(where).parent)
            if folder not in sys.path:
                sys.path.insert(0, folder)
            spec = importlib.util.spec_from_file_location(f"fighter_{self.name}", where)
            if spec is None or spec.loader is None:
                raise HarnessError(f"fighter {self.name!r}: cannot load {where}")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        else:
            module = importlib.import_module(where)
        try:
            return getattr(module, class_name)
        except AttributeError:
            raise HarnessError(
                f"fighter {self.name!r}: {where} has no class {class_name!r}"
            ) from None

    @property
    def framework_module(self) -> str | None:
        """The module whose settings() describe the framework, when it is a module."""
        where = self.model.rpartition(":")[0]
        return None if where.endswith(".py") else where

    def unavailable_reason(self) -> str | None:
        """Why this fighter cannot run on this machine, or None when it can."""
        missing = [module for module in self.requires if importlib.util.find_spec(module) is None]
        if not missing:
            return None
        hint = f" ({self.install_hint})" if self.install_hint else ""
        return f"not installed: {', '.join(missing)}{hint}"


_TF = {"KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}

ROSTER: dict[str, FighterConfig] = {
    config.name: config
    for config in (
        FighterConfig(
            "david",
            FIGHTER_NAMES["david"],
            "numpy_nn: the from-scratch NumPy network",
            "numpy_nn:Network",
            requires=("numpy",),
        ),
        FighterConfig(
            "keras",
            FIGHTER_NAMES["keras"],
            "Keras as pip ships it: model.fit, compile() defaults, oneDNN as TensorFlow chooses "
            "for this CPU",
            "keras_ref:KerasNetwork",
            env={**_TF, "KERAS_REF_DETERMINISTIC": "0"},
            requires=("tensorflow", "keras"),
        ),
        FighterConfig(
            "keras-xla",
            FIGHTER_NAMES["keras-xla"],
            "Keras at full strength: XLA-compiled, one call runs a whole epoch of steps, "
            "oneDNN kernels on",
            "keras_ref:KerasNetwork",
            options={"jit_compile": True, "steps_per_execution": "epoch"},
            # Set, not left to TensorFlow: as shipped it turns oneDNN on only on CPUs it favours
            # (AVX512_VNNI, BF16, AMX), so "full strength" would differ from CPU to CPU.
            env={**_TF, "KERAS_REF_DETERMINISTIC": "0", "TF_ENABLE_ONEDNN_OPTS": "1"},
            requires=("tensorflow", "keras"),
        ),
        FighterConfig(
            "keras-deterministic",
            FIGHTER_NAMES["keras-deterministic"],
            "Keras with op determinism on and oneDNN off: the float64 parity proof's Keras",
            "keras_ref:KerasNetwork",
            env={**_TF, "KERAS_REF_DETERMINISTIC": "1", "TF_ENABLE_ONEDNN_OPTS": "0"},
            requires=("tensorflow", "keras"),
        ),
        FighterConfig(
            "tf-loop",
            FIGHTER_NAMES["tf-loop"],
            "the ceiling: a hand-written tf.function(jit_compile=True) that runs a whole epoch",
            "keras_ref:CompiledLoopNetwork",
            env={**_TF, "KERAS_REF_DETERMINISTIC": "0"},
            requires=("tensorflow", "keras"),
        ),
        FighterConfig(
            "sklearn",
            FIGHTER_NAMES["sklearn"],
            "scikit-learn's MLPClassifier / MLPRegressor, one partial_fit per batch when fair",
            "bench.fighters.sklearn_mlp:SklearnNetwork",
            requires=("sklearn",),
            known_gaps={
                "adam": "scikit-learn's Adam bias-corrects with beta as given, Keras and David "
                "with beta rounded to float32: the functions differ unless float32 holds beta"
            },
        ),
        FighterConfig(
            "keras-jax",
            FIGHTER_NAMES["keras-jax"],
            "Keras 3 on the JAX backend, model.fit with compile() defaults",
            "keras_ref:KerasNetwork",
            env={"KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"},
            requires=("jax", "keras"),
            install_hint="pip install -e '.[jax]'",
            # JAX computes in float32 unless x64 is switched on, and even then Keras averages
            # float64 losses in float32: it cannot compute the float64 fight's function.
            dtypes=("float32",),
        ),
    )
}
DEFAULT_FIGHTERS = ("david", "keras", "keras-xla", "tf-loop", "sklearn")


def fighter_config(name: str) -> FighterConfig:
    """The roster entry of a fighter, or a clear error naming the valid choices."""
    if name not in ROSTER:
        raise HarnessError(f"unknown fighter {name!r}; choose one of {', '.join(ROSTER)}")
    return ROSTER[name]


def slowed_david(slowdown: float) -> FighterConfig:
    """Test only (`run --slow-david`, which puts it in the suite's fighters in David's place):
    David, every epoch `slowdown` times as long."""
    return replace(
        ROSTER["david"],
        description=f"TEST ONLY: David made x{slowdown:g} slower (bench/fighters/slowed.py)",
        model="bench.fighters.slowed:SlowedNetwork",
        options={"slowdown": slowdown},
    )
