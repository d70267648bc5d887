"""David learns, is deterministic, and refuses bad specs and bad data clearly."""

import re

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_moons
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from helpers import MOONS_ARTICLE_NETWORK
from numpy_nn import Network


@pytest.fixture(scope="module")
def moons():
    x, y = make_moons(1000, noise=0.2, random_state=100)
    return train_test_split(x, y, test_size=0.1, random_state=42)


@pytest.mark.slow
def test_learns_the_moons_article_network(moons):
    x_train, x_test, y_train, y_test = moons
    net = Network(MOONS_ARTICLE_NETWORK, optimizer={"name": "sgd", "learning_rate": 0.01}, seed=0)
    history = net.fit(
        x_train,
        y_train,
        epochs=200,
        batch_size=32,
        rng=np.random.default_rng(0),
        validation_data=(x_test, y_test),
    )
    assert net.score(x_test, y_test) >= 0.95
    assert history.loss[-1] < history.loss[0] / 4
    assert len(history.val_accuracy) == 200 and history.val_accuracy[-1] >= 0.95


def test_learns_digits_to_the_articles_97_percent():
    x, y = load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, stratify=y, random_state=0
    )
    scaler = StandardScaler().fit(x_train)
    x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    layers = [
        {"input_dim": 64, "output_dim": 64, "activation": "relu"},
        {"input_dim": 64, "output_dim": 10, "activation": "softmax"},
    ]
    accuracies = []
    for seed in range(3):
        net = Network(layers, optimizer={"name": "adam", "learning_rate": 0.001}, seed=seed)
        net.fit(x_train, y_train, epochs=30, batch_size=32, rng=np.random.default_rng(seed))
        accuracies.append(net.score(x_test, y_test))
    assert min(accuracies) >= 0.97, accuracies


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_same_seed_is_bit_identical(moons, dtype):
    x_train, _, y_train, _ = moons

    def run():
        net = Network(MOONS_ARTICLE_NETWORK, optimizer={"name": "adam"}, dtype=dtype, seed=11)
        history = net.fit(x_train, y_train, epochs=5, batch_size=32, rng=np.random.default_rng(11))
        return net.get_flat_weights(), history

    (w1, h1), (w2, h2) = run(), run()
    assert w1.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(w1, w2)
    assert h1.loss == h2.loss and h1.accuracy == h2.accuracy
    other = Network(MOONS_ARTICLE_NETWORK, dtype=dtype, seed=12).get_flat_weights()
    assert not np.array_equal(
        Network(MOONS_ARTICLE_NETWORK, dtype=dtype, seed=11).get_flat_weights(), other
    )


def test_given_batch_order_is_followed(moons):
    """Handing fit the order it would have drawn gives the same result as drawing it."""
    x_train, _, y_train, _ = moons
    rng = np.random.default_rng(5)
    order = []
    for _ in range(3):
        perm = rng.permutation(len(x_train))
        order.append([perm[i : i + 64] for i in range(0, len(perm), 64)])
    drawn = Network(MOONS_ARTICLE_NETWORK, seed=1)
    drawn.fit(x_train, y_train, epochs=3, batch_size=64, rng=np.random.default_rng(5))
    given = Network(MOONS_ARTICLE_NETWORK, seed=1)
    given.fit(x_train, y_train, epochs=3, batches=order)
    np.testing.assert_array_equal(drawn.get_flat_weights(), given.get_flat_weights())


def test_divergence_is_reported_not_raised(moons):
    x_train, _, y_train, _ = moons
    layers = [{**layer, "init": "normal_scaled"} for layer in MOONS_ARTICLE_NETWORK]
    layers[-1] = {**layers[-1], "activation": "linear"}
    net = Network(
        layers, loss="mean_squared_error", optimizer={"name": "sgd", "learning_rate": 1e3}
    )
    seen = []
    history = net.fit(x_train, y_train, epochs=50, callback=lambda epoch, logs: seen.append(epoch))
    assert history.diverged and history.diverged_at == len(history.loss) < 50
    assert not np.isfinite(history.loss[-1]) and seen[-1] == history.diverged_at


def test_initializers_have_their_documented_spread():
    rng = np.random.default_rng(0)

    def layers(init):
        return [{"input_dim": 400, "output_dim": 300, "activation": "relu", "init": init}]

    spread = {
        name: Network(layers(name), loss="mean_squared_error", seed=rng).weights[0]
        for name in [
            "glorot_uniform",
            "glorot_normal",
            "he_normal",
            "he_uniform",
            "lecun_normal",
            "normal_scaled",
            "fan_in_normal",
            "truncated_normal",
        ]
    }
    assert spread["glorot_uniform"].std() == pytest.approx(np.sqrt(2 / 700), rel=0.02)
    assert spread["glorot_normal"].std() == pytest.approx(np.sqrt(2 / 700), rel=0.02)
    assert spread["he_normal"].std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert spread["he_uniform"].std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert spread["lecun_normal"].std() == pytest.approx(np.sqrt(1 / 400), rel=0.02)
    assert spread["normal_scaled"].std() == pytest.approx(0.1, rel=0.02)
    assert spread["fan_in_normal"].std() == pytest.approx(1 / 20, rel=0.02)
    assert np.abs(spread["truncated_normal"]).max() <= 1 / 20
    assert np.abs(spread["he_normal"]).max() <= 2 * np.sqrt(2 / 400) / 0.87962566103423978
    assert not Network(layers("he_normal"), loss="mean_squared_error").biases[0].any()


