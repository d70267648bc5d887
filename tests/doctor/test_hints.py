"""The likely causes the doctor names, on the gradients of a classic slip replayed in NumPy."""

import numpy as np
import pytest

from bench.doctor import hints, problems
from bench.fighters.conventions import Convention, equivalent_optimizer, scaled_words


def reference_for(problem):
    """The textbook pass on a doctor's problem, and its correct gradients (Keras's)."""
    inst = problems.instance(problem)
    reference = hints.Reference(
        inst.layers, inst.weights, inst.x, inst.targets(), inst.problem.loss
    )
    grads = [reference.grads(i, reference.dz(i, reference.da(i))) for i in range(len(inst.layers))]
    return reference, grads


def sigmoid_mse():
    return next(p for p in problems.candidates() if p.name == "blobs-sigmoid-mse")


def test_an_element_wise_softmax_derivative_is_named():
    reference, keras = reference_for(problems.PROBLEMS["blobs"])
    top = len(keras) - 1
    element_wise = reference.dz(top, reference.da(top), lambda z, a: a * (1 - a))
    yours = [*keras[:top], reference.grads(top, element_wise)]
    hint = hints.gradient_hint(reference, {top: ["W", "b"]}, yours, keras)
    assert hint.startswith("the softmax derivative taken element-wise, dZ = dA * s(1 - s)")


def test_a_weight_gradient_reshaped_instead_of_transposed_is_named():
    reference, keras = reference_for(problems.PROBLEMS["blobs"])
    dw, db = keras[1]
    assert dw.shape == (5, 3)
    yours = [keras[0], (dw.T.reshape(dw.shape), db)]
    hint = hints.gradient_hint(reference, {1: ["W"]}, yours, keras)
    assert hint.startswith("dW of layer 1 built (output_dim, input_dim) and reshaped")


def test_a_squared_error_gradient_without_its_factor_2_is_named_with_several_outputs():
    reference, keras = reference_for(sigmoid_mse())
    yours = [(dw / 2, db / 2) for dw, db in keras]
    every = {i: ["W", "b"] for i in range(len(keras))}
    hint = hints.gradient_hint(reference, every, yours, keras)
    assert hint.startswith("every gradient is 0.5 times Keras's: the squared error's derivative")


@pytest.mark.parametrize(
    ("convention", "loss", "factor"),
    [
        (Convention(half_sum_over_outputs=True), "mean_squared_error", 5.0),  # 10 outputs
        (Convention(half_sum_over_outputs=True), "categorical_crossentropy", 1.0),
        (Convention(sum_over_batch=True), "binary_crossentropy", 32.0),
        (Convention(True, True), "mean_squared_error", 160.0),
    ],
)
def test_a_conventions_constant_follows_the_loss_the_outputs_and_the_batch(
    convention, loss, factor
):
    assert convention.factor(loss, 10, 32) == factor


def test_the_equivalent_optimizer_scales_sgds_learning_rate_and_adams_epsilon():
    sgd = {"name": "sgd", "learning_rate": 0.5, "momentum": 0.875}
    assert equivalent_optimizer(sgd, 5.0) == {**sgd, "learning_rate": 0.1}
    assert scaled_words(sgd, 5.0) == "learning_rate 0.1 (0.5 / 5)"
    adam = {"name": "adam", "learning_rate": 0.01, "epsilon": 2.0**-20}
    assert equivalent_optimizer(adam, 4.0) == {**adam, "epsilon": 2.0**-18}
    assert np.isclose(equivalent_optimizer(adam, 4.0)["learning_rate"], 0.01)
