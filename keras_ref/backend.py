"""Keras as this process was configured to run it: import it through here, never directly.

Process settings are inputs, read from the environment once, before the framework loads:

- ``KERAS_BACKEND`` (Keras's own): ``tensorflow`` (default) or ``jax``.
- ``TF_ENABLE_ONEDNN_OPTS`` (TensorFlow's own): unset means TensorFlow's shipped default, which
  depends on the CPU: oneDNN kernels on where it finds AVX512_VNNI, AVX512_BF16 or AMX (recent
  Intel Xeons), off elsewhere (e.g. an AMD EPYC without AVX-512); ``1`` switches them on, ``0``
  off. settings() reports what TensorFlow chose.
- ``KERAS_REF_DETERMINISTIC``: ``1`` turns on TensorFlow's op determinism (deterministic kernels,
  no op reordering); unset or ``0`` leaves TensorFlow as shipped (off).
- ``JAX_ENABLE_X64`` (JAX's own): float64 on the JAX backend needs ``1`` (and a Keras whose JAX
  losses average in float64, which Keras 3.15 does not: float64 on JAX is then refused).
- ``TF_NUM_INTRAOP_THREADS`` / ``TF_NUM_INTEROP_THREADS`` (TensorFlow's own) and ``TF_XLA_FLAGS``
  / ``XLA_FLAGS`` are left to the frameworks and only recorded.

`settings()` reports what is in effect so that every result can say which configuration made it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings
from collections.abc import Iterator
from typing import Any

# Read by TensorFlow's C++ runtime at import: silence its logging and oneDNN notices first.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

BACKENDS = ("tensorflow", "jax")
DETERMINISM_VARIABLE = "KERAS_REF_DETERMINISTIC"
RECORDED_VARIABLES = (
    "KERAS_BACKEND",
    "TF_ENABLE_ONEDNN_OPTS",
    DETERMINISM_VARIABLE,
    "JAX_ENABLE_X64",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "TF_XLA_FLAGS",
    "XLA_FLAGS",
    "OMP_NUM_THREADS",
)
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def _flag(name: str) -> bool:
    """A boolean environment variable, refusing values that are neither on nor off."""
    value = os.environ.get(name, "").strip().lower()
    if value not in _TRUE + _FALSE:
        raise ValueError(f"{name}={value!r}; choose one of 1, 0 (or true, false)")
    return value in _TRUE


BACKEND = os.environ["KERAS_BACKEND"]
if BACKEND not in BACKENDS:
    raise ValueError(f"KERAS_BACKEND={BACKEND!r}; keras_ref supports {', '.join(BACKENDS)}")
DETERMINISTIC = _flag(DETERMINISM_VARIABLE)


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null: TensorFlow's C++ start-up notices (oneDNN on, absl
    not initialised) ignore TF_CPP_MIN_LOG_LEVEL. Python errors are raised after it is back."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


warnings.filterwarnings("ignore", module="keras")
with _quiet_stderr():
    import keras

    if BACKEND == "tensorflow":
        import tensorflow as tf

if BACKEND == "tensorflow":
    tf.get_logger().setLevel(logging.ERROR)
    tf.autograph.set_verbosity(0)
    if DETERMINISTIC:
        tf.config.experimental.enable_op_determinism()
else:
    # The JAX fighter must not load TensorFlow (its threads and memory would skew the fight), yet
    # keras.utils.set_random_seed imports it whenever it is installed, only to seed tf.random,
    # which nothing here uses: tell Keras's lazy loader it is absent.
    from keras.src.utils import module_utils

    module_utils.tensorflow._available = False
    tf = None

DTYPES = ("float32", "float64")


def start_fresh(dtype: str, seed: int) -> None:
    """Drop earlier models' graphs, set the float type and seed Keras's global generators."""
    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPES)}")
    if dtype == "float64" and BACKEND == "jax":
        _check_jax_float64()
    keras.backend.clear_session()
    # floatx decides the dtype of layers and of the optimiser's learning-rate variable: a float32
    # learning rate cast to float64 would alone make the two fighters drift apart by ~1e-9.
    keras.config.set_floatx(dtype)
    keras.utils.set_random_seed(seed)


def _check_jax_float64() -> None:
    """Refuse float64 on JAX where it would be float64 in name only."""
    if not _jax_x64():
        # Without x64 JAX silently computes in float32, which would pass for a float64 result.
        raise ValueError(
            "dtype 'float64' on the JAX backend needs JAX_ENABLE_X64=1 in the environment "
            "before the process starts; choose float32 or set it"
        )
    import numpy as np

    # Keras 3.15's JAX ops.mean, which every Keras loss uses, averages float64 in float32: its
    # losses and gradients then carry float32 rounding (measured against David: ~1e-8, where
    # float64 parity is ~1e-16). Probed rather than version-checked, so a fixed Keras passes.
    value = np.array([1.0 + 2.0**-40])
    if float(keras.ops.mean(value)) != value[0]:
        raise ValueError(
            f"dtype 'float64' on the JAX backend: Keras {keras.__version__} averages float64 "
            "losses in float32 (keras.ops.mean), so training would not be float64; "
            "choose float32 or the tensorflow backend"
        )


def _jax_x64() -> bool:
    import jax

    return bool(jax.config.jax_enable_x64)


def _onednn() -> bool:
    """Whether TensorFlow uses oneDNN kernels, as TensorFlow reports it (its default depends on
    the CPU)."""
    if tf is None:
        return False
    try:
        from tensorflow.python.util import _pywrap_util_port

        return bool(_pywrap_util_port.IsMklEnabled())
    except (ImportError, AttributeError):  # a TensorFlow that moved it: fall back to the variable
        return os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1") not in ("0", "false")


def _deterministic() -> bool | None:
    """Whether TensorFlow's op determinism is on, as TensorFlow itself reports it."""
    if tf is None:
        return None
    try:
        from tensorflow.python.framework import config

        return bool(config.is_op_determinism_enabled())
    except (ImportError, AttributeError):  # a TensorFlow that moved it: what we asked for
        return DETERMINISTIC


def versions() -> dict[str, str]:
    """Versions of the Keras stack in use, for results files."""
    found = {"keras": keras.__version__}
    if tf is not None:
        found["tensorflow"] = tf.__version__
    if BACKEND == "jax":
        import jax

        found["jax"] = jax.__version__
    return found


def threads() -> dict[str, int | None]:
    """The framework's thread pools: intra- and inter-op threads (0 means one per core)."""
    if tf is not None:
        return {
            "intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
            "inter_op": tf.config.threading.get_inter_op_parallelism_threads(),
        }
    return {"intra_op": None, "inter_op": None}


def settings() -> dict[str, Any]:
    """The process settings in effect: backend, oneDNN, determinism, XLA, threads, versions."""
    return {
        "backend": BACKEND,
        "onednn": _onednn(),
        "deterministic": _deterministic(),
        "jax_x64": _jax_x64() if BACKEND == "jax" else None,
        # XLA is chosen per model (KerasNetwork's jit_compile); these flags tune it process-wide.
        "xla_flags": {
            name: os.environ[name] for name in ("TF_XLA_FLAGS", "XLA_FLAGS") if name in os.environ
        },
        "threads": threads(),
        "cores": os.cpu_count(),
        "environment": {name: os.environ.get(name) for name in RECORDED_VARIABLES},
        "versions": versions(),
    }


__all__ = [
    "BACKEND",
    "DETERMINISTIC",
    "DTYPES",
    "keras",
    "settings",
    "start_fresh",
    "tf",
    "versions",
]
