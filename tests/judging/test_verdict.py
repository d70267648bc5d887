"""The verdict: each round is won only beyond its interval, and says which test decided it."""

import numpy as np
import pytest

from bench.judging.rounds import (
    ACCURACY_TEST,
    FORFEIT_TEST,
    LOSS_TEST,
    NO_CONTEST_TEST,
    ONE_SEED_TEST,
    SPEED_TESTS,
)
from bench.judging.verdict import judge, scoreboard
from result_factory import fight, fighter


def wilson(k, n, z=1.959963984540054):
    """The Wilson score interval written out by hand (the formula, not the code under test)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def judge_seeds(seeds=3, mode="fair", **fighters_by_seed):
    """Judge a case whose fighters are given per seed as functions seed -> fighter(...)."""
    fights = [
        fight(
            "moons",
            seed,
            mode,
            david=fighters_by_seed["david"](seed),
            keras=fighters_by_seed["keras"](seed),
        )
        for seed in range(seeds)
    ]
    return judge(fights, "keras")


def rounds_of(verdict):
    return {r.name: r for r in verdict.rounds}


def test_clear_accuracy_win_pooled_over_seeds():
    verdict = judge_seeds(
        mode="native",
        david=lambda s: fighter(test_correct=330, n_test=333, test_loss=0.05),
        keras=lambda s: fighter(test_correct=300, n_test=333, test_loss=0.05),
    )
    accuracy = rounds_of(verdict)["accuracy"]
    assert accuracy.winner == "david"
    assert accuracy.test == ACCURACY_TEST
    assert accuracy.david_value == pytest.approx(990 / 999)
    assert accuracy.david_interval == pytest.approx(wilson(990, 999))
    assert accuracy.opponent_interval == pytest.approx(wilson(900, 999))
    low, high = wilson(990, 999)
    other_low, other_high = wilson(900, 999)
    assert (
        f"David wins on accuracy, 0.991 [{low:.3f}-{high:.3f}] vs 0.901 "
        f"[{other_low:.3f}-{other_high:.3f}]" in verdict.sentence
    )
    assert "Wilson 95% intervals do not overlap" in accuracy.sentence


def test_overlapping_accuracy_is_a_draw(snapshot):
    verdict = judge_seeds(
        mode="native",
        david=lambda s: fighter(test_correct=97),
        keras=lambda s: fighter(test_correct=98),
    )
    accuracy = rounds_of(verdict)["accuracy"]
    assert accuracy.winner == "draw"
    assert "0.970 vs 0.980" in accuracy.sentence
    assert accuracy.sentence == snapshot


def test_clear_loss_win_by_paired_t_interval():
    verdict = judge_seeds(
        mode="native",
        seeds=5,
        david=lambda s: fighter(test_loss=0.30 + 0.01 * s),
        keras=lambda s: fighter(test_loss=0.20 + 0.012 * s),
    )
    loss = rounds_of(verdict)["loss"]
    assert loss.winner == "keras"
    assert loss.test == LOSS_TEST
    assert 0 < loss.low <= loss.estimate <= loss.high
    assert loss.sentence.startswith("Keras wins on loss, 0.224 vs 0.32: lower by 0.096 [")


def test_loss_differences_of_both_signs_are_a_draw():
    verdict = judge_seeds(
        mode="native",
        seeds=4,
        david=lambda s: fighter(test_loss=0.2 + (0.05 if s % 2 else -0.05)),
        keras=lambda s: fighter(test_loss=0.2),
    )
    loss = rounds_of(verdict)["loss"]
    assert loss.winner == "draw"
    assert loss.low < 0 < loss.high
    assert "includes 0" in loss.sentence


def test_parity_identical_losses_are_a_draw(snapshot):
    fights = [
        fight(
            seed=seed,
            mode="native",
            dtype="float64",
            david=fighter(test_loss=0.123456789),
            keras=fighter(test_loss=0.123456789 + 1e-12),
        )
        for seed in range(3)
    ]
    loss = rounds_of(judge(fights, "keras"))["loss"]
    assert loss.winner == "draw"
    assert "1e-9" in loss.sentence
    assert loss.sentence == snapshot


@pytest.mark.parametrize(
    ("dtype", "winner", "sentence"),
    [
        ("float32", "draw", "loss a draw: identical to 1e-4 (float32 parity)"),
        ("float64", "keras", "Keras wins on loss, 0.1235 vs 0.1235: lower by 7.1e-06 ["),
    ],
)
def test_float32_rounding_is_parity_but_not_in_float64(dtype, winner, sentence):
    # Measured on the quick suite's float32 moons: the same maths, final losses ~1e-5 apart.
    fights = [
        fight(
            mode="native",
            seed=seed,
            dtype=dtype,
            david=fighter(test_loss=0.1235 + 7e-6 + 1e-7 * seed),
            keras=fighter(test_loss=0.1235),
        )
        for seed in range(3)
    ]
    loss = rounds_of(judge(fights, "keras"))["loss"]
    assert loss.winner == winner
    assert loss.sentence.startswith(sentence)


def test_one_seed_has_no_loss_interval():
    verdict = judge_seeds(
        mode="native",
        seeds=1,
        david=lambda s: fighter(test_loss=0.5),
        keras=lambda s: fighter(test_loss=0.1),
    )
    loss = rounds_of(verdict)["loss"]
    assert (loss.winner, loss.test) == ("draw", ONE_SEED_TEST)


def test_twice_as_fast_with_tight_epoch_times_wins_on_speed():
    rng = np.random.default_rng(7)
    verdict = judge_seeds(
        david=lambda s: fighter(epoch_seconds=0.010 * (1 + 0.02 * rng.standard_normal(50))),
        keras=lambda s: fighter(epoch_seconds=0.020 * (1 + 0.02 * rng.standard_normal(50))),
    )
    speed = rounds_of(verdict)["speed"]
    assert speed.winner == "david"
    assert speed.test == SPEED_TESTS["fair"]
    assert speed.estimate == pytest.approx(2.0, rel=0.03)
    assert 1 < speed.low <= speed.estimate <= speed.high
    assert speed.sentence.startswith("David wins on speed, 2.0x [")
    assert verdict.sentence.startswith("David wins on speed")  # wins lead the sentence


def test_keras_faster_reads_as_keras_n_times_faster():
    verdict = judge_seeds(
        david=lambda s: fighter(epoch_seconds=[0.031, 0.030, 0.029, 0.030]),
        keras=lambda s: fighter(epoch_seconds=[0.010, 0.0101, 0.0099, 0.010]),
    )
    speed = rounds_of(verdict)["speed"]
    assert speed.winner == "keras"
    assert speed.sentence.startswith("Keras wins on speed, 3.0x [")


def test_noisy_overlapping_times_are_a_draw():
    rng = np.random.default_rng(3)
    verdict = judge_seeds(
        david=lambda s: fighter(epoch_seconds=rng.uniform(0.005, 0.05, 8)),
        keras=lambda s: fighter(epoch_seconds=rng.uniform(0.005, 0.05, 8)),
    )
    speed = rounds_of(verdict)["speed"]
    assert speed.winner == "draw"
    assert speed.low < 1 < speed.high
    assert speed.sentence.startswith("speed a draw: median epoch time")


def test_native_mode_compares_training_times_not_epoch_times():
    # David's epochs are slower, but he needs far fewer of them: training time decides.
    verdict = judge_seeds(
        mode="native",
        david=lambda s: fighter(epoch_seconds=[0.1] * 5, train_seconds=0.5 + 0.01 * s),
        keras=lambda s: fighter(epoch_seconds=[0.02] * 100, train_seconds=2.0 + 0.05 * s),
    )
    speed = rounds_of(verdict)["speed"]
    assert speed.test == SPEED_TESTS["native"]
    assert speed.winner == "david"
    # the geometric mean of the per-seed ratios 2.0/0.5, 2.05/0.51, 2.1/0.52
    expected = np.exp(np.mean(np.log([2.0 / 0.5, 2.05 / 0.51, 2.1 / 0.52])))
    assert speed.estimate == pytest.approx(expected)
    assert speed.low > 3.9 and speed.high < 4.15


def test_forfeit_when_one_fighter_diverged_in_every_seed(snapshot):
    verdict = judge_seeds(
        david=lambda s: fighter(status="diverged", diverged_at=37, epoch_seconds=[0.01] * 50),
        keras=lambda s: fighter(),
    )
    assert [r.name for r in verdict.rounds] == ["speed", "memory"]  # fair mode's rounds
    assert [r.winner for r in verdict.rounds] == ["keras"] * 2
    assert {r.test for r in verdict.rounds} == {FORFEIT_TEST}
    assert "epoch 37" in verdict.sentence
    assert verdict.sentence == snapshot


def test_no_contest_when_neither_fighter_finished():
    verdict = judge_seeds(
        david=lambda s: fighter(status="diverged", diverged_at=3),
        keras=lambda s: fighter(status="failed", reason="failed: MemoryError"),
    )
    assert [r.winner for r in verdict.rounds] == ["draw"] * 2
    assert {r.test for r in verdict.rounds} == {NO_CONTEST_TEST}
    assert verdict.sentence.startswith("No contest: David diverged at epoch 3")
    assert "Keras failed: MemoryError" in verdict.sentence


def test_seeds_where_a_fighter_failed_are_left_out_and_counted():
    verdict = judge_seeds(
        david=lambda s: fighter(status="failed" if s == 1 else "ok"),
        keras=lambda s: fighter(),
    )
    assert all(r.seeds_compared == 2 for r in verdict.rounds)
    assert "2 of 3 seeds compared" in verdict.sentence
    assert "seed 1: David failed" in verdict.sentence


def test_judge_takes_one_case():
    with pytest.raises(ValueError, match="one case"):
        judge([fight("a"), fight("b")], "keras")


def test_scoreboard_counts_rounds(snapshot):
    win = judge_seeds(
        david=lambda s: fighter(test_correct=99, epoch_seconds=[0.01] * 9),
        keras=lambda s: fighter(test_correct=60, epoch_seconds=[0.05] * 9),
    )
    forfeit = judge_seeds(david=lambda s: fighter(status="failed"), keras=lambda s: fighter())
    board = scoreboard([win, forfeit], "keras")
    # win: David takes speed, memory is equal (a draw); forfeit: Keras takes both fair rounds.
    assert (board.david, board.opponent_wins, board.draws) == (1, 2, 1)
    assert board.sentence() == snapshot


def test_three_same_signed_but_noisy_loss_differences_are_a_draw():
    """A bootstrap over 3 seeds would call this a win (every resample mean is > 0); t does not."""
    gaps = [0.01, 0.05, 0.002]
    verdict = judge_seeds(
        mode="native",
        seeds=3,
        david=lambda s: fighter(test_loss=0.3 + gaps[s]),
        keras=lambda s: fighter(test_loss=0.3),
    )
    loss = rounds_of(verdict)["loss"]
    assert loss.winner == "draw" and loss.low < 0 < loss.high
    half_width = 4.302652729911275 * np.std(gaps, ddof=1) / np.sqrt(3)  # t(0.975, 2 dof)
    assert loss.high - loss.low == pytest.approx(2 * half_width)


def test_memory_is_won_only_beyond_the_margin():
    # 4 MB against 1 MB in every seed: the interval of the log ratio has no width, beyond 1.1x.
    verdict = judge_seeds(
        david=lambda s: fighter(peak_memory_bytes=1_000_000),
        keras=lambda s: fighter(peak_memory_bytes=4_000_000 + 1000 * s),
    )
    memory = rounds_of(verdict)["memory"]
    assert memory.winner == "david" and memory.estimate == pytest.approx(4.001, rel=1e-3)
    assert memory.sentence.startswith("David wins on memory, 1.00 MB vs 4.00 MB: 4.0x [")
    # 5% apart in every seed: a real difference, but within the 10% margin: a draw.
    close = judge_seeds(
        david=lambda s: fighter(peak_memory_bytes=1_000_000),
        keras=lambda s: fighter(peak_memory_bytes=1_050_000),
    )
    assert rounds_of(close)["memory"].winner == "draw"
    assert "within the margin" in rounds_of(close)["memory"].sentence


def test_a_fighter_without_the_option_is_no_contest_not_a_forfeit(snapshot):
    verdict = judge_seeds(
        david=lambda s: fighter(),
        keras=lambda s: fighter(status="unsupported", reason="not supported by keras: rmsprop"),
    )
    assert [r.winner for r in verdict.rounds] == ["draw", "draw"]
    assert {r.test for r in verdict.rounds} == {NO_CONTEST_TEST}
    assert verdict.sentence == snapshot
