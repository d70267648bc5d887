"""A run: every fight of the chosen cases, written as it finishes; a resume redoes what changed.

The coordinator (this process) never imports a framework: fighters train in worker processes
(bench.run.pool), one fight at a time here, or spread over Dask workers
(bench.run.dask_cluster) with --jobs or --scheduler; either way only the coordinator writes results.
"""

from __future__ import annotations

import fnmatch
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.defaults import DATASET_CACHE
from bench.errors import HarnessError
from bench.files import write_json
from bench.plan.case import Case
from bench.plan.preflight import preflight
from bench.plan.suite import Suite, SuiteError
from bench.run.environment import describe_environment, usable_cpus
from bench.run.executor import failed_fight, run_fight
from bench.run.ledger import Ledger, PlannedFight, RunOutcome, needed_fighters, plan_fights
from bench.run.lock import LOCK_FILE, RunLock
from bench.run.machine_load import LoadWatch
from bench.run.pool import WorkerPool
from bench.run.progress import Progress
from bench.store.phases import PhaseClock
from bench.store.run_folder import (
    CASES_DIR,
    RUN_FILE,
    SCHEMA_VERSION,
    ResultsError,
    case_file,
    load_run_info,
)
from bench.store.summary import SUMMARY_FILE
from bench.wording import display_name

LOG_DIR = "logs"


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


def check_parallel(jobs: int, scheduler: str | None) -> None:
    """Refuse a --jobs / --scheduler combination that cannot run, naming the valid choices."""
    if not isinstance(jobs, int) or jobs < 1:
        raise HarnessError(
            f"--jobs {jobs!r}: must be a whole number of at least 1 (1: one fight at a time, "
            "here, the default; N: a local Dask cluster running N fights at a time)"
        )
    if scheduler is not None:
        if jobs > 1:
            raise HarnessError(
                f"--jobs {jobs} and --scheduler {scheduler}: choose one (--jobs starts a local "
                "Dask cluster, --scheduler uses an existing one)"
            )
        check_scheduler_address(scheduler)
    if jobs > 1 and jobs > len(usable_cpus()):
        raise HarnessError(
            f"--jobs {jobs}: at most {len(usable_cpus())}, the CPUs this run may use (each fight "
            "needs one at least); use --scheduler for a cluster of several machines"
        )


SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")


def check_scheduler_address(scheduler: str) -> None:
    """Refuse a --scheduler that is not SCHEME://HOST[:PORT] with a Dask scheme and a port
    number."""
    how = "write it as tcp://HOST:PORT (or tls://HOST:PORT)"
    scheme, _, rest = scheduler.partition("://")
    if not scheme or not rest:
        raise HarnessError(f"--scheduler {scheduler!r}: not a Dask scheduler address; {how}")
    if scheme not in SCHEDULER_SCHEMES:
        raise HarnessError(
            f"--scheduler {scheduler!r}: scheme {scheme!r} is not a Dask protocol; choose one of "
            f"{', '.join(SCHEDULER_SCHEMES)}: {how}"
        )
    address = urlsplit(scheduler)
    try:
        port = address.port
    except ValueError:
        port = 0
    if not address.hostname or port == 0 or address.path not in ("", "/"):
        raise HarnessError(
            f"--scheduler {scheduler!r}: not HOST:PORT with a port number in 1-65535; {how}"
        )


def execution(jobs: int, scheduler: str | None) -> dict[str, Any]:
    """How the run's fights are spread, for run.json."""
    if scheduler:
        return {"mode": "dask-scheduler", "scheduler": scheduler}
    if jobs > 1:
        return {"mode": "dask-local", "jobs": jobs}
    return {"mode": "sequential"}


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


def run_suite(
    suite: Suite,
    run_dir: Path,
    cases: list[Case],
    progress: Progress,
    cache_dir: Path | None = DATASET_CACHE,
    worker_env: dict[str, str] | None = None,
    jobs: int = 1,
    scheduler: str | None = None,
) -> RunOutcome:
    """Run every case x seed into run_dir, keeping what an earlier run there already finished.

    jobs > 1 runs that many fights at a time on a local Dask cluster; scheduler, on an existing
    Dask cluster at that address. Otherwise one fight at a time, here.
    """
    check_parallel(jobs, scheduler)
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
            parallel = (jobs, scheduler)
            return _run_locked(suite, run_dir, cases, progress, cache, worker_env, parallel)
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
    parallel: tuple[int, str | None],
) -> RunOutcome:
    jobs, scheduler = parallel
    clock = PhaseClock()
    previous = load_run_info(run_dir)
    recorded = (previous.get("suite") or {}).get("name") if previous else None
    if previous and recorded != suite.name:
        raise ResultsError(
            f"{run_dir} holds a run of suite {recorded!r}, not {suite.name!r}: "
            "choose another --out folder"
        )
    _check_paths(run_dir, [(case, seed) for case in cases for seed in case.seeds])
    with clock.timing("data"):
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
        "execution": execution(jobs, scheduler),
        "load_average_max": None,
        # Where this invocation's wall time went (fights resumed from an earlier one: none).
        "phases": None,
    }
    load = LoadWatch(previous.get("load_average_max"))
    write_json(run_dir / RUN_FILE, run_info)
    progress.total = len(run_info["plan"])
    fights = plan_fights(run_dir, run_info["run_id"], cases, fingerprints)
    ledger = Ledger(run_dir, progress, load, clock)
    if jobs > 1 or scheduler:
        # Dask is imported only for a parallel run.
        from bench.run.dask_cluster import fight_on_dask
        from bench.run.dask_task import FightContext

        # Absolute paths: a Dask worker may run elsewhere than this process's folder.
        context = FightContext(
            run_id=run_info["run_id"],
            cache_dir=None if cache is None else str(Path(cache).resolve()),
            log_dir=str((run_dir / LOG_DIR).resolve()),
            user_fighters=suite.user_fighters,
            env=worker_env or {},
            fighters=needed_fighters(fights),
        )
        fight_on_dask(fights, ledger, context, jobs, scheduler)
    else:
        pool = WorkerPool(run_dir / LOG_DIR, worker_env, suite.user_fighters)
        _fight_here(fights, ledger, run_info["run_id"], cache, pool)
    outcome = ledger.close()
    load.sample()
    run_info["load_average_max"] = load.highest
    run_info["phases"] = clock.breakdown()
    run_info["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    write_json(run_dir / RUN_FILE, run_info)
    return outcome


def _fight_here(
    fights: list[PlannedFight], ledger: Ledger, run_id: str, cache: str | None, pool: WorkerPool
) -> None:
    """One fight after another in this process's workers: the cleanest timings."""
    progress = ledger.progress
    with pool:
        # Every worker the run needs starts now: their frameworks import side by side, and the
        # first fight waits for them all, so that none is timed while another imports.
        with ledger.clock.timing("worker_startup"):
            pool.start(needed_fighters(fights))
            pool.wait_ready(max((planned.case.time_limit for planned in fights), default=0.0))
        for planned in fights:
            if planned.kept is not None:
                ledger.keep(planned)
                continue
            if planned.why:
                progress.line(f"{planned.where}: running again: {planned.why}")
            case, seed = planned.case, planned.seed
            display = _FightDisplay(progress, planned.index, case.name, seed)
            try:
                result = run_fight(case, seed, run_id, pool, cache, display)
            except HarnessError as err:  # the data of this seed could not be built
                result = failed_fight(case, seed, run_id, str(err), pool.fighters)
            ledger.record(planned, result)
