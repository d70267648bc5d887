"""A check's outcome, and the one measure of how far two arrays are apart."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Finding:
    """One check's outcome on one problem (or one optimiser)."""

    check: str  # "forward" | "gradients" | "training" | "speed"
    status: str  # "pass" | "fail" | "skipped"
    message: str
    problem: str | None = None
    layer: int | None = None
    parameter: str | None = None  # "W" or "b"
    step: int | None = None  # the training step where the trajectories part
    optimizer: str | None = None
    gap: float | None = None
    hint: str | None = None
    details: list[str] = field(default_factory=list)
    table: tuple[list[str], list[list[str]]] | None = None
    traceback: list[str] = field(default_factory=list)  # where the network raised or died
    convention: tuple[str, ...] = ()  # the loss convention the gradients were scaled by

    @property
    def failed(self) -> bool:
        """Whether the check failed."""
        return self.status == "fail"


def relative_gap(yours: Any, reference: np.ndarray, floor: float) -> tuple[float, str | None]:
    """max |yours - reference| / max(floor, max |reference|), or inf with what is wrong."""
    yours = np.asarray(yours)
    if yours.shape != reference.shape:
        return np.inf, f"shape {yours.shape} where Keras's is {reference.shape}"
    if not np.isfinite(yours).all():
        row = tuple(int(i) for i in np.argwhere(~np.isfinite(yours))[0])
        return np.inf, f"{yours[row]} at {row}"
    scale = max(floor, float(np.max(np.abs(reference))) if reference.size else 0.0)
    return float(np.max(np.abs(yours - reference), initial=0.0)) / scale, None
