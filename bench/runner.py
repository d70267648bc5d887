"""A run: every fight of the chosen cases, written as it finishes; a resume redoes what changed.

The coordinator (this process) never imports a framework: fighters train in worker processes
(bench.pool), one fight at a time, and only the coordinator writes results.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .case import Case
from .defaults import DATASET_CACHE
from .environment import describe_environment
from .errors import HarnessError
from .executor import failed_fight, run_fight
from .files import write_json
from .load import LoadWatch
from .lock import LOCK_FILE, RunLock
from .pool import WorkerPool
from .preflight import preflight
from .progress import Progress
from .records import Fight, display_name
from .results import (
    CASES_DIR,
    RUN_FILE,
    SCHEMA_VERSION,
    ResultsError,
    case_file,
    load_run_info,
    read_case_result,
    write_case_result,
)
from .suite import Suite, SuiteError
from .summary import SUMMARY_FILE, Summary

LOG_DIR = "logs"


@dataclass
class RunOutcome:
    """What a run did: its folder, and how many fights ran, were resumed or had failures."""

    run_dir: Path
    finished: int
    resumed: int
    fighter_failures: int


def new_run_id(suite_name: str) -> str:
    """A sortable, readable run id: UTC time and suite name."""
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{suite_name}"


def select_cases(suite: Suite, pattern: str | None) -> list[Case]:
    """The suite's cases whose names match any of the comma-separated glob patterns."""
    if not pattern:
        return list(suite.cases)
    patterns = [p.strip() for p in pattern.split(",") if p.strip()]
    chosen = [c for c in suite.cases if any(fnmatch.fnmatchcase(c.name, p) for p in patterns)]
    if not chosen:
        names = ", ".join(c.name for c in suite.cases)
        raise SuiteError(f"--cases {pattern!r} matches no case of suite {suite.name!r}: {names}")
    return chosen


def writable_folder(folder: Path, flag: str) -> Path:
    """A folder the run can write in (created if new); never a file or a read-only place."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise HarnessError(f"{flag} {folder}: exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise HarnessError(f"{flag} {folder}: not writable ({err.strerror or err})") from err
    return folder


class _FightDisplay:
    """Feeds one fight's progress (which fighter, which epoch) to the progress line."""

    def __init__(self, progress: Progress, index: int, case: str, seed: int):
        self.progress, self.index, self.case, self.seed = progress, index, case, seed

    def fighter(self, name: str, epochs: int) -> None:
        self.progress.start(self.index, self.case, self.seed, display_name(name), epochs)

    def epoch(self, epoch: int, logs: dict[str, Any]) -> None:
        self.progress.epoch(epoch, logs)


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


def _check_paths(run_dir: Path, jobs: list[tuple[Case, int]]) -> None:
    """Refuse, before anything trains, a run folder whose result paths cannot be written."""
    folders = [run_dir / CASES_DIR, run_dir / LOG_DIR]
    files = [run_dir / SUMMARY_FILE, *(case_file(run_dir, case.name, seed) for case, seed in jobs)]
    for path, folder in [*((p, True) for p in folders), *((p, False) for p in files)]:
        if path.exists() and not (path.is_dir() if folder else path.is_file()):
            raise ResultsError(
                f"{path}: is in the way (the run writes a {'folder' if folder else 'file'} "
                "there); move it away, or choose another --out folder"
            )


def _remove_if_untouched(run_dir: Path, ours: set[str]) -> None:
    """Remove a run folder this run created if it holds nothing but `ours` (its lock, held).

    Only the lock's holder may remove the lock file: a run refused by the lock never does."""
    try:
        if {entry.name for entry in run_dir.iterdir()} <= ours:
            for name in ours:
                (run_dir / name).unlink(missing_ok=True)
            run_dir.rmdir()
    except OSError:
        pass  # a folder we cannot tidy is left as it is: nothing in it matters


def _describe(fight: Fight) -> str:
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


def run_suite(
    suite: Suite,
    run_dir: Path,
    cases: list[Case],
    progress: Progress,
    cache_dir: Path | None = DATASET_CACHE,
    worker_env: dict[str, str] | None = None,
) -> RunOutcome:
    """Run every case x seed into run_dir, keeping what an earlier run there already finished."""
    created = not Path(run_dir).exists()
    run_dir = writable_folder(run_dir, "--out")
    try:
        cache = None if cache_dir is None else str(writable_folder(cache_dir, "--cache-dir"))
    except HarnessError:
        if created:
            _remove_if_untouched(run_dir, set())
        raise
    with RunLock(run_dir):
        try:
            return _run_locked(suite, run_dir, cases, progress, cache, worker_env)
        except HarnessError:
            if created:  # refused before any fight: leave no run folder behind
                _remove_if_untouched(run_dir, {LOCK_FILE})
            raise


