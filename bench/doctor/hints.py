"""Likely causes: classic slips replayed in NumPy until one reproduces the network's numbers.

The verdict (which check, layer, parameter, step and how far) comes from Keras and finite
differences; this module only explains it. Where a failure is pinned, it recomputes that layer
the textbook way from the reference's own inputs, with one slip at a time (W read transposed,
the bias left out, another activation, a derivative taken on the wrong quantity, a gradient
scaled by the batch size...), and names the slip whose numbers match the network's to 1e-6.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

MATCH = 1e-6
# float32 rounds at 2^-24 = 6e-8: a float64 check off by 1e-9..1e-5 (relative) and no more is
# float32 arithmetic somewhere; a replay in float32 is matched to float64 rounding.
FLOAT32_GAPS = (1e-9, 1e-5)
EXACT = 1e-12


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "linear": lambda z: z,
    "softmax": _softmax,
}
# f'(z) from z, for the element-wise activations.
DERIVATIVES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda z: (z > 0).astype(np.float64),
    "sigmoid": lambda z: _sigmoid(z) * (1 - _sigmoid(z)),
    "tanh": lambda z: 1 - np.tanh(z) ** 2,
    "linear": np.ones_like,
}


def _activate(layer: dict[str, Any], z: np.ndarray) -> np.ndarray:
    if layer["activation"] == "leaky_relu":
        return np.where(z > 0, z, layer.get("negative_slope", 0.01) * z)
    return FUNCTIONS[layer["activation"]](z)


def _gap(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape or not np.isfinite(a).all():
        return np.inf
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-12))


def forward_hint(
    layer: dict[str, Any], x_in: np.ndarray, w: np.ndarray, b: np.ndarray, yours: np.ndarray
) -> str | None:
    """The slip that makes one layer output `yours` from the reference's input x_in."""
    n_in, n_out = w.shape
    z = x_in @ w + b
    name = layer["activation"]
    float32 = float32_hint(layer, x_in, w, b, yours)
    if float32 is not None:
        return float32
    candidates = [
        (
            "W read in (output_dim, input_dim) order by reshape, not transposed "
            "(W.reshape(out, in) where W.T was meant)",
            lambda: _activate(layer, x_in @ w.reshape(n_out, n_in).T + b),
        ),
        ("W used transposed", lambda: _activate(layer, x_in @ w.T + b) if n_in == n_out else None),
        ("the bias b left out", lambda: _activate(layer, x_in @ w)),
        ("the bias b subtracted", lambda: _activate(layer, x_in @ w - b)),
        ("sigmoid written 1/(1 + exp(Z)), the exponent's sign lost", lambda: _sigmoid(-z)),
    ]
    for other in FUNCTIONS:
        if other != name:
            candidates.append((f"{other} applied where the spec says {name}", _lazy(other, z)))
    for description, compute in candidates:
        try:
            value = compute()
        except (ValueError, FloatingPointError):
            continue
        if value is not None and _gap(yours, value) < MATCH:
            return description
    return None


def _f32(array: np.ndarray) -> np.ndarray:
    return np.asarray(array, dtype=np.float32).astype(np.float64)


def float32_hint(
    layer: dict[str, Any], x_in: np.ndarray, w: np.ndarray, b: np.ndarray, yours: np.ndarray
) -> str | None:
    """Where float32 arithmetic entered a layer whose output is off by a float32-sized gap."""
    exact = _activate(layer, x_in @ w + b)
    gap = _gap(yours, exact)
    if not FLOAT32_GAPS[0] < gap < FLOAT32_GAPS[1]:
        return None
    replays = [
        (
            "its inputs cast to float32 (the samples, or the layer below's output)",
            lambda: _activate(layer, _f32(x_in) @ w + b),
        ),
        ("W held in float32", lambda: _activate(layer, x_in @ _f32(w) + b)),
        ("W and b held in float32", lambda: _activate(layer, x_in @ _f32(w) + _f32(b))),
        ("inputs and weights in float32", lambda: _activate(layer, _f32(x_in) @ _f32(w) + _f32(b))),
    ]
    for where, replay in replays:
        if _gap(yours, replay()) < EXACT:
            return f"float32 arithmetic: the layer computes with {where}, in a float64 check"
    if np.array_equal(yours, _f32(yours)):
        return "float32 arithmetic: the layer's outputs are float32 numbers, in a float64 check"
    return (
        f"float32 arithmetic: a gap of {gap:.2g} is float32's rounding (6e-8 per operation), "
        "not a slip: weights, inputs or an intermediate held in float32 in this layer"
    )


