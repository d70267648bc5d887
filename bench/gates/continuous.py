"""`continuous`: the speed gate. Base and head measured in one job, in turn, and compared.

A number measured on another day drifts (the machine, its load, its temperature), and a gate
held against it fires on that drift. Here each round runs the gate suite once for each
revision, back to back (base first in even rounds, head first in odd ones, so neither always
gets the warmer machine), and pairs every fight with the same fight of the other revision in
the same round. The slow-down is the geometric mean over rounds of each round's mean log ratio
head / base of David's gate speed; the gate decides with its one-sided 95% t-bounds:

- REGRESSED when the lower bound is above the threshold (head is proven that much slower);
- improved when the upper bound is below 1 / threshold;
- ok when the upper bound is below the threshold (a slow-down that large is ruled out);
- otherwise more rounds are run, up to the maximum, and then UNDECIDED (the gate fails: the
  rounds were too noisy to tell, and saying "ok" would be a guess);
- but when the machine was busy with other work during the rounds (the load average, sampled
  before every round and after the last, went above BUSY_FACTOR x its cores), an open interval
  is TOO BUSY instead: the gate could not tell, and says why, with its own exit code, which a
  workflow maps to a warning. A proven slow-down fails on a busy machine all the same.
"""

from __future__ import annotations

import dataclasses
import math
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench import defaults
from bench.errors import HarnessError
from bench.gates.revisions import Revision
from bench.judging import stats
from bench.run.machine_load import BUSY_FACTOR, load_average
from bench.store.records import DAVID
from bench.store.run_folder import ResultsError, load_run
from bench.store.speed import GATE_SPEED, gate_seconds

SIDES = ("base", "head")
TOO_BUSY = "TOO BUSY"


@dataclass(frozen=True)
class Pair:
    """One fight measured for both revisions in the same round."""

    round: int
    case: str
    seed: int
    base_seconds: float
    head_seconds: float

    @property
    def slowdown(self) -> float:
        """How many times slower the head was (below 1: faster)."""
        return self.head_seconds / self.base_seconds


@dataclass(frozen=True)
class Verdict:
    """The gate's decision from the pairs so far."""

    verdict: str  # "ok" | "improved" | "REGRESSED" | "UNDECIDED" | "TOO BUSY"
    slowdown: float  # geometric mean over rounds
    low: float  # one-sided 95% lower bound of the slow-down
    high: float  # one-sided 95% upper bound
    rounds: int
    test: str
    busiest_load: float | None = None  # the highest 1-minute load average sampled


def machine_busy(busiest_load: float | None, cores: int | None) -> bool:
    """Whether other work competed for the CPU: load above BUSY_FACTOR x the cores."""
    return busiest_load is not None and bool(cores) and busiest_load > BUSY_FACTOR * cores


def judged_on(verdict: Verdict, loads: list[float | None], cores: int | None) -> Verdict:
    """The verdict with the load seen: an open interval on a busy machine is TOO BUSY."""
    seen = [load for load in loads if load is not None]
    busiest = max(seen) if seen else None
    answer = verdict.verdict
    if answer == "UNDECIDED" and machine_busy(busiest, cores):
        answer = TOO_BUSY
    return dataclasses.replace(verdict, verdict=answer, busiest_load=busiest)


def round_slowdowns(pairs: list[Pair]) -> list[float]:
    """Each round's slow-down: the geometric mean of its fights' head / base ratios."""
    by_round: dict[int, list[float]] = {}
    for pair in pairs:
        by_round.setdefault(pair.round, []).append(math.log(pair.slowdown))
    return [math.exp(float(np.mean(logs))) for _, logs in sorted(by_round.items())]


