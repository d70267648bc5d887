"""SIGTERM and SIGHUP handled like Ctrl-C: the run stops, keeps what it finished, exits 128+N.

CI runners and schedulers stop a job with SIGTERM (then SIGKILL), and a closed terminal sends
SIGHUP; by default either ends the coordinator at once, before it can stop its fighters' worker
processes, which started in sessions of their own and would train on under PID 1.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

HANDLED = (signal.SIGTERM, signal.SIGHUP)


class Stopped(KeyboardInterrupt):
    """The run was asked to stop by a signal; a KeyboardInterrupt, so every Ctrl-C path holds."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 + the signal's number (143 for SIGTERM, 129 for SIGHUP)."""
        return 128 + self.signum


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    # One stop is enough: a second signal must not break off the clean-up the first started.
    for handled in HANDLED:
        signal.signal(handled, signal.SIG_IGN)
    raise Stopped(signum)


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise Stopped; the old handlers come back after."""
    previous = {signum: signal.signal(signum, _raise_stopped) for signum in HANDLED}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def interrupted_exit_code(error: KeyboardInterrupt) -> int:
    """143 or 129 for a signal, 130 for Ctrl-C."""
    return error.exit_code if isinstance(error, Stopped) else 130


def interrupted_by(error: KeyboardInterrupt) -> str:
    """' by SIGTERM' (or SIGHUP) for a signal, '' for Ctrl-C: for the interrupt message."""
    return f" by {error}" if isinstance(error, Stopped) else ""