def _run_locked(
    suite: Suite,
    run_dir: Path,
    cases: list[Case],
    progress: Progress,
    cache: str | None,
    worker_env: dict[str, str] | None,
) -> RunOutcome:
    previous = load_run_info(run_dir)
    recorded = (previous.get("suite") or {}).get("name") if previous else None
    if previous and recorded != suite.name:
        raise ResultsError(
            f"{run_dir} holds a run of suite {recorded!r}, not {suite.name!r}: "
            "choose another --out folder"
        )
    _check_paths(run_dir, [(case, seed) for case in cases for seed in case.seeds])
    fingerprints = preflight(suite, cases, cache)
    run_info = {
        "schema_version": SCHEMA_VERSION,
        "run_id": previous.get("run_id") or run_dir.name,
        "suite": {
            "name": suite.name,
            "path": str(suite.path),
            "description": suite.description,
        },
        "started": previous.get("started") or datetime.now(UTC).isoformat(timespec="seconds"),
        "finished": None,
        "case_names": [case.name for case in cases],
        # The fights this run is made of now: a report judges these and no others.
        "plan": [
            {"case": case.name, "seed": s, "config_fingerprint": fingerprints.get((case.name, s))}
            for case in cases
            for s in case.seeds
        ],
        # The claims as the suite states them now: a report judges them from here.
        "claims": {
            case.name: [claim.as_dict() for claim in case.claims] for case in cases if case.claims
        },
        "environment": describe_environment(),
        "load_average_max": None,
    }
    load = LoadWatch()
    write_json(run_dir / RUN_FILE, run_info)
    pool = WorkerPool(run_dir / LOG_DIR, worker_env, suite.user_fighters)
    outcome = _fight_all(
        run_dir, run_info["run_id"], cases, fingerprints, progress, cache, pool, load
    )
    load.sample()
    # A resumed run was as busy as the busiest of its parts.
    earlier = previous.get("load_average_max")
    run_info["load_average_max"] = max(
        (v for v in (load.highest, earlier) if isinstance(v, int | float)), default=None
    )
    run_info["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    write_json(run_dir / RUN_FILE, run_info)
    return outcome


def _fight_all(
    run_dir: Path,
    run_id: str,
    cases: list[Case],
    fingerprints: dict[tuple[str, int], str],
    progress: Progress,
    cache: str | None,
    pool: WorkerPool,
    load: LoadWatch,
) -> RunOutcome:
    jobs = [(case, seed) for case in cases for seed in case.seeds]
    kept = {
        (case.name, seed): _reusable(
            run_dir, run_id, case, seed, fingerprints.get((case.name, seed))
        )
        for case, seed in jobs
    }
    progress.total = len(jobs)
    summary = Summary(run_dir)
    outcome = RunOutcome(run_dir, 0, 0, 0)
    with pool:
        # Every worker the run needs starts now: their frameworks import side by side.
        needed = (
            name
            for case, seed in jobs
            if kept[(case.name, seed)][0] is None
            for name in case.fighters
        )
        pool.start(list(dict.fromkeys(needed)))
        for index, (case, seed) in enumerate(jobs, start=1):
            where = f"[{index}/{len(jobs)}] {case.name} seed {seed}"
            done, why = kept[(case.name, seed)]
            if done is not None:
                summary.add(done)
                outcome.resumed += 1
                progress.line(f"{where}: already done (resumed)")
                continue
            if why:
                progress.line(f"{where}: running again: {why}")
            display = _FightDisplay(progress, index, case.name, seed)
            try:
                result = run_fight(case, seed, run_id, pool, cache, display)
            except HarnessError as err:  # the data of this seed could not be built
                result = failed_fight(case, seed, run_id, str(err), pool.fighters)
            fight = write_case_result(run_dir, result)
            summary.add(fight)
            summary.write()
            outcome.finished += 1
            load.sample()
            outcome.fighter_failures += sum(r.status == "failed" for r in fight.fighters.values())
            progress.line(f"{where}: {_describe(fight)}")
    progress.close()
    summary.write()
    return outcome
