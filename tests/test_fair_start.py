"""The fair start: same seed, same corner; every sample once per epoch."""

import numpy as np

from bench.fair_start import make_fair_start
from helpers import SEED_002_NETWORK


def test_same_seed_same_start_and_order():
    a = make_fair_start(SEED_002_NETWORK, seed=4, n_samples=100, epochs=3, batch_size=32)
    b = make_fair_start(SEED_002_NETWORK, seed=4, n_samples=100, epochs=3, batch_size=32)
    c = make_fair_start(SEED_002_NETWORK, seed=5, n_samples=100, epochs=3, batch_size=32)
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
    start = make_fair_start(SEED_002_NETWORK, seed=0, n_samples=100, epochs=3, batch_size=32)
    for epoch in start.batches:
        assert [len(b) for b in epoch] == [32, 32, 32, 4]
        assert sorted(np.concatenate(epoch).tolist()) == list(range(100))
    assert not np.array_equal(start.batches[0][0], start.batches[1][0])  # reshuffled each epoch
    full = make_fair_start(SEED_002_NETWORK, seed=0, n_samples=100, epochs=2, batch_size=None)
    assert [len(epoch) for epoch in full.batches] == [1, 1]
    assert start.weights[0][0].dtype == np.float64 and start.weights[0][0].shape == (2, 25)
