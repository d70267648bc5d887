"""Verdicts that do not overstate what one seed can tell."""

import pytest

from bench.judging.rounds import ONE_SEED_EPOCHS, ONE_SEED_TEST, SPEED_TESTS
from bench.judging.verdict import judge
from result_factory import fight, fighter


def speed_round(seeds, david_seconds, keras_seconds):
    fights = [
        fight(
            "moons",
            seed,
            "fair",
            david=fighter(epoch_seconds=david_seconds),
            keras=fighter(epoch_seconds=keras_seconds),
        )
        for seed in seeds
    ]
    verdict = judge(fights, "keras")
    return next(r for r in verdict.rounds if r.name == "speed"), verdict


def test_one_fair_seed_declares_no_speed_winner_from_its_epochs(snapshot):
    """A fair case with one seed (`--seeds 1`) gives the bootstrap one cluster: an interval from
    the epochs alone, which share the seed's conditions, would declare David the winner."""
    david = [0.010, 0.011, 0.009, 0.010, 0.0105] * 10  # median 10 ms, tight
    keras = [0.020, 0.021, 0.019, 0.020, 0.0205] * 10  # median 20 ms: twice as slow
    speed, verdict = speed_round([0], david, keras)
    assert speed.winner == "draw" and speed.test == ONE_SEED_TEST
    assert speed.low is None and speed.high is None and speed.seeds_compared == 1
    assert speed.estimate == pytest.approx(2.0)
    assert "10.0 ms vs 20.0 ms, ratio 2.00x" in speed.sentence
    assert speed.sentence == snapshot
    assert ONE_SEED_EPOCHS in verdict.sentence
    # Two seeds with the same timings: now there is a between-seed spread to resample.
    speed, _ = speed_round([0, 1], david, keras)
    assert speed.winner == "david" and speed.test == SPEED_TESTS["fair"]


def test_one_fair_seed_left_after_failures_is_a_draw_too():
    """Three seeds, but only one where both fighters finished: a draw as well."""
    fights = [
        fight(
            "moons",
            seed,
            "fair",
            david=fighter(epoch_seconds=[0.010] * 20),
            keras=fighter(epoch_seconds=[0.030] * 20)
            if seed == 0
            else fighter(status="failed", reason="failed: RuntimeError: out of memory"),
        )
        for seed in range(3)
    ]
    speed = next(r for r in judge(fights, "keras").rounds if r.name == "speed")
    assert (speed.winner, speed.test, speed.seeds_compared) == ("draw", ONE_SEED_TEST, 1)
