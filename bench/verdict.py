"""Who won each round (accuracy, loss, speed): a round is won only beyond its interval."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .results import FIGHTERS, NAMES

ROUNDS = ("accuracy", "loss", "speed")
CONFIDENCE = 0.95
# Losses this close (relative to max(1, |loss|)) are identical: a draw, whatever the seeds say.
# float32 cannot do 1e-9: both fighters round every op to 24 bits and sum in different orders,
# so the same maths ends apart (quick suite, moons, 100 epochs: final test losses up to 1.5e-5
# apart); 1e-4 leaves room for longer runs and is still far below a difference worth a round.
PARITY_TOLERANCE = {"float64": 1e-9, "float32": 1e-4}
SPEED_RESAMPLES = 2_000
# Caps the resample matrix (rows x pool size) so long runs bootstrap in chunks, not in one
# multi-gigabyte array.
_BOOTSTRAP_CELLS = 2_000_000

ACCURACY_TEST = "Wilson 95% intervals"
# With 2-5 seeds a bootstrap over seeds is far too eager (3 same-signed differences exclude 0
# a quarter of the time by chance alone); Student's t with n-1 degrees of freedom is honest.
LOSS_TEST = "paired t-interval over seeds (95%)"
PARITY_TEST = "parity check (identical to {} relative to max(1, |loss|))"
ONE_SEED_TEST = "one seed: no interval"
SPEED_TESTS = {
    "fair": "ratio of median epoch times, bootstrap 95% CI",
    "native": "geometric mean of per-seed training-time ratios, t-interval 95%",
}
FORFEIT_TEST = "forfeit"
NO_CONTEST_TEST = "no contest"


@dataclass(frozen=True)
class Round:
    """One round of one case: who won, why in words, and the numbers behind it."""

    name: str  # "accuracy" | "loss" | "speed"
    winner: str  # "david" | "goliath" | "draw"
    sentence: str
    test: str  # which test decided the round
    david_value: float | None = None  # pooled accuracy, mean test loss, median seconds
    goliath_value: float | None = None
    estimate: float | None = None  # mean paired loss difference (david - goliath), speed ratio
    low: float | None = None  # the estimate's 95% interval
    high: float | None = None
    david_interval: tuple[float, float] | None = None  # accuracy: each fighter's Wilson interval
    goliath_interval: tuple[float, float] | None = None
    seeds_compared: int = 0


@dataclass(frozen=True)
class CaseVerdict:
    """The three rounds of one case and the verdict in one sentence."""

    case: str
    rounds: list[Round]
    sentence: str


def judge_case(results: Sequence[dict[str, Any]]) -> CaseVerdict:
    """Judge the three rounds of one case from its result dicts (one per seed)."""
    if not results:
        raise ValueError("judge_case needs at least one case result")
    names = sorted({result["case"]["name"] for result in results})
    if len(names) > 1:
        raise ValueError(f"judge_case judges one case at a time; got results of {names}")
    results = sorted(results, key=lambda result: result["seed"])
    case = names[0]
    ok = {fighter: [is_ok(result, fighter) for result in results] for fighter in FIGHTERS}

    if not any(ok["david"]) and not any(ok["goliath"]):
        reason = "; ".join(_absence(results, fighter) for fighter in FIGHTERS)
        return _uncontested(case, "draw", reason)
    for loser in FIGHTERS:
        if not any(ok[loser]):
            return _uncontested(case, _other(loser), _absence(results, loser))

    both_ok = [d and g for d, g in zip(ok["david"], ok["goliath"], strict=True)]
    compared = [result for result, keep in zip(results, both_ok, strict=True) if keep]
    if not compared:
        return _uncontested(case, "draw", "no seed where both fighters finished")
    mode = results[0]["case"]["mode"]
    rounds = [accuracy_round(compared), loss_round(compared), speed_round(compared, mode)]
    # Wins lead the sentence: they are the news; draws follow.
    parts = [r.sentence for r in rounds if r.winner != "draw"]
    parts += [r.sentence for r in rounds if r.winner == "draw"]
    sentence = _capitalise("; ".join(parts))
    if len(compared) < len(results):
        left_out = ", ".join(
            _seed_problem(result) for result, keep in zip(results, both_ok, strict=True) if not keep
        )
        sentence += f" ({len(compared)} of {len(results)} seeds compared; left out: {left_out})"
    return CaseVerdict(case=case, rounds=rounds, sentence=sentence + ".")


def scoreboard(verdicts: Sequence[CaseVerdict]) -> dict[str, int]:
    """Rounds won by david and goliath, and rounds drawn, over all cases."""
    board = {"david": 0, "goliath": 0, "draw": 0}
    for verdict in verdicts:
        for round_ in verdict.rounds:
            board[round_.winner] += 1
    return board


def overall_sentence(board: dict[str, int]) -> str:
    """The whole card in one line, from a scoreboard."""
    david, goliath, draws = board["david"], board["goliath"], board["draw"]
    drawn = f"{_plural(draws, 'round')} drawn"
    if david > goliath:
        return f"David takes the card, {david} rounds to {goliath} ({drawn})."
    if goliath > david:
        return f"Goliath takes the card, {goliath} rounds to {david} ({drawn})."
    if david:
        return f"An even card: {_plural(david, 'round')} each ({drawn})."
    return f"No round decided: {drawn}."


def is_ok(result: dict[str, Any], fighter: str) -> bool:
    """Whether a fighter finished this seed with metrics to compare."""
    entry = result["fighters"].get(fighter) or {}
    return entry.get("status") == "ok" and entry.get("metrics") is not None


def wilson_interval(correct: int, total: int) -> tuple[float, float]:
    """The Wilson 95% interval of a proportion correct/total."""
    from scipy.stats import binomtest  # scipy.stats takes ~1 s to import: only when judging

    ci = binomtest(int(correct), int(total)).proportion_ci(
        confidence_level=CONFIDENCE, method="wilson"
    )
    return float(ci.low), float(ci.high)


def accuracy_round(results: Sequence[dict[str, Any]]) -> Round:
    """Accuracy pooled over seeds; won only when the Wilson intervals do not overlap."""
    pooled, intervals = {}, {}
    for fighter in FIGHTERS:
        metrics = [result["fighters"][fighter]["metrics"] for result in results]
        correct = sum(m["test_correct"] for m in metrics)
        total = sum(m["n_test"] for m in metrics)
        pooled[fighter] = correct / total
        intervals[fighter] = wilson_interval(correct, total)
    (d_low, d_high), (g_low, g_high) = intervals["david"], intervals["goliath"]
    if d_low > g_high:
        winner = "david"
    elif g_low > d_high:
        winner = "goliath"
    else:
        winner = "draw"
    if winner == "draw":
        sentence = (
            f"accuracy a draw: {pooled['david']:.3f} vs {pooled['goliath']:.3f}, "
            f"{ACCURACY_TEST} overlap"
        )
    else:
        loser = _other(winner)
        sentence = (
            f"{NAMES[winner]} wins on accuracy, {_accuracy_text(pooled[winner], intervals[winner])}"
            f" vs {_accuracy_text(pooled[loser], intervals[loser])}: {ACCURACY_TEST} do not overlap"
        )
    return Round(
        name="accuracy",
        winner=winner,
        sentence=sentence,
        test=ACCURACY_TEST,
        david_value=pooled["david"],
        goliath_value=pooled["goliath"],
        estimate=pooled["david"] - pooled["goliath"],
        david_interval=intervals["david"],
        goliath_interval=intervals["goliath"],
        seeds_compared=len(results),
    )


def loss_round(results: Sequence[dict[str, Any]]) -> Round:
    """Final test loss by seed: a draw within parity, else won when the paired CI excludes 0."""
    pairs = [
        (
            r["fighters"]["david"]["metrics"]["test_loss"],
            r["fighters"]["goliath"]["metrics"]["test_loss"],
        )
        for r in results
    ]
    pairs = [(d, g) for d, g in pairs if d is not None and g is not None]
    if not pairs:
        return Round("loss", "draw", "loss a draw: no test loss recorded", "no data")
    david, goliath = (np.array(side, dtype=np.float64) for side in zip(*pairs, strict=True))
    differences = david - goliath
    values = {
        "david_value": float(david.mean()),
        "goliath_value": float(goliath.mean()),
        "estimate": float(differences.mean()),
        "seeds_compared": len(pairs),
    }
    dtype = results[0]["case"]["dtype"]
    tolerance = PARITY_TOLERANCE[dtype]
    scale = np.maximum(1.0, np.maximum(np.abs(david), np.abs(goliath)))
    if np.all(np.abs(differences) <= tolerance * scale):
        within = f"{tolerance:.0e}".replace("e-0", "e-")  # "1e-9", as people write it
        parity = "parity" if dtype == "float64" else f"{dtype} parity"
        sentence = f"loss a draw: identical to {within} ({parity})"
        return Round("loss", "draw", sentence, PARITY_TEST.format(within), **values)
    both = f"{_sig(values['david_value'])} vs {_sig(values['goliath_value'])}"
    if len(pairs) == 1:
        return Round(
            "loss", "draw", f"loss a draw: {both}, {ONE_SEED_TEST}", ONE_SEED_TEST, **values
        )

    low, high = t_interval(differences)
    if high < 0 or low > 0:
        winner = "david" if high < 0 else "goliath"
        # Said from the winner's side: its loss first, and by how much lower (a positive gap).
        sign = -1.0 if winner == "david" else 1.0
        gap_low, gap_high = sorted((sign * low, sign * high))
        mine, theirs = values[f"{winner}_value"], values[f"{_other(winner)}_value"]
        sentence = (
            f"{NAMES[winner]} wins on loss, {_sig(mine)} vs {_sig(theirs)}: lower by "
            f"{_sig(sign * values['estimate'])} [{_sig(gap_low)}, {_sig(gap_high)}], {LOSS_TEST}"
        )
    else:
        winner = "draw"
        interval = f"[{_sig(low)}, {_sig(high)}]"
        sentence = f"loss a draw: {both}, {LOSS_TEST} interval {interval} includes 0"
    return Round("loss", winner, sentence, LOSS_TEST, low=low, high=high, **values)


def t_interval(values: np.ndarray) -> tuple[float, float]:
    """Student's t 95% interval of the mean of a few values (at least two)."""
    from scipy.stats import t  # see wilson_interval

    half = t.ppf(0.5 + CONFIDENCE / 2, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return float(values.mean() - half), float(values.mean() + half)


def speed_round(results: Sequence[dict[str, Any]], mode: str) -> Round:
    """Speed ratio Goliath/David (>1: David faster); won only when its 95% interval excludes 1.

    Fair mode: every epoch does the same work on both sides, so the ratio of median epoch times
    is bootstrapped over the pooled epochs. Native mode: the fighters train differently, so the
    per-seed ratios of whole training times are compared (t-interval of their logarithms).
    """
    test = SPEED_TESTS[mode]
    pools = {fighter: _timings(results, fighter, mode) for fighter in FIGHTERS}
    what = "epoch" if mode == "fair" else "training"
    if any(pool.size == 0 for pool in pools.values()):
        return Round("speed", "draw", "speed a draw: no timings recorded", test)
    medians = {fighter: float(np.median(pool)) for fighter, pool in pools.items()}
    values = {
        "david_value": medians["david"],
        "goliath_value": medians["goliath"],
        "seeds_compared": len(results),
    }
    if min(medians.values()) <= 0:
        return Round("speed", "draw", "speed a draw: timings too small to compare", test, **values)
    if mode == "fair":
        ratio = medians["goliath"] / medians["david"]
        low, high = _ratio_interval(pools["david"], pools["goliath"])
    else:
        log_ratios = np.log(pools["goliath"] / pools["david"])  # one per seed, paired
        ratio = float(np.exp(log_ratios.mean()))
        if log_ratios.size < 2:
            sentence = f"speed a draw: ratio {three_digits(ratio)}x, {ONE_SEED_TEST}"
            return Round("speed", "draw", sentence, ONE_SEED_TEST, estimate=ratio, **values)
        low, high = (float(np.exp(bound)) for bound in t_interval(log_ratios))
    values.update(estimate=ratio, low=low, high=high)
    if low > 1:
        sentence = f"David wins on speed, {_ratio_text(ratio, low, high)} faster"
        return Round("speed", "david", sentence, test, **values)
    if high < 1:
        # Goliath's advantage reads as "Nx faster" too: invert the ratio and its interval.
        text = _ratio_text(1 / ratio, 1 / high, 1 / low)
        return Round("speed", "goliath", f"Goliath wins on speed, {text} faster", test, **values)
    sentence = (
        f"speed a draw: median {what} time {format_seconds(medians['david'])} vs "
        f"{format_seconds(medians['goliath'])}, ratio {_ratio_text(ratio, low, high)} includes 1"
    )
    return Round("speed", "draw", sentence, test, **values)


def format_seconds(seconds: float) -> str:
    """A duration with three significant digits in a readable unit."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{three_digits(seconds / scale)} {unit}"
    return f"{seconds:.2g} s"


def _timings(results: Sequence[dict[str, Any]], fighter: str, mode: str) -> np.ndarray:
    """Fair mode: every epoch's seconds, pooled; native mode: each seed's training seconds."""
    if mode == "fair":
        pooled = [
            seconds
            for result in results
            for seconds in (result["fighters"][fighter].get("history") or {}).get(
                "epoch_seconds", []
            )
        ]
    else:
        pooled = [result["fighters"][fighter]["train_seconds"] for result in results]
    return np.array([s for s in pooled if s is not None], dtype=np.float64)


def _ratio_interval(david: np.ndarray, goliath: np.ndarray) -> tuple[float, float]:
    """Percentile 95% CI of median(goliath) / median(david), resampling each pool on its own."""
    rng = np.random.default_rng(0)
    chunk = max(1, _BOOTSTRAP_CELLS // max(david.size, goliath.size))
    ratios = []
    for start in range(0, SPEED_RESAMPLES, chunk):
        rows = min(chunk, SPEED_RESAMPLES - start)
        david_medians = np.median(david[rng.integers(0, david.size, (rows, david.size))], axis=1)
        goliath_medians = np.median(
            goliath[rng.integers(0, goliath.size, (rows, goliath.size))], axis=1
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios.append(goliath_medians / david_medians)
    low, high = np.percentile(np.concatenate(ratios), [2.5, 97.5])
    return float(low), float(high)


def _uncontested(case: str, winner: str, reason: str) -> CaseVerdict:
    """Every round decided without a fight: by forfeit, or no contest when winner is 'draw'."""
    if winner == "draw":
        rounds = [Round(n, "draw", f"{n}: no contest ({reason})", NO_CONTEST_TEST) for n in ROUNDS]
        return CaseVerdict(case=case, rounds=rounds, sentence=f"No contest: {reason}.")
    rounds = [
        Round(n, winner, f"{NAMES[winner]} wins on {n} by forfeit: {reason}", FORFEIT_TEST)
        for n in ROUNDS
    ]
    return CaseVerdict(case, rounds, sentence=f"{NAMES[winner]} wins by forfeit: {reason}.")


def _absence(results: Sequence[dict[str, Any]], fighter: str) -> str:
    """Why a fighter has nothing to compare, naming seeds when the reasons differ."""
    problems = [(result["seed"], why_not_ok(result, fighter)) for result in results]
    if len({problem for _, problem in problems}) == 1:
        return f"{NAMES[fighter]} {problems[0][1]}"
    return f"{NAMES[fighter]} " + ", ".join(f"{p} (seed {seed})" for seed, p in problems)


def _seed_problem(result: dict[str, Any]) -> str:
    """Why one seed was left out of the paired comparisons."""
    who = [f"{NAMES[f]} {why_not_ok(result, f)}" for f in FIGHTERS if not is_ok(result, f)]
    return f"seed {result['seed']}: " + " and ".join(who)


def why_not_ok(result: dict[str, Any], fighter: str) -> str:
    """Why a fighter is not ok in one result, in a short phrase: 'diverged at epoch 37'."""
    entry = result["fighters"].get(fighter) or {}
    status = entry.get("status", "missing")
    reason = " ".join(str(entry.get("reason") or "").split())
    if len(reason) > 120:  # a reason is a phrase; a whole traceback would drown the sentence
        reason = reason[:117] + "..."
    if status == "ok":
        return "has no metrics"
    if not reason:
        diverged_at = (entry.get("history") or {}).get("diverged_at")
        if status == "diverged" and diverged_at is not None:
            return f"diverged at epoch {diverged_at}"
        return status
    return reason if reason.lower().startswith(status) else f"{status}: {reason}"


def _accuracy_text(value: float, interval: tuple[float, float]) -> str:
    return f"{value:.3f} [{interval[0]:.3f}-{interval[1]:.3f}]"


def _ratio_text(ratio: float, low: float, high: float) -> str:
    """'14.2x [12.9-15.1]': one decimal, more only where one decimal would misread the round."""
    decided = low > 1 or high < 1
    for digits in (1, 2, 3):
        parts = [f"{v:.{digits}f}" if math.isfinite(v) else "inf" for v in (ratio, low, high)]
        # A won round must not show a bound of "1.0" (reads as a draw), and a draw must not
        # show "[1.0-1.0]" (hides the spread that made it one).
        if decided and f"{1:.{digits}f}" not in parts[1:]:
            break
        if not decided and (parts[1] != parts[2] or low == high):
            break
    return f"{parts[0]}x [{parts[1]}-{parts[2]}]"


def _sig(value: float) -> str:
    """Four significant digits."""
    return f"{value:.4g}"


def three_digits(value: float) -> str:
    """A number with three significant digits, never in scientific notation."""
    decimals = max(0, 2 - math.floor(math.log10(abs(value)))) if value else 0
    return f"{value:,.{decimals}f}"


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _other(fighter: str) -> str:
    return "goliath" if fighter == "david" else "david"
