"""Interleaved epoch timings, their paired ratios, and the BLAS's best-case matmul rate."""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bench.studies.numpy_floor.fights import DTYPE


@dataclass
class Timings:
    """Seconds per epoch, one list per contestant, in repeat order."""

    seconds: dict[str, list[float]] = field(default_factory=dict)

    def median(self, name: str) -> float:
        """Median seconds per epoch of one contestant."""
        return float(np.median(self.seconds[name]))

    def paired_ratio(
        self, top: str, bottom: str, rng: np.random.Generator
    ) -> tuple[float, float, float, float]:
        """Median of the per-repeat ratios top/bottom, its bootstrap 95% interval, min/min."""
        ratios = np.divide(self.seconds[top], self.seconds[bottom])
        resampled = rng.choice(ratios, size=(2000, ratios.size), replace=True)
        low, high = np.percentile(np.median(resampled, axis=1), [2.5, 97.5])
        fastest = min(self.seconds[top]) / min(self.seconds[bottom])
        return float(np.median(ratios)), float(low), float(high), fastest


def interleaved(
    contestants: dict[str, Callable[[list[np.ndarray]], None]],
    orders: Callable[[], list[np.ndarray]],
    repeats: int,
) -> Timings:
    """Time one epoch of each contestant per repeat, rotating who goes first; gc off."""
    timings = Timings({name: [] for name in contestants})
    names = list(contestants)
    was_enabled = gc.isenabled()
    gc.disable()  # as timeit does: a collection would land on whoever happens to be running
    try:
        for repeat in range(repeats):
            order = orders()
            turn = repeat % len(names)
            for name in names[turn:] + names[:turn]:
                start = time.perf_counter()
                contestants[name](order)
                timings.seconds[name].append(time.perf_counter() - start)
    finally:
        if was_enabled:
            gc.enable()
    return timings


def peak_sgemm_gflops(n: int = 2048, repeats: int = 5) -> float:
    """Best float32 GFLOP/s of an n x n x n matrix product (the BLAS's best case)."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n), dtype=DTYPE), rng.standard_normal((n, n), dtype=DTYPE)
    out = np.empty((n, n), DTYPE)
    np.matmul(a, b, out=out)
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9
