"""Back-propagation against central finite differences, float64."""

import itertools

import numpy as np
import pytest

from numpy_nn import Network

HIDDEN = ["relu", "leaky_relu", "sigmoid", "tanh", "linear", "softmax"]
# (output activation, loss, output units) pairs that make sense together.
HEADS = [
    ("sigmoid", "binary_crossentropy", 1),
    ("softmax", "categorical_crossentropy", 3),
    ("linear", "mean_squared_error", 2),
    ("sigmoid", "mean_squared_error", 1),
    ("tanh", "mean_squared_error", 2),
    ("softmax", "mean_squared_error", 3),
    ("relu", "mean_squared_error", 2),
]


def _problem(n_out, loss, rng):
    x = rng.normal(size=(7, 4))
    if loss == "binary_crossentropy":
        y = rng.integers(0, 2, size=7)
    elif loss == "categorical_crossentropy":
        y = rng.integers(0, n_out, size=7)
    else:
        y = rng.normal(size=(7, n_out))
    return x, y


def _max_relative_error(net, x, y, eps=1e-6):
    xc, yc = net._check_x(x), net._check_y(y, len(x))

    def objective():
        return net.evaluate(xc, yc, _checked=True)["loss"]

    analytic = net._gradient(xc, yc)
    numeric = np.empty_like(analytic)
    for i in range(net._params.size):
        saved = net._params[i]
        net._params[i] = saved + eps
        up = objective()
        net._params[i] = saved - eps
        down = objective()
        net._params[i] = saved
        numeric[i] = (up - down) / (2 * eps)
    scale = np.maximum(np.abs(analytic) + np.abs(numeric), 1e-8)
    return float(np.max(np.abs(analytic - numeric) / scale))


@pytest.mark.parametrize(("hidden", "head"), list(itertools.product(HIDDEN, HEADS)))
def test_backprop_matches_finite_differences(hidden, head):
    output, loss, n_out = head
    rng = np.random.default_rng(7)
    layers = [
        {
            "input_dim": 4,
            "output_dim": 5,
            "activation": hidden,
            "init": "glorot_normal",
            "bias_init": "normal_scaled",
        },
        {"input_dim": 5, "output_dim": n_out, "activation": output, "bias_init": "normal_scaled"},
    ]
    net = Network(layers, loss=loss, dtype="float64", seed=3)
    x, y = _problem(n_out, loss, rng)
    assert _max_relative_error(net, x, y) < 1e-6


@pytest.mark.parametrize("head", HEADS[:3])
def test_l2_gradient_matches_finite_differences(head):
    output, loss, n_out = head
    layers = [
        {"input_dim": 4, "output_dim": 6, "activation": "tanh", "l2": 0.05},
        {"input_dim": 6, "output_dim": n_out, "activation": output},
    ]
    net = Network(layers, loss=loss, l2=0.01, dtype="float64", seed=5)  # global l2 on layer 1
    assert net.l2 == [float(np.float32(0.05)), float(np.float32(0.01))]
    x, y = _problem(n_out, loss, np.random.default_rng(1))
    assert _max_relative_error(net, x, y) < 1e-6


def test_cross_entropy_is_finite_for_saturated_outputs():
    layers = [{"input_dim": 1, "output_dim": 1, "activation": "sigmoid"}]
    net = Network(layers, dtype="float64")
    net.set_weights([(np.array([[1.0]]), np.array([0.0]))])
    # logits of -800 and 800 saturate the sigmoid to exactly 0 and 1; the loss stays exact.
    result = net.evaluate(np.array([[-800.0], [800.0]]), np.array([1, 0]))
    assert result["loss"] == pytest.approx(800.0)
    assert np.all(np.isfinite(net.predict_proba(np.array([[-1e5], [1e5]]))))