def decide(pairs: list[Pair], factor: float, final: bool) -> Verdict:
    """The verdict from paired fights; `final` turns "cannot tell yet" into UNDECIDED."""
    per_round = round_slowdowns(pairs)
    logs = np.log(per_round)
    estimate = math.exp(float(np.mean(logs)))
    if len(per_round) < 2:
        return Verdict("UNDECIDED", estimate, 0.0, math.inf, len(per_round), "one round: no bound")
    # A two-sided 90% interval's ends are the one-sided 95% bounds.
    low, high = (math.exp(end) for end in stats.t_interval(logs, confidence=0.90))
    if low > factor:
        verdict = "REGRESSED"
    elif high < 1 / factor:
        verdict = "improved"
    elif high < factor:
        verdict = "ok"
    else:
        verdict = "UNDECIDED" if final else "running"
    test = (
        f"one-sided 95% t-bounds of the slow-down over {len(per_round)} rounds "
        f"[{low:.3f}, {high:.3f}] vs threshold x{factor:g}"
    )
    return Verdict(verdict, estimate, low, high, len(per_round), test)


@dataclass(frozen=True)
class Settings:
    """What `continuous` runs and how it decides."""

    suite: Path
    work_dir: Path
    cache_dir: Path
    factor: float = defaults.CONTINUOUS_FACTOR
    min_rounds: int = defaults.CONTINUOUS_MIN_ROUNDS
    max_rounds: int = defaults.CONTINUOUS_MAX_ROUNDS
    slow_head: float | None = None  # test only: the head's David made this many times slower

    def __post_init__(self) -> None:
        if not (math.isfinite(self.factor) and self.factor > 1):
            raise HarnessError(f"--speed-factor must be a number > 1, got {self.factor!r}")
        if not 2 <= self.min_rounds <= self.max_rounds:
            raise HarnessError(
                f"--rounds {self.min_rounds}..{self.max_rounds}: need 2 <= min <= max "
                "(a bound needs two rounds)"
            )
        if self.slow_head is not None and not self.slow_head >= 1:
            raise HarnessError(f"--slow-head must be a factor >= 1, got {self.slow_head!r}")


Fights = dict[tuple[str, int], float]  # David's gate seconds per (case, seed)


