"""The coordinator's account of a run: which fights to run (resume), and writing each result.

Whichever way fights run (one at a time here, or on Dask workers), only the coordinator writes:
each result atomically as it arrives, then the summary, so resume and the report see whole files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.plan.case import Case
from bench.run.machine_load import LoadWatch
from bench.run.progress import Progress
from bench.store.phases import PHASES_KEY, PhaseClock
from bench.store.records import Fight
from bench.store.run_folder import ResultsError, case_file, read_case_result, write_case_result
from bench.store.summary import Summary
from bench.wording import display_name


@dataclass
class RunOutcome:
    """What a run did: its folder, and how many fights ran, were resumed or had failures."""

    run_dir: Path
    finished: int
    resumed: int
    fighter_failures: int


@dataclass(frozen=True)
class PlannedFight:
    """One case x seed of the run: kept from an earlier run, or to run (and why again)."""

    index: int  # 1-based, in suite order
    total: int
    case: Case
    seed: int
    fingerprint: str | None  # None: its data could not be built (the fight records why)
    kept: Fight | None
    why: str  # why it runs again ("" for a first run)

    @property
    def where(self) -> str:
        """How progress lines name the fight: '[3/8] moons seed 2'."""
        return f"[{self.index}/{self.total}] {self.case.name} seed {self.seed}"


def _reusable(
    run_dir: Path, run_id: str, case: Case, seed: int, fingerprint: str | None
) -> tuple[Fight | None, str]:
    """A finished result to keep on resume, or None and why the fight must run (again)."""
    path = case_file(run_dir, case.name, seed)
    if fingerprint is None or not path.exists():
        return None, ""
    try:
        fight = read_case_result(path)
    except ResultsError as err:
        return None, f"its result file is unusable ({err})"
    # A file copied in from another run, or under another fight's name, may carry the same
    # fingerprint: it is not this fight's result, and the report would leave it out for good.
    if fight.run_id != run_id:
        return None, f"its result file belongs to run {fight.run_id!r}, not {run_id!r}"
    if (fight.case_name, fight.seed) != (case.name, seed):
        return None, f"its result file holds case {fight.case_name!r} seed {fight.seed}"
    if fight.config_fingerprint != fingerprint:
        return None, "the suite, its data or a fighter's code changed since it ran"
    return fight, ""


def plan_fights(
    run_dir: Path, run_id: str, cases: list[Case], fingerprints: dict[tuple[str, int], str]
) -> list[PlannedFight]:
    """Every case x seed in suite order, each with the result a resume keeps, if any."""
    pairs = [(case, seed) for case in cases for seed in case.seeds]
    planned = []
    for index, (case, seed) in enumerate(pairs, start=1):
        fingerprint = fingerprints.get((case.name, seed))
        kept, why = _reusable(run_dir, run_id, case, seed, fingerprint)
        planned.append(PlannedFight(index, len(pairs), case, seed, fingerprint, kept, why))
    return planned


def needed_fighters(fights: list[PlannedFight]) -> list[str]:
    """The fighters of the fights still to run, in order of first use."""
    names = (name for fight in fights if fight.kept is None for name in fight.case.fighters)
    return list(dict.fromkeys(names))


def describe_fight(fight: Fight) -> str:
    """A finished fight in one line: each fighter's accuracy and time, or why it has none."""
    if fight.error:
        return f"could not run: {fight.error}"
    parts = []
    for name, record in fight.fighters.items():
        if not record.metrics:
            parts.append(f"{display_name(name)} {record.status.upper()} ({record.reason})")
            continue
        note = f", {record.reason}" if record.reason else ""
        accuracy = record.metrics.test_accuracy
        parts.append(f"{display_name(name)} {accuracy:.3f} in {record.train_seconds:.2f} s{note}")
    return " · ".join(parts)


class Ledger:
    """Writes each result as it arrives, keeps summary.csv current and counts the outcome."""

    def __init__(
        self,
        run_dir: Path,
        progress: Progress,
        load: LoadWatch | None = None,
        clock: PhaseClock | None = None,
    ):
        self.run_dir = run_dir
        self.progress = progress
        self.load = load  # sampled after each fight: was the machine busy while it was timed?
        self.clock = clock or PhaseClock()  # where the time of the fights run here went
        self.summary = Summary(run_dir)
        self.outcome = RunOutcome(run_dir, 0, 0, 0)

    def keep(self, planned: PlannedFight) -> None:
        """A fight an earlier run finished: counted and summarised, not run."""
        assert planned.kept is not None
        self.summary.add(planned.kept)
        self.outcome.resumed += 1
        self.progress.line(f"{planned.where}: already done (resumed)")

    def record(
        self, planned: PlannedFight, result: dict[str, Any], where: str = ""
    ) -> Fight | None:
        """Write one fight's result (atomically, schema-checked), then the summary; a fight that
        could not take place never replaces a finished result of the same run (None)."""
        for phase, seconds in (result.pop(PHASES_KEY, None) or {}).items():
            self.clock.add(phase, seconds)
        finished = self._finished(planned, result) if result.get("error") else None
        if finished is not None:
            self.summary.add(finished)
            self.progress.line(
                f"{planned.where}: not recorded: {result['error']}; the finished result of this "
                f"run already in {case_file(self.run_dir, planned.case.name, planned.seed)} is "
                "kept, not overwritten"
            )
            return None
        with self.clock.timing("writing"):
            fight = write_case_result(self.run_dir, result)
            self.summary.add(fight)
            self.summary.write()
        self.outcome.finished += 1
        if self.load is not None:
            self.load.sample()
        self.outcome.fighter_failures += sum(r.status == "failed" for r in fight.fighters.values())
        self.progress.line(f"{planned.where}{where}: {describe_fight(fight)}")
        return fight

    def _finished(self, planned: PlannedFight, result: dict[str, Any]) -> Fight | None:
        """The fight's earlier result of this run on disk, when some fighter finished in it."""
        path = case_file(self.run_dir, planned.case.name, planned.seed)
        try:
            fight = read_case_result(path) if path.exists() else None
        except ResultsError:
            return None
        if fight is None or fight.error or fight.run_id != result.get("run_id"):
            return None
        return fight if any(record.ok for record in fight.fighters.values()) else None

    def close(self) -> RunOutcome:
        """Write the summary of every fight, kept or run; the run's outcome."""
        self.progress.close()
        self.summary.write()
        return self.outcome
