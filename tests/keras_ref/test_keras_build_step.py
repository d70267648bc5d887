"""The one-sample step that builds an XLA model's loss before fit runs without XLA, same bits.

Compiling it with XLA cost ~0.3 s of CPU per model for a function nothing runs again; its
numbers never reach training, so the trained weights and predictions must not move a bit.
"""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from keras_ref import KerasNetwork, settings

needs_xla = pytest.mark.skipif(
    bool(settings()["deterministic"]), reason="Keras turns XLA off under op determinism"
)
DIGITS_NETWORK = [
    {"input_dim": 64, "output_dim": 32, "activation": "relu"},
    {"input_dim": 32, "output_dim": 10, "activation": "softmax"},
]


def trained(dtype: str, build_with_xla: bool) -> KerasNetwork:
    """A two-epoch XLA fit on 600 digits replaying fixed batches of 32."""
    x, y = load_digits(return_X_y=True)
    x, y = x[:600] / 16.0, y[:600]
    network = KerasNetwork(
        DIGITS_NETWORK,
        dtype=dtype,
        jit_compile=True,
        steps_per_execution="epoch",
        optimizer={"name": "adam", "learning_rate": 0.01},
    )
    if build_with_xla:  # the step as it was: compiled with the model's own XLA setting
        network.model.test_on_batch(network._x(x[:1]), network._y(y[:1], 1))
        network._built_for_training = True
    rng = np.random.default_rng(3)
    batches = [
        [order[start : start + 32] for start in range(0, len(x), 32)]
        for order in (rng.permutation(len(x)) for _ in range(2))
    ]
    network.fit(x, y, epochs=2, batches=batches, evaluate=False)
    return network


@needs_xla
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_build_step_without_xla_trains_the_same_bits(dtype):
    x = load_digits().data[600:900] / 16.0
    before, after = trained(dtype, build_with_xla=True), trained(dtype, build_with_xla=False)
    for (w_before, b_before), (w_after, b_after) in zip(
        before.get_weights(), after.get_weights(), strict=True
    ):
        assert np.array_equal(w_before, w_after) and np.array_equal(b_before, b_after)
    assert np.array_equal(before.predict_proba(x), after.predict_proba(x))


@needs_xla
def test_the_build_step_compiles_no_xla_and_leaves_xla_on():
    x, y = load_digits(return_X_y=True)
    network = KerasNetwork(DIGITS_NETWORK, jit_compile=True)
    seen = []
    make_test_function = network.model.make_test_function

    def spy(*args, **kwargs):
        seen.append(network.model.jit_compile)
        return make_test_function(*args, **kwargs)

    network.model.make_test_function = spy
    network.fit(x[:64], y[:64], epochs=1, batch_size=32, evaluate=False)
    assert seen == [False]
    assert network.model.jit_compile is True
    # evaluate's step is compiled afresh, with XLA, and gives Keras's loss
    assert np.isfinite(network.evaluate(x[:64], y[:64])["loss"])
    assert seen == [False, True]