def run_side(revision: Revision, side: str, round_: int, settings: Settings) -> Fights:
    """Run the gate suite once with `revision`'s code: David's gate seconds per case and seed."""
    out = settings.work_dir / f"round{round_:02d}-{side}"
    command = [revision.python, "-m", "bench", "run", str(settings.suite), "--fighters", DAVID]
    command += ["--no-report", "--out", str(out), "--cache-dir", str(settings.cache_dir)]
    if side == "head" and settings.slow_head:
        command += ["--slow-david", str(settings.slow_head)]
    # This tree's code first on the path: `python -m bench` runs it, whatever is installed.
    path = os.pathsep.join(filter(None, [str(revision.tree), os.environ.get("PYTHONPATH")]))
    log = out.with_suffix(".log")
    with open(log, "w") as sink:
        done = subprocess.run(
            command,
            cwd=revision.tree,
            env={**os.environ, "PYTHONPATH": path},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    if done.returncode:
        tail = "\n".join(log.read_text().splitlines()[-15:])
        raise HarnessError(
            f"the {side} revision {revision.describe()} could not run the gate suite "
            f"(exit {done.returncode}; whole log {log}):\n{tail}"
        )
    try:
        run = load_run(out)
    except ResultsError as err:
        raise HarnessError(f"the {side} revision's results cannot be read here: {err}") from err
    ran = str((run.info.get("environment") or {}).get("git_commit") or "")
    if not ran.startswith(revision.commit):
        # The guard against measuring the wrong code (an installed copy shadowing the tree).
        raise HarnessError(
            f"the {side} run ran commit {ran or 'unknown'}, not {revision.describe()}: "
            f"the interpreter {revision.python} imports another copy of the harness"
        )
    seconds: Fights = {}
    for fight in run.fights:
        value = gate_seconds(fight, DAVID)
        if value is None:
            raise HarnessError(
                f"the {side} revision's David did not finish {fight.case_name} seed {fight.seed} "
                f"(log {log}): no speed to compare"
            )
        seconds[(fight.case_name, fight.seed)] = value
    return seconds


def pair_round(round_: int, base: Fights, head: Fights) -> list[Pair]:
    """The fights both revisions ran in one round, paired; a fight only one ran is an error."""
    if set(base) != set(head):
        only = ", ".join(f"{case}--seed{seed}" for case, seed in sorted(set(base) ^ set(head)))
        raise HarnessError(f"base and head ran different fights ({only}): no pairs")
    return [Pair(round_, *fight, base[fight], head[fight]) for fight in sorted(base)]


def compare_revisions(
    base: Revision,
    head: Revision,
    settings: Settings,
    say: Callable[[str], None] = print,
) -> tuple[Verdict, list[Pair]]:
    """Measure base and head round by round until the gate can decide (or rounds run out)."""
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    pairs: list[Pair] = []
    loads: list[float | None] = []  # sampled before every round and after the last
    verdict = None
    for round_ in range(settings.max_rounds):
        loads.append(load_average())
        order = SIDES if round_ % 2 == 0 else SIDES[::-1]
        seconds = {}
        for side in order:
            revision = base if side == "base" else head
            seconds[side] = run_side(revision, side, round_, settings)
        pairs += pair_round(round_, seconds["base"], seconds["head"])
        if round_ + 1 < settings.min_rounds:
            say(f"round {round_ + 1}: head/base x{round_slowdowns(pairs)[-1]:.3f}")
            continue
        verdict = decide(pairs, settings.factor, final=round_ + 1 == settings.max_rounds)
        say(
            f"round {round_ + 1}: head/base x{round_slowdowns(pairs)[-1]:.3f}; "
            f"so far x{verdict.slowdown:.3f} [{verdict.low:.3f}, {verdict.high:.3f}]"
        )
        if verdict.verdict != "running":
            break
    assert verdict is not None
    loads.append(load_average())
    return judged_on(verdict, loads, os.cpu_count()), pairs


def format_result(base: Revision, head: Revision, verdict: Verdict, pairs: list[Pair]) -> str:
    """The gate's answer as plain text: per case, then the verdict and how it was reached."""
    lines = [f"base {base.describe()}  vs  head {head.describe()}", ""]
    lines.append(f"{'case':<16} {'fights':>6} {'base ms':>9} {'head ms':>9} {'head/base':>10}")
    for case in dict.fromkeys(pair.case for pair in pairs):
        mine = [pair for pair in pairs if pair.case == case]
        base_ms = 1e3 * float(np.median([p.base_seconds for p in mine]))
        head_ms = 1e3 * float(np.median([p.head_seconds for p in mine]))
        ratio = math.exp(float(np.mean([math.log(p.slowdown) for p in mine])))
        lines.append(f"{case:<16} {len(mine):>6} {base_ms:>9.3f} {head_ms:>9.3f} {ratio:>9.3f}x")
    lines += [
        "",
        f"speed = David's {GATE_SPEED['fair']} (whole training time in native cases), "
        "base and head in the same job, in turn",
        f"slow-down x{verdict.slowdown:.3f}: {verdict.test}",
    ]
    if verdict.busiest_load is not None:
        lines.append(
            f"machine: 1-minute load average up to {verdict.busiest_load:g} on "
            f"{os.cpu_count()} cores (busy above {BUSY_FACTOR:g} x cores)"
        )
    if verdict.verdict == TOO_BUSY:
        lines.append(
            "the machine was too busy to tell: other work competed for the CPU and the rounds "
            "left a slow-down beyond the threshold neither proven nor ruled out; run again on a "
            "quieter machine (exit 3: a warning, not a failure)"
        )
    lines.append(f"verdict: {verdict.verdict}")
    return "\n".join(lines)
