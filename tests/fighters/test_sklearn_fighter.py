"""The scikit-learn fighter: from the same weights on the same batches it computes what David does.

float64 tolerance is 1e-12, as for Keras: measured agreement over these tests is <= 2.8e-16 on
losses and <= 2.2e-15 on weights, for SGD (plain, momentum, Nesterov) and for Adam with betas a
float32 holds exactly (float32: <= 6e-8 on losses, <= 8.8e-7 on weights). Adam with
betas like 0.9 and 0.999 cannot agree: Keras (so David) decays the moments by 1 - beta but
bias-corrects with the beta rounded to float32, while sklearn uses one beta for both; the test
below pins that gap. Adam also turns rounding noise in near-zero gradients into whole steps, so
its weights drift apart faster than SGD's: its runs are kept short. float32 tolerances are the
Keras parity's (1e-5 on losses, 1e-4 on weights).
"""

import ast
import re
import subprocess
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_blobs, make_moons, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from bench.fighters.base import Unsupported
from bench.fighters.sklearn_mlp import SklearnNetwork
from bench.run.fair_start import make_fair_start
from bench.run.metrics import max_weight_difference
from helpers import MOONS_ARTICLE_NETWORK
from numpy_nn import Network

TOLERANCE = {"float64": (1e-12, 1e-12), "float32": (1e-5, 1e-4)}  # (loss, weights)
# Betas a float32 holds exactly, so Keras's rounding changes nothing (7/8 and 1 - 2**-10).
EXACT_BETAS = {"beta_1": 0.875, "beta_2": 0.9990234375}
SGD = {"name": "sgd", "learning_rate": 0.05}
MOMENTUM = {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9}
NESTEROV = {"name": "sgd", "learning_rate": 0.05, "momentum": 0.8, "nesterov": True}
ADAM = {"name": "adam", "learning_rate": 0.01, **EXACT_BETAS}


@pytest.fixture(scope="module")
def moons():
    x, y = make_moons(1000, noise=0.2, random_state=100)
    return StandardScaler().fit_transform(x)[:900], y[:900]


@pytest.fixture(scope="module")
def blobs():
    x, y = make_blobs(240, n_features=4, centers=3, cluster_std=2.0, random_state=0)
    return StandardScaler().fit_transform(x), y


@pytest.fixture(scope="module")
def regression():
    x, y = make_regression(200, n_features=4, n_targets=3, noise=5.0, random_state=0)
    return StandardScaler().fit_transform(x), y / y.std(axis=0)


def _two_layer(hidden, output, n_in=4, n_out=1, **extra):
    return [
        {"input_dim": n_in, "output_dim": 8, "activation": hidden, **extra},
        {"input_dim": 8, "output_dim": n_out, "activation": output},
    ]


def fight(layers, x, y, epochs, batch_size, dtype="float64", batches=None, **options):
    """Train David and sklearn from one fair start; return (david, sklearn, their histories)."""
    start = make_fair_start(layers, 0, len(x), epochs, batch_size)
    order = start.batches if batches is None else batches
    david = Network(layers, dtype=dtype, **options)
    goliath = SklearnNetwork(layers, dtype=dtype, **options)
    david.set_weights(start.weights)
    goliath.set_weights(start.weights)
    david_history = david.fit(x, y, epochs=epochs, batches=order)
    goliath_history = goliath.fit(x, y, epochs=epochs, batches=order)
    return david, goliath, david_history, goliath_history


def assert_parity(result, dtype="float64"):
    david, goliath, david_history, goliath_history = result
    loss_tolerance, weight_tolerance = TOLERANCE[dtype]
    assert len(goliath_history.loss) == len(david_history.loss)
    loss_gap = np.max(np.abs(np.subtract(david_history.loss, goliath_history.loss)))
    assert loss_gap <= loss_tolerance
    assert max_weight_difference(david.get_weights(), goliath.get_weights()) <= weight_tolerance
    assert david_history.accuracy == goliath_history.accuracy or dtype == "float32"
    assert david_history.loss[-1] < david_history.loss[0]  # it trained


