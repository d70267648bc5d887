"""Parity: from the same weights on the same batches, David computes what Keras computes.

float64 tolerance is 1e-12 everywhere: measured agreement is ~1e-16 on losses and <= 1.5e-14 on
weights, so anything above 1e-12 means the two sides compute something different.
In float32 both sides round every op to 24 bits, but TensorFlow's kernels and NumPy's OpenBLAS
sum the matrix products in different orders, so each step differs by a few ulps. Training then
amplifies those ulps: on the moons fight with Adam the per-epoch losses agree to 1e-7 for the
first ten epochs in every configuration, then part (4.8e-4 by epoch 20 at learning rate 0.01,
weights 3.7e-2 apart), while the same runs in float64 agree to 1e-16 throughout: the maths is
the same, the drift is rounding grown by training. So float32 parity is held over the first
EARLY_EPOCHS epochs, to 1e-5, before the drift; float64 parity over every epoch and the final
weights, to 1e-12.

Every Goliath configuration is held to the same tolerances: model.fit with XLA
(jit_compile=True) and with several steps per execution (including a count that does not divide
the epoch, and a whole epoch), and the compiled tf.function loop (tf-loop). The process settings
(oneDNN, op determinism) are whatever this process was started with: the float64 parity holds
with TensorFlow as shipped (oneDNN as it chooses for the CPU, determinism off) and with oneDNN
off + determinism on.
Keras on the JAX backend is checked in tests/test_keras_jax.py (it needs its own process).
"""

import re

import numpy as np
import pytest
from sklearn.datasets import make_blobs, make_moons
from sklearn.preprocessing import StandardScaler

from bench.run.fair_start import make_fair_start
from bench.run.metrics import max_weight_difference
from helpers import MOONS_ARTICLE_NETWORK
from keras_ref import CompiledLoopNetwork, KerasNetwork, settings
from numpy_nn import Network

TOLERANCE = {"float64": 1e-12, "float32": 1e-5}
EARLY_EPOCHS = 10
# Goliath's configurations: (class, options). Moons at batch 32 is 29 steps per epoch, the last
# of 4 samples: 10 steps per execution do not divide it, "epoch" runs all 29 in one call.
GOLIATHS = {
    "fit": (KerasNetwork, {}),
    "xla": (KerasNetwork, {"jit_compile": True}),
    "spe-10": (KerasNetwork, {"steps_per_execution": 10}),
    "spe-epoch": (KerasNetwork, {"steps_per_execution": "epoch"}),
    "xla-spe-epoch": (KerasNetwork, {"jit_compile": True, "steps_per_execution": "epoch"}),
    "tf-loop": (CompiledLoopNetwork, {}),
    "tf-loop-no-xla": (CompiledLoopNetwork, {"jit_compile": False}),
}


@pytest.fixture(scope="module")
def moons():
    x, y = make_moons(1000, noise=0.2, random_state=100)
    return StandardScaler().fit_transform(x)[:900], y[:900]


@pytest.fixture(scope="module")
def blobs():
    x, y = make_blobs(240, n_features=4, centers=3, cluster_std=2.0, random_state=0)
    return StandardScaler().fit_transform(x), y


def fight(layers, x, y, epochs, batch_size, dtype="float64", seed=0, goliath="fit", **options):
    """Train both fighters from one fair start; return (david, goliath, their histories)."""
    if GOLIATHS[goliath][1].get("jit_compile") and settings()["deterministic"]:
        pytest.skip("Keras turns XLA off under op determinism (KERAS_REF_DETERMINISTIC=1)")
    start = make_fair_start(layers, seed, len(x), epochs, batch_size)
    david = Network(layers, dtype=dtype, **options)
    goliath_class, goliath_options = GOLIATHS[goliath]
    goliath = goliath_class(layers, dtype=dtype, **options, **goliath_options)
    david.set_weights(start.weights)
    goliath.set_weights(start.weights)
    david_history = david.fit(x, y, epochs=epochs, batches=start.batches)
    goliath_history = goliath.fit(x, y, epochs=epochs, batches=start.batches)
    return david, goliath, david_history, goliath_history


