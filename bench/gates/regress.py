"""`compare`: a run held against the committed baseline, one row per tracked metric.

Tracked per case: David's test accuracy, parity in fair float64 cases, and David's speed-up over
the gated opponent measured in the same run (so a slower machine does not look like a
regression); with --claims, each claim's judgement too. Absolute seconds are shown, never gated on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from bench.gates.baseline import GATED_OPPONENT
from bench.judging.claims_judged import REFUTED, SUPPORTED, ClaimJudgement
from bench.judging.outcomes import GateVerdict
from bench.judging.regression_rules import (
    DEFAULT_THRESHOLDS,
    Thresholds,
    accuracy_rule,
    parity_rule,
    speedup_rule,
)
from bench.store.records import DAVID
from bench.store.speed import GATE_SPEED
from bench.store.tracking import CaseSummary
from bench.wording import display_name


@dataclass(frozen=True)
class Row:
    """One tracked metric of one case: baseline, now, change, verdict and the deciding test."""

    case: str
    metric: str
    baseline: str
    now: str
    change: str
    verdict: str  # a GateVerdict; "(ok, not gated)" and the like when shown only
    test: str
    gated: bool = True  # False: shown for information, never failing (the verdict says so)


FAILING = (GateVerdict.REGRESSED, GateVerdict.UNDECIDED)


def _compare_accuracy(case: str, base: dict, now: CaseSummary, limits: Thresholds) -> Row:
    metric = "David test accuracy"
    base_values = base["david_test_accuracy"]
    now_values = [v for v in now.david_test_accuracy if v is not None]
    base_mean = float(np.mean(base_values))
    if any(status != "ok" for status in now.david_status) or not now_values:
        statuses = ", ".join(
            f"seed {s}: {st}" for s, st in zip(now.seeds, now.david_status, strict=True)
        )
        test = f"David did not finish cleanly ({statuses})"
        return Row(case, metric, f"{base_mean:.4f}", "-", "-", GateVerdict.REGRESSED, test)
    now_mean = float(np.mean(now_values))
    rule = accuracy_rule(base_values, now_values, limits)
    change = f"{now_mean - base_mean:+.4f}"
    return Row(case, metric, f"{base_mean:.4f}", f"{now_mean:.4f}", change, rule.verdict, rule.test)


def _compare_speed(
    case: str, base: dict, now: CaseSummary, opponent: str, limits: Thresholds
) -> Row:
    metric = f"David speed-up vs {display_name(opponent)}"
    base_values = [r for r in base["speedup"] if r is not None]
    now_values = [r for r in now.speedups.get(opponent, []) if r is not None]
    # No numbers on either side is no evidence that David kept his speed: the gate fails.
    if not base_values:
        test = f"the baseline holds no speed-up over {display_name(opponent)}: nothing to hold"
        return Row(case, metric, "-", "-", "-", GateVerdict.UNDECIDED, test)
    base_median = float(np.median(base_values))
    if not now_values:
        why = (
            f"{display_name(opponent)} did not fight in this case"
            if opponent not in now.speedups
            else f"no seed where David and {display_name(opponent)} both finished"
        )
        test = f"no speed-up in this run ({why}): the speed gate cannot decide"
        return Row(case, metric, f"{base_median:.4g}x", "-", "-", GateVerdict.UNDECIDED, test)
    now_median = float(np.median(now_values))
    slowdown = base_median / now_median  # how many times slower David got, relatively
    rule = speedup_rule(base_values, now_values, limits)
    test = f"{rule.test}; speed = {GATE_SPEED[now.mode]}"
    return Row(
        case,
        metric,
        f"{base_median:.4g}x",
        f"{now_median:.4g}x",
        f"x{slowdown:.2f}",
        rule.verdict,
        test,
    )


def _compare_parity(case: str, base: dict, now: CaseSummary, limits: Thresholds) -> list[Row]:
    """Fair float64 cases: every opponent that matched David in the baseline must still match."""
    if now.mode != "fair" or now.dtype != "float64":
        return []
    rows = []
    for opponent, base_gap in (base.get("parity") or {}).items():
        gap = now.parity.get(opponent)
        verdict = parity_rule(base_gap, gap, limits)
        if verdict is None:
            continue  # never in parity (a fighter that cannot compute the same function)
        metric = f"parity vs {display_name(opponent)} |loss diff|"
        if gap is None:
            test = "no parity measured (a fighter did not finish)"
            rows.append(Row(case, metric, f"{base_gap:.2g}", "-", "-", verdict, test))
            continue
        test = f"max |loss difference| vs tolerance {limits.parity_tolerance:g}"
        rows.append(Row(case, metric, f"{base_gap:.2g}", f"{gap:.2g}", "-", verdict, test))
    return rows


def _compare_claims(case: str, base: dict, now: list[ClaimJudgement]) -> list[Row]:
    """A claim supported in the baseline and refuted now (or no longer made) regressed."""
    now_by_statement = {judgement.claim.statement(): judgement for judgement in now}
    rows = []
    for statement, before in (base.get("claims") or {}).items():
        metric = f"claim: {statement}"
        judgement = now_by_statement.pop(statement, None)
        if judgement is None:
            verdict = GateVerdict.REGRESSED if before == SUPPORTED else GateVerdict.OK
            test = "the claim is not made in this run (was the suite's claim changed?)"
            rows.append(Row(case, metric, before, "-", "-", verdict, test))
            continue
        after = judgement.judgement
        if before == SUPPORTED and after == REFUTED:
            verdict = GateVerdict.REGRESSED
        elif before == REFUTED and after == SUPPORTED:
            verdict = GateVerdict.IMPROVED
        else:
            verdict = GateVerdict.OK
        test = f"{judgement.measured_text()}; {judgement.test}"
        rows.append(Row(case, metric, before, after, "-", verdict, test))
    for statement, judgement in now_by_statement.items():
        test = f"not in the baseline; {judgement.measured_text()}"
        rows.append(
            Row(case, f"claim: {statement}", "-", judgement.judgement, "-", GateVerdict.OK, test)
        )
    return rows


def baseline_fighters(base: dict[str, Any]) -> list[str] | None:
    """The fighters of a baseline case: recorded, or (baselines made before they were) read off
    a fair case's parity, which names every opponent; None when unknown."""
    if "fighters" in base:
        return list(base["fighters"])
    if base.get("mode") == "fair" and base.get("parity"):
        return [DAVID, *base["parity"]]
    return None


