"""`python -m bench run`: train a suite's fights, write their results, then the report."""

from __future__ import annotations

import argparse
import shlex
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench import defaults
from bench.commands import report
from bench.errors import HarnessError
from bench.files import check_writable
from bench.run.stop_signals import interrupted_by, interrupted_exit_code, stopped_by_signals


def _check_history(path: Path) -> None:
    """Refuse, before any training, a history file the run could not append to at its end."""
    from bench.store.history import read_history

    check_writable(path, "--history")
    try:
        read_history(path)
    except HarnessError as err:
        raise HarnessError(f"--history {err}; fix or move it (nothing was run)") from err


def _resume_command(run_dir: Path) -> str:
    """The command the user gave, with --out pointing at the run folder: it resumes the run."""
    words = list(sys.argv[1:]) or ["run"]
    if "--out" not in words and not any(w.startswith("--out=") for w in words):
        words += ["--out", str(run_dir)]
    return "python -m bench " + " ".join(shlex.quote(word) for word in words)


def handle(args: argparse.Namespace) -> int:
    # Imported here, not for every command: the datasets import scikit-learn (about a second).
    from bench.plan.suite import load_suite
    from bench.run.progress import Progress
    from bench.run.runner import check_parallel, new_run_id, run_suite, select_cases

    check_parallel(args.jobs, args.scheduler)
    if args.slow_david is not None and not args.slow_david >= 1:
        raise HarnessError(f"--slow-david must be a factor >= 1, got {args.slow_david!r}")

    if args.history:
        _check_history(Path(args.history))
    fighters = None
    if args.fighters:
        fighters = [name.strip() for name in args.fighters.split(",") if name.strip()]
        if "david" not in fighters:
            fighters.insert(0, "david")
    suite = load_suite(args.suite, seeds=args.seeds, fighters=fighters)
    if args.slow_david is not None:  # test only: this run's David, named explicitly
        from bench.fighters.roster import slowed_david

        slowed = {**suite.user_fighters, "david": slowed_david(args.slow_david)}
        suite = replace(suite, user_fighters=slowed)
    cases = select_cases(suite, args.cases)
    run_dir = Path(args.out) if args.out else defaults.RESULTS_DIR / new_run_id(suite.name)
    if not args.out and run_dir.resolve().parent != defaults.RESULTS_DIR.resolve():
        raise HarnessError(f"run folder {run_dir} would leave {defaults.RESULTS_DIR}/")
    count = sum(len(case.seeds) for case in cases)
    where = ""
    if args.scheduler:
        where = f" on the Dask cluster at {args.scheduler}"
    elif args.jobs > 1:
        where = f", {args.jobs} at a time on a local Dask cluster"
    print(
        f"David vs Goliath · suite {suite.name!r}: {len(cases)} cases, {count} fights{where} "
        f"-> {run_dir}"
    )
    progress = Progress(total=count)
    try:
        with stopped_by_signals():  # SIGTERM, SIGHUP: as Ctrl-C, every fighter process stopped
            outcome = run_suite(
                suite,
                run_dir,
                cases,
                progress,
                cache_dir=Path(args.cache_dir),
                jobs=args.jobs,
                scheduler=args.scheduler,
            )
    except KeyboardInterrupt as stop:
        progress.close()
        print(
            f"\ninterrupted{interrupted_by(stop)}: finished fights are kept in {run_dir}; "
            f"resume with\n  {_resume_command(run_dir)}",
            file=sys.stderr,
        )
        return interrupted_exit_code(stop)
    print(
        f"{outcome.finished} fights run, {outcome.resumed} resumed"
        + (
            f", {outcome.fighter_failures} fighter failures recorded"
            if outcome.fighter_failures
            else ""
        )
    )
    if args.history:
        from bench.store.history import append_history
        from bench.store.run_folder import load_run

        print(f"history: {append_history(load_run(run_dir), Path(args.history))}")
    if not args.no_report:
        return report.handle(argparse.Namespace(run_dir=str(run_dir)))
    return 0


def add_parser(commands: Any) -> None:
    """The `run` subcommand."""
    run = commands.add_parser("run", help="run a suite and write results (and the report)")
    run.add_argument("suite", nargs="?", default="quick", help="suite name or .toml path [quick]")
    run.add_argument("--out", help="run folder (default results/<run-id>); an existing one resumes")
    run.add_argument("--cases", help="comma-separated glob patterns of case names to run")
    run.add_argument("--seeds", type=int, help="use only the first N seeds of every case")
    run.add_argument(
        "--fighters", help="comma-separated fighters for every case (see `list`); david always"
    )
    run.add_argument(
        "--cache-dir", default=str(defaults.DATASET_CACHE), help="dataset cache [%(default)s]"
    )
    run.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="fights at a time on a local Dask cluster, each worker with its share of the cores "
        "[1: one at a time, here]",
    )
    run.add_argument(
        "--scheduler", help="run the fights on an existing Dask cluster: tcp://HOST:PORT"
    )
    run.add_argument("--no-report", action="store_true", help="do not render the report")
    run.add_argument(
        "--slow-david",
        type=float,
        metavar="FACTOR",
        help="TEST ONLY: David made FACTOR times slower, to measure the speed gate",
    )
    run.add_argument("--history", help="append one row per case to this CSV (make bench does)")
    run.set_defaults(handler=handle)
