"""The doctor on networks unlike its three fixed problems: the book's all-sigmoid, quadratic-cost
network (examples/book_network.py), with and without biases, its loss conventions, a separately
coded output layer, float32 slips (tests/fixtures/fighters/book_networks.py).

One worker pool serves the module, so Keras (the reference) is imported once.
"""

from pathlib import Path

import pytest
from patients import examine

from bench.doctor import problems
from bench.doctor.report import render_text

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "examples" / "book_network.py"
VARIANTS = Path(__file__).parents[1] / "fixtures" / "fighters" / "book_networks.py"


def test_the_book_network_is_examined_on_a_problem_it_accepts_and_passes(pool):
    diagnosis = examine(pool, BOOK, "BookNetwork")
    assert diagnosis.failure is None
    # Only sigmoid and squared error: the doctor builds the one problem that exercises both.
    assert diagnosis.problems == [
        ("moons", "skipped: your network does not support layer 0: activation 'relu'"),
        ("blobs", "skipped: your network does not support layer 0: activation 'tanh'"),
        ("circles", "skipped: your network does not support layer 0: activation 'tanh'"),
        (
            "blobs-sigmoid-mse",
            "2-6-4-3 (sigmoid, sigmoid, sigmoid), mean_squared_error, 54 samples",
        ),
    ]
    gradients = next(f for f in diagnosis.findings if f.check == "gradients")
    assert gradients.convention == ("half_sum_over_outputs",)
    assert gradients.message.startswith(
        "every parameter's gradient matches Keras's and finite differences, once divided by 1.5"
    )
    assert gradients.details[0].startswith(
        "every gradient is 1.5 times Keras's (n_out / 2 = 3/2): a convention, not a bug"
    )
    assert (
        "as your class declares (loss_convention = 'half_sum_over_outputs')"
        in (gradients.details[0])
    )
    training = [f for f in diagnosis.findings if f.check == "training"]
    assert [(f.optimizer, f.status) for f in training] == [("sgd", "pass"), ("momentum", "skipped")]
    # The equivalent learning rate, confirmed by the trajectory: 0.5 / 1.5.
    assert "yours at learning_rate 0.333333 (0.5 / 1.5)" in training[0].message
    assert training[0].message.endswith("the convention confirmed")
    assert training[0].gap < 1e-13


@pytest.mark.parametrize(
    ("class_name", "factor", "words", "learning_rate"),
    [
        # n_out / 2 = 3/2; the training batch of 16 then scales the sum over the batch.
        ("BookUndeclared", "1.5", "(n_out / 2 = 3/2)", "0.333333 (0.5 / 1.5)"),
        ("BookSummedOverBatch", "81", "(n_out / 2 = 3/2 x m = 54)", "0.0208333 (0.5 / 24)"),
    ],
)
def test_an_undeclared_convention_is_named_with_its_learning_rate_and_confirmed(
    pool, class_name, factor, words, learning_rate
):
    diagnosis = examine(pool, VARIANTS, class_name)
    assert diagnosis.failure is None
    gradients = next(f for f in diagnosis.findings if f.check == "gradients")
    assert gradients.details[0].startswith(
        f"every gradient is {factor} times Keras's {words}: a convention, not a bug"
    )
    assert "declare it (loss_convention = " in gradients.details[0]
    training = next(f for f in diagnosis.findings if f.check == "training")
    assert f"yours at learning_rate {learning_rate}" in training.message
    assert training.message.endswith("the convention confirmed")


def test_a_bug_beyond_the_convention_is_pinned_and_named(pool):
    failure = examine(pool, VARIANTS, "BookPrimeOnActivation").failure
    assert (failure.check, failure.layer, failure.parameter) == ("gradients", 2, "W and b")
    assert failure.hint == (
        "the sigmoid derivative taken on the activation A = sigmoid(Z) instead of on Z"
    )


def test_a_network_without_biases_is_examined_with_its_biases_held_at_zero(pool):
    diagnosis = examine(pool, VARIANTS, "BookNoBiases")
    assert diagnosis.failure is None
    gradients = next(f for f in diagnosis.findings if f.check == "gradients")
    assert "biases held at zero (your class declares biases = False): dW only" in (
        gradients.details
    )
    assert [row[2] for row in gradients.table[1]] == ["W", "W", "W"]
    training = next(f for f in diagnosis.findings if f.check == "training")
    assert training.status == "pass" and training.gap < 1e-13