def assert_parity(result, dtype="float64"):
    david, goliath, david_history, goliath_history = result
    assert len(david_history.loss) == len(goliath_history.loss)
    gaps = np.abs(np.subtract(david_history.loss, goliath_history.loss))
    if dtype == "float32":
        assert np.max(gaps[:EARLY_EPOCHS]) <= TOLERANCE[dtype]
        return
    assert np.max(gaps) <= TOLERANCE[dtype]
    assert max_weight_difference(david.get_weights(), goliath.get_weights()) <= TOLERANCE[dtype]
    assert david_history.accuracy == goliath_history.accuracy


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_full_batch_sgd_on_the_moons_article_network(moons, dtype):
    x, y = moons
    result = fight(MOONS_ARTICLE_NETWORK, x, y, 300, None, dtype, optimizer={"name": "sgd"})
    assert_parity(result, dtype)
    assert result[2].loss[-1] < result[2].loss[0]  # it trained


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    "optimizer",
    [{"name": "sgd", "learning_rate": 0.01, "momentum": 0.9}, {"name": "adam"}],
    ids=["momentum", "adam"],
)
def test_minibatch_32_on_the_moons_article_network(moons, optimizer, dtype):
    x, y = moons
    assert_parity(fight(MOONS_ARTICLE_NETWORK, x, y, 50, 32, dtype, optimizer=optimizer), dtype)


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("goliath", [name for name in GOLIATHS if name != "fit"])
def test_every_configuration_on_the_moons_article_network(moons, goliath, dtype):
    """XLA, steps per execution and the compiled loop change speed, not maths."""
    x, y = moons
    optimizer = {"name": "adam", "learning_rate": 0.01}
    result = fight(MOONS_ARTICLE_NETWORK, x, y, 20, 32, dtype, goliath=goliath, optimizer=optimizer)
    assert_parity(result, dtype)
    assert result[3].loss[-1] < result[3].loss[0]  # it trained


@pytest.mark.slow
@pytest.mark.parametrize("goliath", ["xla", "tf-loop"])
def test_full_batch_in_every_compiled_form(moons, goliath):
    x, y = moons
    result = fight(
        MOONS_ARTICLE_NETWORK, x, y, 50, None, goliath=goliath, optimizer={"name": "sgd"}
    )
    assert_parity(result)


def _two_layer(hidden, output, n_in=2, n_out=1, **extra):
    return [
        {"input_dim": n_in, "output_dim": 8, "activation": hidden, **extra},
        {"input_dim": 8, "output_dim": n_out, "activation": output},
    ]


@pytest.mark.parametrize("hidden", ["relu", "sigmoid", "tanh", "linear", "softmax", "leaky_relu"])
def test_every_hidden_activation(moons, hidden):
    x, y = moons
    extra = {"negative_slope": 0.2} if hidden == "leaky_relu" else {}
    layers = _two_layer(hidden, "sigmoid", **extra)
    assert_parity(fight(layers, x, y, 3, 64, optimizer={"name": "sgd", "learning_rate": 0.1}))


@pytest.mark.parametrize(
    ("output", "loss", "one_hot"),
    [
        ("softmax", "categorical_crossentropy", False),
        ("softmax", "categorical_crossentropy", True),
        ("linear", "mean_squared_error", True),
        ("sigmoid", "mean_squared_error", True),
        ("tanh", "mean_squared_error", True),
        ("relu", "mean_squared_error", True),
    ],
)
@pytest.mark.parametrize("goliath", ["fit", "tf-loop"])
def test_every_output_and_loss(blobs, output, loss, one_hot, goliath):
    x, y = blobs
    targets = np.eye(3)[y] if one_hot else y
    layers = _two_layer("tanh", output, n_in=4, n_out=3)
    result = fight(layers, x, targets, 3, 32, loss=loss, goliath=goliath, optimizer={"name": "sgd"})
    assert_parity(result)


