"""Progress of fights spread over Dask workers: how many wait, which run where, how many are done.

On a terminal one live line: `done 3/8 · running 2: moons s1 on 0 (sklearn 12/40); blobs s0 on 1
(David 3/40) · queued 3`. Elsewhere one permanent line when a fight starts (naming its worker,
host and process) and one when it ends (written by the ledger).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from bench.run.progress import Progress
from bench.wording import display_name


@dataclass
class _Running:
    short: str  # "moons s1"
    worker: str
    fighter: str = ""
    epoch: int = 0
    epochs: int = 0


class FightBoard:
    """Fights queued, running (on which worker, which fighter and epoch) and done.

    Told from two threads, Dask's event handler and the coordinator's loop: a lock guards it.
    """

    def __init__(self, progress: Progress):
        self.progress = progress
        self._lock = threading.Lock()
        self._where: dict[int, str] = {}  # fight index -> "[3/8] moons seed 2"
        self._short: dict[int, str] = {}
        self._queued: set[int] = set()
        self._running: dict[int, _Running] = {}
        self._done = 0

    def queue(self, index: int, where: str, case: str, seed: int) -> None:
        """A fight is handed to the cluster (drawn by `show`, once all are)."""
        with self._lock:
            self._where[index], self._short[index] = where, f"{case} s{seed}"
            self._queued.add(index)

    def show(self) -> None:
        """Draw the live line now."""
        with self._lock:
            self._draw(force=True)

    def event(self, event: tuple[float, dict[str, Any]]) -> None:
        """A Dask event from a fight's worker (the handler of the progress topic)."""
        message = event[1]
        index = message.get("fight")
        with self._lock:
            if index not in self._where:
                return  # another run's event on a shared cluster
            kind = message.get("kind")
            if kind == "start":
                self._queued.discard(index)
                worker = str(message.get("name"))
                # A worker runs one fight at a time: its last one is over, its result on the way.
                for other in [i for i, r in self._running.items() if r.worker == worker]:
                    del self._running[other]
                self._running[index] = _Running(self._short[index], worker)
                if not self.progress.live:
                    threads = message.get("threads")
                    self.progress.line(
                        f"{self._where[index]}: started on worker {worker} ({message.get('host')}, "
                        f"pid {message.get('pid')}, {threads} thread{'' if threads == 1 else 's'})"
                    )
            elif index in self._running:
                running = self._running[index]
                if kind == "fighter":
                    running.fighter = display_name(str(message.get("fighter")))
                    running.epoch, running.epochs = 0, int(message.get("epochs") or 0)
                elif kind == "epoch":
                    running.epoch = int(message.get("epoch") or 0)
            self._draw()

    def requeue(self, index: int, why: str) -> None:
        """A fight's worker was lost: it waits to run again elsewhere."""
        with self._lock:
            self._running.pop(index, None)
            self._queued.add(index)
            self.progress.line(f"{self._where[index]}: {why}")
            self._draw(force=True)

    def finished(self, index: int) -> None:
        """A fight's result has been written."""
        with self._lock:
            self._running.pop(index, None)
            self._queued.discard(index)
            self._done += 1
            self._draw(force=True)

    def text(self) -> str:
        """The live line."""
        total = len(self._where)
        running = "; ".join(
            f"{r.short} on {r.worker}"
            + (f" ({r.fighter} {r.epoch}/{r.epochs})" if r.fighter else "")
            for r in self._running.values()
        )
        return (
            f"done {self._done}/{total} · running {len(self._running)}"
            + (f": {running}" if running else "")
            + f" · queued {len(self._queued)}"
        )

    def _draw(self, force: bool = False) -> None:
        self.progress.status(self.text(), force)
