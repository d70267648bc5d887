"""Gradients off by a known convention's constant: found, and said with the equivalent rate.

Keras's losses are means; a network that sums over its outputs (C = 1/2 |a - y|^2) or over the
batch has gradients Keras's times n_out / 2, m, or both (bench/fighters/conventions.py). The
doctor compares such gradients once divided by that constant, and says so.
"""

from __future__ import annotations

import numpy as np

from ..fighters.conventions import Convention
from . import hints
from .problems import GRADIENT_TOLERANCE, Instance

PARAMS = ("W", "b")  # a layer's parameters, in the shared layout's order


def find_convention(
    inst: Instance, yours: list, keras: list, declared: Convention, params: tuple[str, ...]
) -> tuple[Convention, float] | None:
    """The known convention whose constant turns every gradient of yours into Keras's (the
    declared one first), with that constant; None when they agree or no convention explains the
    gap."""
    flat_yours, flat_keras = (
        np.concatenate([np.ravel(g[i][PARAMS.index(n)]) for i in range(len(g)) for n in params])
        for g in (yours, keras)
    )
    if flat_yours.shape != flat_keras.shape or not np.isfinite(flat_yours).all():
        return None
    ratio = hints.scale(flat_yours, flat_keras)
    if ratio is None or abs(ratio - 1) < GRADIENT_TOLERANCE:
        return None
    shape = (inst.problem.loss, inst.layers[-1]["output_dim"], len(inst.x))
    known = [declared, Convention(True, False), Convention(False, True), Convention(True, True)]
    for convention in known:
        factor = convention.factor(*shape)
        if convention and factor != 1 and abs(ratio - factor) < GRADIENT_TOLERANCE * factor:
            return convention, factor
    return None


def convention_words(
    inst: Instance, convention: Convention, factor: float, declared: Convention
) -> str:
    """The convention in words: its constant, what it is, the equivalent learning rate."""
    n_out, m = inst.layers[-1]["output_dim"], len(inst.x)
    why = []
    if convention.half_sum_over_outputs:
        why.append(f"n_out / 2 = {n_out}/2")
    if convention.sum_over_batch:
        why.append(f"m = {m}")
    lone_two = (
        " (with one output, the same as a squared error's derivative without its factor 2)"
        if convention.half_sum_over_outputs and n_out == 1
        else ""
    )
    said = (
        f"as your class declares ({declared.declaration()})"
        if convention == declared
        else f"declare it ({convention.declaration()}) and fights scale it for you"
    )
    per_batch = " and by the batch size m" if convention.sum_over_batch else ""
    return (
        f"every gradient is {factor:g} times Keras's ({' x '.join(why)}): a convention, not a "
        f"bug: {convention.describe()}{lone_two}; your learning rate divided by "
        f"{convention.factor(inst.problem.loss, n_out, 1):g}{per_batch} takes Keras's steps "
        f"(the equivalent learning rate), and the training check runs yours at it; {said}"
    )
