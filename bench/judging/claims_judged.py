"""Claims judged with the rounds' statistics: supported, refuted, or undecided (and by how much).

- Test accuracy: a fighter's correct predictions pooled over seeds, with the Wilson 95% interval,
  as the accuracy round does.
- Time ratios (one fighter's seconds over another's): one value per seed each, paired, so as
  the speed round judges per-seed training times (native mode): the geometric mean of the
  per-seed ratios, with the t-interval of their logs. Not the fair speed round's bootstrap: that
  resamples the many epochs within each seed too; over 3 single values a bootstrap has 10
  distinct resamples and its interval hugs the estimate (a real run: 0.0938x [0.0641-0.0938]),
  where the t-interval stays honest (stats.t_interval).

A claim is **supported** when the whole interval lies on its side of the threshold, **refuted**
when it lies wholly on the other side, and **undecided** when it straddles the threshold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.defaults import CONFIDENCE
from bench.judging import stats
from bench.judging.outcomes import Judgement
from bench.judging.rounds import ACCURACY_TEST
from bench.plan.claims import EVERY, Claim, claims_from_run
from bench.store.records import Fight, FighterRecord
from bench.store.run_folder import Run
from bench.wording import RATIO_SHOWN_UP_TO, accuracy_text, display_name, plural, three_digits

SUPPORTED, REFUTED, UNDECIDED = Judgement.SUPPORTED, Judgement.REFUTED, Judgement.UNDECIDED
JUDGEMENTS = tuple(Judgement)
MOST_SEEDS = 10_000  # beyond this the estimate sits on the threshold: more seeds will not do
RATIO_TEST = "geometric mean of per-seed ratios, t-interval 95% of their logs"


@dataclass(frozen=True)
class Measurement:
    """One measured quantity of a claim (a fighter's accuracy, or a ratio) and its judgement."""

    who: str  # "David", or "David / Keras"
    estimate: float | None
    low: float | None
    high: float | None
    judgement: str
    seeds: int  # seeds measured
    seeds_needed: int | None = None  # undecided: roughly how many seeds would decide it
    note: str = ""  # seeds left out, or why nothing was measured

    def text(self, ratio: bool) -> str:
        """'David 0.993 [0.987-0.996]' or 'David / Keras 1.9x [0.7-5.1]', with any note."""
        if self.estimate is None or self.low is None or self.high is None:
            return f"{self.who}: {self.note or 'not measured'}"
        if ratio:
            # Three digits, not the rounds' one decimal: a claim's threshold is not always 1.
            low, high = _times(self.low), _times(self.high)
            value = f"{_times(self.estimate)}x [{low}-{high}]"
        else:
            value = accuracy_text(self.estimate, (self.low, self.high))
        return f"{self.who} {value}" + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True)
class ClaimJudgement:
    """A claim of one case, what was measured, and whether the measurements support it."""

    case: str
    claim: Claim
    judgement: str
    measurements: list[Measurement]
    test: str  # which interval decided it
    seeds_needed: int | None = None
    toward: str = ""  # undecided: the side the estimate lies on, SUPPORTED or REFUTED

    def measured_text(self) -> str:
        """Every measured value with its 95% interval, in one line."""
        return "; ".join(m.text(self.claim.is_ratio) for m in self.measurements)

    def judgement_text(self) -> str:
        """'supported', 'refuted', or 'undecided: about 9 seeds would likely decide it (...)'."""
        if self.judgement != UNDECIDED:
            return self.judgement
        missing = [m.who for m in self.measurements if m.estimate is None]
        if missing or self.seeds_needed is None:
            return f"{UNDECIDED}: {', '.join(missing) or 'nothing'} not measured"
        if self.seeds_needed > MOST_SEEDS:
            return f"{UNDECIDED}: the estimate sits on the threshold; more seeds would not decide"
        return (
            f"{UNDECIDED}: about {plural(self.seeds_needed, 'seed')} would likely decide it "
            f"(the estimate leans {self.toward})"
        )


