"""The fair start: same seed, same corner; every sample once per epoch."""

import numpy as np
import pytest

from bench.run.fair_start import make_fair_start
from helpers import MOONS_ARTICLE_NETWORK


def test_same_seed_same_start_and_order():
    a = make_fair_start(MOONS_ARTICLE_NETWORK, seed=4, n_samples=100, epochs=3, batch_size=32)
    b = make_fair_start(MOONS_ARTICLE_NETWORK, seed=4, n_samples=100, epochs=3, batch_size=32)
    c = make_fair_start(MOONS_ARTICLE_NETWORK, seed=5, n_samples=100, epochs=3, batch_size=32)
    for (wa, ba), (wb, bb) in zip(a.weights, b.weights, strict=True):
        np.testing.assert_array_equal(wa, wb)
        np.testing.assert_array_equal(ba, bb)
    assert all(
        np.array_equal(x, y)
        for ea, eb in zip(a.batches, b.batches, strict=True)
        for x, y in zip(ea, eb, strict=True)
    )
    assert not np.array_equal(a.weights[0][0], c.weights[0][0])
    assert not np.array_equal(a.batches[0][0], c.batches[0][0])


def test_each_epoch_is_a_permutation_cut_into_batches():
    start = make_fair_start(MOONS_ARTICLE_NETWORK, seed=0, n_samples=100, epochs=3, batch_size=32)
    for epoch in start.batches:
        assert [len(b) for b in epoch] == [32, 32, 32, 4]
        assert sorted(np.concatenate(epoch).tolist()) == list(range(100))
    assert not np.array_equal(start.batches[0][0], start.batches[1][0])  # reshuffled each epoch
    full = make_fair_start(MOONS_ARTICLE_NETWORK, seed=0, n_samples=100, epochs=2, batch_size=None)
    assert [len(epoch) for epoch in full.batches] == [1, 1]
    assert start.weights[0][0].dtype == np.float64 and start.weights[0][0].shape == (2, 25)


def test_the_schedule_is_computed_per_epoch_and_bounded():
    huge = make_fair_start(MOONS_ARTICLE_NETWORK, seed=3, n_samples=50, epochs=10**8, batch_size=16)
    assert len(huge.batches) == 10**8 and huge.batches.steps_per_epoch == 4
    last = huge.batches[10**8 - 1]  # no schedule is stored: any epoch, on demand
    assert sorted(np.concatenate(last).tolist()) == list(range(50))
    # Epoch e's order depends on (seed, e) alone: reading out of order gives the same batches.
    again = make_fair_start(MOONS_ARTICLE_NETWORK, seed=3, n_samples=50, epochs=5, batch_size=16)
    assert all(np.array_equal(x, y) for x, y in zip(again.batches[4], huge.batches[4], strict=True))
    with pytest.raises(IndexError, match="out of range"):
        again.batches[5]
