"""Bad training inputs get a clear ValueError from Goliath, never a silent or foreign failure.

Keras alone would map label -1 to the last class, accept binary labels 2 and 0.5 and string X,
and report NaN in X as "diverged at epoch 1"; KerasNetwork refuses each by name.
"""

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from keras_ref import CompiledLoopNetwork, KerasNetwork

BINARY = [
    {"input_dim": 2, "output_dim": 4, "activation": "relu"},
    {"input_dim": 4, "output_dim": 1, "activation": "sigmoid"},
]
THREE_CLASSES = [
    {"input_dim": 2, "output_dim": 4, "activation": "relu"},
    {"input_dim": 4, "output_dim": 3, "activation": "softmax"},
]
X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0]])

_networks: dict[tuple[str, str], KerasNetwork] = {}


def network(kind: str, cls=KerasNetwork) -> KerasNetwork:
    """One network per kind, reused: refused inputs must not need a fresh model."""
    key = (kind, cls.__name__)
    if key not in _networks:
        _networks[key] = cls(BINARY if kind == "binary" else THREE_CLASSES)
    return _networks[key]


@pytest.mark.parametrize("cls", [KerasNetwork, CompiledLoopNetwork])
@pytest.mark.parametrize(
    ("kind", "x", "y", "message"),
    [
        (
            "classes",
            X,
            [0, 1, 2, -1],
            "y: label -1 out of range; the output layer has 3 classes (labels 0..2)",
        ),
        (
            "classes",
            X,
            [0, 1, 3, 0],
            "y: label 3 out of range; the output layer has 3 classes (labels 0..2)",
        ),
        (
            "classes",
            X,
            [0, 1, 1.5, 0],
            "y: label 1.5 is not a class; the output layer has 3 classes (integer labels 0..2)",
        ),
        ("binary", X, [0, 1, 2, 1], "y: label 2 out of range; binary_crossentropy takes 0 or 1"),
        (
            "binary",
            X,
            [0, 1, 0.5, 1],
            "y: label 0.5 out of range; binary_crossentropy takes 0 or 1",
        ),
        (
            "binary",
            X.astype(str),
            [0, 1, 0, 1],
            "X must be numeric (integers or floats), got dtype",
        ),
        ("binary", [["a", "b"]] * 4, [0, 1, 0, 1], "X must be numeric"),
        (
            "binary",
            np.where(X == 0.5, np.nan, X),
            [0, 1, 0, 1],
            "X contains nan at row 2, column 0; values must be finite float32 numbers",
        ),
        ("binary", X * 1e300, [0, 1, 0, 1], "X contains inf at row 0, column 1"),
        ("binary", np.empty((0, 2)), [], "X has no samples (shape (0, 2)); at least 1 row"),
        ("binary", np.empty((0,)), [], "X must be 2-D (samples, features), got shape (0,)"),
        ("binary", X, [0, 1, 0], "y has 3 rows but X has 4 rows"),
        ("binary", X, [0, 1, 0, np.nan], "y contains nan; targets must be finite"),
        ("binary", X[:, :1], [0, 1, 0, 1], "X has 1 features but the network's input_dim is 2"),
        ("binary", X > 0, [0, 1, 0, 1], "X must be numeric (integers or floats), got dtype bool"),
        ("binary", [[1, 2], [3]], [0, 1], "X must be a rectangular numeric array"),
    ],
)
def test_bad_inputs_are_refused_with_a_clear_message(kind, x, y, message, cls):
    with pytest.raises(ValueError, match=re.escape(message)):
        network(kind, cls).fit(x, y, epochs=1)


@pytest.mark.parametrize(
    ("fit_options", "message"),
    [
        ({"epochs": 0}, "epochs must be a positive integer, got 0"),
        ({"epochs": 1.5}, "epochs must be a positive integer, got 1.5"),
        ({"batch_size": 0}, "batch_size must be a positive integer or None, got 0"),
        ({"batches": [[np.arange(4)]] * 2}, "batches has 2 epochs' orders but epochs is 1"),
        ({"batches": [[np.array([0, 4])]]}, "epoch 1: batch index 4 out of range 0..3"),
        ({"batches": [[np.array([0.0, 1.0])]]}, "epoch 1: batch indices must be integers"),
        ({"batches": [[]]}, "epoch 1: each batch must be a non-empty 1-D index array"),
        ({"validation_data": (X, [0, 1, 2, 0])}, "validation y: label 2 out of range"),
    ],
)
def test_bad_fit_options_are_refused(fit_options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        network("binary").fit(X, [0, 1, 0, 1], **fit_options)


def test_evaluate_and_predict_check_their_inputs_too():
    with pytest.raises(ValueError, match=re.escape("X contains nan at row 0, column 0")):
        network("binary").predict_proba([[np.nan, 0.0]])
    with pytest.raises(ValueError, match=re.escape("y: label -1 out of range")):
        network("classes").evaluate(X, [0, 1, 2, -1])


def test_valid_edge_cases_still_train():
    """Integer X, float labels that are whole numbers, one sample, a batch larger than the set."""
    history = network("classes").fit(X.astype(np.int64), [0.0, 1.0, 2.0, 1.0], batch_size=100)
    assert np.isfinite(history.loss[0])
    history = network("binary").fit(X[:1], [1], epochs=2, batch_size=1)
    assert len(history.loss) == 2


# ------------------------------------------------------------------ fuzzing

LABELS = [0, 1, 2, 3, -1, 0.5, 1.0, float("nan")]
any_arrays = st.one_of(
    hnp.arrays(
        dtype=st.sampled_from([np.float64, np.float32, np.int64, np.int8]),
        shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5),
        elements={"allow_nan": True, "allow_infinity": True},
    ),
    hnp.arrays(
        dtype=st.sampled_from([np.bool_, np.complex128, np.dtype("U3"), np.dtype("O")]),
        shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=4),
    ),
)


@st.composite
def training_sets(draw):
    """Mostly well-shaped sets with odd values, sometimes anything at all."""
    n = draw(st.integers(0, 6))
    x = draw(
        st.one_of(
            hnp.arrays(np.float64, (n, 2), elements=st.floats(-1e3, 1e3)),
            hnp.arrays(np.float64, (n, 2), elements={"allow_nan": True, "allow_infinity": True}),
            any_arrays,
        )
    )
    y = draw(
        st.one_of(
            st.lists(st.sampled_from([0, 1]), min_size=n, max_size=n).map(np.array),
            st.lists(st.sampled_from(LABELS), min_size=n, max_size=n).map(np.array),
            any_arrays,
        )
    )
    return x, y


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(
    kind=st.sampled_from(["binary", "classes"]),
    data=training_sets(),
    batch_size=st.one_of(st.none(), st.integers(-1, 5)),
)
def test_any_input_gives_a_fit_or_a_clear_value_error(kind, data, batch_size):
    x, y = data
    try:
        history = network(kind).fit(x, y, epochs=1, batch_size=batch_size)
    except ValueError as err:
        event("refused")
        assert str(err)  # a message, not a bare error
        return
    event("trained")
    assert len(history.epoch_seconds) == 1
    assert len(history.loss) == 1  # evaluated: a number, NaN only if training diverged
