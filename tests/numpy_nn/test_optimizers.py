"""Each optimiser's first three updates against references worked out by hand.

The problem: one parameter w = 1.0 that receives the gradients 0.5, -0.25, 1.0 in turn. The
SGD numbers are simple enough to check on paper (written in the comments); RMSprop and Adam are
checked against a scalar transcription of Keras's documented update rules.
"""

import math
import re

import numpy as np
import pytest

from numpy_nn import Network, make_optimizer
from numpy_nn.optimizers import PIECE_BYTES

GRADIENTS = [0.5, -0.25, 1.0]


def _run(spec, dtype="float64"):
    optimizer = make_optimizer(spec)
    w = np.array([1.0], dtype=dtype)
    trajectory = []
    for g in GRADIENTS:
        optimizer.update([w], [np.array([g], dtype=dtype)])
        trajectory.append(float(w[0]))
    return trajectory


def test_sgd():
    # w -= 0.1 * g: 1 - 0.05 = 0.95; 0.95 + 0.025 = 0.975; 0.975 - 0.1 = 0.875
    assert _run({"name": "sgd", "learning_rate": 0.1}) == pytest.approx([0.95, 0.975, 0.875])


def test_sgd_momentum():
    # m = 0.5 m - 0.1 g; w += m:  m = -0.05, 0.0, -0.1;  w = 0.95, 0.95, 0.85
    spec = {"name": "sgd", "learning_rate": 0.1, "momentum": 0.5}
    assert _run(spec) == pytest.approx([0.95, 0.95, 0.85], abs=1e-15)


def test_sgd_nesterov():
    # m as above; w += 0.5 m - 0.1 g:  -0.075, +0.025, -0.15  ->  0.925, 0.95, 0.8
    spec = {"name": "sgd", "learning_rate": 0.1, "momentum": 0.5, "nesterov": True}
    assert _run(spec) == pytest.approx([0.925, 0.95, 0.8], abs=1e-15)


def test_momentum_is_rounded_to_float32_as_keras_does():
    """Keras casts the Python float 0.9 through a float32 tensor, even in float64 runs."""
    keras_mu = 0.8999999761581421
    # m1 = -0.05; m2 = mu * m1 + 0.025; w = 0.95 + m2
    expected_second = 0.95 + (keras_mu * -0.05 + 0.025)
    second = _run({"name": "sgd", "learning_rate": 0.1, "momentum": 0.9})[1]
    assert second == pytest.approx(expected_second, abs=1e-16)
    assert second != pytest.approx(0.93, abs=1e-10)  # what an exact 0.9 would give


def _rmsprop_reference(lr=0.1, rho=0.9, eps=1e-7, momentum=0.0, centered=False):
    w, v, mom, avg, out = 1.0, 0.0, 0.0, 0.0, []
    for g in GRADIENTS:
        v = rho * v + (1 - rho) * g * g
        avg = rho * avg + (1 - rho) * g
        denominator = (v - avg * avg if centered else v) + eps
        increment = lr * g / math.sqrt(denominator)
        mom = momentum * mom + increment
        w -= mom
        out.append(w)
    return out


@pytest.mark.parametrize("options", [{}, {"momentum": 0.5}, {"centered": True}])
def test_rmsprop(options):
    spec = {"name": "rmsprop", "learning_rate": 0.1, **options}
    assert _run(spec) == pytest.approx(_rmsprop_reference(**options), abs=1e-15)
    if not options:
        # First step by hand: v = 0.1 * 0.25 = 0.025; w = 1 - 0.05 / sqrt(0.025 + 1e-7)
        assert _run(spec)[0] == pytest.approx(1 - 0.05 / math.sqrt(0.0250001), abs=1e-15)


def _adam_reference(lr=0.1, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False):
    # Keras's bias correction uses betas cast through float32 (see numpy_nn/rounding.py).
    b1_cast, b2_cast = float(np.float32(b1)), float(np.float32(b2))
    w, m, v, v_hat, out = 1.0, 0.0, 0.0, 0.0, []
    for t, g in enumerate(GRADIENTS, start=1):
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        v_hat = max(v_hat, v)
        alpha = lr * math.sqrt(1 - b2_cast**t) / (1 - b1_cast**t)
        w -= m * alpha / (math.sqrt(v_hat if amsgrad else v) + eps)
        out.append(w)
    return out


@pytest.mark.parametrize("options", [{}, {"amsgrad": True}])
def test_adam(options):
    spec = {"name": "adam", "learning_rate": 0.1, **options}
    ours = _run(spec)
    assert ours == pytest.approx(_adam_reference(amsgrad=options.get("amsgrad", False)), abs=1e-15)
    # Adam's first step is lr * sign(g), up to epsilon and the float32-rounded betas in the
    # bias correction (1.3e-5 relative), so w moves from 1 to about 0.9.
    assert ours[0] == pytest.approx(0.9, abs=2e-6)


