"""David equals the textbook, step for step: forward, gradients, and weights after each update.

Both start from the same weights in float64. The hyper-parameters are ones float32 holds
exactly (momentum 0.875, beta_2 = 1 - 2**-10, L2 2**-7...), since David rounds them to float32
as Keras does and the textbook takes them as given.
"""

import numpy as np
import pytest

from numpy_nn import Network, textbook

TOLERANCE = {"rtol": 1e-12, "atol": 1e-12}
N_SAMPLES = 10


def _layers(sizes, activations, l2=None):
    layers = [
        {"input_dim": d_in, "output_dim": d_out, "activation": activation}
        for d_in, d_out, activation in zip(sizes[:-1], sizes[1:], activations, strict=True)
    ]
    for layer, factor in zip(layers, l2 or [], strict=False):
        layer["l2"] = factor
    return layers


# name -> (layers, loss, global l2, David's optimiser, the textbook's)
SPECS = {
    "3-4-2 leaky_relu/softmax, momentum": (
        _layers([3, 4, 2], ["leaky_relu", "softmax"]),
        None,
        0.0,
        {"name": "sgd", "learning_rate": 0.1, "momentum": 0.875},
        lambda: textbook.SGD(0.1, momentum=0.875),
    ),
    "3-4-2 sigmoid/softmax, Adam": (
        _layers([3, 4, 2], ["sigmoid", "softmax"]),
        None,
        0.0,
        {"name": "adam", "learning_rate": 0.01, "beta_1": 0.875, "beta_2": 1 - 2**-10},
        lambda: textbook.Adam(0.01, beta_1=0.875, beta_2=1 - 2**-10),
    ),
    "relu/tanh/sigmoid, binary cross-entropy, L2": (
        _layers([4, 6, 5, 1], ["relu", "tanh", "sigmoid"], l2=[2**-5, None, 0.0]),
        None,
        2**-7,
        {"name": "sgd", "learning_rate": 0.5},
        lambda: textbook.SGD(0.5),
    ),
    "tanh/linear, MSE, L2, Adam": (
        _layers([3, 5, 2], ["tanh", "linear"]),
        "mean_squared_error",
        2**-6,
        {"name": "adam", "learning_rate": 0.05, "beta_1": 0.75, "beta_2": 0.875},
        lambda: textbook.Adam(0.05, beta_1=0.75, beta_2=0.875),
    ),
    "relu/softmax under MSE (softmax's own gradient), momentum": (
        _layers([3, 4, 3], ["relu", "softmax"]),
        "mean_squared_error",
        0.0,
        {"name": "sgd", "learning_rate": 0.3, "momentum": 0.5},
        lambda: textbook.SGD(0.3, momentum=0.5),
    ),
}


def _setup(name, seed=0):
    layers, loss, l2, david_optimizer, textbook_optimizer = SPECS[name]
    net = Network(layers, loss=loss, optimizer=david_optimizer, l2=l2, dtype="float64", seed=seed)
    rng = np.random.default_rng(seed + 1)
    x = rng.normal(size=(N_SAMPLES, layers[0]["input_dim"]))
    n_out = layers[-1]["output_dim"]
    if net.loss.name == "mean_squared_error":
        y = rng.normal(size=(N_SAMPLES, n_out))
    elif n_out == 1:
        y = rng.integers(0, 2, size=(N_SAMPLES, 1)).astype(float)
    else:
        y = np.eye(n_out)[rng.integers(0, n_out, N_SAMPLES)]  # one-hot rows
    book = {
        "activations": [layer["activation"] for layer in layers],
        "loss_name": net.loss.name,
        "l2": net.l2,  # per-layer factors, already what float32 holds
    }
    return net, x, y, book, textbook_optimizer()


def _assert_same_weights(weights, params):
    for (w, b), (w_book, b_book) in zip(weights, params, strict=True):
        np.testing.assert_allclose(w, w_book, **TOLERANCE)
        np.testing.assert_allclose(b, b_book, **TOLERANCE)


@pytest.mark.parametrize("name", SPECS)
def test_forward_equals_the_textbook_layer_by_layer(name):
    net, x, _, book, _ = _setup(name)
    outputs = [np.empty((N_SAMPLES, layer["output_dim"])) for layer in net.layers]
    net._forward(x, outputs)
    a = textbook.forward(net.get_weights(), book["activations"], x)
    for mine, theirs in zip(outputs, a[1:], strict=True):
        np.testing.assert_allclose(mine, theirs, **TOLERANCE)
    np.testing.assert_allclose(net.predict_proba(x), a[-1], **TOLERANCE)


@pytest.mark.parametrize("name", SPECS)
def test_loss_and_gradients_equal_the_textbook(name):
    net, x, y, book, _ = _setup(name)
    params = net.get_weights()
    out = textbook.forward(params, book["activations"], x)[-1]
    penalty = sum(l2 * np.sum(w**2) for l2, (w, _) in zip(book["l2"], params, strict=True))
    loss = textbook.loss(y, out, book["loss_name"]) + penalty
    assert net.evaluate(x, y)["loss"] == pytest.approx(loss, rel=1e-12)
    grads = textbook.backward(params, book["activations"], book["loss_name"], x, y, book["l2"])
    np.testing.assert_allclose(net._gradient(x, y), textbook._flat(grads), **TOLERANCE)


@pytest.mark.parametrize("name", SPECS)
def test_given_batches_train_like_the_textbook_step_by_step(name):
    net, x, y, book, optimizer = _setup(name)
    params = net.get_weights()
    rng = np.random.default_rng(2)
    steps = [[rng.choice(N_SAMPLES, size=4, replace=False)] for _ in range(6)]
    seen = []
    net.fit(
        x,
        y,
        epochs=len(steps),
        batches=steps,
        evaluate=False,
        callback=lambda epoch, logs: seen.append(net.get_weights()),
    )
    for (indices,), after in zip(steps, seen, strict=True):
        params = textbook.train_step(
            params, x=x[indices], y=y[indices], optimizer=optimizer, **book
        )
        _assert_same_weights(after, params)


@pytest.mark.parametrize("name", SPECS)
@pytest.mark.parametrize("batch_size", [None, 4])
def test_fit_trains_like_the_textbook(name, batch_size):
    """Full batch, and minibatches in the order fit draws from its rng (the last one short)."""
    net, x, y, book, optimizer = _setup(name)
    params = net.get_weights()
    epochs, draws = 3, np.random.default_rng(3)
    seen = []
    net.fit(
        x,
        y,
        epochs=epochs,
        batch_size=batch_size,
        rng=np.random.default_rng(3),
        evaluate=False,
        callback=lambda epoch, logs: seen.append(net.get_weights()),
    )
    for after in seen:
        if batch_size is None:
            batches = [np.arange(N_SAMPLES)]
        else:
            perm = draws.permutation(N_SAMPLES)
            batches = [perm[i : i + batch_size] for i in range(0, N_SAMPLES, batch_size)]
        for indices in batches:
            params = textbook.train_step(
                params, x=x[indices], y=y[indices], optimizer=optimizer, **book
            )
        _assert_same_weights(after, params)
    assert len(seen) == epochs
