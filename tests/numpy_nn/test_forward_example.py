"""The 3-4-2 worked example of the modern-networks article, number for number."""

import numpy as np
import pytest

from numpy_nn import Network

NETWORK_3_4_2 = [
    {"input_dim": 3, "output_dim": 4, "activation": "leaky_relu"},
    {"input_dim": 4, "output_dim": 2, "activation": "softmax"},
]


@pytest.fixture
def net():
    net = Network(NETWORK_3_4_2, dtype="float32")
    net.set_flat_weights(np.arange(1, 27, dtype=np.float32) / 100)  # 0.01 .. 0.26
    return net


def test_flat_weights_follow_the_article_order(net):
    (w_ih, b_h), (w_ho, b_o) = net.get_weights()
    assert w_ih[0, 0] == np.float32(0.01) and w_ih[2, 0] == np.float32(0.09)  # input -> hidden[0]
    np.testing.assert_array_equal(b_h, np.float32([0.13, 0.14, 0.15, 0.16]))
    assert w_ho[3, 1] == np.float32(0.24)  # "the weight from hidden[3] to output[1] is 0.24"
    assert b_o[0] == np.float32(0.25)  # "the bias for output[0] is 0.25"
    np.testing.assert_array_equal(net.get_flat_weights(), np.arange(1, 27, dtype=np.float32) / 100)


def test_pre_activations_and_outputs_match_the_article(net):
    x = np.array([[3.0, 4.0, -4.5]], dtype=np.float32)
    (w_ih, b_h), (w_ho, b_o) = net.get_weights()
    hidden_z = x @ w_ih + b_h
    np.testing.assert_allclose(hidden_z[0], [-0.0450, -0.0100, 0.0250, 0.0600], atol=5e-5)
    outputs = [np.empty((1, 4), np.float32), np.empty((1, 2), np.float32)]
    net._forward(x, outputs)  # each layer's activation, computed in place
    np.testing.assert_allclose(outputs[0][0], [-0.00045, -0.0001, 0.0250, 0.0600], atol=5e-6)
    np.testing.assert_allclose((outputs[0] @ w_ho + b_o)[0], [0.2690, 0.2798], atol=5e-5)
    output = net.predict_proba(x)[0]
    assert [round(float(p), 4) for p in output] == [0.4973, 0.5027]
    assert net.predict(x).tolist() == [1]  # "the prediction is female": the second output


def test_leaky_slope_is_configurable():
    layers = [{"input_dim": 1, "output_dim": 1, "activation": "leaky_relu", "negative_slope": 0.25}]
    net = Network(layers, loss="mean_squared_error", dtype="float64")
    net.set_weights([(np.array([[1.0]]), np.array([0.0]))])
    assert net.predict_proba(np.array([[-2.0], [2.0]])).ravel().tolist() == [-0.5, 2.0]
