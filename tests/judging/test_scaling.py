"""The scaling section: FLOPs per step, growth exponents, and where David's speed rounds turn."""

import math

import pytest
from scipy.stats import linregress

from bench.judging.scaling import Point, case_points, crossover, growth, step_flops
from bench.judging.stats import slope_interval
from bench.judging.verdict import judge
from bench.report.document import Paragraph, Table
from bench.report.scaling_section import scaling_section
from bench.store.records import Fight
from result_factory import N_TRAIN, case_result, fighter

STEPS = math.ceil(N_TRAIN / 32)  # the factory's batch size


def test_step_flops_counts_forward_and_backward_products():
    layers = [{"input_dim": 784, "output_dim": 256}, {"input_dim": 256, "output_dim": 10}]
    # 2*rows*in*out per layer forward, again for dW, again for dX but the first layer's:
    # 2 * 128 * (3 * (200704 + 2560) - 200704)
    assert step_flops(layers, 128) == 104_726_528


def test_slope_interval_matches_scipy():
    x = [0.0, 1.0, 2.0, 3.0, 4.0]
    y = [0.1, 1.2, 1.9, 3.2, 3.9]
    slope, low, high = slope_interval(x, y)
    fit = linregress(x, y)
    assert slope == pytest.approx(fit.slope)
    # t(0.975, 3) = 3.182446
    assert high - slope == pytest.approx(3.182446 * fit.stderr, rel=1e-6)
    assert slope - low == pytest.approx(high - slope)
    with pytest.raises(ValueError, match="at least 3 points"):
        slope_interval([1.0, 2.0], [1.0, 2.0])


def _fights(case: str, width: int, david_step: float, keras_step: float) -> list[Fight]:
    fights = []
    for seed in range(3):
        jitter = 1 + 0.01 * seed  # the seeds differ a little, as real ones do
        result = case_result(
            case,
            seed,
            david=fighter(epoch_seconds=[david_step * STEPS * jitter] * 5),
            keras=fighter(epoch_seconds=[keras_step * STEPS * jitter] * 5),
        )
        result["case"]["model"]["layers"] = [
            {"input_dim": 4, "output_dim": width, "activation": "relu"},
            {"input_dim": width, "output_dim": 1, "activation": "sigmoid"},
        ]
        fights.append(Fight.from_json(result))
    return fights


def _flops(width: int) -> float:
    return 2 * (N_TRAIN / STEPS) * (3 * 5 * width - 4 * width)  # layers 4-w-1


# David's step grows as FLOPs**0.9, Keras's stays at 1 ms: David wins small, loses large.
WIDTHS = {"w8": 8, "w64": 64, "w512": 512, "w4096": 4096}
RUN = {
    case: _fights(case, width, 2e-4 * (width / 8) ** 0.9, 1e-3) for case, width in WIDTHS.items()
}


def test_points_are_median_step_times_at_the_case_flops():
    points = case_points(RUN["w64"])
    david = next(p for p in points if p.fighter == "david")
    assert david.flops == pytest.approx(_flops(64))
    assert david.step_seconds == pytest.approx(2e-4 * 8**0.9 * 1.01)  # the median seed


def test_growth_recovers_the_exponent():
    points = [p for fights in RUN.values() for p in case_points(fights)]
    david, keras = growth(points, "david"), growth(points, "keras")
    assert david.exponent == pytest.approx(0.9, abs=1e-9)
    assert keras.exponent == pytest.approx(0.0, abs=1e-9)
    assert david.points == 4
    assert growth(points[:4], "david") is None  # two sizes are too few


def test_the_turn_lies_between_the_last_win_and_the_first_loss():
    verdicts = {case: [judge(fights, "keras")] for case, fights in RUN.items()}
    points = [p for fights in RUN.values() for p in case_points(fights)]
    rounds = {
        case: next(r for r in v[0].rounds if r.name == "speed") for case, v in verdicts.items()
    }
    # David's step passes Keras's 1 ms between w8 (0.2 ms) and w64 (1.3 ms):
    david_faster = [c for c, w in WIDTHS.items() if 2e-4 * (w / 8) ** 0.9 < 1e-3]
    assert david_faster == ["w8"]
    turn = crossover(points, rounds, "keras")
    assert turn.clean
    assert turn.david_wins_up_to == pytest.approx(_flops(8))
    assert turn.opponent_wins_from == pytest.approx(_flops(64))
    assert turn.at == pytest.approx(math.sqrt(_flops(8) * _flops(64)))
    blocks = scaling_section(RUN, verdicts)
    sentence = next(b for b in blocks if isinstance(b, Paragraph) and b.lead).text
    assert sentence.startswith("against Keras, David wins up to 5.46 kFLOP per step and loses from")
    table = next(b for b in blocks if isinstance(b, Table))
    assert table.rows[0][:3] == ["David", "0.90 [0.90-0.90]", "4"]


def test_no_turn_when_rounds_interleave_and_no_section_below_three_sizes():
    points = [Point(c, "david", f, 1.0) for c, f in (("a", 1.0), ("b", 2.0), ("c", 3.0))]

    class Won:
        def __init__(self, winner):
            self.winner = winner

    rounds = {"a": Won("keras"), "b": Won("david"), "c": Won("draw")}
    turn = crossover(points, rounds, "keras")
    assert not turn.clean and turn.at is None
    assert (turn.david_wins_up_to, turn.opponent_wins_from) == (2.0, 1.0)
    two = {case: RUN[case] for case in ("w8", "w64")}
    assert scaling_section(two, {c: [judge(f, "keras")] for c, f in two.items()}) == []


def test_native_cases_have_no_points():
    native = [Fight.from_json(case_result("n", seed, mode="native")) for seed in range(2)]
    assert case_points(native) == []
