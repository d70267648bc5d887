"""Report pictures as PNG bytes: loss curves, decision boundaries, confusion matrices, trend."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: reports render on CI machines without a display

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from .results import FIGHTERS, NAMES

COLOURS = {"david": "#1f6fb4", "goliath": "#c8452c"}
CLASS_COLOURS = plt.get_cmap("tab10").colors
BINARY_COLOURS = ("#2166ac", "#b2182b")  # the two ends of RdBu_r, the probability shading
DPI = 100
SIZE = (8.0, 3.5)
LOG_SCALE_RANGE = 30.0  # max/min loss ratio above which a linear axis flattens the tail
MAX_ANNOTATED_CLASSES = 12  # beyond this the counts no longer fit in their cells


def loss_curves(results: Sequence[dict[str, Any]]) -> bytes:
    """Training (solid) and validation (dashed) loss per epoch of both fighters, mean over seeds."""
    with _figure(1, 1) as (fig, ax):
        plotted = []
        for fighter in FIGHTERS:
            histories = [r["fighters"][fighter].get("history") for r in results]
            histories = [h for h in histories if h]
            for key, style, label in (("loss", "-", "train"), ("val_loss", "--", "validation")):
                mean = _mean_curve([h.get(key) or [] for h in histories])
                if not np.isfinite(mean).any():
                    continue
                # Under parity the curves coincide: David thick and pale below, Goliath thin on
                # top, so both stay visible.
                wide = fighter == "david"
                ax.plot(
                    np.arange(1, mean.size + 1),
                    mean,
                    style,
                    color=COLOURS[fighter],
                    linewidth=3.0 if wide else 1.3,
                    alpha=0.55 if wide else 1.0,
                    label=f"{NAMES[fighter]} {label}",
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
        ax.set_title(f"Loss per epoch (mean over {_seeds(len(results))})", fontsize=10)
        ax.grid(alpha=0.3)
        return _png(fig)


def decision_boundaries(result: dict[str, Any]) -> bytes | None:
    """David's (left) and Goliath's (right) decision regions and test points; None if not 2-D."""
    points = result.get("test_points")
    boundaries = {f: result["fighters"][f].get("decision_boundary") for f in FIGHTERS}
    if not points or not any(boundaries.values()):
        return None
    x = np.asarray(points["x"], dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        return None
    labels = np.asarray(points["y"], dtype=int)
    n_classes = int(result["dataset"]["n_classes"])
    kind = next(b["kind"] for b in boundaries.values() if b)
    palette = np.array(BINARY_COLOURS if kind == "probability" else CLASS_COLOURS)
    colours = palette[labels % len(palette)]
    with _figure(1, 2, sharex=True, sharey=True) as (fig, axes):
        for ax, fighter in zip(axes, FIGHTERS, strict=True):
            entry = result["fighters"][fighter]
            boundary = boundaries[fighter]
            if boundary is None:
                why = entry.get("reason") or entry.get("status", "missing")
                _note(ax, f"no boundary:\n{why}")
            else:
                _shade(ax, boundary, n_classes)
            ax.scatter(x[:, 0], x[:, 1], c=colours, s=14, edgecolors="black", linewidths=0.4)
            accuracy = (entry.get("metrics") or {}).get("test_accuracy")
            title = NAMES[fighter]
            if entry.get("status") != "ok":
                title += f" ({entry.get('status', 'missing')})"
            elif accuracy is not None:
                title += f": test accuracy {accuracy:.3f}"
            ax.set_title(title, fontsize=10)
            ax.set_aspect("equal", adjustable="box")
        shading = "shading P(class 1), line at 0.5" if kind == "probability" else "predicted class"
        fig.suptitle(f"Decision boundaries, seed {result['seed']} ({shading})", fontsize=10)
        return _png(fig)


def confusion_matrices(results: Sequence[dict[str, Any]]) -> bytes | None:
    """Both fighters' confusion matrices summed over seeds (multiclass only), counts annotated."""
    dataset = results[0]["dataset"]
    n_classes = int(dataset["n_classes"])
    if n_classes <= 2:
        return None
    sums = {f: np.zeros((n_classes, n_classes), dtype=np.int64) for f in FIGHTERS}
    seeds = dict.fromkeys(FIGHTERS, 0)
    for result in results:
        for fighter in FIGHTERS:
            entry = result["fighters"][fighter]
            # A diverged fighter still has metrics (of NaN weights): leave them out, as the
            # verdict does.
            metrics = (entry.get("metrics") or {}) if entry.get("status") == "ok" else {}
            matrix = np.asarray(metrics.get("confusion_matrix") or [], dtype=np.int64)
            if matrix.shape == (n_classes, n_classes):
                sums[fighter] += matrix
                seeds[fighter] += 1
    if not any(seeds.values()):
        return None
    names = list(dataset.get("class_names") or [])
    if len(names) != n_classes:
        names = [str(k) for k in range(n_classes)]
    with _figure(1, 2) as (fig, axes):
        for ax, fighter in zip(axes, FIGHTERS, strict=True):
            ax.set_title(f"{NAMES[fighter]} ({_seeds(seeds[fighter])})", fontsize=10)
            if not seeds[fighter]:
                _note(ax, "no predictions")
                ax.set_axis_off()
                continue
            _matrix(ax, sums[fighter], names)
        fig.suptitle("Confusion matrices, summed over seeds (rows: true class)", fontsize=10)
        return _png(fig)


def trend(history: Any) -> bytes:
    """David's test accuracy and the David/Goliath time ratio per case, run after run."""
    runs = list(dict.fromkeys(history["run_id"]))  # in the order they were appended
    labels = [
        str(history.loc[history["run_id"] == run, "commit"].iloc[0])[:7] or run for run in runs
    ]
    with _figure(1, 2) as (fig, (accuracy_ax, ratio_ax)):
        for case, rows in history.groupby("case", sort=False):
            x = [runs.index(run) for run in rows["run_id"]]
            accuracy_ax.plot(x, rows["david_test_accuracy"], marker="o", label=str(case))
            ratio_ax.plot(x, rows["time_ratio"], marker="o", label=str(case))
        accuracy_ax.set_title("David's test accuracy")
        ratio_ax.set_title("David / Goliath training time (lower: David faster)")
        for ax in (accuracy_ax, ratio_ax):
            ax.set_xticks(range(len(runs)), labels, rotation=45, ha="right", fontsize=7)
            ax.grid(alpha=0.3)
        ratio_ax.legend(fontsize=7, loc="best")
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
    fig, axes = plt.subplots(rows, cols, figsize=SIZE, dpi=DPI, **kwargs)
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
