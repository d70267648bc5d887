"""Fuzzing fit and predict: whatever the data and arguments, a trained model or a clear ValueError.

Hypothesis generates the data (shapes, dtypes, NaN and inf, huge values, labels), the counts
(epochs, batch_size: Python and NumPy integers, bools, floats, strings) and the batch orders
(index arrays of any dtype and range). A "clear" error is a ValueError whose message starts with
the name of the argument at fault. Any other exception, or a warning other than NumPy's overflow
warnings on extreme but finite values, fails the test.
Run with --hypothesis-show-statistics to see how the examples split between trained and refused.
"""

import re
import warnings

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from numpy_nn import Network

CLEAR = re.compile(
    r"^(X|y|validation X|validation y|validation_data|epochs|batch_size|batches|epoch \d+"
    r"|rng|callback|evaluate)\b"
)
HEADS = [  # (output activation, loss, output units)
    ("sigmoid", "binary_crossentropy", 1),
    ("softmax", "categorical_crossentropy", 3),
    ("linear", "mean_squared_error", 2),
    ("tanh", "mean_squared_error", 1),
]
OPTIMIZERS = [
    {"name": "sgd", "learning_rate": 0.1},
    {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9, "nesterov": True},
    {"name": "adam"},
    {"name": "rmsprop", "centered": True, "momentum": 0.5},
]
DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int8, np.uint8, np.bool_, np.complex128]
WEIRD = [None, "2", [2], 2.0, np.float64(2.0), True, False, object()]


@st.composite
def networks(draw):
    n_in = draw(st.integers(1, 3))
    output, loss, n_out = draw(st.sampled_from(HEADS))
    hidden = draw(st.sampled_from([None, "relu", "leaky_relu", "sigmoid", "softmax"]))
    layers = [{"input_dim": n_in, "output_dim": n_out, "activation": output}]
    if hidden:
        layers = [
            {"input_dim": n_in, "output_dim": 4, "activation": hidden},
            {"input_dim": 4, "output_dim": n_out, "activation": output},
        ]
    dtype = draw(st.sampled_from(["float32", "float64"]))
    optimizer = draw(st.sampled_from(OPTIMIZERS))
    return Network(layers, loss=loss, optimizer=dict(optimizer), dtype=dtype, seed=0)


def arrays(shape):
    """Arrays of any listed dtype with any values (NaN, inf, extremes) of that dtype."""
    return st.sampled_from(DTYPES).flatmap(lambda dtype: hnp.arrays(dtype, shape))


def odd_arrays():
    """Arrays of odd shapes, objects, strings, ragged nested lists, scalars."""
    return st.one_of(
        arrays(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)),
        hnp.arrays(object, st.integers(0, 4), elements=st.one_of(st.none(), st.integers())),
        hnp.arrays("U2", st.tuples(st.integers(0, 3), st.integers(0, 3))),
        st.lists(st.lists(st.floats(), max_size=3), max_size=4),
        st.sampled_from(WEIRD),
    )


def valid_features(rows, n_in):
    dtype = st.sampled_from([np.float64, np.float32, np.int64])
    return dtype.flatmap(lambda t: hnp.arrays(t, (rows, n_in), elements=st.integers(-10, 10)))


def features(rows, n_in):
    """X of the right shape with any values of any dtype, or anything at all."""
    return st.one_of(arrays((rows, n_in)), odd_arrays())


def valid_targets(rows, head):
    _, loss, n_out = head
    if loss == "binary_crossentropy":
        return hnp.arrays(np.int64, rows, elements=st.integers(0, 1))
    if loss == "categorical_crossentropy":
        return hnp.arrays(np.int64, rows, elements=st.integers(0, n_out - 1))
    return hnp.arrays(np.float64, (rows, n_out), elements=st.floats(-5, 5))


def targets(rows, head):
    """Labels near the valid ones, arrays of any dtype and values, or anything at all."""
    _, _, n_out = head
    near = hnp.arrays(np.float64, rows, elements=st.sampled_from([0.0, 1.0, 2.0, 0.5, -1.0]))
    return st.one_of(near, arrays(rows), arrays((rows, n_out)), odd_arrays())


def valid_counts():
    small = st.integers(1, 3)
    return st.one_of(small, small.map(np.int64), small.map(np.uint8))


def counts():
    """Non-positive integers, NumPy floats and bools, strings, lists, None..."""
    return st.one_of(st.integers(-2, 0), st.sampled_from(WEIRD), valid_counts())


def valid_orders(rows, epochs):
    batch = hnp.arrays(np.intp, st.integers(1, 4), elements=st.integers(0, rows - 1))
    return st.lists(st.lists(batch, min_size=1, max_size=3), min_size=epochs, max_size=epochs)


