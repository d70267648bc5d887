"""The words a judgement ends in, as enums: modules compare members, never spelt strings.

Each member is a `str` (StrEnum), so it is written to JSON, CSV and text as its value.
"""

from __future__ import annotations

from enum import StrEnum


class Judgement(StrEnum):
    """A claim under test, judged on a case's fights."""

    SUPPORTED = "supported"
    REFUTED = "refuted"
    UNDECIDED = "undecided"


class GateVerdict(StrEnum):
    """A tracked metric held against the baseline (`compare`), or the speed gate's decision."""

    OK = "ok"
    IMPROVED = "improved"
    REGRESSED = "REGRESSED"
    UNDECIDED = "UNDECIDED"  # no data, or no decision: fails the gate as a regression does
    TOO_BUSY = "TOO BUSY"  # the speed gate could not tell on a busy machine: a warning, exit 3
