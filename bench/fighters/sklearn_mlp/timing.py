"""sklearn's MLP estimators with their training loop timed."""

from __future__ import annotations

import time
from typing import Any

from sklearn.neural_network import MLPClassifier, MLPRegressor


class LoopTimer:
    """Adds up the seconds sklearn spends in its stochastic training loop (the epoch's updates).

    partial_fit also checks its input and parameters on every call (measured on the moons fight:
    about a quarter of the call, 1.5 ms of 6), where sklearn's own fit does so once per fit, not
    once per epoch. That is not training work, so an epoch's time is this loop's, plus gathering
    the epoch's rows as in David's. Timing only: the loop itself runs unchanged.
    """

    loop_seconds = 0.0

    def _fit_stochastic(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return super()._fit_stochastic(*args, **kwargs)  # type: ignore[misc]
        finally:
            self.loop_seconds += time.perf_counter() - started


if not hasattr(MLPClassifier, "_fit_stochastic"):  # the timer would silently measure nothing
    raise ImportError("this scikit-learn's MLP has no _fit_stochastic loop to time")


class TimedMLPClassifier(LoopTimer, MLPClassifier):
    """MLPClassifier whose training loop is timed."""


class TimedMLPRegressor(LoopTimer, MLPRegressor):
    """MLPRegressor whose training loop is timed."""