def orders(rows, epochs):
    """Per-epoch lists of index arrays of odd dtypes, shapes and ranges, or of the wrong length."""
    batch = st.one_of(
        hnp.arrays(np.intp, st.integers(1, 4), elements=st.integers(0, max(rows - 1, 0))),
        arrays(hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3)),
        hnp.arrays(np.int64, st.integers(1, 3), elements=st.integers(-3, rows + 3)),
        st.sampled_from(WEIRD),
    )
    epoch_order = st.one_of(st.lists(batch, min_size=0, max_size=3), st.sampled_from(WEIRD))
    n_epochs = int(epochs) if isinstance(epochs, int | np.integer) and 0 < epochs < 5 else 1
    return st.one_of(
        st.lists(epoch_order, min_size=n_epochs, max_size=n_epochs),
        st.lists(epoch_order, min_size=0, max_size=2),
        st.sampled_from(WEIRD),
    )


def check_outcome(net, action):
    """Run action(); return "ok", or the refusal's argument name if it raised a clear error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a ComplexWarning would be silent truncation
        # Extreme but finite inputs overflow inside the network: that is an answer, not a bug.
        warnings.filterwarnings("ignore", "overflow encountered", RuntimeWarning)
        warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
        try:
            action()
        except ValueError as err:
            message = str(err)
            assert CLEAR.match(message), f"unclear error: {message!r}"
            return CLEAR.match(message).group(1)
    return "ok"


ARGUMENTS = ["X", "y", "epochs", "batch_size", "batches", "validation_data", "evaluate"]


@st.composite
def fits(draw):
    """A network and fit's arguments: valid, except the ones picked to be fuzzed (maybe none)."""
    net = draw(networks())
    head = next(h for h in HEADS if h[0] == net.layers[-1]["activation"] and h[1] == net.loss.name)
    fuzzed = draw(st.one_of(st.just(set()), st.sampled_from(ARGUMENTS).map(lambda a: {a})))
    if draw(st.integers(0, 4)) == 0:
        fuzzed = draw(st.sets(st.sampled_from(ARGUMENTS), min_size=2))

    def pick(name, valid, odd):
        return draw(odd if name in fuzzed else valid)

    rows = draw(st.integers(0, 6)) if "X" in fuzzed else draw(st.integers(1, 6))
    x = pick("X", valid_features(rows, net.n_features), features(rows, net.n_features))
    y = pick("y", valid_targets(rows, head), targets(rows, head))
    epochs = pick("epochs", valid_counts(), counts())
    arguments = {
        "epochs": epochs,
        "batch_size": pick("batch_size", st.one_of(st.none(), valid_counts()), counts()),
        "evaluate": pick("evaluate", st.booleans(), st.sampled_from(WEIRD)),
    }
    valid_epochs = isinstance(epochs, int | np.integer) and 0 < epochs < 5 and rows > 0
    valid_batches = valid_orders(rows, int(epochs)) if valid_epochs else st.none()
    arguments["batches"] = pick(
        "batches", st.one_of(st.none(), valid_batches), orders(rows, epochs)
    )
    validation = st.tuples(valid_features(3, net.n_features), valid_targets(3, head))
    odd_validation = st.one_of(
        st.tuples(features(2, net.n_features), targets(2, head)),
        odd_arrays(),
        st.tuples(valid_features(3, net.n_features)),
    )
    arguments["validation_data"] = pick(
        "validation_data", st.one_of(st.none(), validation), odd_validation
    )
    return net, x, y, arguments


FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fit_then_predict(net, x, y, arguments):
    outcome = check_outcome(net, lambda: net.fit(x, y, **arguments))
    event(f"fit: {'trained' if outcome == 'ok' else 'refused, ' + outcome}")
    if outcome == "ok" and arguments["batches"] is not None:
        event("fit: trained on given batch orders")
    if outcome == "ok":
        # A model came out: it predicts one row per sample with the output layer's width.
        predicted = {}
        assert check_outcome(net, lambda: predicted.update(proba=net.predict_proba(x))) == "ok"
        assert predicted["proba"].shape == (len(np.asarray(x)), net.n_outputs)


@settings(FUZZ, max_examples=300)
@given(fits())
def test_fit_and_predict_give_a_model_or_a_clear_error(case):
    fit_then_predict(*case)


@st.composite
def predictions(draw):
    net = draw(networks())
    rows = draw(st.integers(0, 5))
    if draw(st.booleans()):
        return net, draw(valid_features(rows, net.n_features))
    return net, draw(features(rows, net.n_features))


@settings(FUZZ, max_examples=150)
@given(predictions())
def test_predict_gives_probabilities_or_a_clear_error(case):
    net, x = case
    outcome = check_outcome(net, lambda: net.predict_proba(x))
    event(f"predict: {'predicted' if outcome == 'ok' else 'refused, ' + outcome}")


@pytest.mark.slow
@settings(FUZZ, max_examples=3000)
@given(fits())
def test_fit_and_predict_fuzzed_longer(case):
    fit_then_predict(*case)
