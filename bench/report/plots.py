"""Report pictures as PNG bytes: loss curves, confusion matrices, trend, scaling."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from bench.judging.change_points import Step
from bench.judging.scaling import Crossover, Point
from bench.store.records import DAVID, Fight
from bench.wording import display_name

from .canvas import FIGHTER_COLOURS, figure, grid_shape, note, png, seeds_text

LOG_SCALE_RANGE = 30.0  # max/min loss ratio above which a linear axis flattens the tail
MAX_ANNOTATED_CLASSES = 12  # beyond this the counts no longer fit in their cells


def _colours(fighters: Sequence[str]) -> dict[str, str]:
    return {name: FIGHTER_COLOURS[i % len(FIGHTER_COLOURS)] for i, name in enumerate(fighters)}


def loss_curves(fights: Sequence[Fight]) -> bytes:
    """Training (solid) and validation (dashed) loss per epoch of every fighter, mean over seeds."""
    fighters = list(fights[0].fighters)
    colours = _colours(fighters)
    with figure(1, 1) as (fig, ax):
        plotted = []
        for name in fighters:
            histories = [f.fighters[name].history for f in fights if f.fighters[name].history]
            for key, style, label in (("loss", "-", "train"), ("val_loss", "--", "validation")):
                mean = _mean_curve([getattr(h, key) for h in histories])
                if not np.isfinite(mean).any():
                    continue
                # Under parity the curves coincide: David thick and pale below, the others thin
                # on top, so every curve stays visible.
                wide = name == DAVID
                ax.plot(
                    np.arange(1, mean.size + 1),
                    mean,
                    style,
                    color=colours[name],
                    linewidth=3.0 if wide else 1.3,
                    alpha=0.55 if wide else 1.0,
                    label=f"{display_name(name)} {label}",
                )
                plotted.append(mean[np.isfinite(mean)])
        if plotted:
            values = np.concatenate(plotted)
            if values.min() > 0 and values.max() / values.min() > LOG_SCALE_RANGE:
                ax.set_yscale("log")
            ax.legend(fontsize=8, ncol=2)
        else:
            note(ax, "no loss history recorded")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        ax.set_title(f"Loss per epoch (mean over {seeds_text(len(fights))})", fontsize=10)
        ax.grid(alpha=0.3)
        return png(fig)


def confusion_matrices(fights: Sequence[Fight]) -> bytes | None:
    """Every fighter's confusion matrix summed over seeds (multiclass only), counts annotated."""
    n_classes = int(fights[0].dataset["n_classes"])
    if n_classes <= 2:
        return None
    fighters = list(fights[0].fighters)
    sums = {name: np.zeros((n_classes, n_classes), dtype=np.int64) for name in fighters}
    seeds = dict.fromkeys(fighters, 0)
    for fight in fights:
        for name in fighters:
            record = fight.fighters[name]
            # A diverged fighter's metrics come from NaN weights: left out, as the verdict does.
            if not record.ok:
                continue
            matrix = np.asarray(record.metrics.confusion_matrix, dtype=np.int64)
            if matrix.shape == (n_classes, n_classes):
                sums[name] += matrix
                seeds[name] += 1
    if not any(seeds.values()):
        return None
    names = fights[0].class_names
    rows, cols = grid_shape(len(fighters))
    with figure(rows, cols, figsize=(3.2 * cols, 3.0 * rows + 0.4), squeeze=False) as (fig, axes):
        for ax in axes.ravel()[len(fighters) :]:
            ax.set_axis_off()
        for ax, name in zip(axes.ravel(), fighters, strict=False):
            ax.set_title(f"{display_name(name)} ({seeds_text(seeds[name])})", fontsize=10)
            if not seeds[name]:
                note(ax, "no predictions")
                ax.set_axis_off()
                continue
            _matrix(ax, sums[name], names)
        fig.suptitle("Confusion matrices, summed over seeds (rows: true class)", fontsize=10)
        return png(fig)


