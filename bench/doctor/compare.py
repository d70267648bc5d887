"""The three checks' comparisons: the network's numbers against Keras's, pinned where they part.

Each comparison returns a Finding: pass or fail, one precise line, and where it is pinned (the
layer, W or b, the optimiser step) so that tests and reports read the same facts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..fighters.conventions import Convention
from . import hints
from .convention import PARAMS, convention_words, find_convention
from .finding import Finding, relative_gap
from .problems import (
    FINITE_DIFFERENCE_STEP,
    FORWARD_TOLERANCE,
    GRADIENT_TOLERANCE,
    TRAINING_TOLERANCE,
    Instance,
    describe_optimizer,
)

KERAS_MEANS = Convention()


def _layer_name(layers: list[dict[str, Any]], index: int) -> str:
    layer = layers[index]
    return f"layer {index} ({layer['activation']}, {layer['input_dim']}->{layer['output_dim']})"


def compare_round_trip(inst: Instance, read_back: list) -> Finding | None:
    """None when get_weights returns what set_weights was given; else the failure."""
    for index, (given, got) in enumerate(zip(inst.weights, read_back, strict=True)):
        for name, expected, actual in zip(PARAMS, given, got, strict=True):
            gap, what = relative_gap(actual, expected, 1.0)
            if gap > FORWARD_TOLERANCE:
                hint = None
                if what is None and np.array_equal(actual, expected.astype(np.float32)):
                    hint = (
                        f"{name} stored in float32: get_weights() returns the float32 rounding "
                        "of the float64 weights it was given (store them in the dtype asked)"
                    )
                elif what is None:
                    pass
                elif actual.shape == expected.T.shape and np.allclose(actual, expected.T):
                    hint = "get_weights returns W transposed: (output_dim, input_dim)"
                return Finding(
                    "forward",
                    "fail",
                    f"get_weights() after set_weights() returns a different {name} for "
                    f"{_layer_name(inst.layers, index)}: {what or f'gap {gap:.3g}'}",
                    problem=inst.name,
                    layer=index,
                    parameter=name,
                    gap=gap,
                    hint=hint,
                )
    return None


def compare_forward(inst: Instance, yours: dict[str, Any], keras: dict[str, Any]) -> Finding:
    """Every layer's output against Keras's; the first that differs, by how much, and why."""
    reference = keras["layers"]
    whole = yours.get("whole")
    if whole is not None:
        if isinstance(whole, str):
            gap, what = np.inf, whole
        else:
            gap, what = relative_gap(whole, yours["final"], 1.0)
        if gap > FORWARD_TOLERANCE:
            return Finding(
                "forward",
                "fail",
                "the layers cannot be read from networks of the first k layers: built that way, "
                f"the network of all {len(inst.layers)} layers does not compute your network's "
                f"output ({what or f'gap {gap:.3g}'}); the layer cannot be pinned without "
                "layer_outputs()",
                problem=inst.name,
                gap=gap,
                details=[LAYER_OUTPUTS_HOWTO],
            )
    if len(yours["layers"]) != len(reference):
        return Finding(
            "forward",
            "fail",
            f"{yours['how']} gave {len(yours['layers'])} outputs for {len(reference)} layers",
            problem=inst.name,
        )
    gaps = []
    for index, (mine, theirs) in enumerate(zip(yours["layers"], reference, strict=True)):
        if isinstance(mine, str):
            gaps.append((index, None, mine))
            continue
        gap, what = relative_gap(mine, theirs, 1.0)
        gaps.append((index, gap, what))
        if gap > FORWARD_TOLERANCE:
            return _forward_failure(inst, yours, reference, gaps)
    final_gap, what = relative_gap(yours["final"], reference[-1], 1.0)
    if final_gap > FORWARD_TOLERANCE:
        return _forward_failure(inst, yours, reference, gaps)
    measured = [g for _, g, _ in gaps if g is not None]
    return Finding(
        "forward",
        "pass",
        f"every layer's output matches Keras's (largest gap {max(measured):.2g}, "
        f"tolerance {FORWARD_TOLERANCE:g})",
        problem=inst.name,
        gap=max(measured),
        details=[
            "weights set, then read back unchanged by get_weights()",
            f"layer outputs read with {yours['how']}",
        ],
    )


def _forward_failure(inst: Instance, yours, reference, gaps) -> Finding:
    unprobed = [what for _, gap, what in gaps if gap is None]
    index, gap, what = next(
        (i, g, w) for i, g, w in gaps if g is not None and g > FORWARD_TOLERANCE
    )
    if unprobed and index > 0 and gaps[index - 1][1] is None:
        return Finding(
            "forward",
            "fail",
            f"the output differs from Keras's by {gap:.3g}; the layer cannot be pinned: "
            f"{unprobed[0]} (give your class a layer_outputs(x) method)",
            problem=inst.name,
            layer=index,
            gap=gap,
        )
    mine, theirs = yours["layers"][index], reference[index]
    where = what
    if what is None:
        row, unit = np.unravel_index(np.argmax(np.abs(mine - theirs)), theirs.shape)
        digits = _digits(gap)
        where = (
            f"largest gap {gap:.3g} at sample {row}, unit {unit}: yours "
            f"{mine[row, unit]:.{digits}g}, Keras {theirs[row, unit]:.{digits}g}"
        )
    x_in = inst.x if index == 0 else reference[index - 1]
    w, b = inst.weights[index]
    hint = None if what else hints.forward_hint(inst.layers[index], x_in, w, b, mine)
    if what and what.startswith("shape"):
        hint = "outputs are (samples, output_dim): samples in rows, one column per unit"
    before = (
        f"; the layers before it agree to {max(g for _, g, _ in gaps[:index]):.2g}" if index else ""
    )
    return Finding(
        "forward",
        "fail",
        f"{_layer_name(inst.layers, index)} is the first whose output differs from Keras's: "
        f"{where}{before}",
        problem=inst.name,
        layer=index,
        gap=gap,
        hint=hint,
    )


def _digits(gap: float) -> int:
    """Significant digits that show a relative gap: 6, or enough that two values differ."""
    return int(min(17, max(6, np.ceil(-np.log10(max(gap, 1e-17))) + 2)))


def prefix_reading_broken(
    inst: Instance, failure: Finding, lone: Any, keras: dict[str, Any]
) -> Finding | None:
    """The failure re-judged when layer outputs were read from the first k layers: if the layer
    named computes Keras's output alone (as a network's last layer, from Keras's input to it),
    the error entered below it, in code the layers there run only when they are not last, and
    the first-k-layers reading cannot say where. None when the reading stands."""
    index = failure.layer
    if index is None or index == 0 or isinstance(lone, str):
        return None
    gap, _ = relative_gap(lone, keras["layers"][index], 1.0)
    if gap > FORWARD_TOLERANCE:
        return None
    return Finding(
        "forward",
        "fail",
        f"the output differs from Keras's by {failure.gap:.3g}, first when layers 0..{index} "
        f"are stacked, yet {_layer_name(inst.layers, index)} alone, from Keras's input to it, "
        f"agrees to {gap:.2g}: every layer computes Keras's function when it is the last one, "
        "so the error is in a layer below it when that layer is not the last (code the output "
        "layer does not share, e.g. a separate loop for the hidden layers); the layer cannot be "
        "pinned without layer_outputs()",
        problem=inst.name,
        gap=failure.gap,
        details=[
            "layer outputs read with the class built from the spec's first k layers",
            LAYER_OUTPUTS_HOWTO,
        ],
    )


LAYER_OUTPUTS_HOWTO = (
    "to pin it, add layer_outputs(x) to your class: every layer's activations from one pass "
    "of your own forward code, samples in rows; with the adapter, e.g. "
    "def layer_outputs(self, x): return [a.T for a in my_forward_keeping_every_a(self.params, "
    "np.asarray(x, dtype=self.dtype).T)]"
)


def compare_gradients(
    inst: Instance,
    yours: dict[str, Any],
    keras: list,
    differences: list,
    declared: Convention = KERAS_MEANS,
    biases: bool = True,
) -> Finding:
    """Each parameter's gradient against Keras's and finite differences; pinned where wrong.
    Gradients off by a known convention's constant are compared once scaled by it; biases held
    at zero are not compared."""
    params = PARAMS if biases else ("W",)
    grads = yours["grads"]
    found = find_convention(inst, grads, keras, declared, params)
    declared_factor = declared.factor(inst.problem.loss, inst.layers[-1]["output_dim"], len(inst.x))
    if found is None and declared_factor != 1:  # a declaration is trusted: a slip shows beyond it
        found = (declared, declared_factor)
    if found is not None:
        grads = [(w / found[1], b / found[1]) for w, b in grads]
    rows, wrong, worst = [], {}, 0.0
    for index in range(len(inst.layers)):
        for name in params:
            j = PARAMS.index(name)
            mine, theirs, numeric = grads[index][j], keras[index][j], differences[index][j]
            vs_keras, what = relative_gap(mine, theirs, 1e-12)
            vs_fd, _ = relative_gap(mine, numeric, 1e-12)
            # Central differences fail where a ReLU kink lies within the step: trusted only
            # where they agree with Keras.
            fd_trusted = relative_gap(numeric, theirs, 1e-12)[0] <= GRADIENT_TOLERANCE
            bad = vs_keras > GRADIENT_TOLERANCE or (fd_trusted and vs_fd > GRADIENT_TOLERANCE)
            worst = max(worst, vs_keras)
            if bad:
                wrong.setdefault(index, []).append(name)
            rows.append(
                [
                    str(index),
                    inst.layers[index]["activation"],
                    name,
                    what or f"{vs_keras:.2g}",
                    f"{vs_fd:.2g}" + ("" if fd_trusted else " (kink: not used)"),
                    "WRONG" if bad else "ok",
                ]
            )
    table = (["layer", "activation", "param", "vs Keras", "vs finite diff.", ""], rows)
    details = [
        f"your gradients read with {yours['how']}",
        "gaps: max |yours - reference| / max |reference| per parameter array; finite "
        f"differences: central, step {FINITE_DIFFERENCE_STEP:g}, of the loss of your own "
        "predictions",
    ]
    if not biases:
        details.append("biases held at zero (your class declares biases = False): dW only")
    convention = ()
    if found is not None:
        convention, factor = found
        details.insert(0, convention_words(inst, convention, factor, declared))
        convention = convention.names
    if not wrong:
        scaled = f", once divided by {found[1]:g}" if found else ""
        return Finding(
            "gradients",
            "pass",
            f"every parameter's gradient matches Keras's and finite differences{scaled} "
            f"(largest gap {worst:.2g}, tolerance {GRADIENT_TOLERANCE:g})",
            problem=inst.name,
            gap=worst,
            table=table,
            details=details,
            convention=convention,
        )
    top = max(wrong)
    bad_params = wrong[top]
    j = PARAMS.index(bad_params[0])
    gap, what = relative_gap(grads[top][j], keras[top][j], 1e-12)
    below = sorted((i for i in wrong if i != top), reverse=True)
    also = f"; also wrong below it: layer {', '.join(map(str, below))}" if below else ""
    hint = None
    if all(np.shape(grads[i][k]) == np.shape(keras[i][k]) for i in wrong for k in (0, 1)):
        reference = hints.Reference(
            inst.layers, inst.weights, inst.x, inst.targets(), inst.problem.loss, params
        )
        hint = hints.gradient_hint(reference, wrong, grads, keras)
    return Finding(
        "gradients",
        "fail",
        f"{_layer_name(inst.layers, top)}: d{' and d'.join(bad_params)} "
        f"{'differ' if len(bad_params) > 1 else 'differs'} from Keras's "
        f"{f'({what})' if what else f'by {gap:.3g} (relative)'}, "
        f"the first wrong in back-propagation order{also}",
        problem=inst.name,
        layer=top,
        parameter="".join(bad_params) if len(bad_params) == 1 else "W and b",
        gap=gap,
        hint=hint,
        table=table,
        details=details,
        convention=convention,
    )


def compare_training(
    inst: Instance,
    name: str,
    optimizer: dict[str, Any],
    yours: list,
    keras: list,
    scaled: str | None = None,
) -> Finding:
    """The weights after every step against Keras's: the step where they part, and how far.
    `scaled` says how your optimiser was scaled for a convention."""
    label = describe_optimizer(optimizer) + (f", yours at {scaled}" if scaled else "")
    if len(yours) != len(keras):
        return Finding(
            "training",
            "fail",
            f"{label}: your fit called the epoch callback {len(yours)} times for "
            f"{len(keras)} epochs of one step each",
            problem=inst.name,
            optimizer=name,
        )
    gaps = []
    for step, (mine, theirs) in enumerate(zip(yours, keras, strict=True), start=1):
        per_array = [
            (relative_gap(u, k, 1.0)[0], index, PARAMS[j])
            for index, (pair_u, pair_k) in enumerate(zip(mine, theirs, strict=True))
            for j, (u, k) in enumerate(zip(pair_u, pair_k, strict=True))
        ]
        gap, index, param = max(per_array)
        gaps.append(gap)
        if gap > TRAINING_TOLERANCE:
            first = f"one step agrees ({gaps[0]:.2g}); " if step > 1 else ""
            return Finding(
                "training",
                "fail",
                f"{label}: {first}the trajectories part at step {step} of {len(keras)}: "
                f"weights {gap:.3g} apart (largest at layer {index} {param}); "
                f"after {len(keras)} steps: {_final_gap(yours[-1], keras[-1]):.3g}",
                problem=inst.name,
                layer=index,
                parameter=param,
                step=step,
                optimizer=name,
                gap=gap,
                hint=hints.training_hint(
                    optimizer, inst.weights, yours[step - 1], keras[step - 1], step
                ),
            )
    confirmed = "; the convention confirmed" if scaled else ""
    return Finding(
        "training",
        "pass",
        f"{label}: one step {gaps[0]:.2g} apart, {len(keras)} steps: largest gap "
        f"{max(gaps):.2g} (tolerance {TRAINING_TOLERANCE:g}){confirmed}",
        problem=inst.name,
        optimizer=name,
        gap=max(gaps),
    )


def _final_gap(yours: list, keras: list) -> float:
    return max(
        relative_gap(u, k, 1.0)[0]
        for pair_u, pair_k in zip(yours, keras, strict=True)
        for u, k in zip(pair_u, pair_k, strict=True)
    )
