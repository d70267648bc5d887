"""Where a run's wall time went: the phases of a run and of its report, timed and tabled.

The runner and the report each hold a PhaseClock; code anywhere below them adds its seconds to
the active clock with `timed(phase)`, so no clock is passed through the layers. The totals go to
run.json (`phases`, `report_phases`) and a short table closes the report.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

# The phases of `bench run`, in the order a fight meets them; the worker-side ones are summed
# over every fighter of every fight run (not resumed) in this invocation.
RUN_PHASES = {
    "worker_startup": "starting the fighters' workers (importing their frameworks)",
    "data": "building or loading the data, preflight",
    "setup": "in the workers: model, data, fair start, the framework's untimed work",
    "training": "training: the fighters' timed updates",
    "evaluation": "in the workers: whole-set loss and accuracy after epochs",
    "boundaries": "in the workers: decision boundaries and their snapshots, final metrics",
    "memory": "in the workers: peak training memory, on its own untimed epoch of a fresh model",
    "messaging": "sending tasks and records between the run and its workers",
    "parity": "parity with David",
    "writing": "writing results and the summary",
}
REPORT_PHASES = {
    "reading": "reading the results",
    "judging": "verdicts, tables and text",
    "figures": "figures: loss curves, boundaries, confusion, trend",
    "animations": "boundary strips and animated GIFs",
    "writing": "writing report.md, report.html and figures",
}
UNACCOUNTED = "other"
REPORT_REST = "judging"  # the report's time outside its timed phases: verdicts, tables, text
PHASES_KEY = "phase_seconds"  # a fight's phases on their way to run.json (not in its own file)

_active: ContextVar[PhaseClock | None] = ContextVar("phase_clock", default=None)


class PhaseClock:
    """Seconds per phase and the wall time since the clock started."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._started = time.perf_counter()

    def add(self, phase: str, seconds: float) -> None:
        """Count seconds spent in a phase."""
        self.seconds[phase] = self.seconds.get(phase, 0.0) + float(seconds)

    @contextmanager
    def timing(self, phase: str) -> Iterator[None]:
        """Add the block's seconds to a phase."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(phase, time.perf_counter() - started)

    @contextmanager
    def running(self) -> Iterator[PhaseClock]:
        """Make this the clock `timed` adds to, for the block."""
        token = _active.set(self)
        try:
            yield self
        finally:
            _active.reset(token)

    def breakdown(self, rest: str | None = None) -> dict[str, Any]:
        """The wall time so far and each phase's seconds, rounded, for run.json; `rest` names
        the phase that gets the time no other phase counted."""
        wall = time.perf_counter() - self._started
        phases = dict(self.seconds)
        if rest is not None:
            phases[rest] = phases.get(rest, 0.0) + max(0.0, wall - sum(phases.values()))
        return {
            "wall_seconds": round(wall, 3),
            "phases": {name: round(value, 3) for name, value in phases.items()},
        }


def active_breakdown(rest: str | None = None) -> dict[str, Any]:
    """The active clock's breakdown so far ({} when no clock runs)."""
    clock = _active.get()
    return {} if clock is None else clock.breakdown(rest)


def add_to_active(phase: str, seconds: float) -> None:
    """Count seconds in a phase of the active clock (nothing when no clock runs)."""
    clock = _active.get()
    if clock is not None:
        clock.add(phase, seconds)


@contextmanager
def timed(phase: str) -> Iterator[None]:
    """Add the block's seconds to the active clock's phase (nothing when no clock runs)."""
    clock = _active.get()
    if clock is None:
        yield
        return
    with clock.timing(phase):
        yield


def breakdown_rows(
    breakdown: Mapping[str, Any] | None, labels: Mapping[str, str]
) -> list[tuple[str, float, float | None]]:
    """(phase description, seconds, share of the wall time) per phase, the rest as 'other'.

    Phases come in the labels' order; unknown ones (a newer harness's) keep their own name."""
    if not isinstance(breakdown, Mapping) or not isinstance(breakdown.get("phases"), Mapping):
        return []
    phases = {k: float(v) for k, v in breakdown["phases"].items() if isinstance(v, int | float)}
    wall = breakdown.get("wall_seconds")
    wall = float(wall) if isinstance(wall, int | float) and wall > 0 else None
    order = [name for name in labels if name in phases]
    order += [name for name in phases if name not in labels]
    rows = [(labels.get(name, name), phases[name], _share(phases[name], wall)) for name in order]
    if wall is not None:
        rest = wall - sum(phases.values())
        if rest > 0:
            rows.append((UNACCOUNTED, rest, _share(rest, wall)))
    return rows


def _share(seconds: float, wall: float | None) -> float | None:
    return seconds / wall if wall else None
