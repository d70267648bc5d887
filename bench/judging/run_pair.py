"""Any two runs compared: per case, fighter and metric, A's number, B's, the change and a verdict.

Speed is the ratio of B's speed to A's (A's time over B's: above 1, B is faster) with its 95%
interval: per fighter, its median epoch time (fair mode; bootstrap over the seeds both runs
share, then epochs) or training time (native mode; t-interval of per-seed log ratios); for
David also his speed-up over each opponent. Accuracy is compared with Wilson intervals, as the
verdicts do; parity by its tolerance. `regressed` applies the baseline gate's rules
(bench/judging/regression_rules.py) with A as the reference: David's accuracy, his speed-up over
the gated opponent, his parity in fair float64 cases, and his finishing every seed A finished.
Numbers missing on one side are shown ("only in A", "undecided"), never counted as a regression.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bench.judging import stats
from bench.judging.parity import check_parity
from bench.judging.regression_rules import (
    GATED_OPPONENT,
    REGRESSED,
    Thresholds,
    accuracy_rule,
    parity_rule,
    separated,
    speedup_rule,
)
from bench.store.records import DAVID, Fight
from bench.store.run_folder import ResultsError, Run
from bench.store.speed import GATE_SPEED, VERDICT_SPEED
from bench.store.tracking import CaseSummary, summarize
from bench.wording import display_name, format_seconds, ratio_text, tiny

ONLY_IN_A, ONLY_IN_B = "only in A", "only in B"
SAME, UNDECIDED = "same", "undecided"
# Verdicts --differences-only leaves out: nothing shown to differ (undecided: no test could tell).
NOT_DIFFERENT = (SAME, "identical", UNDECIDED)
WORDS = {"ok": SAME, "improved": "better", "REGRESSED": "worse"}  # the accuracy rule, in words


@dataclass(frozen=True)
class PairRow:
    """One metric of one fighter in one case, in run A and in run B, and how it changed."""

    case: str
    fighter: str  # roster name; "" for a case-level row
    metric: str
    a: float | None
    b: float | None
    change: float | None  # speed: B's speed over A's; accuracy: B - A
    low: float | None  # the change's 95% interval, where there is one
    high: float | None
    verdict: str  # faster, slower, better, worse, same, identical, undecided, only in A/B
    regressed: bool  # David regressed from A to B, by the baseline gate's rules
    test: str  # how the verdict was decided
    a_text: str = "-"
    b_text: str = "-"
    change_text: str = "-"

    @property
    def changed(self) -> bool:
        """Shown to differ, present in one run only, or regressed: what --differences-only keeps."""
        return self.verdict not in NOT_DIFFERENT or self.regressed


def compare_two_runs(
    run_a: Run, run_b: Run, limits: Thresholds | None = None, gate_speed: bool = True
) -> list[PairRow]:
    """Every case, fighter and metric of two runs compared; ResultsError when no case is shared.

    Without `gate_speed` a slower David is shown but never `regressed` (as `compare
    --no-speed-gate`)."""
    limits = limits or Thresholds()
    cases_a, cases_b = run_a.by_case, run_b.by_case
    if not set(cases_a) & set(cases_b):
        raise ResultsError(
            f"{run_a.run_dir} (suite {run_a.suite_name!r}, cases {_names(cases_a)}) and "
            f"{run_b.run_dir} (suite {run_b.suite_name!r}, cases {_names(cases_b)}) have no case "
            "in common: nothing to compare"
        )
    summary_a, summary_b = summarize(run_a), summarize(run_b)
    rows: list[PairRow] = []
    for case in list(cases_a) + [c for c in cases_b if c not in cases_a]:
        if case not in cases_b or case not in cases_a:
            only = ONLY_IN_A if case in cases_a else ONLY_IN_B
            rows.append(PairRow(case, "", "(case)", None, None, None, None, None, only, False, ""))
            continue
        fights_a, fights_b = cases_a[case], cases_b[case]
        names = list(fights_a[0].fighters)
        names += [n for n in fights_b[0].fighters if n not in names]
        for name in names:
            if name not in fights_b[0].fighters or name not in fights_a[0].fighters:
                only = ONLY_IN_A if name in fights_a[0].fighters else ONLY_IN_B
                empty = (None,) * 5
                rows.append(PairRow(case, name, "(fighter)", *empty, only, False, ""))
                continue
            rows.append(_finished(case, name, fights_a, fights_b))
            rows.append(_time(case, name, fights_a, fights_b))
            rows.append(_accuracy(case, name, fights_a, fights_b, limits))
            if name == DAVID:
                before, after = summary_a[case], summary_b[case]
                for opponent in before.speedups:
                    if opponent in after.speedups:
                        gated = gate_speed and opponent == GATED_OPPONENT
                        rows.append(_speedup(case, opponent, before, after, limits, gated))
            elif fights_a[0].mode == "fair" and fights_b[0].mode == "fair":
                rows.append(_parity(case, name, fights_a, fights_b, limits))
    return rows


def format_pair_rows(rows: Sequence[PairRow], differences_only: bool = False) -> str:
    """A plain-text table of the comparison; with `differences_only`, only what changed."""
    shown = [row for row in rows if row.changed or not differences_only]
    if not shown:
        return "no differences"
    table = pd.DataFrame(
        {
            "case": row.case,
            "fighter": display_name(row.fighter) if row.fighter else "-",
            "metric": row.metric,
            "A": row.a_text,
            "B": row.b_text,
            "change": row.change_text,
            "verdict": row.verdict,
            "gate": "REGRESSED" if row.regressed else "",
            "test": row.test,
        }
        for row in shown
    )
    return table.to_string(index=False)


def _names(cases: dict[str, list[Fight]]) -> str:
    return ", ".join(cases) or "none"


def _common_seeds(a: Sequence[Fight], b: Sequence[Fight], name: str) -> list[tuple[Fight, Fight]]:
    """The fights of the seeds both runs share where the fighter finished cleanly in both."""
    by_seed = {fight.seed: fight for fight in b}
    return [
        (fight, by_seed[fight.seed])
        for fight in a
        if fight.seed in by_seed
        and fight.fighters[name].ok
        and by_seed[fight.seed].fighters[name].ok
    ]


def _finished(case: str, name: str, a: Sequence[Fight], b: Sequence[Fight]) -> PairRow:
    """Seeds finished cleanly; David failing a seed he finished in A regressed (the gate's rule)."""
    clean_a = {f.seed for f in a if f.fighters[name].ok}
    clean_b = {f.seed for f in b if f.fighters[name].ok}
    lost = [seed for seed in sorted(clean_a) if seed in {f.seed for f in b} and seed not in clean_b]
    gained = [s for s in sorted(clean_b) if s in {f.seed for f in a} and s not in clean_a]
    verdict = "worse" if lost else "better" if gained else SAME
    why = {f.seed: f.fighters[name].why_not_ok() for f in b if f.seed in lost}
    test = "; ".join(f"seed {s} in B: {reason}" for s, reason in why.items()) or "clean seeds"
    share_a, share_b = len(clean_a) / len(a), len(clean_b) / len(b)
    return PairRow(
        case, name, "finished", share_a, share_b, share_b - share_a, None, None, verdict,
        name == DAVID and bool(lost), test,
        f"{len(clean_a)}/{len(a)}", f"{len(clean_b)}/{len(b)}",
    )  # fmt: skip


def _time(case: str, name: str, a: Sequence[Fight], b: Sequence[Fight]) -> PairRow:
    """The fighter's own speed, B's over A's, on the seeds both runs finished."""
    mode = a[0].mode
    metric = VERDICT_SPEED[mode]
    pairs = _common_seeds(a, b, name)
    if mode == "fair":
        groups = [
            [np.asarray(f.fighters[name].epoch_seconds, dtype=np.float64) for f in side]
            for side in zip(*pairs, strict=True)
        ] or [[], []]
    else:
        groups = [
            [np.array([f.fighters[name].train_seconds], dtype=np.float64) for f in side]
            for side in zip(*pairs, strict=True)
        ] or [[], []]
    pooled = [np.concatenate(side) if side else np.array([]) for side in groups]
    if any(values.size == 0 or np.min(values) <= 0 for values in pooled):
        test = "no timings on the seeds both runs finished"
        return PairRow(case, name, metric, None, None, None, None, None, UNDECIDED, False, test)
    time_a, time_b = (float(np.median(values)) for values in pooled)
    ratio = time_a / time_b
    low = high = None
    if len(pairs) < 2:
        verdict, test = UNDECIDED, "one shared seed: no interval"
    elif mode == "fair":
        low, high = stats.bootstrap_median_ratio(groups[0], groups[1])
        test = "ratio of median epoch times, 95% CI by bootstrap over shared seeds, then epochs"
    else:
        log_ratios = np.log(pooled[0] / pooled[1])
        ratio = float(np.exp(log_ratios.mean()))
        low, high = (float(np.exp(bound)) for bound in stats.t_interval(log_ratios))
        test = "geometric mean of per-seed training-time ratios, t-interval 95%"
    if low is not None and high is not None:
        verdict = "faster" if low > 1 else "slower" if high < 1 else SAME
    change_text = _ratio_change(ratio, low, high, ("B faster", "B slower"))
    return PairRow(
        case, name, metric, time_a, time_b, ratio, low, high, verdict, False,
        f"{test}; not gated (the gate holds speed-ups measured within one run)",
        format_seconds(time_a), format_seconds(time_b), change_text,
    )  # fmt: skip


def _accuracy(
    case: str, name: str, a: Sequence[Fight], b: Sequence[Fight], limits: Thresholds
) -> PairRow:
    """Test accuracy pooled over seeds, Wilson intervals; David's by the gate's rule."""
    metrics = [[f.fighters[name].metrics for f in side if f.fighters[name].ok] for side in (a, b)]
    if not all(metrics):
        test = "no finished seed in " + " and ".join(
            run for run, side in zip("AB", metrics, strict=True) if not side
        )
        empty = (None,) * 5
        return PairRow(case, name, "test accuracy", *empty, UNDECIDED, False, test)
    correct = [sum(m.test_correct for m in side) for side in metrics]
    total = [sum(m.n_test for m in side) for side in metrics]
    value_a, value_b = (c / n for c, n in zip(correct, total, strict=True))
    (low_a, high_a), (low_b, high_b) = (
        stats.wilson_interval(c, n) for c, n in zip(correct, total, strict=True)
    )
    texts = (
        f"{value_a:.4f} [{low_a:.3f}-{high_a:.3f}]",
        f"{value_b:.4f} [{low_b:.3f}-{high_b:.3f}]",
    )
    regressed = False
    if name == DAVID:
        rule = accuracy_rule(
            [m.test_accuracy for m in metrics[0]], [m.test_accuracy for m in metrics[1]], limits
        )
        verdict, test, regressed = WORDS[rule.verdict], rule.test, rule.verdict == REGRESSED
    else:
        verdict = "better" if low_b > high_a else "worse" if high_b < low_a else SAME
        test = "Wilson 95% intervals " + ("overlap" if verdict == SAME else "apart")
    return PairRow(
        case, name, "test accuracy", value_a, value_b, value_b - value_a, None, None, verdict,
        regressed, test, *texts, f"{value_b - value_a:+.4f}",
    )  # fmt: skip


def _speedup(
    case: str,
    opponent: str,
    before: CaseSummary,
    after: CaseSummary,
    limits: Thresholds,
    gated: bool,
) -> PairRow:
    """David's speed-up over one opponent (the gate's definition), B's over A's."""
    metric = f"speed-up vs {display_name(opponent)}"
    by_seed = [dict(zip(s.seeds, s.speedups[opponent], strict=True)) for s in (before, after)]
    values = [[v for v in side.values() if v is not None] for side in by_seed]
    if not all(values):
        test = f"no seed where David and {display_name(opponent)} both finished in " + " and ".join(
            run for run, side in zip("AB", values, strict=True) if not side
        )
        return PairRow(case, DAVID, metric, None, None, None, None, None, UNDECIDED, False, test)
    median_a, median_b = (float(np.median(side)) for side in values)
    ratio = median_b / median_a
    way, how = separated(values[1], values[0], limits.alpha)
    verdict = way or (UNDECIDED if how.endswith("undecided") else SAME)
    regressed = gated and speedup_rule(values[0], values[1], limits).verdict == REGRESSED
    paired = [
        np.log(by_seed[1][seed] / value)
        for seed, value in by_seed[0].items()
        if value and by_seed[1].get(seed)
    ]
    low = high = None
    if len(paired) >= 2:
        low, high = (float(np.exp(bound)) for bound in stats.t_interval(paired))
    change_text = _ratio_change(ratio, low, high, ("higher in B", "lower in B"))
    if gated:
        scope = f"gated: slow-down beyond {limits.speed_factor:g}"
    elif opponent == GATED_OPPONENT:
        scope = "shown, not gated"
    else:
        scope = f"shown, not gated (the gate holds {display_name(GATED_OPPONENT)})"
    test = f"{how}; {scope}; speed = {GATE_SPEED[after.mode]}"
    return PairRow(
        case, DAVID, metric, median_a, median_b, ratio, low, high, verdict, regressed, test,
        f"{median_a:.4g}x", f"{median_b:.4g}x", change_text,
    )  # fmt: skip


def _ratio_change(
    ratio: float, low: float | None, high: float | None, words: tuple[str, str]
) -> str:
    """'2.0x [1.9-2.1] B slower': a fall reads as a factor too, its interval inverted."""
    up, down = words
    if low is None or high is None:
        return f"{ratio:.3g}x {up}" if ratio >= 1 else f"{1 / ratio:.3g}x {down}"
    if ratio >= 1:
        return f"{ratio_text(ratio, low, high)} {up}"
    return f"{ratio_text(1 / ratio, 1 / high, 1 / low)} {down}"


def _parity(
    case: str, name: str, a: Sequence[Fight], b: Sequence[Fight], limits: Thresholds
) -> PairRow:
    """Fair mode: whether the opponent still computes David's function."""
    check_a, check_b = check_parity(a, name), check_parity(b, name)
    metric = "parity with David |loss diff|"
    gap_a, gap_b = check_a.held_gap, check_b.held_gap
    if gap_a is None or gap_b is None:
        test = "no parity measured in " + " and ".join(
            run for run, gap in zip("AB", (gap_a, gap_b), strict=True) if gap is None
        )
        return PairRow(case, name, metric, gap_a, gap_b, None, None, None, UNDECIDED, False, test)
    same_a, same_b = check_a.identical, check_b.identical
    verdict = (
        "identical" if same_a and same_b else "worse" if same_a else "better" if same_b else SAME
    )
    rule = parity_rule(check_a.max_loss_difference, check_b.max_loss_difference, limits)
    regressed = a[0].dtype == "float64" and rule == REGRESSED
    test = f"max |loss difference| vs tolerance {check_b.tolerance:g}"
    return PairRow(
        case, name, metric, gap_a, gap_b, None, None, None, verdict, regressed, test,
        tiny(gap_a), tiny(gap_b), "-",
    )  # fmt: skip