@pytest.mark.parametrize(
    ("layers", "kwargs", "message"),
    [
        (
            [{"input_dim": 2, "output_dim": 3, "activation": "reluu"}],
            {},
            "layer 0: unknown activation 'reluu'; choose one of relu, leaky_relu, sigmoid, tanh, "
            "softmax, linear",
        ),
        (
            [
                {"input_dim": 2, "output_dim": 3, "activation": "relu"},
                {"input_dim": 4, "output_dim": 1, "activation": "sigmoid"},
            ],
            {},
            "layer 1: input_dim 4 does not match the output_dim 3 of layer 0",
        ),
        (
            [{"input_dim": 0, "output_dim": 1, "activation": "sigmoid"}],
            {},
            "layer 0: input_dim must be a positive integer, got 0",
        ),
        (
            [{"input_dim": 2, "output_dim": 1, "activation": "sigmoid", "init": "xavier"}],
            {},
            "layer 0: unknown init 'xavier'; choose one of glorot_uniform",
        ),
        (
            [{"input_dim": 2, "output_dim": 1, "activation": "sigmoid", "dropout": 0.5}],
            {},
            "layer 0: unknown key(s) ['dropout']",
        ),
        (
            [{"input_dim": 2, "output_dim": 1, "activation": "sigmoid", "l2": -1}],
            {},
            "layer 0: l2 must be a number >= 0, got -1",
        ),
        (
            [{"input_dim": 2, "output_dim": 3, "activation": "relu"}],
            {"loss": "hinge"},
            "unknown loss 'hinge'; choose one of binary_crossentropy, categorical_crossentropy, "
            "mean_squared_error",
        ),
        (
            [{"input_dim": 2, "output_dim": 3, "activation": "relu"}],
            {"loss": "categorical_crossentropy"},
            "loss 'categorical_crossentropy' needs a 'softmax' output layer, got 'relu'",
        ),
        (
            [{"input_dim": 2, "output_dim": 1, "activation": "sigmoid"}],
            {"dtype": "float16"},
            "unknown dtype 'float16'; choose one of float32, float64",
        ),
        ([], {}, "a model spec is a non-empty list of layer dicts"),
    ],
)
def test_bad_specs_are_named(layers, kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):  # SpecError is a ValueError
        Network(layers, **kwargs)


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        (np.zeros((4, 3)), [0, 1, 0, 1], "X has 3 features but the network's input_dim is 2"),
        (
            np.array([[0.0, 1.0], [np.nan, 0.0]]),
            [0, 1],
            "X contains NaN or inf (first at row 1, column 0)",
        ),
        (np.zeros((2, 2)), [0, 2], "label 2 out of range; binary_crossentropy takes 0 or 1"),
        (np.zeros((2, 2)), [0, 1, 1], "y has 3 rows but X has 2"),
        (np.zeros(2), [0, 1], "X must be 2-D (samples, features), got shape (2,)"),
    ],
)
def test_bad_inputs_are_named(x, y, message):
    net = Network([{"input_dim": 2, "output_dim": 1, "activation": "sigmoid"}])
    with pytest.raises(ValueError, match=re.escape(message)):
        net.fit(x, y)


def test_multiclass_label_out_of_range():
    net = Network([{"input_dim": 2, "output_dim": 3, "activation": "softmax"}])
    with pytest.raises(
        ValueError,
        match=re.escape("label 3 out of range; the output layer has 3 classes (labels 0..2)"),
    ):
        net.fit(np.zeros((2, 2)), [0, 3])
    with pytest.raises(
        ValueError, match=re.escape("epoch 1, batch 0: sample index 2 out of range 0..1")
    ):
        net.fit(np.zeros((2, 2)), [0, 1], epochs=1, batches=[[np.array([0, 2])]])


