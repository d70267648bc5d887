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


class PeakMemory:
    """Peak resident memory while the block ran, above what the process held when it began.

    The kernel's high-water mark (VmHWM) is reset on entry by writing 5 to clear_refs, so a
    worker that trains many fights measures each on its own. Everything the framework allocates
    counts: activations, gradients, optimiser state, compiled programs and their buffers.
    `bytes` stays None where the kernel offers no such counters.
    """

    def __init__(self) -> None:
        self.bytes: int | None = None
        self.peak_rss_bytes: int | None = None
        self._before: int | None = None

    def __enter__(self) -> PeakMemory:
        try:
            _CLEAR_REFS.write_text("5")
            self._before = _status_kib("VmRSS")
        except OSError:
            self._before = None
        return self

    def __exit__(self, *exc: object) -> None:
        peak = _status_kib("VmHWM")
        if self._before is not None and peak is not None:
            self.peak_rss_bytes = peak * 1024
            self.bytes = max(0, peak - self._before) * 1024
