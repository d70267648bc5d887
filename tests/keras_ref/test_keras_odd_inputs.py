"""Goliath's odd inputs: complex X and epoch counts that are not counts.

numpy_nn's side is in tests/numpy_nn/test_network_inputs.py; these import Keras, so they live
apart.
"""

import re

import numpy as np
import pytest

from keras_ref import CompiledLoopNetwork, KerasNetwork

BINARY = [
    {"input_dim": 2, "output_dim": 3, "activation": "tanh"},
    {"input_dim": 3, "output_dim": 1, "activation": "sigmoid"},
]
X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0]])
Y = [0, 1, 0, 1]
NETWORKS = [KerasNetwork, CompiledLoopNetwork]
_built: dict[type, KerasNetwork] = {}


def built(cls: type) -> KerasNetwork:
    """One network per class, reused: a refused input must not need a fresh model."""
    if cls not in _built:
        _built[cls] = cls(BINARY, seed=0)
    return _built[cls]


@pytest.mark.parametrize("cls", NETWORKS)
def test_complex_x_is_refused_not_truncated(cls):
    """Complex X is refused, not silently truncated to its real part."""
    network = built(cls)
    with pytest.raises(
        ValueError, match=re.escape("X must be numeric (integers or floats), got dtype complex128")
    ):
        network.fit(X + 1j, Y, epochs=1)
    with pytest.raises(ValueError, match=re.escape("got dtype complex128")):
        network.predict_proba(X + 1j)


@pytest.mark.parametrize("cls", NETWORKS)
@pytest.mark.parametrize("epochs", [True, False, 2.0, "2"])
def test_epochs_that_are_not_a_count_are_refused(cls, epochs):
    """`epochs=True` is refused, not taken as one epoch."""
    with pytest.raises(
        ValueError, match=re.escape(f"epochs must be a positive integer, got {epochs!r}")
    ):
        built(cls).fit(X, Y, epochs=epochs)


@pytest.mark.parametrize("cls", NETWORKS)
def test_numpy_integer_epochs_train_like_python_ints(cls):
    """`np.int64` epochs are a count like any int."""
    by_numpy = cls(BINARY, seed=0).fit(X, Y, epochs=np.int64(3), batch_size=np.int64(2))
    by_python = cls(BINARY, seed=0).fit(X, Y, epochs=3, batch_size=2)
    assert len(by_numpy.loss) == 3
    np.testing.assert_allclose(by_numpy.loss, by_python.loss, rtol=1e-6)