def judge_claim(case: str, claim: Claim, fights: Sequence[Fight]) -> ClaimJudgement:
    """Judge one claim of a case on that case's fights (one per seed)."""
    fights = sorted(fights, key=lambda fight: fight.seed)
    if claim.is_ratio:
        measurements = [_ratio(claim, fights)]
        test = RATIO_TEST
    else:
        present = list(dict.fromkeys(name for fight in fights for name in fight.fighters))
        names = present if claim.fighter == EVERY else [claim.fighter]
        measurements = [_accuracy(claim, fights, name) for name in names]
        test = f"pooled {ACCURACY_TEST[:-1]} over seeds"
    verdicts = [m.judgement for m in measurements]
    # "Every fighter" holds when it holds for each one, fails when it fails for any one.
    if REFUTED in verdicts:
        judgement = REFUTED
    elif verdicts and all(v == SUPPORTED for v in verdicts):
        judgement = SUPPORTED
    else:
        judgement = UNDECIDED
    undecided = [m for m in measurements if m.judgement == UNDECIDED]
    needed = [m.seeds_needed for m in undecided if m.seeds_needed is not None]
    seeds_needed = max(needed) if judgement == UNDECIDED and needed else None
    toward = ""
    if judgement == UNDECIDED and all(m.estimate is not None for m in undecided):
        leans = [_on_claimed_side(claim, m.estimate) for m in undecided]
        toward = SUPPORTED if all(leans) else REFUTED
    return ClaimJudgement(case, claim, judgement, measurements, test, seeds_needed, toward)


def judge_run(run: Run) -> list[ClaimJudgement]:
    """Every claim recorded in run.json of a case with results, judged on that case's fights;
    HarnessError when run.json's claims are malformed."""
    claims = claims_from_run(run.info)
    by_case = run.by_case
    return [
        judge_claim(case, claim, by_case[case])
        for case in by_case
        for claim in claims.get(case, [])
    ]


def seeds_to_decide(
    estimate: float,
    low: float,
    high: float,
    threshold: float,
    seeds: int,
    kind: str,
    tests_per_seed: float = 0.0,
) -> int:
    """Roughly how many seeds would put the interval wholly on one side of the threshold.

    Assumes the estimate stays where it is as seeds are added, and asks for the smallest number
    of seeds n' whose interval around it would clear the threshold (d away from the estimate):
    - "wilson" (pooled accuracy): the Wilson interval of the same rate over n' seeds' test
      predictions (`tests_per_seed` each);
    - "t" (log ratios): the t-interval with the same spread, t(n'-1) s / sqrt(n') < d, where
      the t quantile falls too (4.30 at 3 seeds, 2.26 at 10);
    Returns MOST_SEEDS + 1 when no number up to MOST_SEEDS would (it sits on the threshold).
    """
    if kind == "t" and min(estimate, low, high, threshold) <= 0:
        return MOST_SEEDS + 1
    scale = math.log if kind == "t" else float
    distance = abs(scale(estimate) - scale(threshold))
    half = scale(estimate) - scale(low) if estimate >= threshold else scale(high) - scale(estimate)
    if distance <= 0 or half <= 0:
        return MOST_SEEDS + 1
    candidates = np.arange(seeds + 1, MOST_SEEDS + 1)
    if kind == "wilson":
        lows, highs = stats.wilson_bounds(estimate, candidates * tests_per_seed)
        decided = candidates[lows > threshold if estimate >= threshold else highs < threshold]
    else:
        from scipy.stats import t

        level = 0.5 + CONFIDENCE / 2
        spread = half / t.ppf(level, seeds - 1) * math.sqrt(seeds)  # the seeds' std. deviation
        decided = candidates[t.ppf(level, candidates - 1) * spread / np.sqrt(candidates) < distance]
    return int(decided[0]) if decided.size else MOST_SEEDS + 1


def _times(value: float) -> str:
    """A ratio with three significant digits; past 1000x only '>1000' (unbounded at few seeds)."""
    return three_digits(value) if value <= RATIO_SHOWN_UP_TO else f">{RATIO_SHOWN_UP_TO:g}"


def _on_claimed_side(claim: Claim, value: float) -> bool:
    return value >= claim.threshold if claim.compare == ">=" else value <= claim.threshold


def _decide(claim: Claim, low: float, high: float) -> str:
    """Supported when the interval lies on the claim's side, refuted when on the other."""
    if claim.compare == ">=":
        return SUPPORTED if low >= claim.threshold else REFUTED if high < claim.threshold else ""
    return SUPPORTED if high <= claim.threshold else REFUTED if low > claim.threshold else ""


