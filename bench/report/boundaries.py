"""Decision boundaries of 2-D fights: after training, and how they formed (strip and GIF)."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from matplotlib.colors import ListedColormap
from PIL import Image

from bench.store.records import Fight
from bench.wording import display_name

from .canvas import BINARY_COLOURS, CLASS_COLOURS, figure, grid_shape, note, png

GIF_DPI = 70


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


def drawable(fight: Fight) -> bool:
    """Whether the fight has decision boundaries to draw (2-D data, a fighter with one)."""
    return _test_points(fight) is not None


def decision_boundaries(fight: Fight) -> bytes | None:
    """Each fighter's final decision regions and the test points; None if not 2-D."""
    shown = _test_points(fight)
    if shown is None:
        return None
    x, colours = shown
    n_classes = int(fight.dataset["n_classes"])
    rows, cols = grid_shape(len(fight.fighters))
    size = (3.0 * cols, 3.0 * rows + 0.4)
    with figure(rows, cols, figsize=size, squeeze=False) as (fig, axes):
        flat = axes.ravel()
        for ax, (name, record) in zip(flat, fight.fighters.items(), strict=False):
            if record.decision_boundary is None:
                note(ax, f"no boundary:\n{record.status}")
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
        return png(fig)


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
    with figure(len(names), len(epochs), figsize=size, squeeze=False) as (fig, axes):
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
        strip = png(fig)
    return strip, _animation(fight, x, colours, epochs, frames, n_classes)


def _animation(fight, x, colours, epochs, frames, n_classes) -> bytes:
    """One frame per recorded epoch, every fighter side by side: an animated GIF.

    The axes and test points are drawn once; a frame replaces only the shading that changed
    (clearing and redrawing every panel per frame cost most of the report's time)."""
    names = list(frames)
    rows, cols = grid_shape(len(names))
    with figure(rows, cols, figsize=(2.6 * cols, 2.6 * rows + 0.4), squeeze=False) as (fig, axes):
        fig.set_dpi(GIF_DPI)
        flat = axes.ravel()
        for ax in flat[len(names) :]:
            ax.set_axis_off()
        for ax, name in zip(flat, names, strict=False):
            # Above the shading drawn later, as when the points were drawn after it.
            ax.scatter(x[:, 0], x[:, 1], c=colours, s=4, linewidths=0, zorder=2)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(display_name(name), fontsize=8)
        title = fig.suptitle("", fontsize=9)
        shown: dict[str, tuple[int, list[Any]]] = {}  # per fighter: its epoch shaded, artists
        images = []
        for epoch in epochs:
            for ax, name in zip(flat, names, strict=False):
                known = [e for e in frames[name] if e <= epoch]
                if not known or shown.get(name, (None,))[0] == max(known):
                    continue
                for artist in shown.pop(name, (None, []))[1]:
                    artist.remove()
                before = set(ax.get_children())
                _shade(ax, frames[name][max(known)], n_classes)
                added = [a for a in ax.get_children() if a not in before]
                shown[name] = (max(known), added)
            title.set_text(f"Decision boundaries, seed {fight.seed}: epoch {epoch}")
            fig.canvas.draw()
            # Opaque frames go to GIF as RGB, as matplotlib's PillowWriter does: a better palette.
            images.append(Image.fromarray(np.asarray(fig.canvas.buffer_rgba())).convert("RGB"))
        buffer = io.BytesIO()
        images[0].save(
            buffer, format="GIF", save_all=True, append_images=images[1:], duration=1000, loop=0
        )
        return buffer.getvalue()


def _shade(ax: Any, boundary: dict[str, Any], n_classes: int) -> None:
    """Fill the grid: values[i][j] is the point (x_j, y_i), as numpy.meshgrid lays it out."""
    values = np.array(boundary["values"], dtype=np.float64)  # None (NaN) cells stay blank
    xs = np.linspace(boundary["x_min"], boundary["x_max"], values.shape[1])
    ys = np.linspace(boundary["y_min"], boundary["y_max"], values.shape[0])
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    if not np.isfinite(values).any():  # a diverged network predicts NaN everywhere
        note(ax, "no finite predictions")
        return
    if boundary["kind"] == "probability":
        ax.contourf(xs, ys, values, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.4)
        if np.nanmin(values) < 0.5 < np.nanmax(values):
            ax.contour(xs, ys, values, levels=[0.5], colors="black", linewidths=1.0)
    else:
        cmap = ListedColormap(CLASS_COLOURS[:n_classes])
        levels = np.arange(n_classes + 1) - 0.5
        ax.contourf(xs, ys, values, levels=levels, cmap=cmap, alpha=0.35)
