"""A fighter that declares its loss convention fights fairly: the harness hands it the equivalent
learning rate, parity with David holds, and the record says what was scaled."""

import sys
from pathlib import Path

import numpy as np
import pytest

from bench.errors import HarnessError
from bench.fighters.conventions import declared
from bench.run.train import FighterTask, run_task
from numpy_nn import Network

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples"))
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "fighters"))

from book_network import BookNetwork  # noqa: E402  (example files)
from book_networks import BookUndeclared  # noqa: E402

LAYERS = [
    {"input_dim": 2, "output_dim": 6, "activation": "sigmoid"},
    {"input_dim": 6, "output_dim": 4, "activation": "sigmoid"},
]


def task(name):
    """Four epochs of blobs (4 classes, four sigmoid outputs, squared error), fair mode."""
    return FighterTask(
        fighter=name,
        case="blobs-book",
        seed=0,
        mode="fair",
        layers=LAYERS,
        loss="mean_squared_error",
        optimizer={"name": "sgd", "learning_rate": 2.0},
        l2=0.0,
        dtype="float64",
        epochs=4,
        batch_size=16,
        dataset={
            "name": "blobs",
            "params": {"n_samples": 120, "centers": 4},
            "seed": 0,
            "cache_dir": None,
            "fingerprint": None,
        },
        return_weights=True,
    )


def test_a_declared_convention_is_scaled_so_that_parity_with_david_holds():
    david = run_task(task("david"), Network)
    book = run_task(task("book"), BookNetwork)
    assert david["status"] == book["status"] == "ok"
    # n_out / 2 = 2: the book network runs at learning rate 1 and takes Keras's (David's) steps.
    assert book["scaled"].startswith("learning_rate 1 (2 / 2): its declared loss convention")
    assert david["scaled"] is None
    gaps = np.abs(np.subtract(david["history"]["loss"], book["history"]["loss"]))
    assert gaps.max() < 1e-12
    for (w, b), (w_book, b_book) in zip(david["weights"], book["weights"], strict=True):
        assert np.abs(w - w_book).max() < 1e-12 and np.abs(b - b_book).max() < 1e-12


def test_the_same_network_undeclared_is_not_scaled_and_parts_from_david():
    david = run_task(task("david"), Network)
    book = run_task(task("book"), BookUndeclared)
    assert book["scaled"] is None
    gaps = np.abs(np.subtract(david["history"]["loss"], book["history"]["loss"]))
    assert gaps.max() > 1e-6


def test_an_unknown_convention_is_refused_with_the_valid_names():
    class Misspelt(BookNetwork):
        loss_convention = "half_sum"

    with pytest.raises(HarnessError, match="'half_sum': choose from half_sum_over_outputs, sum"):
        declared(Misspelt)
    record = run_task(task("book"), Misspelt)
    assert record["status"] == "failed"
    assert "Misspelt.loss_convention 'half_sum': choose from" in record["reason"]