# --------------------------------------------------------------------- parity


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    "optimizer",
    [{"name": "sgd", "learning_rate": 0.01}, MOMENTUM, NESTEROV],
    ids=["sgd", "momentum", "nesterov"],
)
def test_moons_article_network_with_a_smaller_last_batch(moons, optimizer, dtype):
    """900 samples in batches of 32: 28 batches, then one of 4."""
    x, y = moons
    first_epoch = make_fair_start(MOONS_ARTICLE_NETWORK, 0, len(x), 1, 32).batches[0]
    assert [len(batch) for batch in first_epoch[-2:]] == [32, 4]
    assert_parity(fight(MOONS_ARTICLE_NETWORK, x, y, 15, 32, dtype, optimizer=optimizer), dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_adam_on_the_moons_article_network(moons, dtype):
    x, y = moons
    optimizer = {"name": "adam", "learning_rate": 0.001, **EXACT_BETAS}
    assert_parity(fight(MOONS_ARTICLE_NETWORK, x, y, 10, 32, dtype, optimizer=optimizer), dtype)


def test_adam_with_betas_float32_cannot_hold_differs_by_kerass_rounding(moons):
    """0.9 and 0.999: Keras's bias correction uses 0.8999999761581421 and 0.9990000128746033,
    its moment updates 0.9 and 0.999; sklearn one of each. A ~6e-6 relative step difference."""
    x, y = moons
    _, _, david_history, goliath_history = fight(
        MOONS_ARTICLE_NETWORK, x, y, 1, 32, optimizer={"name": "adam", "learning_rate": 0.001}
    )
    gap = abs(david_history.loss[0] - goliath_history.loss[0])
    assert 1e-8 < gap < 1e-5


@pytest.mark.parametrize("optimizer", [SGD, MOMENTUM, NESTEROV, ADAM], ids=lambda o: str(o))
@pytest.mark.parametrize(
    ("batch_size", "l2"), [(32, 0.0), (30, 0.003), (None, 0.01)], ids=["32", "30-l2", "full-l2"]
)
def test_softmax_multiclass(blobs, optimizer, batch_size, l2):
    """240 samples: batches of 32 end with one of 16; batches of 30 are equal, as l2 needs."""
    x, y = blobs
    layers = _two_layer("relu", "softmax", n_out=3)
    assert_parity(fight(layers, x, y, 4, batch_size, l2=l2, optimizer=optimizer))


def test_l2_penalty_is_in_the_reported_loss(blobs):
    x, y = blobs
    layers = _two_layer("relu", "softmax", n_out=3)
    _, goliath, _, history = fight(layers, x, y, 2, 30, l2=0.01, optimizer=SGD)
    penalty = float(np.float32(0.01)) * sum(np.square(w).sum() for w, _ in goliath.get_weights())
    unpenalised = SklearnNetwork(layers, optimizer=SGD, dtype="float64")
    unpenalised.set_weights(goliath.get_weights())
    assert history.loss[-1] == pytest.approx(
        unpenalised.evaluate(x, y)["loss"] + penalty, abs=1e-15
    )


@pytest.mark.parametrize("optimizer", [SGD, NESTEROV, ADAM], ids=lambda o: str(o))
@pytest.mark.parametrize("n_outputs", [1, 2, 3])
@pytest.mark.parametrize("l2", [0.0, 0.01])
def test_regressor_linear_output_mean_squared_error(regression, optimizer, n_outputs, l2):
    """sklearn's squared-error gradient is n_outputs/2 times Keras's: the mapping undoes it."""
    x, y = regression
    layers = _two_layer("tanh", "linear", n_out=n_outputs)
    result = fight(layers, x, y[:, :n_outputs], 4, 40, l2=l2, optimizer=optimizer)
    assert isinstance(result[1].estimator, MLPRegressor)
    assert_parity(result)


@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid", "linear"])
def test_every_hidden_activation_sklearn_has(moons, hidden):
    x, y = moons
    layers = _two_layer(hidden, "sigmoid", n_in=2)
    assert_parity(fight(layers, x, y, 3, 64, optimizer={"name": "sgd", "learning_rate": 0.1}))


def test_no_hidden_layer(blobs):
    x, y = blobs
    layers = [{"input_dim": 4, "output_dim": 3, "activation": "softmax"}]
    assert_parity(fight(layers, x, y, 3, 32, optimizer=SGD))


def test_one_hot_targets_train_like_labels(blobs):
    x, y = blobs
    layers = _two_layer("relu", "softmax", n_out=3)
    assert_parity(fight(layers, x, np.eye(3)[y], 3, 32, optimizer=MOMENTUM))


def test_batches_of_any_sizes_replay_one_partial_fit_per_batch(blobs):
    x, y = blobs
    order = [[np.arange(0, 10), np.arange(10, 50), np.arange(50, 240)] for _ in range(3)]
    layers = _two_layer("relu", "softmax", n_out=3)
    result = fight(layers, x, y, 3, None, batches=order, optimizer=MOMENTUM)
    assert_parity(result)
    assert len(result[1].estimator.loss_curve_) == 1 + 3 * 3  # one priming step, then 9 calls


def test_predictions_and_evaluation_agree(moons):
    x, y = moons
    david, goliath, _, _ = fight(MOONS_ARTICLE_NETWORK, x, y, 3, 32, optimizer=MOMENTUM)
    np.testing.assert_allclose(goliath.predict_proba(x), david.predict_proba(x), rtol=0, atol=1e-14)
    np.testing.assert_array_equal(goliath.predict(x), david.predict(x))
    assert goliath.evaluate(x, y)["loss"] == pytest.approx(david.evaluate(x, y)["loss"], abs=1e-15)
    assert goliath.score(x, y) == david.score(x, y)


def test_float32_stays_float32(moons):
    x, y = moons
    _, goliath, _, _ = fight(MOONS_ARTICLE_NETWORK, x, y, 1, 32, "float32", optimizer=ADAM)
    assert {w.dtype for pair in goliath.get_weights() for w in pair} == {np.dtype("float32")}
    assert goliath.predict_proba(x).dtype == np.float32


def test_loading_weights_starts_sklearns_optimiser_afresh(blobs):
    """Momentum and Adam state from earlier training must not leak into a run from new weights."""
    x, y = blobs
    layers = _two_layer("relu", "softmax", n_out=3)
    start = make_fair_start(layers, 0, len(x), 3, 32)
    for optimizer in (MOMENTUM, ADAM):
        goliath = SklearnNetwork(layers, optimizer=optimizer, dtype="float64")
        runs = []
        for _ in range(2):
            goliath.set_weights(start.weights)
            history = goliath.fit(x, y, epochs=3, batches=start.batches)
            runs.append((history.loss, goliath.get_weights()))
        assert runs[0][0] == runs[1][0]
        assert max_weight_difference(runs[0][1], runs[1][1]) == 0


# --------------------------------------------------------------------- the fit contract


class LazyBatches(Sequence):
    """Batch orders computed on access, recording which epochs were read."""

    def __init__(self, orders):
        self.orders = orders
        self.reads: list[int] = []

    def __len__(self):
        return len(self.orders)

    def __getitem__(self, epoch):
        self.reads.append(epoch)
        return [np.array(indices) for indices in self.orders[epoch]]


def test_lazy_batches_are_read_once_per_epoch_in_order(moons):
    x, y = moons
    start = make_fair_start(MOONS_ARTICLE_NETWORK, 0, len(x), 4, 64)
    lazy = LazyBatches(start.batches)
    goliath = SklearnNetwork(MOONS_ARTICLE_NETWORK, optimizer=SGD, dtype="float64")
    goliath.set_weights(start.weights)
    history = goliath.fit(x, y, epochs=4, batches=lazy)
    assert lazy.reads == [0, 1, 2, 3]
    assert len(history.loss) == 4


def test_callback_logs_and_stop(moons):
    x, y = moons
    seen = []

    def callback(epoch, logs):
        seen.append((epoch, sorted(logs)))
        return epoch == 2

    goliath = SklearnNetwork(MOONS_ARTICLE_NETWORK, optimizer=SGD)
    history = goliath.fit(x, y, epochs=5, batch_size=64, validation_data=(x, y), callback=callback)
    keys = ["accuracy", "epoch_seconds", "loss", "val_accuracy", "val_loss"]
    assert seen == [(1, keys), (2, keys)]
    assert len(history.epoch_seconds) == len(history.val_loss) == 2
    assert history.val_loss == history.loss  # validated on the training set itself here
    assert set(history.as_dict()) >= {"loss", "val_accuracy", "epoch_seconds", "diverged_at"}


def test_without_evaluation_only_epoch_seconds_are_logged(moons):
    x, y = moons
    seen = []
    goliath = SklearnNetwork(MOONS_ARTICLE_NETWORK, optimizer=SGD)
    history = goliath.fit(
        x, y, epochs=3, batch_size=64, validation_data=(x, y), evaluate=False,
        callback=lambda epoch, logs: seen.append(sorted(logs)),
    )  # fmt: skip
    assert seen == [["epoch_seconds"]] * 3
    assert history.loss == history.val_loss == [] and len(history.epoch_seconds) == 3
    # Native mode gathers nothing itself: these seconds are all sklearn's timed training loop.
    assert all(seconds > 0 for seconds in history.epoch_seconds)


@pytest.mark.parametrize("evaluate", [True, False])
def test_divergence_is_a_result(moons, evaluate):
    x, y = moons
    layers = [{**layer, "init": "normal_scaled"} for layer in MOONS_ARTICLE_NETWORK]
    layers[-1] = {**layers[-1], "activation": "linear"}
    start = make_fair_start(layers, 0, len(x), 30, None)
    goliath = SklearnNetwork(
        layers, loss="mean_squared_error", optimizer={"name": "sgd", "learning_rate": 1e3}
    )
    goliath.set_weights(start.weights)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings escape either
        history = goliath.fit(x, y, epochs=30, batches=start.batches, evaluate=evaluate)
    assert history.diverged_at == len(history.epoch_seconds) < 30
    assert not evaluate or not np.isfinite(history.loss[-1])


# --------------------------------------------------------------------- native mode


def test_native_mode_trains_the_moons(moons):
    x, y = moons
    goliath = SklearnNetwork(
        MOONS_ARTICLE_NETWORK, optimizer={"name": "adam", "learning_rate": 0.01}
    )
    history = goliath.fit(
        x[:700], y[:700], epochs=15, batch_size=32, validation_data=(x[700:], y[700:])
    )
    assert history.accuracy[-1] >= 0.9 and history.val_accuracy[-1] >= 0.9
    assert goliath.get_weights()[0][0].dtype == np.float32


def test_native_mode_is_sklearns_own_init_and_shuffle(moons):
    """Epoch 1 is exactly MLPClassifier(...).fit with max_iter=1 from the same seed; and the same
    seed gives the same run twice."""
    x, y = moons
    optimizer = {"name": "sgd", "learning_rate": 0.01, "momentum": 0.5}
    runs = []
    for _ in range(2):
        goliath = SklearnNetwork(
            MOONS_ARTICLE_NETWORK, optimizer=optimizer, dtype="float64", seed=7
        )
        history = goliath.fit(x, y, epochs=3, batch_size=32, evaluate=False)
        runs.append((history.running_loss, goliath.get_weights()))
    assert runs[0][0] == runs[1][0] and max_weight_difference(runs[0][1], runs[1][1]) == 0

    goliath = SklearnNetwork(MOONS_ARTICLE_NETWORK, optimizer=optimizer, dtype="float64", seed=7)
    goliath.fit(x, y, epochs=1, batch_size=32)
    reference = MLPClassifier(
        (25, 50, 50, 25), solver="sgd", learning_rate_init=0.01, momentum=float(np.float32(0.5)),
        nesterovs_momentum=False, alpha=0.0, batch_size=32, max_iter=1, random_state=7,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference.fit(x, y)
    reference_weights = list(zip(reference.coefs_, reference.intercepts_, strict=True))
    assert max_weight_difference(goliath.get_weights(), reference_weights) == 0


def test_native_mode_maps_l2_when_the_batches_are_equal(moons):
    x, y = moons
    goliath = SklearnNetwork(MOONS_ARTICLE_NETWORK, l2=0.001, optimizer=SGD)
    goliath.fit(x, y, epochs=1, batch_size=30)  # 900 = 30 x 30
    assert goliath.estimator.alpha == pytest.approx(2 * 0.001 * 30, rel=1e-7)
    with pytest.raises(Unsupported, match=re.escape("l2 with unequal batch sizes (got [4, 32]")):
        SklearnNetwork(MOONS_ARTICLE_NETWORK, l2=0.001).fit(x, y, epochs=1, batch_size=32)


# --------------------------------------------------------------------- what sklearn cannot do


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({"layers": _two_layer("leaky_relu", "sigmoid")}, "leaky_relu activation"),
        ({"layers": _two_layer("softmax", "sigmoid")}, "softmax hidden layer"),
        (
            {"layers": [*_two_layer("relu", "tanh")[:1], *_two_layer("tanh", "sigmoid", 8)]},
            "hidden activations that differ between layers (relu, tanh)",
        ),
        ({"layers": _two_layer("relu", "sigmoid"), "optimizer": "rmsprop"}, "rmsprop optimizer"),
        (
            {"layers": _two_layer("relu", "sigmoid"), "optimizer": {"name": "adam", "amsgrad": 1}},
            "amsgrad",
        ),
        (
            {"layers": _two_layer("relu", "softmax", n_out=3), "loss": "mean_squared_error"},
            "softmax output with mean_squared_error",
        ),
        (
            {"layers": _two_layer("relu", "sigmoid"), "loss": "mean_squared_error"},
            "sigmoid output with mean_squared_error",
        ),
        ({"layers": _two_layer("relu", "softmax", n_out=2)}, "softmax output with 2 units"),
        (
            {"layers": _two_layer("relu", "sigmoid", l2=0.01), "l2": 0.003},
            "per-layer l2 that differs between layers (0.01, 0.003)",
        ),
    ],
)
def test_options_sklearn_lacks_are_unsupported(kwargs, phrase):
    with pytest.raises(Unsupported, match=re.escape(phrase)):
        SklearnNetwork(**kwargs)


