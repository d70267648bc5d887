"""The fit contract of Goliath's networks: lazy replay, evaluate=False, stopping callbacks, options.

Runs in this process's settings (TensorFlow backend); the JAX replay is checked in
tests/test_keras_jax.py.
"""

import math
import re
from collections.abc import Sequence

import numpy as np
import pytest
from sklearn.datasets import make_moons

from bench.run.fair_start import make_fair_start
from helpers import MOONS_ARTICLE_NETWORK
from keras_ref import CompiledLoopNetwork, KerasNetwork, settings

SMALL = [
    {"input_dim": 2, "output_dim": 8, "activation": "tanh"},
    {"input_dim": 8, "output_dim": 1, "activation": "sigmoid"},
]
# Keras turns XLA off under op determinism, and KerasNetwork refuses to pretend otherwise.
needs_xla_in_fit = pytest.mark.skipif(
    bool(settings()["deterministic"]), reason="Keras turns XLA off under op determinism"
)
# (class, options) for every way Goliath trains; 100 samples at batch 16 are 7 steps, the last 4.
CONFIGURATIONS = [
    (KerasNetwork, {}),
    (KerasNetwork, {"steps_per_execution": 3}),  # does not divide 7: one dataset per epoch
    (KerasNetwork, {"steps_per_execution": 7}),
    pytest.param(  # XLA compiles for each test: the slow lane
        KerasNetwork,
        {"jit_compile": True, "steps_per_execution": "epoch"},
        marks=[needs_xla_in_fit, pytest.mark.slow],
    ),
    (CompiledLoopNetwork, {}),
]
IDS = ["fit", "spe-3", "spe-7", "xla-spe-epoch", "tf-loop"]


@pytest.fixture(scope="module")
def moons():
    x, y = make_moons(100, noise=0.2, random_state=1)
    return x, y


def flat(weights):
    return np.concatenate([array.ravel() for pair in weights for array in pair])


class RecordingOrders(Sequence):
    """A `batches` Sequence computed on demand that remembers which epochs were read."""

    def __init__(self, batches):
        self._batches = batches
        self.reads: list[int] = []

    def __len__(self):
        return len(self._batches)

    def __getitem__(self, epoch):
        self.reads.append(epoch)
        return self._batches[epoch]


@pytest.mark.parametrize(("network_class", "options"), CONFIGURATIONS, ids=IDS)
def test_replay_reads_each_epoch_once_in_order(moons, network_class, options):
    x, y = moons
    start = make_fair_start(SMALL, 0, len(x), 6, 16)
    orders = RecordingOrders(start.batches)
    network = network_class(SMALL, optimizer={"name": "sgd", "learning_rate": 0.1}, **options)
    network.set_weights(start.weights)
    history = network.fit(x, y, epochs=6, batches=orders)
    assert orders.reads == [0, 1, 2, 3, 4, 5]
    assert len(history.loss) == len(history.epoch_seconds) == 6


@pytest.mark.parametrize(("network_class", "options"), CONFIGURATIONS, ids=IDS)
def test_the_same_batches_train_every_configuration_alike(moons, network_class, options):
    """Every configuration replays the same updates: the float64 weights agree with fit's."""
    x, y = moons
    start = make_fair_start(SMALL, 0, len(x), 3, 16)
    weights = []
    for cls, opts in [(KerasNetwork, {}), (network_class, options)]:
        network = cls(
            SMALL, dtype="float64", optimizer={"name": "sgd", "learning_rate": 0.1}, **opts
        )
        network.set_weights(start.weights)
        network.fit(x, y, epochs=3, batches=start.batches, evaluate=False)
        weights.append(np.concatenate([w.ravel() for pair in network.get_weights() for w in pair]))
    assert np.max(np.abs(weights[0] - weights[1])) < 1e-13
    assert (
        np.max(np.abs(weights[0] - np.concatenate([w.ravel() for p in start.weights for w in p])))
        > 1e-3
    )


@pytest.mark.parametrize(("network_class", "options"), CONFIGURATIONS, ids=IDS)
def test_evaluate_false_records_only_training_time(moons, network_class, options):
    x, y = moons
    seen = []
    network = network_class(SMALL, **options)
    history = network.fit(
        x,
        y,
        epochs=3,
        batch_size=16,
        evaluate=False,
        callback=lambda e, logs: seen.append((e, logs)),
    )
    assert history.loss == history.accuracy == history.val_loss == []
    assert len(history.epoch_seconds) == 3 and all(s > 0 for s in history.epoch_seconds)
    assert [epoch for epoch, _ in seen] == [1, 2, 3]
    assert all(set(logs) == {"epoch_seconds"} for _, logs in seen)
    assert len(history.running_loss) == 3 and all(math.isfinite(v) for v in history.running_loss)