def trend(history: pd.DataFrame, steps: Mapping[tuple[str, str | None], list[Step]]) -> bytes:
    """David's accuracy and speed-up per case run after run, each step change marked."""
    runs = list(dict.fromkeys(history["run_id"]))  # in the order they were appended
    firsts = history.drop_duplicates("run_id").set_index("run_id")["commit"].fillna("")
    labels = [str(firsts[run])[:7] or str(run) for run in runs]
    with figure(1, 2) as (fig, (accuracy_ax, speed_ax)):
        for case, rows in history.groupby("case", sort=False):
            first = rows.drop_duplicates("run_id")
            (line,) = accuracy_ax.plot(
                [runs.index(r) for r in first["run_id"]],
                first["david_test_accuracy"],
                marker="o",
                label=str(case),
            )
            _mark_steps(accuracy_ax, steps.get((str(case), None), []), runs, line)
            for opponent, lines in rows.groupby("opponent", sort=False):
                (line,) = speed_ax.plot(
                    [runs.index(r) for r in lines["run_id"]],
                    lines["david_speedup"],
                    marker="o",
                    label=f"{case} vs {display_name(str(opponent))}",
                )
                found = steps.get((str(case), str(opponent)), [])
                _mark_steps(speed_ax, found, runs, line)
        accuracy_ax.set_title("David's test accuracy")
        speed_ax.set_title("David's speed-up (higher: David faster)")
        speed_ax.set_yscale("log")
        for ax in (accuracy_ax, speed_ax):
            ax.set_xticks(range(len(runs)), labels, rotation=45, ha="right", fontsize=7)
            ax.grid(alpha=0.3)
        speed_ax.legend(fontsize=7, loc="best")
        accuracy_ax.legend(fontsize=7, loc="best")
        return png(fig)


def _mark_steps(ax: Any, steps: Sequence[Step], runs: list[str], line: Any) -> None:
    """A dashed line at each run where a new level starts, and each level over its runs."""
    if not steps:
        return
    colour = line.get_color()
    xs = line.get_xdata()
    starts = [xs[0], *(runs.index(step.run_id) for step in steps)]
    ends = [*(runs.index(step.previous_run_id) for step in steps), xs[-1]]
    levels = [steps[0].before, *(step.after for step in steps)]
    for start, end, level in zip(starts, ends, levels, strict=True):
        ax.hlines(level, start - 0.2, end + 0.2, color=colour, linewidth=3, alpha=0.4)
    for start in starts[1:]:
        ax.axvline(start, color=colour, linestyle="--", linewidth=1.2)


def _matrix(ax: Any, matrix: np.ndarray, names: list[str]) -> None:
    """One confusion matrix as a heat map with its counts written in."""
    ax.imshow(matrix, cmap="Blues")
    ticks = np.arange(len(names))
    ax.set_xticks(ticks, names, rotation=45 if max(map(len, names)) > 3 else 0, fontsize=7)
    ax.set_yticks(ticks, names, fontsize=7)
    ax.set_xlabel("predicted", fontsize=8)
    ax.set_ylabel("true", fontsize=8)
    if len(names) > MAX_ANNOTATED_CLASSES:
        return
    threshold = matrix.max() / 2
    for (row, col), count in np.ndenumerate(matrix):
        colour = "white" if count > threshold else "black"
        ax.text(col, row, str(count), ha="center", va="center", fontsize=7, color=colour)


def _mean_curve(series: Sequence[Sequence[float | None]]) -> np.ndarray:
    """Mean per epoch over the seeds that have a value there (None: diverged, skipped)."""
    length = max((len(s) for s in series), default=0)
    table = np.full((len(series), length), np.nan)
    for row, values in enumerate(series):
        table[row, : len(values)] = np.array(values, dtype=np.float64)
    finite = np.isfinite(table)
    counts = finite.sum(axis=0)
    totals = np.where(finite, table, 0.0).sum(axis=0)
    return np.divide(totals, counts, out=np.full(length, np.nan), where=counts > 0)


def scaling(points: Sequence[Point], fighters: Sequence[str], turns: Sequence[Crossover]) -> bytes:
    """Seconds per step against FLOPs per step on log-log axes, David's turns marked."""
    colours = _colours(fighters)
    with figure(1, 1, figsize=(8.0, 4.5)) as (fig, ax):
        for name in fighters:
            mine = sorted((p for p in points if p.fighter == name), key=lambda p: p.flops)
            ax.plot(
                [p.flops for p in mine],
                [p.step_seconds * 1e3 for p in mine],
                "o",
                color=colours[name],
                markersize=7 if name == DAVID else 5,
                label=display_name(name),
            )
        for turn in turns:
            if turn.at is not None:
                ax.axvline(turn.at, color=colours[turn.opponent], linestyle=":", linewidth=1.2)
                ax.annotate(
                    f"turn vs {display_name(turn.opponent)}",
                    (turn.at, 1.0),
                    xycoords=("data", "axes fraction"),
                    rotation=90,
                    va="top",
                    ha="right",
                    fontsize=7,
                    color=colours[turn.opponent],
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("FLOPs per training step")
        ax.set_ylabel("ms per step")
        ax.set_title("Time per step against work per step (median over seeds)", fontsize=10)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
        return png(fig)