def _differences(
    base: dict[str, Any], now: CaseSummary, base_suite: str | None, run_suite: str | None
) -> list[str]:
    """How a run's case differs from the baseline's in what makes their numbers comparable."""
    why = []
    if base_suite is not None and run_suite != base_suite:
        why.append(f"suite {run_suite!r}, the baseline's {base_suite!r}")
    for key in ("mode", "dtype"):
        if getattr(now, key) != base[key]:
            why.append(f"{key} {getattr(now, key)}, the baseline's {base[key]}")
    if sorted(now.seeds) != sorted(base["seeds"]):
        why.append(f"seeds {sorted(now.seeds)}, the baseline's {sorted(base['seeds'])}")
    fighters = baseline_fighters(base)
    if fighters is not None and sorted(now.fighters) != sorted(fighters):
        shown = ", ".join(map(display_name, now.fighters))
        why.append(f"fighters {shown}, the baseline's {', '.join(map(display_name, fighters))}")
    for seed, recorded in (base.get("dataset_fingerprints") or {}).items():
        fingerprint = now.dataset_fingerprints.get(int(seed))
        if int(seed) in now.seeds and recorded is not None and fingerprint != recorded:
            why.append(
                f"seed {seed}: dataset fingerprint {str(fingerprint)[:12]}, the baseline's "
                f"{recorded[:12]}"
            )
    return why


def unchecked(baseline: dict[str, Any]) -> list[str]:
    """What the baseline does not record, so that compare cannot check the run against it."""
    cases = baseline["cases"].values()
    missing = []
    if not all("dataset_fingerprints" in base for base in cases):
        missing.append("dataset fingerprints")
    if any(baseline_fighters(base) is None for base in cases):
        missing.append("the fighters of native cases")
    return missing


def compare_runs(
    current: dict[str, CaseSummary],
    baseline: dict[str, Any],
    limits: Thresholds = DEFAULT_THRESHOLDS,
    claims: list[ClaimJudgement] | None = None,
    gate_speed: bool = True,
    run_suite: str | None = None,
) -> list[Row]:
    """Every tracked metric of every baseline case, judged against the current run; `claims`
    (this run's claim judgements) also gates each case's claims. Without `gate_speed` the
    speed rows are shown but never fail (`continuous` gates speed from paired measurements).
    A case whose suite (`run_suite`), mode, dtype, seeds, fighters or data differ from the
    baseline's is not compared: one UNDECIDED row says why."""
    opponent = baseline.get("opponent", GATED_OPPONENT)
    rows: list[Row] = []
    for case, base in baseline["cases"].items():
        now = current.get(case)
        if now is None:
            test = "the baseline case was not run"
            rows.append(Row(case, "(case)", "present", "missing", "-", GateVerdict.REGRESSED, test))
            continue
        differences = _differences(base, now, baseline.get("suite"), run_suite)
        if differences:
            test = f"not comparable with the baseline: {'; '.join(differences)}"
            rows.append(Row(case, "(case)", "-", "-", "-", GateVerdict.UNDECIDED, test))
            continue
        rows.append(_compare_accuracy(case, base, now, limits))
        rows += _compare_parity(case, base, now, limits)
        speed = _compare_speed(case, base, now, opponent, limits)
        if not gate_speed:
            speed = replace(speed, verdict=f"({speed.verdict}, not gated)", gated=False)
        rows.append(speed)
        if claims is not None:
            rows += _compare_claims(case, base, [j for j in claims if j.case == case])
    return rows


def format_rows(rows: list[Row], current: dict[str, CaseSummary]) -> str:
    """A plain-text table of the comparison, with absolute seconds shown for information."""
    table = pd.DataFrame([row.__dict__ for row in rows]).drop(columns="gated")
    lines = [table.to_string(index=False)]
    lines.append("\nabsolute training seconds (median; shown, never gated on):")
    for case, entry in current.items():
        seconds = ", ".join(
            f"{display_name(name)} {_median(values)} s"
            for name, values in entry.train_seconds.items()
        )
        lines.append(f"  {case}: {seconds}")
    return "\n".join(lines)


def _median(values: list[float | None]) -> str:
    present = [v for v in values if v is not None]
    return f"{np.median(present):.3g}" if present else "-"
