"""Where fights ran: a note when they ran in parallel on Dask workers, a warning when a case's
seeds ran on different kinds of machine (CPU model or thread count)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.store.records import Fight

from .document import Block, Paragraph


def _kind(machine: dict[str, Any]) -> tuple[str, int]:
    return str(machine.get("cpu")), int(machine.get("threads") or 0)


def _threads(count: int) -> str:
    return f"{count} thread" + ("" if count == 1 else "s")


def machine_warning(fights: Sequence[Fight]) -> list[Block]:
    """A warning when the case's seeds ran on different CPU models or thread counts."""
    kinds: dict[tuple[str, int], list[Fight]] = {}
    for fight in fights:
        if fight.machine and not fight.error:
            kinds.setdefault(_kind(fight.machine), []).append(fight)
    if len(kinds) < 2:
        return []
    parts = []
    for (cpu, threads), group in kinds.items():
        seeds = ", ".join(str(fight.seed) for fight in group)
        hosts = sorted({str(fight.machine["host"]) for fight in group if fight.machine})
        where = ("host " if len(hosts) == 1 else "hosts ") + ", ".join(hosts)
        label = "seed" if len(group) == 1 else "seeds"
        parts.append(f"{label} {seeds} on {cpu} with {_threads(threads)} ({where})")
    return [
        Paragraph(
            "; ".join(parts) + ". Each seed's speed ratios were measured on one machine, but "
            "this case's intervals pool seeds from different kinds of machine, so they include "
            "the machines' difference as well as the fighters'.",
            lead="Warning, seeds ran on different kinds of machine:",
        )
    ]


def parallel_note(fights: Sequence[Fight]) -> list[Block]:
    """What running fights side by side on Dask workers does to this run's timings."""
    spread = [f.machine for f in fights if f.machine and f.machine.get("worker")]
    if not spread:
        return []
    workers = {(m.get("host"), m.get("worker_name") or m.get("worker")) for m in spread}
    hosts = sorted({str(m.get("host")) for m in spread})
    threads = sorted({int(m.get("threads") or 0) for m in spread})
    cores = sorted({int(m.get("cores") or 0) for m in spread})
    share = " or ".join(map(str, threads)) + " thread" + ("s" if threads[-1] > 1 else "")
    text = (
        f"{len(spread)} of {len(fights)} fights ran on {len(workers)} Dask workers on "
        f"{len(hosts)} host{'s' if len(hosts) > 1 else ''} ({', '.join(hosts)}), several at a "
        f"time, each worker with {share} for BLAS and TensorFlow out of its machine's "
        f"{' or '.join(map(str, cores))} CPUs. Every fight's fighters ran back "
        "to back on one worker, so each speed ratio was measured in one place. Accuracy, losses "
        "and parity are those of a sequential run given the same threads (BLAS rounds "
        "differently with another number of threads: against a run with more, losses may differ "
        "in the last bits). Times are not: a fighter that uses several threads (BLAS, "
        "TensorFlow) gets fewer than in a sequential run, and fights running side by side share "
        "memory bandwidth and caches, so compute-bound fighters' speed ratios differ from a "
        "sequential run's."
    )
    return [Paragraph(text, lead="Ran in parallel:")]
