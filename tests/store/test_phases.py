"""Where a run's time went: the phase clock, its breakdown, and the rows the report shows."""

import pytest

from bench.store.phases import (
    REPORT_PHASES,
    RUN_PHASES,
    UNACCOUNTED,
    PhaseClock,
    active_breakdown,
    add_to_active,
    breakdown_rows,
    timed,
)


def test_seconds_add_up_per_phase():
    clock = PhaseClock()
    clock.add("training", 1.5)
    clock.add("training", 2.25)
    clock.add("evaluation", 0.5)
    assert clock.seconds == {"training": 3.75, "evaluation": 0.5}


def test_timed_counts_into_the_active_clock_only():
    outer, inner = PhaseClock(), PhaseClock()
    with timed("figures"):  # no clock runs: nothing to count, and no error
        pass
    with outer.running():
        with timed("figures"):
            sum(range(10_000))
        with inner.running():
            add_to_active("animations", 2.0)
        add_to_active("animations", 1.0)
    assert set(outer.seconds) == {"figures", "animations"}
    assert outer.seconds["figures"] > 0 and outer.seconds["animations"] == 1.0
    assert inner.seconds == {"animations": 2.0}
    assert active_breakdown() == {}  # the clocks stopped with their blocks


def test_a_phase_raising_is_still_counted():
    clock = PhaseClock()
    with pytest.raises(ValueError), clock.timing("writing"):
        raise ValueError("disk full")
    assert clock.seconds["writing"] >= 0


def test_the_rest_goes_to_the_named_phase():
    clock = PhaseClock()
    clock.add("figures", 0.0)
    breakdown = clock.breakdown(rest="judging")
    wall = breakdown["wall_seconds"]
    assert breakdown["phases"]["judging"] == pytest.approx(wall, abs=1e-3)


def test_rows_follow_the_phase_order_and_show_what_is_left():
    breakdown = {
        "wall_seconds": 200.0,
        "phases": {"writing": 10.0, "training": 100.0, "newer_phase": 20.0, "data": "bad"},
    }
    rows = breakdown_rows(breakdown, RUN_PHASES)
    assert rows == [
        (RUN_PHASES["training"], 100.0, 0.5),
        (RUN_PHASES["writing"], 10.0, 0.05),
        ("newer_phase", 20.0, 0.1),  # a later harness's phase keeps its own name
        (UNACCOUNTED, 70.0, 0.35),
    ]


@pytest.mark.parametrize("breakdown", [None, {}, {"phases": None}, "3 s", {"phases": [1, 2]}])
def test_no_rows_without_a_breakdown(breakdown):
    assert breakdown_rows(breakdown, REPORT_PHASES) == []


def test_no_share_without_a_wall_time():
    rows = breakdown_rows({"phases": {"figures": 3.0}}, REPORT_PHASES)
    assert rows == [(REPORT_PHASES["figures"], 3.0, None)]
