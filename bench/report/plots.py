"""Report pictures as PNG bytes: loss curves, decision boundaries, confusion matrices, trend."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: reports render on CI machines without a display

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap

from ..records import DAVID, Fight, display_name

FIGHTER_COLOURS = ("#1f6fb4", "#c8452c", "#2a9d4b", "#8c4fb0", "#d98a1c", "#5f6b73")
CLASS_COLOURS = plt.get_cmap("tab10").colors
BINARY_COLOURS = ("#2166ac", "#b2182b")  # the two ends of RdBu_r, the probability shading
DPI = 100
SIZE = (8.0, 3.5)
LOG_SCALE_RANGE = 30.0  # max/min loss ratio above which a linear axis flattens the tail
MAX_ANNOTATED_CLASSES = 12  # beyond this the counts no longer fit in their cells
PANELS_PER_ROW = 3
GIF_DPI = 70


def _colours(fighters: Sequence[str]) -> dict[str, str]:
    return {name: FIGHTER_COLOURS[i % len(FIGHTER_COLOURS)] for i, name in enumerate(fighters)}


def loss_curves(fights: Sequence[Fight]) -> bytes:
    """Training (solid) and validation (dashed) loss per epoch of every fighter, mean over seeds."""
    fighters = list(fights[0].fighters)
    colours = _colours(fighters)
    with _figure(1, 1) as (fig, ax):
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
            _note(ax, "no loss history recorded")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        ax.set_title(f"Loss per epoch (mean over {_seeds(len(fights))})", fontsize=10)
        ax.grid(alpha=0.3)
        return _png(fig)


def _test_points(fight: Fight) -> tuple[np.ndarray, np.ndarray] | None:
    """The 2-D test points and their colours, or None when the data is not 2-D."""
    points = fight.test_points
    kinds = [r.decision_boundary["kind"] for r in fight.fighters.values() if r.decision_boundary]
    if not points or not kinds:
        return None
    x = np.asarray(points["x"], dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        return None
    palette = np.array(BINARY_COLOURS if kinds[0] == "probability" else CLASS_COLOURS)
    return x, palette[np.asarray(points["y"], dtype=int) % len(palette)]


def _grid_shape(panels: int) -> tuple[int, int]:
    cols = min(panels, PANELS_PER_ROW)
    return -(-panels // cols), cols


def decision_boundaries(fight: Fight) -> bytes | None:
    """Each fighter's final decision regions and the test points; None if not 2-D."""
    shown = _test_points(fight)
    if shown is None:
        return None
    x, colours = shown
    n_classes = int(fight.dataset["n_classes"])
    rows, cols = _grid_shape(len(fight.fighters))
    size = (3.0 * cols, 3.0 * rows + 0.4)
    with _figure(rows, cols, figsize=size, squeeze=False) as (fig, axes):
        flat = axes.ravel()
        for ax, (name, record) in zip(flat, fight.fighters.items(), strict=False):
            if record.decision_boundary is None:
                _note(ax, f"no boundary:\n{record.status}")
            else:
                _shade(ax, record.decision_boundary, n_classes)
            ax.scatter(x[:, 0], x[:, 1], c=colours, s=10, edgecolors="black", linewidths=0.3)
            title = display_name(name)
            if record.status != "ok":
                title += f" ({record.status})"
            elif record.metrics is not None:
                title += f": {record.metrics.test_accuracy:.3f}"
            ax.set_title(title, fontsize=9)
            ax.set_aspect("equal", adjustable="box")
            ax.tick_params(labelsize=7)
        for ax in flat[len(fight.fighters) :]:
            ax.set_axis_off()
        kind = next(
            r.decision_boundary["kind"] for r in fight.fighters.values() if r.decision_boundary
        )
        shading = "P(class 1), line at 0.5" if kind == "probability" else "predicted class"
        fig.suptitle(
            f"Decision boundaries after training, seed {fight.seed} "
            f"({shading}; test accuracy in titles)",
            fontsize=9,
        )
        return _png(fig)


def _snapshot_frames(fight: Fight) -> tuple[list[int], dict[str, dict[int, dict]]] | None:
    """Per fighter, its boundary at each recorded epoch (the final one included)."""
    frames: dict[str, dict[int, dict]] = {}
    for name, record in fight.fighters.items():
        final = record.decision_boundary
        if final is None:
            continue
        # A snapshot is the final boundary's grid, coarser: its values are all that differ.
        frames[name] = {
            snapshot["epoch"]: {**final, "values": snapshot["values"]}
            for snapshot in record.boundary_snapshots
        }
        frames[name][record.epochs_run] = final
    if not frames:
        return None
    epochs = sorted({epoch for per_epoch in frames.values() for epoch in per_epoch})
    return epochs, frames


def boundary_evolution(fight: Fight) -> tuple[bytes, bytes] | None:
    """How each fighter's boundary formed: a strip of snapshots (PNG) and an animation (GIF)."""
    shown, snapshots = _test_points(fight), _snapshot_frames(fight)
    if shown is None or snapshots is None:
        return None
    x, colours = shown
    epochs, frames = snapshots
    n_classes = int(fight.dataset["n_classes"])
    names = list(frames)
    size = (1.9 * len(epochs), 1.9 * len(names) + 0.4)
    with _figure(len(names), len(epochs), figsize=size, squeeze=False) as (fig, axes):
        for row, name in enumerate(names):
            for col, epoch in enumerate(epochs):
                ax = axes[row][col]
                boundary = frames[name].get(epoch)
                if boundary is not None:
                    _shade(ax, boundary, n_classes)
                ax.scatter(x[:, 0], x[:, 1], c=colours, s=3, linewidths=0)
                ax.set_xticks([])
                ax.set_yticks([])
                if row == 0:
                    ax.set_title(f"epoch {epoch}", fontsize=8)
                if col == 0:
                    ax.set_ylabel(display_name(name), fontsize=8)
        fig.suptitle(f"Decision boundaries during training, seed {fight.seed}", fontsize=9)
        strip = _png(fig)
    return strip, _animation(fight, x, colours, epochs, frames, n_classes)