def test_the_same_l2_on_every_layer_is_supported():
    layers = _two_layer("relu", "sigmoid", l2=0.01)
    assert SklearnNetwork(layers, l2=0.01).l2 == float(np.float32(0.01))


def test_l2_with_a_smaller_last_batch_is_unsupported(moons):
    x, y = moons
    start = make_fair_start(MOONS_ARTICLE_NETWORK, 0, len(x), 1, 32)
    goliath = SklearnNetwork(MOONS_ARTICLE_NETWORK, l2=0.001)
    goliath.set_weights(start.weights)
    with pytest.raises(Unsupported, match=re.escape("l2 with unequal batch sizes (got [4, 32]")):
        goliath.fit(x, y, epochs=1, batches=start.batches)


def test_other_inits_are_unsupported_in_native_mode(moons):
    x, y = moons
    layers = [{**layer, "init": "he_normal"} for layer in MOONS_ARTICLE_NETWORK]
    phrase = "init he_normal / bias_init zeros (layer 0) in native mode"
    with pytest.raises(Unsupported, match=re.escape(phrase)):
        SklearnNetwork(layers).fit(x, y, epochs=1, batch_size=32)
    # From given weights (fair mode) the initialiser does not matter.
    goliath = SklearnNetwork(layers)
    goliath.set_weights(make_fair_start(layers, 0, len(x), 1, 32).weights)
    assert len(goliath.fit(x, y, epochs=1, batch_size=32).loss) == 1