def test_a_network_without_biases_and_a_planted_bug_is_pinned(pool):
    failure = examine(pool, VARIANTS, "BookNoBiasesOutputPrimeMissing").failure
    assert (failure.check, failure.layer, failure.parameter) == ("gradients", 2, "W")
    assert failure.hint == "the sigmoid derivative left out (dZ = dA)"


def test_a_separately_coded_output_layer_is_not_misattributed(pool):
    failure = examine(pool, VARIANTS, "SeparateOutputLayer").failure
    # The first-k-layers reading would name layer 1; layer 0 is wrong inside the full network.
    assert (failure.check, failure.layer) == ("forward", None)
    assert "yet layer 1 (sigmoid, 6->4) alone, from Keras's input to it, agrees to" in (
        failure.message
    )
    assert failure.message.endswith("the layer cannot be pinned without layer_outputs()")
    assert failure.details[1].startswith("to pin it, add layer_outputs(x) to your class")


def test_inputs_cast_to_float32_are_named_with_enough_digits_to_see_the_gap(pool):
    failure = examine(pool, VARIANTS, "Float32Inputs").failure
    assert (failure.check, failure.layer) == ("forward", 0)
    assert "yours 2.04676165, Keras 2.046761698" in failure.message
    assert failure.hint.startswith(
        "float32 arithmetic: the layer computes with its inputs cast to float32"
    )


def test_weights_stored_in_float32_are_named_at_the_round_trip(pool):
    failure = examine(pool, VARIANTS, "Float32Weights").failure
    assert (failure.check, failure.layer, failure.parameter) == ("forward", 0, "W")
    assert failure.hint.startswith("W stored in float32: get_weights() returns the float32")


def test_a_stated_problem_is_examined_instead_of_the_doctors(pool):
    stated = problems.stated("2-5-1", "sigmoid,sigmoid", "mean_squared_error")
    diagnosis = examine(pool, BOOK, "BookNetwork", stated=stated)
    assert diagnosis.failure is None
    assert diagnosis.problems == [
        ("stated", "2-5-1 (sigmoid, sigmoid), mean_squared_error, 64 samples")
    ]
    gradients = next(f for f in diagnosis.findings if f.check == "gradients")
    # One output: 1/2 |a - y|^2 is Keras's squared error over 2, the same as a lost factor 2.
    assert "every gradient is 0.5 times Keras's (n_out / 2 = 1/2)" in gradients.details[0]
    assert "the same as a squared error's derivative without its factor 2" in (gradients.details[0])


def test_an_update_that_divides_a_summed_gradient_by_m_is_confirmed_at_its_own_constant(pool):
    diagnosis = examine(pool, VARIANTS, "BookSumThenMean")
    assert diagnosis.failure is None
    gradients = next(f for f in diagnosis.findings if f.check == "gradients")
    assert gradients.convention == ("half_sum_over_outputs", "sum_over_batch")
    training = next(f for f in diagnosis.findings if f.check == "training")
    # Its gradients are 81 times Keras's, its steps only 1.5 times: the update divides by m.
    assert "yours at learning_rate 0.333333 (0.5 / 1.5) (the steps' constant, 1.5, not the " in (
        training.message
    )
    assert training.message.endswith("the convention confirmed")


def test_the_report_shows_what_the_network_declares(pool):
    diagnosis = examine(pool, VARIANTS, "BookNoBiases", optimizers=["sgd"])
    text = render_text(diagnosis, "doctor BookNoBiases")
    assert "declares:  biases = False, loss_convention = 'half_sum_over_outputs'\n" in text
    assert "verdict: PASS: BookNoBiases computes Keras's function in float64, up to its loss " in (
        text
    )


def test_prefixes_are_built_with_the_loss_when_a_network_without_one_predicts_otherwise(pool):
    # Built without a loss, this correct network predicts scores: a reading of its first k
    # layers built that way would blame layer 0. The k = n network shows it, and the doctor
    # builds the prefixes with the problem's loss instead.
    diagnosis = examine(pool, VARIANTS, "ScoresWithoutLoss", optimizers=["sgd"])
    assert diagnosis.failure is None
    forward = diagnosis.findings[0]
    assert forward.status == "pass" and forward.gap < 1e-13