def test_weights_round_trip_and_reject_bad_shapes():
    net = Network(MOONS_ARTICLE_NETWORK, seed=4)
    other = Network(MOONS_ARTICLE_NETWORK, seed=5)
    other.set_weights(net.get_weights())
    np.testing.assert_array_equal(other.get_flat_weights(), net.get_flat_weights())
    other.set_flat_weights(net.get_flat_weights())
    assert [w.shape for w, _ in net.get_weights()] == [
        (2, 25),
        (25, 50),
        (50, 50),
        (50, 25),
        (25, 1),
    ]
    with pytest.raises(ValueError, match=re.escape("layer 0: expected W (2, 25) and b (25,)")):
        other.set_weights([(np.zeros((25, 2)), np.zeros(25))] + net.get_weights()[1:])
    with pytest.raises(ValueError, match="expected 5 \\(W, b\\) pairs, got 1"):
        other.set_weights(net.get_weights()[:1])


class LazyOrders:
    """A sequence of epochs' batch orders computed when asked, recording every access."""

    def __init__(self, epochs, n_samples, batch_size):
        self.epochs, self.n_samples, self.batch_size = epochs, n_samples, batch_size
        self.accessed = []

    def __len__(self):
        return self.epochs

    def __getitem__(self, epoch):
        self.accessed.append(epoch)
        perm = np.random.default_rng(epoch).permutation(self.n_samples)
        return [perm[i : i + self.batch_size] for i in range(0, self.n_samples, self.batch_size)]


def test_lazy_batches_are_read_once_in_order_and_replay_exactly(moons):
    x_train, _, y_train, _ = moons
    lazy = LazyOrders(4, len(x_train), 50)
    replayed = Network(MOONS_ARTICLE_NETWORK, seed=2)
    replayed.fit(x_train, y_train, epochs=4, batches=lazy)
    assert lazy.accessed == [0, 1, 2, 3]
    given = Network(MOONS_ARTICLE_NETWORK, seed=2)
    given.fit(
        x_train, y_train, epochs=4, batches=[LazyOrders(4, len(x_train), 50)[e] for e in range(4)]
    )
    np.testing.assert_array_equal(replayed.get_flat_weights(), given.get_flat_weights())


def test_callback_returning_true_stops_a_100k_epoch_fit(moons):
    """Only the epochs trained are ever computed: the other 99,997 orders are never built."""
    x_train, _, y_train, _ = moons
    lazy = LazyOrders(100_000, len(x_train), 32)
    seen = []

    def stop_after_three(epoch, logs):
        seen.append((epoch, sorted(logs)))
        return epoch == 3

    net = Network(MOONS_ARTICLE_NETWORK, seed=0)
    history = net.fit(
        x_train, y_train, epochs=100_000, batches=lazy, callback=stop_after_three, evaluate=False
    )
    assert lazy.accessed == [0, 1, 2]
    assert seen == [(1, ["epoch_seconds"]), (2, ["epoch_seconds"]), (3, ["epoch_seconds"])]
    assert len(history.epoch_seconds) == 3 and all(s > 0 for s in history.epoch_seconds)


def test_evaluate_false_trains_identically_and_records_only_times(moons):
    x_train, x_test, y_train, y_test = moons
    runs = {}
    for evaluate in (True, False):
        net = Network(MOONS_ARTICLE_NETWORK, optimizer={"name": "adam"}, dtype="float64", seed=4)
        logs = []
        history = net.fit(
            x_train,
            y_train,
            epochs=3,
            batch_size=32,
            rng=np.random.default_rng(4),
            validation_data=(x_test, y_test),
            callback=lambda epoch, entry, logs=logs: logs.append(entry),
            evaluate=evaluate,
        )
        runs[evaluate] = (net.get_flat_weights(), history, logs)
    np.testing.assert_array_equal(runs[True][0], runs[False][0])
    evaluated, silent = runs[True][1], runs[False][1]
    assert len(evaluated.loss) == len(evaluated.val_accuracy) == 3
    assert silent.loss == silent.accuracy == silent.val_loss == silent.val_accuracy == []
    assert len(silent.epoch_seconds) == 3
    assert sorted(runs[True][2][0]) == [
        "accuracy",
        "epoch_seconds",
        "loss",
        "val_accuracy",
        "val_loss",
    ]
    assert [sorted(logs) for logs in runs[False][2]] == [["epoch_seconds"]] * 3


def test_without_evaluation_a_diverging_run_is_left_to_the_caller(moons):
    """evaluate=False computes no loss, so divergence is the caller's to detect (and stop)."""
    x_train, _, y_train, _ = moons
    layers = [{**layer, "init": "normal_scaled"} for layer in MOONS_ARTICLE_NETWORK]
    layers[-1] = {**layers[-1], "activation": "linear"}
    net = Network(
        layers, loss="mean_squared_error", optimizer={"name": "sgd", "learning_rate": 1e3}
    )

    def diverged(epoch, logs):
        return not np.all(np.isfinite(net.predict_proba(x_train)))

    with np.errstate(over="ignore", invalid="ignore"):
        history = net.fit(x_train, y_train, epochs=50, callback=diverged, evaluate=False)
    assert history.diverged_at is None and history.loss == []
    assert 1 < len(history.epoch_seconds) < 50
