"""Peak memory of training, measured in the fighter's own process, by two instruments.

A reused worker keeps what its earlier fights freed: glibc's malloc holds on to freed pages
(and raises its mmap threshold after large frees), so the resident set of a later fight need
not grow at all, and "resident growth while training" read 0 MB in every seed but the first.
So the number is taken on separate, untimed passes (`train.py`): a fresh model from the same
start trains one epoch while one instrument watches, and the peak is the larger reading:

- resident: the growth of the resident set (VmHWM after a reset, over VmRSS at the start), after
  the heap's free pages were handed back to the kernel (malloc_trim), so a fight's pages show
  again. It sees everything in the process, in 4 KiB pages, including the buffers a framework
  allocates in C++ and caches it fills during the pass.
- traced: the most bytes allocated through Python's allocators and NumPy's at once, counted
  from before the model is built (tracemalloc). It sees every array of David, scikit-learn and
  any NumPy fighter, whatever the worker did before; it does not see what a framework allocates
  in C++ (TensorFlow's and XLA's tensors and buffers).

Each is a lower bound of what the training needed, so their maximum is the tighter one. They
watch different passes because tracemalloc's own tables grow the resident set: 100,000 small
Python objects (10.4 MB traced) grew it by 44 MB while tracemalloc ran and by 10.1 MB when it
did not, and Keras's 9-10 MB on digits read 14-15 MB. A fighter whose tensors live in C++ can
skip the traced pass (its class says `traced_memory = False`, as keras_ref's do): it would
read its Python objects only, at twice the cost of the resident pass.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import tracemalloc
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


def _load_malloc_trim():  # noqa: ANN202  (a ctypes function, or None)
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to hand back
        return None


_MALLOC_TRIM = _load_malloc_trim()


def release_free_memory() -> None:
    """Hand the heap's free pages back to the kernel (glibc's malloc_trim), where it can."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


class ResidentMemory:
    """Growth of the resident set over the block, in bytes (None where /proc cannot tell)."""

    def __init__(self) -> None:
        self.bytes: int | None = None
        self._rss_before: int | None = None

    def __enter__(self) -> ResidentMemory:
        release_free_memory()
        self._rss_before = _status_kib("VmRSS") if _reset_high_water_mark() else None
        return self

    def model_built(self) -> None:
        """Nothing to mark: pages the model's building freed stay resident and are reused."""

    def __exit__(self, *exc: object) -> None:
        peak = _status_kib("VmHWM")
        if self._rss_before is not None and peak is not None:
            self.bytes = max(0, (peak - self._rss_before) * 1024)


class TracedMemory:
    """The most bytes traced at once in the block, over those traced at its start.

    `model_built()` marks where the model exists: what building it allocated and freed again
    (an initialiser's float64 draws) is not training, what it keeps (parameters) is.
    """

    def __init__(self) -> None:
        self.bytes: int | None = None
        self._traced_before = 0
        self._was_tracing = False

    def __enter__(self) -> TracedMemory:
        self._was_tracing = tracemalloc.is_tracing()  # PYTHONTRACEMALLOC: leave it running
        if not self._was_tracing:
            tracemalloc.start()
        tracemalloc.reset_peak()
        self._traced_before = tracemalloc.get_traced_memory()[0]
        return self

    def model_built(self) -> None:
        """Count peaks from here on (what the model holds stays counted)."""
        tracemalloc.reset_peak()

    def __exit__(self, *exc: object) -> None:
        self.bytes = max(0, tracemalloc.get_traced_memory()[1] - self._traced_before)
        if not self._was_tracing:
            tracemalloc.stop()