@pytest.mark.parametrize(
    "optimizer",
    [
        {"name": "sgd", "learning_rate": 0.05},
        {"name": "sgd", "learning_rate": 0.05, "momentum": 0.8},
        {"name": "sgd", "learning_rate": 0.05, "momentum": 0.8, "nesterov": True},
        {"name": "rmsprop", "learning_rate": 0.01},
        {"name": "rmsprop", "learning_rate": 0.01, "momentum": 0.5, "rho": 0.8},
        {"name": "rmsprop", "learning_rate": 0.01, "centered": True, "epsilon": 1e-6},
        {"name": "adam", "learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99},
        {"name": "adam", "learning_rate": 0.01, "amsgrad": True},
    ],
    ids=lambda spec: "-".join(str(v) for v in spec.values()),
)
# model.fit proves each optimiser in the fast lane; the compiled loop repeats it, slowly.
@pytest.mark.parametrize("goliath", ["fit", pytest.param("tf-loop", marks=pytest.mark.slow)])
def test_every_optimizer(blobs, optimizer, goliath):
    x, y = blobs
    layers = _two_layer("relu", "softmax", n_in=4, n_out=3)
    assert_parity(fight(layers, x, y, 4, 32, goliath=goliath, optimizer=optimizer))


@pytest.mark.parametrize(
    "configuration",
    [
        "fit",
        pytest.param("xla-spe-epoch", marks=pytest.mark.slow),
        pytest.param("tf-loop", marks=pytest.mark.slow),
    ],
)
def test_l2_per_layer_and_global(blobs, configuration):
    x, y = blobs
    layers = _two_layer("relu", "softmax", n_in=4, n_out=3, l2=0.01)  # layer 0: own l2
    optimizer = {"name": "adam", "learning_rate": 0.01}
    david, goliath, david_history, goliath_history = result = fight(
        layers, x, y, 4, 32, l2=0.003, goliath=configuration, optimizer=optimizer
    )
    assert_parity(result)
    # The reported loss includes the penalty on both sides.
    penalty = 0.01 * np.square(david.weights[0]).sum() + 0.003 * np.square(david.weights[1]).sum()
    assert david_history.loss[-1] > penalty > 0
    assert goliath.evaluate(x, y)["loss"] == pytest.approx(david_history.loss[-1], abs=1e-12)


def test_predictions_and_evaluation_agree(moons):
    x, y = moons
    david, goliath, _, _ = fight(MOONS_ARTICLE_NETWORK, x, y, 5, 32, optimizer={"name": "sgd"})
    np.testing.assert_allclose(david.predict_proba(x), goliath.predict_proba(x), atol=1e-13)
    np.testing.assert_array_equal(david.predict(x), goliath.predict(x))
    assert david.evaluate(x, y)["loss"] == pytest.approx(goliath.evaluate(x, y)["loss"], abs=1e-13)


INITIALIZER_STD = {
    "glorot_uniform": np.sqrt(2 / 700),
    "glorot_normal": np.sqrt(2 / 700),
    "he_normal": np.sqrt(2 / 400),
    "he_uniform": np.sqrt(2 / 400),
    "lecun_normal": np.sqrt(1 / 400),
    "normal_scaled": 0.1,
    "fan_in_normal": 1 / 20,
}


@pytest.mark.parametrize("init", [*INITIALIZER_STD, "truncated_normal", "zeros"])
def test_native_initializers_match_davids_distributions(init):
    """In native mode Keras draws its own weights: from the same distribution as David's."""
    layers = [{"input_dim": 400, "output_dim": 300, "activation": "relu", "init": init}]
    keras_w = KerasNetwork(layers, loss="mean_squared_error", seed=1).get_weights()[0][0]
    david_w = Network(layers, loss="mean_squared_error", seed=1).weights[0]
    if init == "zeros":
        assert not keras_w.any() and not david_w.any()
    elif init == "truncated_normal":
        assert np.abs(keras_w).max() <= 1 / 20 and np.abs(david_w).max() <= 1 / 20
        assert keras_w.std() == pytest.approx(david_w.std(), rel=0.02)
    else:
        assert keras_w.std() == pytest.approx(INITIALIZER_STD[init], rel=0.02)
        assert david_w.std() == pytest.approx(INITIALIZER_STD[init], rel=0.02)


@pytest.mark.parametrize(
    "network_class", [KerasNetwork, pytest.param(CompiledLoopNetwork, marks=pytest.mark.slow)]
)
def test_native_mode_is_seeded(moons, network_class):
    x, y = moons
    runs = []
    for _ in range(2):
        goliath = network_class(MOONS_ARTICLE_NETWORK, optimizer={"name": "sgd"}, seed=3)
        history = goliath.fit(x, y, epochs=2, batch_size=32)
        runs.append((goliath.get_weights(), history.loss))
    assert max_weight_difference(runs[0][0], runs[1][0]) == 0 and runs[0][1] == runs[1][1]


@pytest.mark.parametrize("network_class", [KerasNetwork, CompiledLoopNetwork])
def test_divergence_is_recorded(moons, network_class):
    x, y = moons
    layers = [{**layer, "init": "normal_scaled"} for layer in MOONS_ARTICLE_NETWORK]
    layers[-1] = {**layers[-1], "activation": "linear"}
    goliath = network_class(
        layers, loss="mean_squared_error", optimizer={"name": "sgd", "learning_rate": 1e3}
    )
    history = goliath.fit(x, y, epochs=30)
    assert history.diverged_at == len(history.loss) < 30


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"layers": _two_layer("swish", "sigmoid")},
            "unknown activation 'swish'; choose one of relu, leaky_relu, sigmoid, tanh, softmax, "
            "linear",
        ),
        (
            {"layers": _two_layer("relu", "sigmoid"), "loss": "hinge"},
            "unknown loss 'hinge'; choose one of binary_crossentropy",
        ),
        (
            {"layers": _two_layer("relu", "sigmoid"), "optimizer": {"name": "adam", "lr": 1}},
            "bad parameter for optimizer 'adam': ['lr']; valid: learning_rate, beta_1",
        ),
        (
            {"layers": _two_layer("relu", "sigmoid"), "optimizer": "adagrad"},
            "unknown optimizer 'adagrad'; choose one of sgd, rmsprop, adam",
        ),
        (
            {"layers": [{**_two_layer("relu", "sigmoid")[0], "init": "orthogonal"}]},
            "unknown initializer 'orthogonal'; choose one of glorot_uniform",
        ),
        (
            {"layers": [_two_layer("relu", "sigmoid")[0], _two_layer("relu", "sigmoid")[0]]},
            "layer 1: input_dim 2 does not match the output_dim 8 of layer 0",
        ),
        (
            {"layers": _two_layer("relu", "sigmoid"), "dtype": "float16"},
            "unknown dtype 'float16'; choose one of float32, float64",
        ),
    ],
)
def test_options_without_a_keras_equivalent_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        KerasNetwork(**kwargs)


def test_uneven_batch_orders_are_refused(moons):
    x, y = moons
    goliath = KerasNetwork(MOONS_ARTICLE_NETWORK)
    order = [[np.arange(0, 10), np.arange(10, 30)]]
    with pytest.raises(ValueError, match="Keras needs every epoch cut into equal batches of 10"):
        goliath.fit(x[:30], y[:30], epochs=1, batches=order)


def test_each_model_starts_a_fresh_keras_session():
    """Building many models in one process keeps no old graphs: names restart every time."""
    for _ in range(5):
        goliath = KerasNetwork(MOONS_ARTICLE_NETWORK)
    assert [layer.name for layer in goliath.model.layers] == [
        "dense",
        "dense_1",
        "dense_2",
        "dense_3",
        "dense_4",
    ]
