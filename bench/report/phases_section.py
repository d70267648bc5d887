"""The report's last section: where the run's wall time went, and this report's own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bench.store.phases import REPORT_PHASES, RUN_PHASES, breakdown_rows

from ..wording import MISSING
from .document import Block, Heading, Paragraph, Table


def phases_section(run_phases: Any, report_phases: Mapping[str, Any]) -> list[Block]:
    """One table: the run's phases (from run.json), then this report's so far."""
    rows = [
        ["run", label, f"{seconds:.1f}", _percent(share)]
        for label, seconds, share in breakdown_rows(run_phases, RUN_PHASES)
    ]
    rows += [
        ["report", label, f"{seconds:.1f}", _percent(share)]
        for label, seconds, share in breakdown_rows(report_phases, REPORT_PHASES)
    ]
    blocks: list[Block] = [Heading(2, "Where the time went")]
    if not rows:
        return [*blocks, Paragraph("Not recorded (run.json has no phases).")]
    blocks.append(Paragraph(_summary(run_phases, report_phases)))
    blocks.append(Table(["", "phase", "seconds", "share"], rows))
    return blocks


def _summary(run_phases: Any, report_phases: Mapping[str, Any]) -> str:
    """The run's wall time against its training time, and the report's time so far."""
    parts = []
    if isinstance(run_phases, Mapping) and run_phases.get("wall_seconds"):
        wall = float(run_phases["wall_seconds"])
        training = float((run_phases.get("phases") or {}).get("training") or 0.0)
        ratio = f"{wall / training:.2f}x" if training else MISSING
        parts.append(
            f"The run took {wall:.1f} s of wall time for {training:.1f} s of training (the "
            f"fighters' timed updates, summed): {ratio}. Phases in the workers are summed over "
            "fighters (and over fights run side by side on Dask, where the workers' start-up is "
            "not counted); fights resumed from an earlier run are not counted."
        )
    report = float(report_phases.get("wall_seconds") or 0.0)
    parts.append(
        f"This report took {report:.1f} s up to this table; writing its files comes after and "
        "is recorded, with the rest, in run.json (report_phases)."
    )
    return " ".join(parts)


def _percent(share: float | None) -> str:
    return MISSING if share is None else f"{share:.0%}"
