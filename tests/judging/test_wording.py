"""How numbers are written in verdicts: decided rounds never show a bound that reads as a draw."""

import math

from bench.wording import megabytes, milliseconds, ratio_text


def test_a_won_round_shows_enough_digits_to_stay_above_one():
    assert ratio_text(14.2, 12.9, 15.1) == "14.2x [12.9-15.1]"
    assert ratio_text(1.08, 1.02, 1.12) == "1.08x [1.02-1.12]"
    assert ratio_text(1.004, 1.001, 1.008) == "1.004x [1.001-1.008]"


def test_a_draw_shows_its_spread():
    assert ratio_text(1.0, 0.98, 1.03) == "1.00x [0.98-1.03]"


def test_bounds_past_a_thousandfold_are_written_as_unbounded():
    assert ratio_text(12.0, 0.01, 8.1e11) == "12.0x [0.0->1000]"
    assert ratio_text(2.0, 0.5, math.inf) == "2.0x [0.5->1000]"


def test_units():
    assert megabytes(12_400_000) == "12.4 MB"
    assert milliseconds(0.00261) == "2.61 ms"
