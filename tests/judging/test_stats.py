"""The statistics module against textbook and hand-computed values."""

import numpy as np
import pytest

from bench.judging import stats


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        # Newcombe (1998), Stat. Med. 17:857, Table I: 81/263 -> 0.2553 to 0.3662.
        (81, 263, 0.2553, 0.3662),
        # 0/n and n/n: the interval keeps a width (z^2 / (n + z^2) = 0.2775 at n = 10).
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
    ],
)
def test_wilson_interval_textbook_values(successes, trials, low, high):
    got = stats.wilson_interval(successes, trials)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_rejects_impossible_counts():
    with pytest.raises(ValueError, match="successes <= trials"):
        stats.wilson_interval(11, 10)


def test_t_interval_by_hand():
    # mean 2.5, s = 1.290994, t(0.975, 3 dof) = 3.182446; half-width 3.182446 * 0.645497 = 2.05426
    low, high = stats.t_interval([1.0, 2.0, 3.0, 4.0])
    assert (low, high) == pytest.approx((0.44574, 4.55426), abs=1e-5)
    assert stats.t_half_width([1.0, 2.0, 3.0, 4.0]) == pytest.approx(2.05426, abs=1e-5)
    assert stats.t_half_width([1.0]) == 0.0
    with pytest.raises(ValueError, match="at least 2"):
        stats.t_interval([1.0])


def test_mann_whitney_smallest_p_for_three_against_three():
    # A perfect separation of 3 against 3 is 1 ordering of C(6, 3) = 20: p = 0.05, never less.
    assert stats.smallest_mann_whitney_p(3, 3) == pytest.approx(0.05)
    assert stats.mann_whitney_p([4, 5, 6], [1, 2, 3], "greater") == pytest.approx(0.05)
    assert stats.mann_whitney_p([4, 5, 6], [1, 2, 3], "less") == pytest.approx(1.0)
    assert stats.smallest_mann_whitney_p(5, 5) == pytest.approx(1 / 252)


def test_bootstrap_median_ratio():
    constant = stats.bootstrap_median_ratio([np.full(9, 2.0)], [np.full(7, 0.5)])
    assert constant == (4.0, 4.0)
    rng = np.random.default_rng(1)
    top, bottom = [rng.normal(3.0, 0.1, 200)], [rng.normal(1.0, 0.05, 200)]
    low, high = stats.bootstrap_median_ratio(top, bottom)
    assert low < np.median(top) / np.median(bottom) < high
    assert low > 2.8 and high < 3.2
    assert stats.bootstrap_median_ratio(top, bottom) == (low, high)  # fixed seed: same interval


def test_bootstrap_over_seeds_carries_the_spread_between_seeds():
    # Three seeds whose epochs are tight within a seed but whose levels differ by seed: pooling
    # the epochs as if independent gives a narrow interval; resampling seeds does not.
    rng = np.random.default_rng(2)
    levels = [2.0, 3.0, 4.0]
    top = [rng.normal(level, 0.01, 100) for level in levels]
    bottom = [rng.normal(1.0, 0.01, 100) for _ in levels]
    by_seed = stats.bootstrap_median_ratio(top, bottom)
    pooled = stats.bootstrap_median_ratio([np.concatenate(top)], [np.concatenate(bottom)])
    assert by_seed[0] < 2.5 and by_seed[1] > 3.5  # spans most of the seed levels
    assert pooled[1] - pooled[0] < 0.3 * (by_seed[1] - by_seed[0])
    with pytest.raises(ValueError, match="same, non-zero number of groups"):
        stats.bootstrap_median_ratio(top, bottom[:2])