def _animation(fight, x, colours, epochs, frames, n_classes) -> bytes:
    """One frame per recorded epoch, every fighter side by side: an animated GIF."""
    from matplotlib.animation import FuncAnimation, PillowWriter

    names = list(frames)
    rows, cols = _grid_shape(len(names))
    with _figure(rows, cols, figsize=(2.6 * cols, 2.6 * rows + 0.4), squeeze=False) as (fig, axes):
        flat = axes.ravel()
        for ax in flat[len(names) :]:
            ax.set_axis_off()

        def draw(frame: int) -> None:
            epoch = epochs[frame]
            for ax, name in zip(flat, names, strict=False):
                ax.clear()
                known = [e for e in frames[name] if e <= epoch]
                if known:
                    _shade(ax, frames[name][max(known)], n_classes)
                ax.scatter(x[:, 0], x[:, 1], c=colours, s=4, linewidths=0)
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_title(display_name(name), fontsize=8)
            fig.suptitle(f"Decision boundaries, seed {fight.seed}: epoch {epoch}", fontsize=9)

        animation = FuncAnimation(fig, draw, frames=len(epochs))
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "boundaries.gif"
            animation.save(path, writer=PillowWriter(fps=1), dpi=GIF_DPI)
            return path.read_bytes()


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
    rows, cols = _grid_shape(len(fighters))
    with _figure(rows, cols, figsize=(3.2 * cols, 3.0 * rows + 0.4), squeeze=False) as (fig, axes):
        for ax in axes.ravel()[len(fighters) :]:
            ax.set_axis_off()
        for ax, name in zip(axes.ravel(), fighters, strict=False):
            ax.set_title(f"{display_name(name)} ({_seeds(seeds[name])})", fontsize=10)
            if not seeds[name]:
                _note(ax, "no predictions")
                ax.set_axis_off()
                continue
            _matrix(ax, sums[name], names)
        fig.suptitle("Confusion matrices, summed over seeds (rows: true class)", fontsize=10)
        return _png(fig)


def trend(history: pd.DataFrame) -> bytes:
    """David's test accuracy and his speed-up over each opponent per case, run after run."""
    runs = list(dict.fromkeys(history["run_id"]))  # in the order they were appended
    labels = [
        str(history.loc[history["run_id"] == run, "commit"].iloc[0])[:7] or run for run in runs
    ]
    with _figure(1, 2) as (fig, (accuracy_ax, speed_ax)):
        for case, rows in history.groupby("case", sort=False):
            first = rows.drop_duplicates("run_id")
            accuracy_ax.plot(
                [runs.index(r) for r in first["run_id"]],
                first["david_test_accuracy"],
                marker="o",
                label=str(case),
            )
            for opponent, lines in rows.groupby("opponent", sort=False):
                speed_ax.plot(
                    [runs.index(r) for r in lines["run_id"]],
                    lines["david_speedup"],
                    marker="o",
                    label=f"{case} vs {display_name(str(opponent))}",
                )
        accuracy_ax.set_title("David's test accuracy")
        speed_ax.set_title("David's speed-up (higher: David faster)")
        speed_ax.set_yscale("log")
        for ax in (accuracy_ax, speed_ax):
            ax.set_xticks(range(len(runs)), labels, rotation=45, ha="right", fontsize=7)
            ax.grid(alpha=0.3)
        speed_ax.legend(fontsize=7, loc="best")
        return _png(fig)


def _shade(ax: Any, boundary: dict[str, Any], n_classes: int) -> None:
    """Fill the grid: values[i][j] is the point (x_j, y_i), as numpy.meshgrid lays it out."""
    values = np.array(boundary["values"], dtype=np.float64)  # None (NaN) cells stay blank
    xs = np.linspace(boundary["x_min"], boundary["x_max"], values.shape[1])
    ys = np.linspace(boundary["y_min"], boundary["y_max"], values.shape[0])
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    if not np.isfinite(values).any():  # a diverged network predicts NaN everywhere
        _note(ax, "no finite predictions")
        return
    if boundary["kind"] == "probability":
        ax.contourf(xs, ys, values, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.4)
        if np.nanmin(values) < 0.5 < np.nanmax(values):
            ax.contour(xs, ys, values, levels=[0.5], colors="black", linewidths=1.0)
    else:
        cmap = ListedColormap(CLASS_COLOURS[:n_classes])
        levels = np.arange(n_classes + 1) - 0.5
        ax.contourf(xs, ys, values, levels=levels, cmap=cmap, alpha=0.35)


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


def _note(ax: Any, text: str) -> None:
    """A message in the middle of a panel (axes coordinates: whatever the data range)."""
    box = {"facecolor": "white", "alpha": 0.85, "edgecolor": "none"}  # readable over points
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, bbox=box, zorder=5)


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


@contextmanager
def _figure(rows: int, cols: int, **kwargs: Any) -> Iterator[tuple[Any, Any]]:
    """A small figure that is always closed, even when drawing fails."""
    kwargs.setdefault("figsize", SIZE)
    fig, axes = plt.subplots(rows, cols, dpi=DPI, **kwargs)
    try:
        yield fig, axes
    finally:
        plt.close(fig)


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _seeds(count: int) -> str:
    return f"{count} seed{'' if count == 1 else 's'}"
