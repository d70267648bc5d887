"""Peak memory of training, measured in the fighter's own process (Linux: /proc/self)."""

from __future__ import annotations

from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kib(field: str) -> int | None:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_high_water_mark() -> bool:
    try:
        _CLEAR_REFS.write_text("5")
        return True
    except OSError:
        return False


class PeakMemory:
    """Peak resident memory while training, above what the process held when it began.

    The kernel's high-water mark (VmHWM) is reset on entry by writing 5 to clear_refs, so a
    worker that trains many fights measures each on its own. Everything the framework allocates
    counts: activations, gradients, optimiser state, compiled programs and their buffers. The
    harness's own per-epoch evaluation is left out: `checkpoint()` when an epoch's updates end,
    `restart()` when the evaluation is done. `bytes` stays None where the kernel has no counters.
    """

    def __init__(self) -> None:
        self.bytes: int | None = None
        self._before: int | None = None

    def __enter__(self) -> PeakMemory:
        self._before = _status_kib("VmRSS") if _reset_high_water_mark() else None
        return self

    def checkpoint(self) -> None:
        """Take in the high-water mark since the last restart."""
        peak = _status_kib("VmHWM")
        if self._before is not None and peak is not None:
            self.bytes = max(self.bytes or 0, (peak - self._before) * 1024)

    def restart(self) -> None:
        """Count from now on again (after work that is not training)."""
        if self._before is not None:
            _reset_high_water_mark()

    def __exit__(self, *exc: object) -> None:
        self.checkpoint()
