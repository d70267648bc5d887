"""Optimisers whose update rules follow Keras 3's `update_step` definitions operation for operation.

Each optimiser updates a list of parameter arrays in place from a list of gradients of the same
shapes, keeping its per-parameter state (momentum, velocity...) in arrays of the same dtype.
Scalars are cast to the parameters' dtype first, as Keras does, so float32 runs round alike;
momentum and Adam's betas are rounded to float32 first, as Keras does (see rounding.py).

Updates allocate nothing: every operation writes into the parameters, the state, a scratch array
kept with the state, or the gradient itself, which the update uses up (the caller recomputes it
before the next step). Each in-place operation computes exactly what the written-out formula in
its comment computes, rounding included.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np

from .rounding import float32_rounded

# An update of several passes (Adam makes a dozen) runs piece by piece over large parameter
# buffers, each piece small enough to stay in the CPU's L2 cache across the passes: the same
# operations on the same numbers, with the memory traffic of one pass instead of a dozen.
PIECE_BYTES = 256 * 1024


class Optimizer:
    """Base class: holds the learning rate and the step counter."""

    name = "optimizer"
    in_pieces = False  # whether update runs _step on cache-sized pieces of 1-D buffers

    def __init__(self, learning_rate: float):
        self.learning_rate = learning_rate
        self.iterations = 0
        self._state: list[dict[str, np.ndarray]] | None = None

    @property
    def learning_rate(self) -> float:
        """The step size (a schedule may set it between steps)."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = checked_number("learning_rate", value, above=0.0)
        self._learning_rate_as: dict[np.dtype, np.generic] = {}

    def _learning_rate_in(self, dtype: np.dtype) -> np.generic:
        """The learning rate cast to dtype, as Keras casts it: once, not every step."""
        lr = self._learning_rate_as.get(dtype)
        if lr is None:
            lr = self._learning_rate_as[dtype] = dtype.type(self._learning_rate)
        return lr

    def update(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """Apply one step to every parameter, in place; the gradients are overwritten."""
        states = self._state
        if states is None:
            states = self._state = [self._init_state(p) for p in params]
        step = self._step
        for param, grad, state in zip(params, grads, states, strict=True):
            if self.in_pieces and param.nbytes > PIECE_BYTES and param.ndim == 1:
                piece = PIECE_BYTES // param.itemsize
                for start in range(0, param.size, piece):
                    part = slice(start, start + piece)
                    step(param[part], grad[part], {k: v[part] for k, v in state.items()})
            else:
                step(param, grad, state)
        self.iterations += 1

    def reset(self) -> None:
        """Forget per-parameter state and the step count (new parameters were loaded)."""
        self.iterations = 0
        self._state = None

    def state_size(self) -> int:
        """How many parameter-sized arrays the optimiser keeps (state and scratch)."""
        return len(self._init_state(np.empty(0)))

    def _init_state(self, param: np.ndarray) -> dict[str, np.ndarray]:
        return {}

    def _step(self, param: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Plain SGD, or with momentum (m = mu*m - lr*g; w += m), optionally Nesterov."""

    name = "sgd"

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False):
        super().__init__(learning_rate)
        self.momentum = checked_number("momentum", momentum, at_least=0.0, below=1.0)
        self.nesterov = checked_flag("nesterov", nesterov)
        self.in_pieces = bool(momentum)  # plain SGD makes two passes: nothing to gain

    def _init_state(self, param):
        state = {"m": np.zeros_like(param)} if self.momentum else {}
        if self.nesterov and self.momentum:
            state["scratch"] = np.empty_like(param)
        return state

    def _step(self, param, grad, state):
        grad *= self._learning_rate_in(param.dtype)  # g * lr: every variant's term
        if not self.momentum:
            param -= grad  # w -= g * lr
            return
        mu = param.dtype.type(float32_rounded(self.momentum))
        m = state["m"]
        m *= mu
        m -= grad  # m = m * mu - g * lr
        if self.nesterov:
            step = np.multiply(m, mu, out=state["scratch"])
            step -= grad
            param += step  # w += m * mu - g * lr
        else:
            param += m


class RMSprop(Optimizer):
    """RMSprop with Keras's epsilon inside the square root; optional momentum and centring."""

    name = "rmsprop"
    in_pieces = True

    def __init__(
        self,
        learning_rate: float = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
    ):
        super().__init__(learning_rate)
        self.rho = checked_number("rho", rho, at_least=0.0, below=1.0)
        self.momentum = checked_number("momentum", momentum, at_least=0.0, below=1.0)
        self.epsilon = checked_number("epsilon", epsilon, above=0.0)
        self.centered = checked_flag("centered", centered)

    def _init_state(self, param):
        state = {"velocity": np.zeros_like(param), "scratch": np.empty_like(param)}
        if self.momentum:
            state["momentum"] = np.zeros_like(param)
        if self.centered:
            state["average_grad"] = np.zeros_like(param)
        return state

    def _step(self, param, grad, state):
        cast = param.dtype.type
        lr, rho, one_minus_rho = (
            self._learning_rate_in(param.dtype),
            cast(self.rho),
            cast(1 - self.rho),
        )
        velocity, scratch = state["velocity"], state["scratch"]
        # velocity = rho * velocity + (1 - rho) * g**2
        velocity *= rho
        np.square(grad, out=scratch)
        scratch *= one_minus_rho
        velocity += scratch
        if self.centered:
            # average_grad = rho * average_grad + (1 - rho) * g
            average_grad = state["average_grad"]
            average_grad *= rho
            np.multiply(grad, one_minus_rho, out=scratch)
            average_grad += scratch
            # denominator = velocity - average_grad**2 + epsilon
            denominator = np.square(average_grad, out=scratch)
            np.subtract(velocity, denominator, out=denominator)
            denominator += cast(self.epsilon)
        else:
            denominator = np.add(velocity, cast(self.epsilon), out=scratch)
        # increment = (lr * g) / sqrt(denominator), written over the gradient
        increment = grad
        increment *= lr
        increment /= np.sqrt(denominator, out=denominator)
        if self.momentum:
            # momentum = mu * momentum + increment; w -= momentum
            momentum = state["momentum"]
            momentum *= cast(self.momentum)
            momentum += increment
            param -= momentum
        else:
            param -= increment


class Adam(Optimizer):
    """Adam as Keras writes it: bias correction folded into the step size alpha."""

    name = "adam"
    in_pieces = True

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
    ):
        super().__init__(learning_rate)
        self.beta_1 = checked_number("beta_1", beta_1, at_least=0.0, below=1.0)
        self.beta_2 = checked_number("beta_2", beta_2, at_least=0.0, below=1.0)
        self.epsilon = checked_number("epsilon", epsilon, above=0.0)
        self.amsgrad = checked_flag("amsgrad", amsgrad)

    def _init_state(self, param):
        state = {"m": np.zeros_like(param), "v": np.zeros_like(param)}
        state["scratch"] = np.empty_like(param)
        if self.amsgrad:
            state["v_hat"] = np.zeros_like(param)
        return state

    def _step(self, param, grad, state):
        cast = param.dtype.type
        local_step = cast(self.iterations + 1)
        beta_1_power = np.power(cast(float32_rounded(self.beta_1)), local_step)
        beta_2_power = np.power(cast(float32_rounded(self.beta_2)), local_step)
        lr = self._learning_rate_in(param.dtype)
        alpha = lr * np.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        m, v, scratch = state["m"], state["v"], state["scratch"]
        # m += (g - m) * (1 - beta_1)
        np.subtract(grad, m, out=scratch)
        scratch *= cast(1 - self.beta_1)
        m += scratch
        # v += (g**2 - v) * (1 - beta_2)
        np.square(grad, out=scratch)
        scratch -= v
        scratch *= cast(1 - self.beta_2)
        v += scratch
        if self.amsgrad:
            np.maximum(state["v_hat"], v, out=state["v_hat"])
            v = state["v_hat"]
        # w -= (m * alpha) / (sqrt(v) + epsilon), the denominator written over the gradient
        denominator = np.sqrt(v, out=grad)
        denominator += cast(self.epsilon)
        np.multiply(m, alpha, out=scratch)
        scratch /= denominator
        param -= scratch


OPTIMIZERS: dict[str, type[Optimizer]] = {cls.name: cls for cls in (SGD, RMSprop, Adam)}


def checked_number(
    name: str,
    value: Any,
    above: float | None = None,
    at_least: float | None = None,
    below: float | None = None,
) -> float:
    """A finite real number in range, as a float; ValueError naming it and the range otherwise."""
    low = (
        f"> {above:g}" if above is not None else f">= {at_least:g}" if at_least is not None else ""
    )
    rule = " and ".join(filter(None, [low, f"< {below:g}" if below is not None else ""]))
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )
    ok = ok and math.isfinite(value)
    ok = ok and (above is None or value > above) and (at_least is None or value >= at_least)
    if not (ok and (below is None or value < below)):
        raise ValueError(f"{name} must be a finite number {rule}, got {value!r}")
    return float(value)


def checked_flag(name: str, value: Any) -> bool:
    """A true/false option; ValueError for anything else (a string "yes" is not a flag)."""
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be true or false, got {value!r}")
    return bool(value)


def make_optimizer(spec: str | dict[str, Any] | Optimizer) -> Optimizer:
    """Build an optimiser from a name, a dict {"name": ..., **params}, or pass one through."""
    if isinstance(spec, Optimizer):
        return spec
    if not isinstance(spec, str | dict):
        raise ValueError(f"an optimizer is a name or a table with a name, got {spec!r}")
    params = {"name": spec} if isinstance(spec, str) else dict(spec)
    name = params.pop("name", None)
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    cls = OPTIMIZERS[name]
    valid = list(inspect.signature(cls).parameters)
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ValueError(
            f"bad parameter for optimizer {name!r}: {unknown}; valid: {', '.join(valid)}"
        )
    return cls(**params)
