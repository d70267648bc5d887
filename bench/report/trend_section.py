"""The trend over runs: David's accuracy and speed-up run after run, and where they stepped."""

from __future__ import annotations

import math

from bench.judging.change_points import MINIMUM, PENALTY, Step, history_steps
from bench.store.history import read_history
from bench.store.phases import timed
from bench.store.run_folder import ResultsError, Run
from bench.store.speed import GATE_SPEED
from bench.wording import display_name

from ..defaults import HISTORY_PATH
from . import plots
from .document import Block, Figure, Heading, Paragraph, Table


def trend_section(run: Run) -> list[Block]:
    """The trend over runs of this suite, from the history.csv beside the run folder."""
    path = run.run_dir.parent / HISTORY_PATH.name
    try:
        history = read_history(path)
    except ResultsError as err:
        return [Heading(2, "Trend"), Paragraph(f"not shown: {err}")]
    history = history[history["suite"] == run.suite_name]
    runs = history["run_id"].nunique()
    if runs < 2:
        return []  # a trend needs at least two runs of this suite
    # As text: the steps name runs and commits, and a CSV can make either a number.
    history = history.assign(
        run_id=history["run_id"].astype(str), commit=history["commit"].fillna("").astype(str)
    )
    steps = history_steps(history)
    with timed("figures"):
        picture = plots.trend(history, steps)
    return [
        Heading(2, "Trend"),
        Paragraph(
            f"The last {runs} runs of the {run.suite_name} suite recorded in {path.name} beside "
            "this run folder (one point per run, labelled by commit). David's speed-up is the "
            f"regression gate's: the ratio of {GATE_SPEED['fair']}s in fair cases."
        ),
        Figure("trend.png", f"trend over {runs} runs", picture),
        *_steps_blocks(steps, runs),
    ]


def _steps_blocks(steps: dict[tuple[str, str | None], list[Step]], runs: int) -> list[Block]:
    """The step changes in the trend (dashed lines in the figure), or that there were none."""
    how = Paragraph(
        "Steps are found as asv finds them: the fewest levels that fit each series with an L1 "
        f"cost (PELT; speed-ups on a log scale), each extra level costing {PENALTY:g} x the "
        "series' noise (from run-to-run differences) x log(runs), and a step is listed only "
        f"when its level changes by more than {math.exp(MINIMUM['speed-up']) - 1:.0%} "
        f"(speed-up) or {MINIMUM['accuracy']:g} (accuracy); a level is the median of its runs.",
        lead="How:",
    )
    if not steps:
        return [Paragraph(f"No step change in {runs} runs."), how]
    rows = []
    for (case, opponent), found in steps.items():
        what = "accuracy" if opponent is None else f"speed-up vs {display_name(opponent)}"
        for step in found:
            commits = [_short(step.previous_commit, step.previous_run_id)]
            rows.append([case, what, *commits, _short(step.commit, step.run_id), *_cells(step)])
    header = ["case", "what", "from commit", "at commit", "level before", "after", "change", "so"]
    table = Table(header, rows)
    where = Paragraph(
        "In the figure a dashed line marks the run where each new level starts, and the pale "
        "horizontal bars are the levels."
    )
    return [Heading(3, "Step changes"), table, where, how]


def _cells(step: Step) -> list[str]:
    """The levels, the change and what it means for David, in the step's own units."""
    if step.kind == "speed-up":
        better, worse = "David faster", "David slower"
        levels = [f"{step.before:.2f}x", f"{step.after:.2f}x"]
        change = f"x{step.factor:.2f}"
    else:
        better, worse = "David more accurate", "David less accurate"
        levels = [f"{step.before:.3f}", f"{step.after:.3f}"]
        change = f"{step.after - step.before:+.3f}"
    return [*levels, change, better if step.better else worse]


def _short(commit: str, run_id: str) -> str:
    """A commit as the figure labels it (its first 7 characters), or the run without one."""
    return commit[:7] or run_id