def test_soft_targets_are_unsupported(blobs):
    x, y = blobs
    goliath = SklearnNetwork(_two_layer("relu", "softmax", n_out=3))
    with pytest.raises(Unsupported, match="soft targets for categorical_crossentropy"):
        goliath.fit(x, np.full((len(x), 3), 1 / 3), epochs=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"layers": _two_layer("swish", "sigmoid")},
            "layer 0: unknown activation 'swish'; choose one of relu, leaky_relu, sigmoid, tanh, "
            "softmax, linear",
        ),
        (
            {"layers": _two_layer("relu", "sigmoid"), "loss": "hinge"},
            "unknown loss 'hinge'; choose one of binary_crossentropy, categorical_crossentropy, "
            "mean_squared_error",
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
            {"layers": _two_layer("relu", "sigmoid"), "dtype": "float16"},
            "unknown dtype 'float16'; choose one of float32, float64",
        ),
        (
            {"layers": [_two_layer("relu", "sigmoid")[0], _two_layer("relu", "sigmoid")[0]]},
            "layer 1: input_dim 4 does not match the output_dim 8 of layer 0",
        ),
        (
            {"layers": _two_layer("relu", "tanh"), "loss": "binary_crossentropy"},
            "binary_crossentropy needs a sigmoid output layer with output_dim 1, got 'tanh'",
        ),
        (
            {"layers": _two_layer("relu", "sigmoid"), "optimizer": {"name": "sgd", "momentum": 1}},
            "momentum must be in [0, 1), got 1",
        ),
    ],
)
def test_bad_values_are_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        SklearnNetwork(**kwargs)


