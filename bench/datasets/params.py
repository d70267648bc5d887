"""Dataset parameters: what each accepts, and how a request is checked and normalised."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import DatasetError


@dataclass(frozen=True)
class Param:
    """One dataset parameter: its default, its kind, what a valid value is."""

    default: Any
    kind: type  # int, float, str or list (a list of column names)
    rule: str  # what a valid value is, for error messages
    accepts: Callable[[Any], bool] = lambda value: True
    required: bool = False
    shown: str | None = None  # how describe_datasets() shows a default of None

    def describe(self) -> str:
        """The default as describe_datasets() shows it."""
        if self.required:
            return "(required)"
        return self.shown if self.default is None and self.shown else str(self.default)

    def normalise(self, value: Any) -> Any:
        """The value in its one canonical form (1 and 1.0 are the same request), or None."""
        if value is None and not self.required and self.default is None:
            return None
        if isinstance(value, bool):  # True is an int to Python, never a count or a size here
            return _INVALID
        if self.kind is int and isinstance(value, numbers.Integral):
            return int(value) if self.accepts(value) else _INVALID
        if self.kind is float and isinstance(value, numbers.Real) and math.isfinite(value):
            return float(value) if self.accepts(value) else _INVALID
        if self.kind is str and isinstance(value, str) and value:
            return value if self.accepts(value) else _INVALID
        if self.kind is list and isinstance(value, list | tuple):
            names = list(value)
            ok = names and all(isinstance(n, str) and n for n in names)
            return names if ok and self.accepts(names) else _INVALID
        return _INVALID


_INVALID = object()


def resolve(name: str, spec: dict[str, Param], params: dict[str, Any]) -> dict[str, Any]:
    """Check `params` against dataset `name`'s parameters; return them with defaults filled in."""
    for key in params:
        if key not in spec:
            raise DatasetError(
                f"unknown parameter {key!r} for dataset {name!r}; "
                f"valid parameters: {', '.join(spec)}"
            )
    resolved = {}
    for key, param in spec.items():
        if param.required and params.get(key) is None:
            raise DatasetError(f"dataset {name!r}: {key} is required: {param.rule}")
        value = params.get(key, param.default)
        normal = param.normalise(value)
        if normal is _INVALID:
            raise DatasetError(f"dataset {name!r}: {key} must be {param.rule}, got {value!r}")
        resolved[key] = normal
    return resolved


# Shared by several datasets; each dataset lists the ones it takes.
N_SAMPLES = Param(1000, int, "an integer >= 1", lambda v: v >= 1)
NOISE = Param(0.1, float, "a finite number >= 0", lambda v: v >= 0)
TEST_SIZE = Param(0.25, float, "a number in (0, 1)", lambda v: 0 < v < 1)
