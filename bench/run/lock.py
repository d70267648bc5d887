"""One run per run folder: an advisory lock held while a run writes there."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from bench.errors import HarnessError

LOCK_FILE = ".lock"


class RunLock:
    """Hold `<run_dir>/.lock` (flock) for the run; a second run on the folder is refused."""

    def __init__(self, run_dir: Path):
        self.path = Path(run_dir) / LOCK_FILE
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise HarnessError(
                f"{self.path.parent}: another run is writing here (PID {holder}); wait for it "
                "to finish or choose another --out folder"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
