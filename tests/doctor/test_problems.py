"""The doctor's problems, built from what a network accepts (asked in-process here)."""

import sys
from pathlib import Path

import pytest

from bench.doctor import probes, problems
from bench.errors import HarnessError
from bench.fighters.adapter import ArticleNetwork

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))

from book_network import BookNetwork  # noqa: E402  (example file)
from naive_moons_net import NaiveMoonsNet  # noqa: E402

TRIED = [*problems.PROBLEMS.values(), *problems.candidates()]


def answers(model_class):
    """Each problem's name and the class's refusal (None: accepted)."""
    specs = [(problem.layers(2), problem.loss) for problem in TRIED]
    refusals = probes.accepts(model_class, {}, specs)
    return {problem.name: why for problem, why in zip(TRIED, refusals, strict=True)}


def chosen(model_class):
    refusals = answers(model_class)
    return [p.name for p in problems.covering([p for p in TRIED if not refusals[p.name]])]


def test_every_activation_and_loss_a_network_accepts_is_exercised():
    assert chosen(BookNetwork) == ["blobs-sigmoid-mse"]  # all sigmoid, squared error
    assert chosen(NaiveMoonsNet) == ["moons"]  # relu and sigmoid, cross-entropy

    class Everything(ArticleNetwork):
        activations = ("relu", "sigmoid", "tanh", "linear", "softmax")
        losses = problems.LOSSES

    # The three fixed problems cover all five activations and three losses between them.
    assert chosen(Everything) == ["moons", "blobs", "circles"]

    class TanhSquaredError(ArticleNetwork):
        activations = ("tanh", "sigmoid")
        losses = ("mean_squared_error",)

    # Sigmoid and squared error, then tanh: two problems.
    assert chosen(TanhSquaredError) == ["blobs-sigmoid-mse", "circles-sigmoid-tanh-mse"]


def test_a_network_that_refuses_every_activation_is_told_which():
    class Swish(ArticleNetwork):
        activations = ("swish",)
        losses = ("mean_squared_error",)

    said = problems.refused_everything(answers(Swish))
    assert said.startswith("it refused the activations relu, sigmoid, tanh, linear (layer 0: ")


@pytest.mark.parametrize(
    ("args", "dataset", "layers"),
    [
        (("2-5-1", "sigmoid,sigmoid", "mean_squared_error"), "moons", "2-5-1 (sigmoid, sigmoid)"),
        (("4-3-3", "tanh,softmax", "categorical_crossentropy"), "blobs", "4-3-3 (tanh, softmax)"),
    ],
)
def test_a_stated_problem_is_built_on_data_of_its_shape(args, dataset, layers):
    problem = problems.stated(*args)
    assert problem.dataset == dataset
    assert problems.instance(problem).sizes() == layers


def test_a_stated_categorical_problem_needs_several_outputs():
    with pytest.raises(HarnessError, match="categorical_crossentropy needs at least 2 outputs"):
        problems.stated("2-5-1", "tanh,sigmoid", "categorical_crossentropy")