@pytest.mark.parametrize(("network_class", "options"), CONFIGURATIONS, ids=IDS)
def test_a_callback_returning_true_stops_training(moons, network_class, options):
    x, y = moons
    start = make_fair_start(SMALL, 0, len(x), 10, 16)
    orders = RecordingOrders(start.batches)
    seen = []

    def stop_after_two(epoch, logs):
        seen.append(logs)
        return epoch == 2

    network = network_class(SMALL, **options)
    history = network.fit(
        x, y, epochs=10, batches=orders, validation_data=(x[:20], y[:20]), callback=stop_after_two
    )
    assert len(history.loss) == len(history.epoch_seconds) == len(history.val_loss) == 2
    assert history.diverged_at is None
    assert set(seen[0]) == {"epoch_seconds", "loss", "accuracy", "val_loss", "val_accuracy"}
    assert seen[1]["epoch_seconds"] == history.epoch_seconds[1]
    # Read in order and lazily: of the 10 epochs asked, at most two beyond the last trained
    # (tf.data prefetches the next, and a call of 7 steps can run into the one after it).
    assert orders.reads[:2] == [0, 1] and orders.reads == list(range(len(orders.reads)))
    assert len(orders.reads) <= 4


@pytest.mark.parametrize(("network_class", "options"), CONFIGURATIONS, ids=IDS)
def test_divergence_without_evaluation_is_seen_in_the_running_loss(moons, network_class, options):
    x, y = moons
    layers = [{**SMALL[0], "init": "normal_scaled"}, {**SMALL[1], "activation": "linear"}]
    network = network_class(
        layers,
        loss="mean_squared_error",
        optimizer={"name": "sgd", "learning_rate": 1e3},
        **options,
    )
    history = network.fit(x, y, epochs=40, batch_size=16, evaluate=False)
    assert history.diverged_at == len(history.epoch_seconds) < 40


def test_a_bad_order_in_a_later_epoch_is_reported_as_itself(moons):
    x, y = moons
    start = make_fair_start(SMALL, 0, len(x), 3, 16)
    batches = [start.batches[0], start.batches[1], [np.arange(10), np.arange(10, 100)]]
    network = KerasNetwork(SMALL)
    with pytest.raises(ValueError, match=re.escape("epoch 3: Keras needs every epoch cut into")):
        network.fit(x, y, epochs=3, batches=batches)
    batches[2] = [*start.batches[2][:-1], np.array([5, 100, 7, 8])]
    with pytest.raises(ValueError, match=re.escape("epoch 3: batch index 100 out of range 0..99")):
        KerasNetwork(SMALL).fit(x, y, epochs=3, batches=batches)


@needs_xla_in_fit
@pytest.mark.slow
def test_the_moons_article_fight_replays_a_small_last_batch_with_whole_epoch_calls():
    """900 moons at batch 32: 28 full batches and one of 4, all in one call per epoch."""
    x, y = make_moons(900, noise=0.2, random_state=100)
    start = make_fair_start(MOONS_ARTICLE_NETWORK, 0, len(x), 2, 32)
    assert [len(b) for b in start.batches[0]][-2:] == [32, 4]
    losses = []
    for options in ({}, {"jit_compile": True, "steps_per_execution": "epoch"}):
        network = KerasNetwork(MOONS_ARTICLE_NETWORK, dtype="float64", **options)
        network.set_weights(start.weights)
        losses.append(network.fit(x, y, epochs=2, batches=start.batches).loss)
    np.testing.assert_allclose(losses[0], losses[1], rtol=0, atol=1e-13)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"jit_compile": "yes"}, "jit_compile='yes'; choose one of False, True, 'auto'"),
        ({"jit_compile": 1}, "jit_compile=1; choose one of False, True, 'auto'"),
        ({"steps_per_execution": 0}, "steps_per_execution=0; choose a positive integer or 'epoch'"),
        ({"steps_per_execution": "all"}, "steps_per_execution='all'; choose a positive integer"),
    ],
)
def test_bad_options_are_refused(options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        KerasNetwork(SMALL, **options)


def test_compiled_loop_refuses_auto_jit():
    with pytest.raises(
        ValueError, match=re.escape("jit_compile='auto'; choose one of False, True")
    ):
        CompiledLoopNetwork(SMALL, jit_compile="auto")


@needs_xla_in_fit
def test_options_say_how_each_network_trains():
    assert KerasNetwork(SMALL).options == {
        "backend": "tensorflow",
        "jit_compile": False,  # Keras's "auto" on a CPU-only machine
        "steps_per_execution": 1,
    }
    assert KerasNetwork(SMALL, jit_compile=True, steps_per_execution="epoch").options == {
        "backend": "tensorflow",
        "jit_compile": True,
        "steps_per_execution": "epoch",
    }
    assert CompiledLoopNetwork(SMALL).options["jit_compile"] is True


def test_settings_describe_this_process():
    found = settings()
    assert found["backend"] == "tensorflow"
    assert set(found) >= {"onednn", "deterministic", "xla_flags", "threads", "versions"}
    assert found["versions"]["tensorflow"] and found["versions"]["keras"]
    assert found["cores"] >= 1
