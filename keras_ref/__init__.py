"""Goliath: the plain-data model spec as a Keras 3 model (importing this loads TensorFlow)."""

from .backend import DTYPES, keras, versions
from .network import History, KerasNetwork

__all__ = ["DTYPES", "History", "KerasNetwork", "keras", "versions"]
