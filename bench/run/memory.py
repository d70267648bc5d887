"""Peak memory of training, measured in the fighter's own process (Linux: /proc/self)."""

from __future__ import annotations

import ctypes
import ctypes.util
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


def _load_malloc_trim() -> ctypes._CFuncPtr | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to hand back
        return None


_MALLOC_TRIM = _load_malloc_trim()


def release_free_memory() -> None:
    """Hand the heap's free pages back to the kernel (glibc's malloc_trim), so that memory a
    previous fight freed is not resident any more and this fight's allocations show again."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


class PeakMemory:
    """Peak resident memory while training, above what the process held when it began.

    A reused worker keeps the pages its earlier fights freed (glibc's malloc holds on to them,
    and raises its mmap threshold after large frees), so a later fight would reuse resident
    memory and seem to need none. So on entry, and on every restart, the free heap is handed
    back to the kernel first; then the kernel's high-water mark (VmHWM) is reset by writing 5 to
    clear_refs, and the resident size read as the floor. Everything the fighter allocates in
    this process counts: its model and parameters, optimiser state, activations, gradients,
    compiled programs and their buffers, and any cache its framework fills on first use. The
    harness's own per-epoch evaluation is left out: `checkpoint()` when an epoch's updates end,
    `restart()` when the evaluation is done. `bytes` stays None where the kernel has no
    counters.
    """

    def __init__(self) -> None:
        self.bytes: int | None = None
        self._before: int | None = None

    def __enter__(self) -> PeakMemory:
        release_free_memory()
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
            release_free_memory()
            _reset_high_water_mark()

    def __exit__(self, *exc: object) -> None:
        self.checkpoint()
