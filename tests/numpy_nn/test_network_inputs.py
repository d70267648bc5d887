"""Bad data and bad arguments are refused with a ValueError that names them."""

import re

import numpy as np
import pytest

from numpy_nn import Network

BINARY = [{"input_dim": 2, "output_dim": 1, "activation": "sigmoid"}]
THREE_CLASSES = [{"input_dim": 2, "output_dim": 3, "activation": "softmax"}]
X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0]])
Y = np.array([0, 1, 0, 1])


def refused(message, **fit_arguments):
    net = Network(fit_arguments.pop("layers", BINARY))
    arguments = {"x": X, "y": Y, **fit_arguments}
    with pytest.raises(ValueError, match=re.escape(message)):
        net.fit(**arguments)


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        (np.zeros((0, 2)), np.zeros(0), "X has no samples (shape (0, 2))"),
        (X, np.zeros(0), "y has 0 rows but X has 4"),
        ([], [], "X must be 2-D (samples, features), got shape (0,)"),
    ],
)
def test_empty_data(x, y, message):
    refused(message, x=x, y=y)


@pytest.mark.parametrize(
    ("x", "dtype"),
    [
        (X + 1j, "complex128"),
        (X > 0.5, "bool"),
        (X.astype(object), "object"),
        (np.array([["a", "b"], ["c", "d"]]), "<U1"),
        (np.array([[1, 2]], dtype="datetime64[s]"), "datetime64[s]"),
    ],
)
def test_x_must_hold_real_numbers(x, dtype):
    refused(f"X must hold real numbers (an integer or float dtype), got dtype {dtype}", x=x)
    with pytest.raises(ValueError, match=re.escape(f"got dtype {dtype}")):
        Network(BINARY).predict_proba(x)


def test_integer_and_small_float_x_are_fine():
    for x in (X.astype(np.int8), X.astype(np.uint16), X.astype(np.float16)):
        net = Network(BINARY, dtype="float64", seed=1)
        net.fit(x, Y, epochs=2)
        assert net.predict_proba(x).dtype == np.float64


def test_x_too_large_for_float32_is_named():
    x = X.copy()
    x[2, 1] = 1e300
    refused("X holds 1e+300 (row 2, column 1), too large for float32", x=x)
    Network(BINARY, dtype="float64").fit(x, Y)  # float64 holds it


def test_ragged_x_is_named():
    refused("X could not be read as an array", x=[[0.0, 1.0], [1.0]], y=[0, 1])


@pytest.mark.parametrize(
    ("y", "message"),
    [
        (Y + 0j, "y must hold numbers (class labels or targets), got dtype complex128"),
        (np.array(["0", "1", "0", "1"]), "got dtype <U1"),
        (np.array([0, 1, None, 1]), "got dtype object"),
        (np.float64(1.0), "y must be 1-D (labels) or 2-D (samples, outputs), got shape ()"),
        (np.zeros((4, 1, 1)), "got shape (4, 1, 1)"),
        (np.array([0, 1, np.nan, 1]), "y contains NaN or inf"),
        (np.array([0, 1, 0.5, 1]), "y: label 0.5 out of range; binary_crossentropy takes 0 or 1"),
    ],
)
def test_bad_binary_targets(y, message):
    refused(message, y=y)


def test_boolean_binary_labels_are_labels():
    net, reference = Network(BINARY, seed=3), Network(BINARY, seed=3)
    net.fit(X, Y.astype(bool), epochs=2)
    reference.fit(X, Y, epochs=2)
    np.testing.assert_array_equal(net.get_flat_weights(), reference.get_flat_weights())


@pytest.mark.parametrize(
    ("y", "message"),
    [
        (np.array([0, 1, 2.5, 1]), "y: integer class labels expected, got 2.5 (dtype float64)"),
        (np.array([0, 1, np.inf, 1]), "y contains NaN or inf; class labels expected"),
        (np.array([0, 1, -1, 1]), "y: label -1 out of range; the output layer has 3 classes"),
        (np.array([0, 1, 2**63, 1], dtype=np.uint64), "label 9.22337e+18 out of range"),
    ],
)
def test_bad_class_labels(y, message):
    refused(message, layers=THREE_CLASSES, y=y)


