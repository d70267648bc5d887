"""What every report picture shares: a headless canvas, the palette, PNG bytes out."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: reports render on CI machines without a display

import matplotlib.pyplot as plt

FIGHTER_COLOURS = ("#1f6fb4", "#c8452c", "#2a9d4b", "#8c4fb0", "#d98a1c", "#5f6b73")
CLASS_COLOURS = plt.get_cmap("tab10").colors
BINARY_COLOURS = ("#2166ac", "#b2182b")  # the two ends of RdBu_r, the probability shading
DPI = 100
SIZE = (8.0, 3.5)
PANELS_PER_ROW = 3


def grid_shape(panels: int) -> tuple[int, int]:
    """Rows and columns for one panel per fighter."""
    cols = min(panels, PANELS_PER_ROW)
    return -(-panels // cols), cols


def note(ax: Any, text: str) -> None:
    """A message in the middle of a panel (axes coordinates: whatever the data range)."""
    box = {"facecolor": "white", "alpha": 0.85, "edgecolor": "none"}  # readable over points
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, bbox=box, zorder=5)


@contextmanager
def figure(rows: int, cols: int, **kwargs: Any) -> Iterator[tuple[Any, Any]]:
    """A small figure that is always closed, even when drawing fails."""
    kwargs.setdefault("figsize", SIZE)
    fig, axes = plt.subplots(rows, cols, dpi=DPI, **kwargs)
    try:
        yield fig, axes
    finally:
        plt.close(fig)


def png(fig: Any) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def seeds_text(count: int) -> str:
    """'1 seed', '3 seeds'."""
    return f"{count} seed{'' if count == 1 else 's'}"