def test_weights_in_and_out(moons):
    goliath = SklearnNetwork(MOONS_ARTICLE_NETWORK)
    with pytest.raises(ValueError, match="no weights yet"):
        goliath.get_weights()
    with pytest.raises(ValueError, match=re.escape("layer 0: expected W (2, 25) and b (25,)")):
        goliath.set_weights([(np.zeros((3, 25)), np.zeros(25))] + [(0, 0)] * 4)
    start = make_fair_start(MOONS_ARTICLE_NETWORK, 0, 10, 1, None)
    goliath.set_weights(start.weights)
    assert max_weight_difference(goliath.get_weights(), start.weights) < 1e-7  # float32 copy


def test_the_fighter_imports_neither_david_nor_keras():
    """It runs in its own worker process: sklearn, numpy and the fighter protocol only."""
    code = (
        "import sys, bench.fighters.sklearn_mlp; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('bench', 'numpy_nn', 'keras_ref', 'keras', 'tensorflow')))"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    loaded = ast.literal_eval(result.stdout)
    own = [m for m in loaded if m.startswith("bench.fighters.sklearn_mlp.")]
    assert own  # the package's modules themselves are listed, so the probe sees imports
    assert sorted(set(loaded) - set(own)) == [
        "bench",
        "bench.fighters",
        "bench.fighters.base",
        "bench.fighters.sklearn_mlp",
    ]
