"""Keras on the JAX backend (the keras-jax fighter), each check in its own process.

float64 on JAX is refused with a clear error, for two reasons found here: JAX computes in float32
unless x64 mode is on (JAX_ENABLE_X64=1 before it loads), and even with x64 Keras 3.15's JAX
`ops.mean`, which every Keras loss uses, averages float64 values in float32 (its compute dtype
`result_type(float64, "float32")` resolves to float32). Measured with x64 on before the refusal,
after 5 epochs of 10 steps from one fair start: losses 3e-9..7e-9 and weights 1e-8..3e-8 apart
from David for SGD, momentum, Adam and mean squared error alike, where float64 parity is 1e-16.
So Keras on JAX is held to float32 parity at the float32 tolerances.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Every test starts JAX in a process of its own (a minute or more each): the slow lane.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json, sys
from collections.abc import Sequence
import numpy as np
from sklearn.datasets import make_moons
from bench.run.fair_start import make_fair_start
from bench.run.metrics import max_weight_difference
from numpy_nn import Network
import keras_ref
from keras_ref import KerasNetwork

dtype = sys.argv[1]
HIDDEN = [
    {"input_dim": 2, "output_dim": 16, "activation": "relu"},
    {"input_dim": 16, "output_dim": 16, "activation": "tanh"},
]
BCE = HIDDEN + [{"input_dim": 16, "output_dim": 1, "activation": "sigmoid"}]
MSE = HIDDEN + [{"input_dim": 16, "output_dim": 1, "activation": "linear"}]
SGD = {"name": "sgd", "learning_rate": 0.1}
EXACT_ADAM = {  # hyperparameters float32 holds exactly
    "name": "adam", "learning_rate": 2**-7, "beta_1": 0.875, "beta_2": 1 - 2**-10,
    "epsilon": 2**-23,
}
CASES = {
    "sgd": (BCE, SGD, {}),
    "sgd-spe-3": (BCE, SGD, {"steps_per_execution": 3}),
    "sgd-spe-epoch": (BCE, SGD, {"steps_per_execution": "epoch"}),
    "momentum": (BCE, {"name": "sgd", "learning_rate": 0.05, "momentum": 0.75}, {}),
    "adam-exact": (BCE, EXACT_ADAM, {}),
    "adam-default": (BCE, {"name": "adam"}, {}),
    "mse": (MSE, SGD, {}),
}


class RecordingOrders(Sequence):
    def __init__(self, batches):
        self.batches, self.reads = batches, []

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, epoch):
        self.reads.append(epoch)
        return self.batches[epoch]


x, y = make_moons(300, noise=0.2, random_state=0)
result = {"settings": keras_ref.settings(), "tensorflow_loaded": "tensorflow" in sys.modules}
try:
    KerasNetwork(BCE, dtype=dtype)
except ValueError as err:
    result["error"] = str(err)
    print(json.dumps(result))
    sys.exit(0)
gaps = {}
for name, (layers, optimizer, options) in CASES.items():
    start = make_fair_start(layers, 0, len(x), 5, 32)  # 10 steps per epoch, the last of 12
    loss = "mean_squared_error" if layers is MSE else None
    david = Network(layers, loss=loss, dtype=dtype, optimizer=optimizer)
    goliath = KerasNetwork(layers, loss=loss, dtype=dtype, optimizer=optimizer, **options)
    david.set_weights(start.weights)
    goliath.set_weights(start.weights)
    orders = RecordingOrders(start.batches)
    david_history = david.fit(x, y, epochs=5, batches=start.batches)
    goliath_history = goliath.fit(x, y, epochs=5, batches=orders)
    gaps[name] = {
        "loss": float(np.max(np.abs(np.subtract(david_history.loss, goliath_history.loss)))),
        "weights": max_weight_difference(david.get_weights(), goliath.get_weights()),
        "trained": goliath_history.loss[-1] < goliath_history.loss[0],
        "reads": orders.reads,
        "options": goliath.options,
    }
result["gaps"] = gaps
result["tensorflow_loaded"] = "tensorflow" in sys.modules
print(json.dumps(result))
"""


def run_on_jax(dtype: str, x64: bool) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("KERAS_BACKEND", "JAX_ENABLE_X64", "KERAS_REF_DETERMINISTIC")
    }
    env.update(KERAS_BACKEND="jax", PYTHONPATH=str(ROOT))
    if x64:
        env["JAX_ENABLE_X64"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, dtype],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def float32_run():
    return run_on_jax("float32", x64=False)


def test_the_jax_fighter_runs_on_jax_without_tensorflow(float32_run):
    found = float32_run["settings"]
    assert found["backend"] == "jax" and found["jax_x64"] is False
    assert "jax" in found["versions"] and "tensorflow" not in found["versions"]
    assert float32_run["tensorflow_loaded"] is False
    for gap in float32_run["gaps"].values():
        assert gap["options"]["jit_compile"] is True  # Keras's "auto" is XLA on JAX


def test_float64_without_x64_is_refused():
    result = run_on_jax("float64", x64=False)
    assert result["error"] == (
        "dtype 'float64' on the JAX backend needs JAX_ENABLE_X64=1 in the environment before "
        "the process starts; choose float32 or set it"
    )


def test_float64_with_x64_is_refused_while_keras_averages_in_float32():
    result = run_on_jax("float64", x64=True)
    assert result["settings"]["jax_x64"] is True
    assert result["error"] == (
        f"dtype 'float64' on the JAX backend: Keras {result['settings']['versions']['keras']} "
        "averages float64 losses in float32 (keras.ops.mean), so training would not be float64; "
        "choose float32 or the tensorflow backend"
    )


def test_float32_parity_on_jax(float32_run):
    for name, gap in float32_run["gaps"].items():
        assert gap["loss"] <= 1e-5, name
        assert gap["weights"] <= 1e-4, name
        assert gap["trained"], name


def test_the_jax_replay_reads_each_epoch_once_in_order(float32_run):
    for name, gap in float32_run["gaps"].items():
        assert gap["reads"] == [0, 1, 2, 3, 4], name