def _lazy(name: str, z: np.ndarray) -> Callable[[], np.ndarray]:
    return lambda: FUNCTIONS[name](z)


class Reference:
    """The textbook forward and backward pass in NumPy, for replaying one slip at a time."""

    def __init__(
        self,
        layers: list[dict[str, Any]],
        weights: list[tuple[np.ndarray, np.ndarray]],
        x: np.ndarray,
        targets: np.ndarray,
        loss: str,
        params: tuple[str, ...] = ("W", "b"),
    ):
        self.layers, self.weights, self.targets, self.loss = layers, weights, targets, loss
        self.params = params  # the parameters compared: ("W",) for biases held at zero
        self.inputs: list[np.ndarray] = []
        self.z: list[np.ndarray] = []
        self.a: list[np.ndarray] = []
        current = x
        for layer, (w, b) in zip(layers, weights, strict=True):
            self.inputs.append(current)
            self.z.append(current @ w + b)
            current = _activate(layer, self.z[-1])
            self.a.append(current)

    def loss_gradient(self, loss: str) -> np.ndarray:
        """dL/da of the output, for the loss named (Keras's means)."""
        a, t = self.a[-1], self.targets
        if loss == "binary_crossentropy":
            return (a - t) / (a * (1 - a)) / a.size
        if loss == "categorical_crossentropy":
            return -t / a / len(a)
        return 2 * (a - t) / a.size

    def dz(self, index: int, da: np.ndarray, derivative: Callable | None = None) -> np.ndarray:
        """dL/dz of a layer from dL/da, with its derivative (or the one given)."""
        layer, z, a = self.layers[index], self.z[index], self.a[index]
        if derivative is not None:
            return da * derivative(z, a)
        if layer["activation"] == "softmax":
            return a * (da - np.sum(da * a, axis=1, keepdims=True))
        if layer["activation"] == "leaky_relu":
            return da * np.where(z > 0, 1.0, layer.get("negative_slope", 0.01))
        return da * DERIVATIVES[layer["activation"]](z)

    def da(self, index: int) -> np.ndarray:
        """dL/da of a layer, back-propagated correctly from the loss."""
        da = self.loss_gradient(self.loss)
        for above in range(len(self.layers) - 1, index, -1):
            da = self.dz(above, da) @ self.weights[above][0].T
        return da

    def grads(self, index: int, dz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(dW, db) of a layer from its dL/dz."""
        return self.inputs[index].T @ dz, dz.sum(axis=0)


def _derivative_slips(name: str) -> list[tuple[str, Callable]]:
    slips: list[tuple[str, Callable]] = []
    if name in ("sigmoid", "tanh"):
        slips += [
            (
                f"the {name} derivative computed on the pre-activation Z as if it were the "
                f"activation: {'Z(1 - Z)' if name == 'sigmoid' else '1 - Z^2'} instead of "
                f"{'s(1 - s) with s = sigmoid(Z)' if name == 'sigmoid' else '1 - tanh(Z)^2'}",
                (lambda z, a: z * (1 - z)) if name == "sigmoid" else (lambda z, a: 1 - z**2),
            ),
            (
                f"the {name} derivative taken on the activation A = {name}(Z) instead of on Z",
                lambda z, a: DERIVATIVES[name](a),
            ),
        ]
    if name == "relu":
        slips.append(("the relu mask inverted (dZ kept where Z <= 0)", lambda z, a: z <= 0))
    if name == "softmax":
        return [
            (
                "the softmax derivative taken element-wise, dZ = dA * s(1 - s): the softmax "
                "mixes its units, its Jacobian is diag(s) - s s^T (with cross-entropy, "
                "dZ = (s - y) / m)",
                lambda z, a: a * (1 - a),
            )
        ]
    slips.append((f"the {name} derivative left out (dZ = dA)", lambda z, a: np.ones_like(z)))
    for other, derivative in DERIVATIVES.items():
        if other not in (name, "linear"):
            slips.append((f"the {other} derivative used for a {name} layer", _on_z(derivative)))
    return slips


def _on_z(derivative: Callable) -> Callable:
    return lambda z, a: derivative(z)


def scale(yours: np.ndarray, reference: np.ndarray) -> float | None:
    """r with yours == r * reference (to MATCH), or None."""
    norm = float(np.sum(reference * reference))
    if norm == 0.0:
        return None
    r = float(np.sum(yours * reference)) / norm
    return r if _gap(yours, r * reference) < MATCH else None


def _describe_scale(r: float, m: int, what: str) -> str:
    if abs(r - m) < 1e-6 * m:
        return f"{what} is m = {m} times Keras's: the 1/m of the mean over the batch is missing"
    if abs(r * m - 1) < 1e-6:
        return f"{what} is 1/m = 1/{m} of Keras's: divided by the batch size twice"
    if abs(r + 1) < 1e-6:
        return f"{what} has the wrong sign"
    return f"{what} is {r:.6g} times Keras's"


def gradient_hint(
    reference: Reference, wrong: dict[int, list[str]], yours: list, keras: list
) -> str | None:
    """The slip behind gradients that are wrong at `wrong` ({layer: ["W", "b"]})."""
    m = len(reference.targets)
    top = max(wrong)
    every = all(wrong.get(i) == list(reference.params) for i in range(len(reference.layers)))
    ratios = [
        scale(_param(yours, i, p), _param(keras, i, p)) for i, ps in wrong.items() for p in ps
    ]
    if every and None not in ratios and np.ptp(ratios) < 1e-6 * max(abs(r) for r in ratios):
        factor_two = _missing_factor_two(reference, ratios[0])
        return factor_two or _describe_scale(ratios[0], m, "every gradient")
    params = wrong[top]
    if len(params) == 1 and len(reference.params) > 1:  # the other parameter is right
        ratio = scale(_param(yours, top, params[0]), _param(keras, top, params[0]))
        what = f"d{params[0]} of layer {top}"
        if ratio is not None:
            return _describe_scale(ratio, m, what)
        theirs = _param(keras, top, "W")
        reshaped = theirs.T.reshape(theirs.shape)
        if params == ["W"] and _gap(_param(yours, top, "W"), reshaped) < MATCH:
            return (
                f"dW of layer {top} built (output_dim, input_dim) and reshaped to "
                "(input_dim, output_dim) instead of transposed (dW.reshape(in, out) where dW.T "
                "was meant)"
            )
        if params == ["W"]:
            return f"{what} (= A_prev^T . dZ): the layer's input or the product"
        return f"{what} (= the sum of dZ over the batch)"
    da = reference.da(top)
    name = reference.layers[top]["activation"]
    slips = [] if name == "leaky_relu" else _derivative_slips(name)
    for description, derivative in slips:
        candidate = reference.grads(top, reference.dz(top, da, derivative))
        if _matches(candidate, yours[top], reference.params):
            return description
    last = len(reference.layers) - 1
    if top == last:
        for other in ("binary_crossentropy", "categorical_crossentropy", "mean_squared_error"):
            if other != reference.loss:
                dz = reference.dz(top, reference.loss_gradient(other))
                if _matches(reference.grads(top, dz), yours[top], reference.params):
                    return f"the gradient of {other} where the loss is {reference.loss}"
    both = [scale(yours[top][j], keras[top][j]) for j in (0, 1)]
    if None not in both and abs(both[0] - both[1]) < 1e-6 * abs(both[0]):
        return _describe_scale(both[0], m, f"dZ of layer {top}")
    if top == last:
        return (
            f"dZ of the output layer: the gradient of the loss {reference.loss} or the "
            f"derivative of its {name} activation"
        )
    return (
        f"dZ of layer {top}: the derivative of its {name} activation, or the gradient carried "
        f"down through layer {top + 1}'s W (dA = dZ . W^T)"
    )


def _missing_factor_two(reference: Reference, ratio: float) -> str | None:
    """Squared error's derivative written (a - y) / n where it is 2 (a - y) / n: every gradient
    half Keras's, with several outputs (with one, it is the 1/2-sum convention)."""
    if reference.loss == "mean_squared_error" and abs(ratio - 0.5) < 1e-6:
        return (
            "every gradient is 0.5 times Keras's: the squared error's derivative without its "
            "factor 2, (a - y) / n where d/da of mean (a - y)^2 is 2 (a - y) / n"
        )
    return None


def _param(grads: list, layer: int, name: str) -> np.ndarray:
    return grads[layer][0 if name == "W" else 1]


def _matches(candidate: tuple[np.ndarray, np.ndarray], yours: tuple, params: tuple) -> bool:
    return all(
        _gap(yours[j], candidate[j]) < MATCH for j, name in enumerate("Wb") if name in params
    )


def _step(after: list, before: list) -> np.ndarray:
    """Every parameter's change, flattened."""
    return np.concatenate(
        [
            (new - old).ravel()
            for pair_new, pair_old in zip(after, before, strict=True)
            for new, old in zip(pair_new, pair_old, strict=True)
        ]
    )


def step_ratio(start: list, yours: list, keras: list) -> float | None:
    """r with your first step == r * Keras's (to MATCH), or None."""
    return scale(_step(yours, start), _step(keras, start))


def training_hint(
    optimizer: dict[str, Any], start: list, yours: list, keras: list, step: int
) -> str | None:
    """Why the first `step` whose weights part looks the way it does."""
    name, momentum = optimizer["name"], optimizer.get("momentum", 0.0)
    if step == 1:
        mine, theirs = _step(yours, start), _step(keras, start)
        if not mine.any():
            return (
                "your weights did not move in the first step: a velocity added before it is "
                "updated (W += v, then v = mu*v - lr*dW) does that, even with momentum 0; "
                "Keras updates v first, then W += v"
            )
        ratio = scale(mine, theirs)
        if ratio is not None and momentum and abs(ratio - (1 - momentum)) < 1e-6:
            return (
                "your first step is (1 - momentum) times Keras's: the velocity is an average, "
                "v = mu*v + (1 - mu)*dW; Keras's is v = mu*v - lr*dW, W += v"
            )
        if ratio is not None:
            return f"your first step is {ratio:.6g} times Keras's: the learning rate or the sign"
        if name == "sgd" and not momentum:
            return (
                "your first step is no multiple of Keras's, though the gradients agreed: does "
                "fit train on the batch it is given (batches=...), once, in order?"
            )
    if name == "adam":
        return (
            "Keras's Adam adds epsilon outside the bias correction: "
            "W -= lr*sqrt(1 - b2^t)/(1 - b1^t) * m/(sqrt(v) + eps); a textbook Adam, "
            "m_hat/(sqrt(v_hat) + eps), differs from it by a little"
        )
    if momentum and step > 1:
        return (
            "the first step agrees and later ones do not: the velocity is carried over "
            "differently from Keras's v = mu*v - lr*dW, W += v (reset, or mixed with the "
            "gradient in another order?)"
        )
    return None
