"""The scaling section: time per step against work per step, every fighter, log-log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bench.judging.scaling import Crossover, Growth, Point, case_points, crossover, growth
from bench.judging.verdict import CaseVerdict
from bench.store.phases import timed
from bench.store.records import DAVID, Fight
from bench.wording import display_name

from ..wording import milliseconds, three_digits
from . import plots
from .document import Block, Figure, Heading, Paragraph, Table


def scaling_section(
    by_case: Mapping[str, Sequence[Fight]], verdicts: Mapping[str, Sequence[CaseVerdict]]
) -> list[Block]:
    """The section, or nothing when the fair cases cover fewer than three step sizes."""
    points = [point for fights in by_case.values() for point in case_points(fights)]
    if len({p.flops for p in points if p.fighter == DAVID}) < 3:
        return []
    fighters = list(dict.fromkeys(p.fighter for p in points))
    opponents = [name for name in fighters if name != DAVID]
    turns = [crossover(points, _speed_rounds(verdicts, name), name) for name in opponents]
    growths = {name: growth(points, name) for name in fighters}
    with timed("figures"):
        picture = plots.scaling(points, fighters, turns)
    return [
        Heading(2, "Scaling"),
        Paragraph(
            "Time per training step against the step's work (the FLOPs of its matrix products: "
            "forward, weight gradients, and input gradients but the first layer's), one point per "
            "fair-mode "
            "case and fighter, the median over seeds. The exponent is the slope on log-log axes "
            "(1: time grows as the work; below 1: fixed per-step costs still dominate). Where "
            "David's speed rounds turn, the case verdicts decide (draws count for neither side)."
        ),
        Figure(
            "scaling.png",
            "Time per training step against FLOPs per step, log-log, every fighter",
            picture,
        ),
        Table(
            ["fighter", "growth exponent [95%]", "sizes", "fastest step", "slowest step"],
            [_growth_row(name, growths[name], points) for name in fighters],
        ),
        Paragraph(
            " ".join(_turn_sentence(turn) for turn in turns), lead="Where David stops winning:"
        ),
    ]


def _speed_rounds(verdicts: Mapping[str, Sequence[CaseVerdict]], opponent: str) -> dict:
    return {
        case: round_
        for case, case_verdicts in verdicts.items()
        for verdict in case_verdicts
        if verdict.opponent == opponent
        for round_ in verdict.rounds
        if round_.name == "speed"
    }


def _growth_row(name: str, fitted: Growth | None, points: Sequence[Point]) -> list[str]:
    mine = sorted((p for p in points if p.fighter == name), key=lambda p: p.flops)
    exponent = (
        f"{fitted.exponent:.2f} [{fitted.low:.2f}-{fitted.high:.2f}]" if fitted else "too few sizes"
    )
    return [
        display_name(name),
        exponent,
        str(len(mine)),
        f"{_flops(mine[0].flops)}: {milliseconds(mine[0].step_seconds)}",
        f"{_flops(mine[-1].flops)}: {milliseconds(mine[-1].step_seconds)}",
    ]


def _turn_sentence(turn: Crossover) -> str:
    them = display_name(turn.opponent)
    won, lost = turn.david_wins_up_to, turn.opponent_wins_from
    if turn.clean:
        return (
            f"against {them}, David wins up to {_flops(won)} per step and loses from "
            f"{_flops(lost)} (turn near {_flops(turn.at)})."
        )
    if won is None and lost is None:
        return f"against {them}, every size is a draw or no contest."
    if lost is None:
        return f"against {them}, David wins at every decided size (up to {_flops(won)})."
    if won is None:
        return f"against {them}, David wins at no size ({them} from {_flops(lost)})."
    return (
        f"against {them}, no single turn: David wins up to {_flops(won)} but {them} already "
        f"wins at {_flops(lost)}."
    )


def _flops(value: float | None) -> str:
    if value is None:
        return "?"
    for unit, scale in (("GFLOP", 1e9), ("MFLOP", 1e6), ("kFLOP", 1e3)):
        if value >= scale:
            return f"{three_digits(value / scale)} {unit}"
    return f"{three_digits(value)} FLOP"
