"""The cases' sections built side by side in forked processes: their pictures are most of the
report's time, and each case's are independent of the others'.

The sections come back in case order, the same blocks a sequential build makes; the children's
figure and animation seconds are shared out of the parallel stretch's wall time in proportion.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from bench.errors import HarnessError
from bench.judging.verdict import CaseVerdict
from bench.store.phases import PhaseClock, active_breakdown, add_to_active
from bench.store.records import Fight

from .case_section import case_section
from .document import Block

PICTURE_PHASES = ("figures", "animations")
WORKERS_VARIABLE = "BENCH_REPORT_WORKERS"  # at most this many processes (1: none, in-process)

CaseJob = tuple[int, Sequence[Fight], Sequence[CaseVerdict]]


def case_sections(jobs: Sequence[CaseJob]) -> list[list[Block]]:
    """Each case's blocks, in the jobs' order: in forked processes where there are CPUs."""
    workers = min(len(jobs), _cpus())
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [case_section(*job) for job in jobs]
    started = time.perf_counter()
    context = multiprocessing.get_context("fork")  # the parent's imports, fonts and caches: free
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        done = list(pool.map(_timed_section, jobs))
    _share_out(time.perf_counter() - started, [seconds for _, seconds in done])
    return [blocks for blocks, _ in done]


def _timed_section(job: CaseJob) -> tuple[list[Block], dict[str, float]]:
    """One case's blocks, and its phases' seconds with 'total' for the whole section."""
    clock = PhaseClock()
    with clock.running():
        blocks = case_section(*job)
    breakdown = clock.breakdown()
    return blocks, {**breakdown["phases"], "total": breakdown["wall_seconds"]}


def _share_out(wall: float, children: list[dict[str, float]]) -> None:
    """Credit the active clock with each picture phase's share of the parallel wall time."""
    total = sum(child.get("total", 0.0) for child in children)
    if not total or not active_breakdown():
        return
    for phase in PICTURE_PHASES:
        spent = sum(child.get(phase, 0.0) for child in children)
        add_to_active(phase, wall * spent / total)


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _cpus() -> int:
    """The processes the pictures may use: one per CPU, or fewer if the variable says so."""
    count = _cpu_count()
    limit = os.environ.get(WORKERS_VARIABLE, "").strip()
    if not limit:
        return count
    if not limit.isdigit() or int(limit) < 1:
        raise HarnessError(
            f"{WORKERS_VARIABLE}={limit!r}: must be a whole number of at least 1 (1: draw the "
            "report in this process; unset: one process per CPU)"
        )
    return min(count, int(limit))
