"""Goliath: the plain-data model spec as a Keras 3 model (importing this loads the framework).

Process settings (backend, oneDNN, op determinism) are read from the environment at import; see
`keras_ref.backend` and `settings()`.
"""

from .backend import BACKEND, DTYPES, keras, settings, versions
from .compiled import CompiledLoopNetwork
from .history import KerasHistory
from .network import KerasNetwork

__all__ = [
    "BACKEND",
    "DTYPES",
    "CompiledLoopNetwork",
    "KerasHistory",
    "KerasNetwork",
    "keras",
    "settings",
    "versions",
]
