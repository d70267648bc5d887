"""A progress display that stays readable: one live line on a terminal, plain lines elsewhere."""

from __future__ import annotations

import shutil
import sys
import threading
import time
from typing import TextIO


class Progress:
    """Shows case i/N, fighter and epoch; when not a TTY, prints only one line per finished case."""

    def __init__(self, total: int, stream: TextIO | None = None, min_interval: float = 0.1):
        self.total = total
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.min_interval = min_interval
        self._prefix = ""
        self._last_draw = 0.0
        self._width = 0
        # A parallel run draws from Dask's event thread and writes results from the main one.
        self._lock = threading.RLock()

    def start(self, index: int, case: str, seed: int, fighter: str, epochs: int) -> None:
        """A fighter starts training on a case."""
        self._prefix = f"[{index}/{self.total}] {case} seed {seed} · {fighter}"
        self._epochs = epochs
        self._draw(f"{self._prefix} · building", force=True)

    def epoch(self, epoch: int, logs: dict[str, float]) -> None:
        """An epoch finished (drawn at most every min_interval seconds)."""
        loss = logs.get("loss")
        text = f"{self._prefix} · epoch {epoch}/{self._epochs}"
        if loss is not None:
            text += f" · loss {loss:.4g}"
        self._draw(text, force=epoch == self._epochs)

    def status(self, text: str, force: bool = False) -> None:
        """Replace the live line (a terminal only; drawn at most every min_interval seconds)."""
        self._draw(text, force)

    def line(self, text: str) -> None:
        """A permanent line (a finished case, a warning)."""
        with self._lock:
            self._clear()
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        """Leave the terminal clean."""
        with self._lock:
            self._clear()

    def _draw(self, text: str, force: bool = False) -> None:
        if not self.live:
            return
        with self._lock:
            now = time.monotonic()
            if not force and now - self._last_draw < self.min_interval:
                return
            self._last_draw = now
            # A line wider than the terminal wraps, and "\r" would no longer rewrite all of it.
            text = text[: max(20, shutil.get_terminal_size().columns - 1)]
            self.stream.write("\r" + text.ljust(self._width))
            self.stream.flush()
            self._width = len(text)

    def _clear(self) -> None:
        if self.live and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0
