"""Quiet, deterministic access to Keras: import it through here, never directly."""

from __future__ import annotations

import logging
import os
import warnings

# TensorFlow reads these at import: silence its C++ logging and oneDNN notices before it loads.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

warnings.filterwarnings("ignore", module="keras")
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.get_logger().setLevel(logging.ERROR)
tf.autograph.set_verbosity(0)
# Identical results run to run: deterministic kernels, no op reordering.
tf.config.experimental.enable_op_determinism()

DTYPES = ("float32", "float64")


def start_fresh(dtype: str, seed: int) -> None:
    """Drop earlier models' graphs, set the float type and seed Keras's global generators."""
    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPES)}")
    keras.backend.clear_session()
    # floatx decides the dtype of layers and of the optimiser's learning-rate variable: a float32
    # learning rate cast to float64 would alone make the two fighters drift apart by ~1e-9.
    keras.config.set_floatx(dtype)
    keras.utils.set_random_seed(seed)


def versions() -> dict[str, str]:
    """Versions of the Keras stack, for results files."""
    return {"keras": keras.__version__, "tensorflow": tf.__version__}


__all__ = ["DTYPES", "keras", "start_fresh", "tf", "versions"]
