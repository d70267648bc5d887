"""A fighter's numbers are checked as they arrive: a bad one fails that fighter's record, with
the reason, and never the run nor another fighter's result."""

import math
import textwrap

import numpy as np
import pytest

from bench.plan.suite import load_suite
from bench.run.progress import Progress
from bench.run.runner import run_suite
from bench.run.train import FighterTask, run_task
from bench.store.run_folder import load_run
from numpy_nn import Network

LAYERS = [
    {"input_dim": 2, "output_dim": 4, "activation": "tanh"},
    {"input_dim": 4, "output_dim": 1, "activation": "sigmoid"},
]
SOFTMAX = [
    {"input_dim": 2, "output_dim": 4, "activation": "tanh"},
    {"input_dim": 4, "output_dim": 3, "activation": "softmax"},
]


def task(layers=LAYERS, dataset="moons", loss="binary_crossentropy"):
    return FighterTask(
        fighter="mine",
        case="c",
        seed=0,
        mode="fair",
        layers=layers,
        loss=loss,
        optimizer={"name": "sgd", "learning_rate": 0.1},
        l2=0.0,
        dtype="float64",
        epochs=2,
        batch_size=16,
        dataset={
            "name": dataset,
            "params": {"n_samples": 90},
            "seed": 0,
            "cache_dir": None,
            "fingerprint": None,
        },
    )


class Seconds(Network):
    """Reports a chosen epoch time instead of the measured one."""

    seconds = -1.0

    def fit(self, *args, callback=None, **kwargs):
        def lying(epoch, logs):
            return callback(epoch, {**logs, "epoch_seconds": self.seconds})

        return super().fit(*args, callback=lying, **kwargs)


class Silent(Network):
    """Trains, but never calls the callback."""

    def fit(self, *args, callback=None, **kwargs):
        return super().fit(*args, **kwargs)


class Scaled(Network):
    """Probabilities times 1000, centred: values around +-500."""

    def predict_proba(self, x):
        return (super().predict_proba(x) - 0.5) * 1000


class ThreeColumns(Network):
    """Three columns for a one-unit output."""

    def predict_proba(self, x):
        p = super().predict_proba(x)
        return np.hstack([p, p, p])


class Unnormalised(Network):
    """Softmax rows that do not sum to 1."""

    def predict_proba(self, x):
        return super().predict_proba(x) * 0.5


@pytest.mark.parametrize("seconds", [-1.0, 0.0, math.nan, math.inf, "fast"])
def test_an_impossible_epoch_time_fails_the_fighter_naming_it(seconds):
    cls = type("Liar", (Seconds,), {"seconds": seconds})
    record = run_task(task(), cls)
    assert record["status"] == "failed"
    assert record["reason"] == (
        f"BadNumbers: epoch 1: the callback's logs['epoch_seconds'] is {seconds!r}; it must be "
        "the epoch's training time, a finite number of seconds > 0"
    )


def test_a_fit_that_never_calls_the_callback_says_so():
    record = run_task(task(), Silent)
    assert record["status"] == "failed"
    assert record["reason"].startswith(
        "BadNumbers: fit() returned without calling the callback once (2 epochs asked)"
    )


def test_values_that_are_not_probabilities_fail_the_fighter():
    record = run_task(task(), Scaled)
    assert record["status"] == "failed"
    assert "a sigmoid output gives probabilities in [0, 1]" in record["reason"]
    assert record["metrics"] is None


def test_the_wrong_number_of_columns_fails_the_fighter():
    record = run_task(task(), ThreeColumns)
    assert record["status"] == "failed"
    assert (
        "predict_proba returned shape (81, 3) for 81 samples; expected (81, 1)"
        in (record["reason"])
    )


def test_softmax_rows_must_sum_to_one():
    layers_task = task(SOFTMAX, "blobs", "categorical_crossentropy")
    assert run_task(layers_task, Network)["status"] == "ok"
    record = run_task(layers_task, Unnormalised)
    assert record["status"] == "failed"
    assert "sums to 0.5; a softmax output's probabilities sum to 1" in record["reason"]


def test_an_honest_network_still_passes():
    record = run_task(task(), Network)
    assert record["status"] == "ok" and all(s > 0 for s in record["history"]["epoch_seconds"])


@pytest.mark.slow
def test_a_nan_epoch_time_costs_neither_the_run_nor_davids_result(tmp_path):
    (tmp_path / "liar.py").write_text(
        textwrap.dedent(
            """
            from numpy_nn import Network

            class Liar(Network):
                def fit(self, *args, callback=None, **kwargs):
                    def lying(epoch, logs):
                        return callback(epoch, {**logs, "epoch_seconds": float("nan")})
                    return super().fit(*args, callback=lying, **kwargs)
            """
        )
    )
    (tmp_path / "suite.toml").write_text(
        textwrap.dedent(
            """
            [fighter.liar]
            path = "liar.py"
            class = "Liar"
            [[case]]
            name = "moons"
            dataset = "moons"
            dataset_params = { n_samples = 100 }
            hidden = [4]
            epochs = 3
            seeds = 1
            dtype = "float64"
            fighters = ["david", "liar"]
            """
        )
    )
    suite = load_suite(tmp_path / "suite.toml")
    run_suite(suite, tmp_path / "run", suite.cases, Progress(0), cache_dir=tmp_path / "cache")
    (fight,) = load_run(tmp_path / "run").fights
    assert fight.fighters["david"].status == "ok"
    assert fight.fighters["liar"].status == "failed"
    assert "logs['epoch_seconds'] is nan" in fight.fighters["liar"].reason
