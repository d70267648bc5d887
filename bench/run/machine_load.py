"""How busy the machine was while a run timed its fights: other work on the CPU skews speed.

A run itself keeps about one fighter busy with a few threads, so a 1-minute load average up to
about the core count is the run's own; beyond BUSY_FACTOR times the cores, other processes were
competing. NumPy's multi-threaded BLAS suffers most (its threads spin-wait for each other), so a
loaded machine can flip a speed verdict. The report says so rather than hide it.
"""

from __future__ import annotations

import os

BUSY_FACTOR = 1.5


def load_average() -> float | None:
    """The 1-minute load average, None where the system has none."""
    try:
        return round(os.getloadavg()[0], 2)
    except (OSError, AttributeError):
        return None


class LoadWatch:
    """The highest 1-minute load average seen at the samples taken (start, after each fight)."""

    def __init__(self, earlier: object = None) -> None:
        # A resumed run was as busy as the busiest of its parts: start from what it recorded.
        self.highest: float | None = None
        self._take(earlier)
        self.sample()

    def sample(self) -> None:
        """Take in the load now."""
        self._take(load_average())

    def _take(self, value: object) -> None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            self.highest = value if self.highest is None else max(self.highest, value)


def busy_warning(highest: float | None, cores: int | None) -> str | None:
    """A sentence for the report when the machine was busy with other work, else None."""
    if highest is None or not cores or highest <= BUSY_FACTOR * cores:
        return None
    return (
        f"the machine was busy: the 1-minute load average reached {highest:g} on {cores} cores "
        "during this run, so other processes competed with the fighters for the CPU. Speed "
        "verdicts measured under load are unreliable (NumPy's multi-threaded BLAS, which David "
        "and scikit-learn use, suffers most); run again on a quiet machine before trusting them."
    )
