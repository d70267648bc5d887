"""Step changes in the history, on synthetic series whose answer is known."""

import math

import numpy as np
import pandas as pd
import pytest

from bench.judging.change_points import find_steps, history_steps


def noisy(level, runs, rng, noise=0.02):
    """`runs` values around `level`, each off by a seeded relative noise of `noise` (1 sigma)."""
    return list(level * (1 + noise * rng.standard_normal(runs)))


def labels(n):
    return [f"run-{i}" for i in range(n)], [f"c{i:06d}" for i in range(n)]


def steps_in(values, kind="speed-up"):
    return find_steps(values, *labels(len(values)), kind)


def test_one_step_from_3x_to_2x_is_found_at_the_first_run_at_the_new_level():
    rng = np.random.default_rng(0)
    series = noisy(3.0, 12, rng) + noisy(2.0, 12, rng)
    [step] = steps_in(series)
    assert (step.index, step.run_id, step.commit) == (12, "run-12", "c000012")
    assert (step.previous_run_id, step.previous_commit) == ("run-11", "c000011")
    assert step.before == pytest.approx(np.median(series[:12]))
    assert step.after == pytest.approx(np.median(series[12:]))
    assert step.factor == pytest.approx(2 / 3, abs=0.02)
    assert not step.better


@pytest.mark.parametrize("seed", range(5))
def test_a_flat_noisy_series_has_no_step(seed):
    assert steps_in(noisy(3.0, 30, np.random.default_rng(seed))) == []


@pytest.mark.parametrize("seed", range(5))
def test_a_5_percent_step_is_below_the_minimum(seed):
    rng = np.random.default_rng(seed)
    assert steps_in(noisy(3.0, 12, rng) + noisy(3.15, 12, rng)) == []


def test_a_15_percent_step_is_reported():
    rng = np.random.default_rng(0)
    [step] = steps_in(noisy(3.0, 12, rng) + noisy(3.45, 12, rng))
    assert step.index == 12 and step.better
    assert step.factor == pytest.approx(1.15, abs=0.03)


def test_two_steps_down_then_up():
    rng = np.random.default_rng(1)
    series = noisy(3.0, 10, rng) + noisy(2.0, 10, rng) + noisy(4.0, 10, rng)
    first, second = steps_in(series)
    assert (first.index, second.index) == (10, 20)
    assert first.factor == pytest.approx(2 / 3, abs=0.03)
    assert second.factor == pytest.approx(2.0, abs=0.06)
    assert first.after == second.before  # one level between them, the median of runs 10-19
    assert first.after == pytest.approx(np.median(series[10:20]))


def test_one_slow_run_is_not_a_step():
    """A single outlier (a busy machine once) cannot form a level: a level needs two runs."""
    series = noisy(3.0, 20, np.random.default_rng(2))
    series[9] = 1.5
    assert steps_in(series) == []


def test_missing_values_are_skipped_and_indices_stay_those_of_the_series():
    rng = np.random.default_rng(3)
    series = noisy(3.0, 8, rng) + [None, float("nan")] + noisy(2.0, 8, rng)
    series[2] = None
    series[14] = -1.0  # not a speed-up: skipped as missing
    [step] = steps_in(series)
    # The step lies between the last run with a value before the gap and the first after it.
    assert (step.index, step.commit, step.previous_commit) == (10, "c000010", "c000007")
    assert step.before == pytest.approx(np.median([v for v in series[:8] if v is not None]))


def test_too_short_series_have_no_steps():
    assert steps_in([3.0, 3.0, 1.0]) == []
    assert steps_in([3.0, None, 3.0, float("nan"), 1.0]) == []  # five runs, three values
    assert steps_in([]) == []
    [step] = steps_in([3.0, 3.0, 1.0, 1.0])  # four values: two runs each side, the minimum
    assert step.index == 2 and step.factor == pytest.approx(1 / 3)


def test_constant_series_have_no_steps():
    assert steps_in([2.5] * 20) == []
    assert steps_in([0.9] * 20, "accuracy") == []


def test_accuracy_steps_are_absolute_and_need_more_than_0_01():
    """Fair-mode accuracy is deterministic: no noise at all, yet a step must exceed 0.01."""
    [step] = steps_in([0.95] * 8 + [0.90] * 8, "accuracy")
    assert (step.index, step.before, step.after, step.better) == (8, 0.95, 0.90, False)
    assert steps_in([0.95] * 8 + [0.955] * 8, "accuracy") == []
    assert steps_in([0.95] * 8 + [0.96] * 8, "accuracy") == []  # 0.01 exactly: not more


def test_bad_kind_and_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="'speed': not one of speed-up, accuracy"):
        find_steps([1.0] * 5, *labels(5), "speed")
    with pytest.raises(ValueError, match="5 values, 4 run ids and 5 commits"):
        find_steps([1.0] * 5, labels(5)[0][:4], labels(5)[1], "speed-up")


def test_history_steps_per_case_and_opponent():
    rng = np.random.default_rng(4)
    runs, commits = labels(16)
    keras = noisy(12.0, 8, rng) + noisy(6.0, 8, rng)  # David twice slower against Keras
    sklearn = noisy(2.0, 16, rng)  # and unchanged against scikit-learn
    accuracy = [0.95] * 16
    rows = [
        {"commit": commits[i], "run_id": runs[i], "suite": "quick", "case": "moons",
         "opponent": opponent, "david_test_accuracy": accuracy[i], "david_speedup": speedups[i]}
        for i in range(16)
        for opponent, speedups in (("keras", keras), ("sklearn", sklearn))
    ]  # fmt: skip
    found = history_steps(pd.DataFrame(rows))
    assert list(found) == [("moons", "keras")]
    [step] = found[("moons", "keras")]
    assert (step.index, step.commit, step.previous_commit) == (8, "c000008", "c000007")
    assert math.isclose(step.factor, 0.5, abs_tol=0.03)


def reference_series(rng, kind, n):
    """Noise; values on a coarse grid (ties everywhere, as accuracies have); one noisy step."""
    if kind == "noise":
        return rng.normal(size=n)
    if kind == "ties":
        return np.round(rng.normal(size=n) * 2) / 4
    return np.concatenate([rng.normal(0, 0.1, n // 2), rng.normal(1, 0.1, n - n // 2)])


@pytest.mark.parametrize("kind", ["noise", "ties", "step"])
def test_pelt_l1_finds_ruptures_breakpoints(kind):
    """The reference: ruptures' own PELT with its L1 cost, on 40 series of 4 to 160 points."""
    import ruptures

    from bench.judging.change_points import pelt_l1

    rng = np.random.default_rng(7)
    for _ in range(40):
        signal = reference_series(rng, kind, int(rng.integers(4, 160)))
        penalty = float(rng.uniform(0.01, 3))
        expected = ruptures.Pelt(model="l1", min_size=2, jump=1).fit(signal).predict(pen=penalty)
        assert pelt_l1(signal, penalty) == expected, (signal.size, penalty)


def test_segment_costs_are_ruptures_l1_costs_bit_for_bit():
    import ruptures

    from bench.judging.change_points import segment_costs

    signal = reference_series(np.random.default_rng(3), "ties", 41)
    reference = ruptures.costs.CostL1().fit(signal)
    costs = segment_costs(signal)
    for start in range(41):
        for end in range(start + 2, 42):
            assert costs[start, end] == reference.error(start, end)
    assert np.isinf(costs[5, 6]) and np.isinf(costs[6, 5])
