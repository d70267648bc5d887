"""Test only: David made a known factor slower, to measure whether the speed gate notices.

Never in the roster: `python -m bench run --slow-david F` (and `continuous --slow-head F`)
swap it in for David. Every epoch does David's own work, then keeps the core busy for (F - 1)
times as long again, so every epoch, and with it the gate's fast-epoch time, takes F times as
long while the numbers David computes stay exactly his.
"""

from __future__ import annotations

import time

import numpy as np

from numpy_nn import Network


class SlowedNetwork(Network):
    """numpy_nn.Network whose every training epoch takes `slowdown` times as long."""

    def __init__(self, *args, slowdown: float = 1.0, **kwargs):
        super().__init__(*args, **kwargs)
        if not slowdown >= 1:
            raise ValueError(f"slowdown must be a factor >= 1, got {slowdown!r}")
        self.slowdown = float(slowdown)

    def _run_epoch(self, x: np.ndarray, y: np.ndarray, order: list[np.ndarray] | None) -> None:
        start = time.perf_counter()
        super()._run_epoch(x, y, order)
        until = start + self.slowdown * (time.perf_counter() - start)
        while time.perf_counter() < until:  # busy, as David's own work would keep the core
            pass