def _measure(
    claim: Claim,
    estimate: float,
    interval: tuple[float, float],
    seeds: int,
    kind: str,
    tests_per_seed: float = 0.0,
) -> tuple[str, int | None]:
    low, high = interval
    judgement = _decide(claim, low, high)
    if judgement:
        return judgement, None
    needed = seeds_to_decide(estimate, low, high, claim.threshold, seeds, kind, tests_per_seed)
    return UNDECIDED, needed


def _accuracy(claim: Claim, fights: Sequence[Fight], name: str) -> Measurement:
    """A fighter's test accuracy pooled over the seeds it finished, with its Wilson interval."""
    who = display_name(name)
    fights = [fight for fight in fights if name in fight.fighters]
    records = [fight.fighters[name] for fight in fights]
    if not records:
        return Measurement(who, None, None, None, UNDECIDED, 0, note="did not fight in this run")
    done = [record for record in records if record.ok]
    dropped = [
        f"seed {fight.seed}: {record.why_not_ok()}"
        for fight, record in zip(fights, records, strict=True)
        if not record.ok
    ]
    note = f"left out: {'; '.join(dropped)}" if dropped else ""
    if not done:
        return Measurement(who, None, None, None, UNDECIDED, 0, note=note or "no seed finished")
    correct = sum(record.metrics.test_correct for record in done)
    total = sum(record.metrics.n_test for record in done)
    low, high = stats.wilson_interval(correct, total)
    estimate = correct / total
    tests = total / len(done)
    judgement, needed = _measure(claim, estimate, (low, high), len(done), "wilson", tests)
    return Measurement(who, estimate, low, high, judgement, len(done), needed, note)


def _seconds(claim: Claim, record: FighterRecord | None) -> float | None:
    if record is None or not record.ok:
        return None
    if claim.metric == "seconds_to_target":
        return record.metrics.seconds_to_target
    return record.train_seconds


def _ratio(claim: Claim, fights: Sequence[Fight]) -> Measurement:
    """fighter's seconds / versus's seconds over the seeds where both have a time."""
    mine, theirs = claim.fighter, str(claim.versus)
    who = f"{display_name(mine)} / {display_name(theirs)}"
    missing = [name for name in (mine, theirs) if not any(name in f.fighters for f in fights)]
    if missing:
        note = " and ".join(display_name(name) for name in missing) + " did not fight in this run"
        return Measurement(who, None, None, None, UNDECIDED, 0, note=note)
    pairs, left_out = [], []
    for fight in fights:
        times = {name: _seconds(claim, fight.fighters.get(name)) for name in (mine, theirs)}
        if all(value is not None and value > 0 for value in times.values()):
            pairs.append((times[mine], times[theirs]))
        else:
            left_out.append(_why_no_time(claim, fight, times))
    note = f"left out: {'; '.join(left_out)}" if left_out else ""
    if len(pairs) < 2:
        why = f"{plural(len(pairs), 'seed')} with both times: an interval needs 2"
        note = f"{why}; {note}" if note else why
        return Measurement(who, None, None, None, UNDECIDED, len(pairs), note=note)
    top, bottom = (np.array(side, dtype=np.float64) for side in zip(*pairs, strict=True))
    logs = np.log(top / bottom)
    estimate = float(np.exp(logs.mean()))
    low, high = (float(np.exp(bound)) for bound in stats.t_interval(logs))
    judgement, needed = _measure(claim, estimate, (low, high), len(pairs), "t")
    return Measurement(who, estimate, low, high, judgement, len(pairs), needed, note)


def _why_no_time(claim: Claim, fight: Fight, times: dict[str, float | None]) -> str:
    reasons = []
    for name, value in times.items():
        if value is not None and value > 0:
            continue
        record = fight.fighters.get(name)
        if record is None:
            reasons.append(f"{display_name(name)} did not fight")
        elif not record.ok:
            reasons.append(f"{display_name(name)} {record.why_not_ok()}")
        elif claim.metric == "seconds_to_target" and value is None:
            reasons.append(f"{display_name(name)} never reached {claim.target:g}")
        else:
            reasons.append(f"{display_name(name)} has no time")
    return f"seed {fight.seed}: " + " and ".join(reasons)