def test_float32_updates_stay_float32():
    optimizer = make_optimizer({"name": "adam"})
    w = np.ones(3, dtype=np.float32)
    optimizer.update([w], [np.full(3, 0.5, dtype=np.float32)])
    assert w.dtype == np.float32
    assert optimizer._state[0]["m"].dtype == np.float32


def test_network_steps_use_the_optimizer():
    """One linear unit, loss (w + b)^2 on x=1, y=0: grad_w = grad_b = 2 (w + b)."""
    layers = [{"input_dim": 1, "output_dim": 1, "activation": "linear"}]
    net = Network(layers, optimizer={"name": "sgd", "learning_rate": 0.1}, dtype="float64")
    net.set_weights([(np.array([[0.5]]), np.array([0.25]))])
    net.fit(np.array([[1.0]]), np.array([0.0]), epochs=1)
    # grad = 2 * 0.75 = 1.5; w = 0.5 - 0.15 = 0.35; b = 0.25 - 0.15 = 0.1
    ((w, b),) = net.get_weights()
    assert w[0, 0] == pytest.approx(0.35, abs=1e-15) and b[0] == pytest.approx(0.1, abs=1e-15)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"name": "sgdd"}, "unknown optimizer 'sgdd'; choose one of sgd, rmsprop, adam"),
        ({"name": "adam", "lr": 0.1}, "bad parameter for optimizer 'adam'"),
        ({"name": "sgd", "learning_rate": -1}, "learning_rate must be a finite number > 0, got -1"),
        ({"name": "sgd", "momentum": 1.5}, "momentum must be a finite number >= 0 and < 1"),
    ],
)
def test_bad_optimizer_specs(spec, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make_optimizer(spec)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "spec",
    [
        {"name": "adam", "learning_rate": 0.01, "amsgrad": True},
        {"name": "rmsprop", "centered": True, "momentum": 0.5},
        {"name": "sgd", "momentum": 0.9, "nesterov": True},
    ],
    ids=["adam", "rmsprop", "sgd-nesterov"],
)
def test_updates_in_cache_sized_pieces_compute_the_same_numbers(spec, dtype):
    """A buffer larger than PIECE_BYTES is updated piece by piece: bit for bit the same."""
    size = 3 * PIECE_BYTES // np.dtype(dtype).itemsize + 5  # three whole pieces and a bit
    rng = np.random.default_rng(0)
    start = rng.normal(size=size).astype(dtype)
    gradients = [rng.normal(size=size).astype(dtype) for _ in range(3)]
    results = []
    for in_pieces in (True, False):
        optimizer = make_optimizer(spec)
        assert optimizer.in_pieces
        optimizer.in_pieces = in_pieces
        w = start.copy()
        for g in gradients:
            optimizer.update([w], [g.copy()])
        results.append(w)
    assert not np.array_equal(results[0], start)
    np.testing.assert_array_equal(results[0], results[1])


def test_a_new_learning_rate_applies_from_the_next_step():
    """The cast learning rate is cached per dtype; setting a new one (a schedule) replaces it."""
    optimizer = make_optimizer({"name": "sgd", "learning_rate": 0.1})
    w32, w64 = np.array([1.0], dtype=np.float32), np.array([1.0])
    optimizer.update([w32, w64], [np.array([0.5], dtype=np.float32), np.array([0.5])])
    optimizer.learning_rate = 0.2
    optimizer.update([w32, w64], [np.array([0.5], dtype=np.float32), np.array([0.5])])
    # 1 - 0.05 - 0.1, each rounded in its own dtype
    assert w64[0] == pytest.approx(0.85, abs=1e-15)
    assert w32[0] == np.float32(np.float32(1) - np.float32(0.5) * np.float32(0.1)) - np.float32(
        0.5
    ) * np.float32(0.2)
    with pytest.raises(
        ValueError, match=re.escape("learning_rate must be a finite number > 0, got 0")
    ):
        optimizer.learning_rate = 0


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"name": "sgd", "learning_rate": True}, "learning_rate must be a finite number > 0"),
        ({"name": "adam", "learning_rate": float("inf")}, "learning_rate must be a finite number"),
        ({"name": "sgd", "learning_rate": "0.1"}, "got '0.1'"),
        ({"name": "adam", "epsilon": -1}, "epsilon must be a finite number > 0, got -1"),
        ({"name": "rmsprop", "rho": 2}, "rho must be a finite number >= 0 and < 1, got 2"),
        ({"name": "sgd", "momentum": float("nan")}, "momentum must be a finite number >= 0"),
        ({"name": "sgd", "nesterov": "yes"}, "nesterov must be true or false, got 'yes'"),
        ({"name": "adam", "amsgrad": 1}, "amsgrad must be true or false, got 1"),
        (5, "an optimizer is a name or a table with a name, got 5"),
    ],
)
def test_bad_hyper_parameters_are_refused_with_their_name(spec, message):
    """Each of these once reached Keras, which failed inside a fight instead of at the start."""
    with pytest.raises(ValueError, match=re.escape(message)):
        make_optimizer(spec)