@pytest.mark.parametrize("name", ["epochs", "batch_size"])
@pytest.mark.parametrize("value", [True, False, 2.0, "3", 0, -1, np.float64(2), [2]])
def test_counts_must_be_positive_integers(name, value):
    choices = "a positive integer or None" if name == "batch_size" else "a positive integer"
    refused(f"{name} must be {choices}, got {value!r}", **{name: value})


def test_numpy_integer_counts_are_accepted():
    net = Network(BINARY, seed=0)
    history = net.fit(X, Y, epochs=np.int64(3), batch_size=np.int32(2))
    assert len(history.loss) == 3
    reference = Network(BINARY, seed=0)
    reference.fit(X, Y, epochs=3, batch_size=2)
    np.testing.assert_array_equal(net.get_flat_weights(), reference.get_flat_weights())


@pytest.mark.parametrize(
    ("batches", "message"),
    [
        ([[np.array([0.0, 1.0]), np.array([2.0, 3.0])]], "sample indices must be integers"),
        ([[np.array([0, 1.5])]], "epoch 1, batch 0: sample indices must be integers, got dtype"),
        ([[np.array([True, False, True, True])]], "got dtype bool"),
        ([[["0", "1"]]], "got dtype <U1"),
        ([[np.array([0, 1]), np.array([], dtype=int)]], "epoch 1, batch 1: a batch is a non-empty"),
        ([[np.array([[0, 1]])]], "a batch is a non-empty 1-D array of sample indices, got shape"),
        ([[np.array([0, 4])]], "epoch 1, batch 0: sample index 4 out of range 0..3"),
        ([[np.array([-1, 0])]], "epoch 1, batch 0: sample index -1 out of range 0..3"),
        ([[]], "epoch 1: no batches; an epoch needs at least one"),
        ([5], "epoch 1: expected a list of index arrays, got int"),
        ([[[0, 1], [2, [3]]]], "epoch 1, batch 1 could not be read as an array"),
        ((order for order in [[np.arange(4)]]), "batches must be a sequence holding one list"),
        ([[np.arange(4)], [np.arange(4)]], "batches has 2 epochs' orders but epochs is 1"),
    ],
)
def test_bad_batch_orders(batches, message):
    refused(message, batches=batches)


def test_a_bad_order_is_refused_before_its_epoch_trains():
    net = Network(BINARY, seed=0)
    before = net.get_flat_weights()
    orders = [[np.arange(4)], [np.array([0.0, 1.0])]]
    with pytest.raises(ValueError, match="epoch 2, batch 0: sample indices must be integers"):
        net.fit(X, Y, epochs=2, batches=orders)
    one_epoch = Network(BINARY, seed=0)
    one_epoch.fit(X, Y, epochs=1, batches=orders[:1])
    assert not np.array_equal(net.get_flat_weights(), before)
    np.testing.assert_array_equal(net.get_flat_weights(), one_epoch.get_flat_weights())


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"validation_data": X}, "validation_data must be a pair (X, y)"),
        ({"validation_data": (X, Y, Y)}, "validation_data must be a pair (X, y)"),
        ({"validation_data": (X[:, :1], Y)}, "validation X has 1 features"),
        ({"validation_data": (X, Y[:2])}, "validation y has 2 rows but X has 4"),
        ({"rng": 7}, "rng must be a numpy.random.Generator or None, got 7"),
        ({"callback": "print"}, "callback must be callable or None, got 'print'"),
        ({"evaluate": "no"}, "evaluate must be True or False, got 'no'"),
    ],
)
def test_bad_fit_options(arguments, message):
    refused(message, **arguments)
