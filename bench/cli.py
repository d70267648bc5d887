"""`python -m bench`: run a suite, render a report, hold a run against the baseline, list."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from . import defaults
from .continuous_command import add_parser as add_continuous
from .datasets import describe_datasets
from .doctor.command import add_parser as add_doctor
from .errors import HarnessError
from .suite import SUITES_DIR, load_suite


def _writable_file(path: Path, flag: str) -> None:
    """Refuse, before a long run, a file the run will not be able to write at its end."""
    if path.exists():
        if not path.is_file() or not os.access(path, os.W_OK):
            raise HarnessError(f"{flag} {path}: not a writable file")
        return
    # The file will be made, with any missing folders, in the nearest folder that exists.
    folder = next(parent for parent in path.absolute().parents if parent.exists())
    if not folder.is_dir():
        raise HarnessError(f"{flag} {path}: cannot write in {folder} (not a folder)")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise HarnessError(f"{flag} {path}: cannot write in {folder} (no permission)")


def _check_history(path: Path) -> None:
    """Refuse, before any training, a history file the run could not append to at its end."""
    from .history import read_history

    _writable_file(path, "--history")
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


def _run(args: argparse.Namespace) -> int:
    from .progress import Progress
    from .runner import check_parallel, new_run_id, run_suite, select_cases

    check_parallel(args.jobs, args.scheduler)
    if args.slow_david is not None:
        from .fighters.roster import SLOWDOWN_VARIABLE

        if not args.slow_david >= 1:
            raise HarnessError(f"--slow-david must be a factor >= 1, got {args.slow_david!r}")
        os.environ[SLOWDOWN_VARIABLE] = str(args.slow_david)  # the roster swaps David for it

    if args.history:
        _check_history(Path(args.history))
    fighters = None
    if args.fighters:
        fighters = [name.strip() for name in args.fighters.split(",") if name.strip()]
        if "david" not in fighters:
            fighters.insert(0, "david")
    suite = load_suite(args.suite, seeds=args.seeds, fighters=fighters)
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
        outcome = run_suite(
            suite,
            run_dir,
            cases,
            progress,
            cache_dir=Path(args.cache_dir),
            jobs=args.jobs,
            scheduler=args.scheduler,
        )
    except KeyboardInterrupt:
        progress.close()
        print(
            f"\ninterrupted: finished fights are kept in {run_dir}; resume with\n"
            f"  {_resume_command(run_dir)}",
            file=sys.stderr,
        )
        return 130
    print(
        f"{outcome.finished} fights run, {outcome.resumed} resumed"
        + (
            f", {outcome.fighter_failures} fighter failures recorded"
            if outcome.fighter_failures
            else ""
        )
    )
    if args.history:
        from .history import append_history
        from .results import load_run

        print(f"history: {append_history(load_run(run_dir), Path(args.history))}")
    if not args.no_report:
        return _report(argparse.Namespace(run_dir=str(run_dir)))
    return 0


def _report(args: argparse.Namespace) -> int:
    from .report import render_report

    for kind, path in render_report(Path(args.run_dir)).items():
        print(f"{kind}: {path}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from .baseline import load_baseline
    from .regress import Thresholds, compare_runs, format_rows
    from .results import load_run
    from .tracking import summarize

    baseline = load_baseline(Path(args.baseline))
    run = load_run(Path(args.run_dir))
    for reason in run.ignored:
        print(f"warning: left out {reason}", file=sys.stderr)
    current = summarize(run)
    limits = Thresholds(
        accuracy_floor=args.accuracy_floor,
        speed_factor=args.speed_factor,
        alpha=args.alpha,
        parity_tolerance=args.parity_tolerance,
    )
    claims = None
    if args.claims:
        from .claim_judge import judge_run

        if not any(entry.get("claims") for entry in baseline["cases"].values()):
            raise HarnessError(
                f"--claims: {args.baseline} holds no claim judgements (made before claims, or "
                "its suite makes none); make a new baseline from runs of a suite with claims"
            )
        claims = judge_run(run)
    rows = compare_runs(current, baseline, limits, claims, gate_speed=not args.no_speed_gate)
    runs = ", ".join(baseline.get("run_ids", []))
    print(f"{args.run_dir} against {args.baseline} (baseline runs {runs}):\n")
    print(format_rows(rows, current))
    regressed = [row for row in rows if row.verdict == "REGRESSED"]
    undecided = [row for row in rows if row.verdict == "UNDECIDED"]
    shown = [row for row in rows if not row.gated]
    passed = len(rows) - len(regressed) - len(undecided) - len(shown)
    counts = f"{len(regressed)} regressed, "
    if undecided:
        counts += f"{len(undecided)} undecided (no data to judge: the gate fails), "
    counts += f"{passed} ok or improved"
    if shown:
        counts += f", {len(shown)} speed rows shown, not gated (`continuous` gates speed)"
    print(f"\n{counts}")
    return 1 if regressed or undecided else 0


def _baseline(args: argparse.Namespace) -> int:
    from .baseline import write_baseline

    runs = [Path(run_dir) for run_dir in args.run_dirs]
    left_out: list[str] = []
    written = write_baseline(runs, Path(args.out), left_out)
    for reason in left_out:
        print(f"warning: left out {reason}", file=sys.stderr)
    print(f"baseline written: {written}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from .fighters.roster import DEFAULT_FIGHTERS, ROSTER
    from .fighters.user import installed_fighters

    print("fighters (* in the default roster):")
    for name, config in ROSTER.items():
        mark = "*" if name in DEFAULT_FIGHTERS else " "
        why = config.unavailable_reason()
        state = f"UNAVAILABLE: {why}" if why else "available"
        print(f"  {mark} {name:<20} {state:<12} {config.description}")
    for name, config in installed_fighters().items():
        print(f"    {name:<20} {'installed':<12} {config.description}")
    print("\nsuites (bench/suites/):")
    for path in sorted(SUITES_DIR.glob("*.toml")):
        suite = load_suite(path)
        print(f"  {suite.name:<10} {len(suite.cases):>2} cases  {suite.description}")
    print("\ndatasets (name and parameters with defaults):")
    for line in describe_datasets().splitlines():
        print(f"  {line}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="David (NumPy) vs Goliath (Keras): the benchmark."
    )
    commands = parser.add_subparsers(dest="command", required=True)
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
    run.set_defaults(handler=_run)
    report = commands.add_parser("report", help="render report.md and report.html from a run")
    report.add_argument("run_dir", help="a results/<run-id> folder")
    report.set_defaults(handler=_report)
    compare = commands.add_parser(
        "compare", help="hold a run against the baseline (1: regressed or undecided)"
    )
    compare.add_argument("run_dir", help="a results/<run-id> folder")
    compare.add_argument("--baseline", default=str(defaults.BASELINE_PATH), help="[%(default)s]")
    compare.add_argument(
        "--accuracy-floor",
        type=float,
        default=defaults.ACCURACY_FLOOR,
        help="smallest accuracy drop that counts [%(default)s]",
    )
    compare.add_argument(
        "--speed-factor",
        type=float,
        default=defaults.SPEED_FACTOR,
        help="allowed fall of David's speed-up [%(default)s]",
    )
    compare.add_argument(
        "--alpha", type=float, default=defaults.ALPHA, help="Mann-Whitney level [%(default)s]"
    )
    compare.add_argument(
        "--parity-tolerance",
        type=float,
        default=defaults.PARITY_TOLERANCE,
        help="fair float64 cases [%(default)s]",
    )
    compare.add_argument(
        "--claims",
        action="store_true",
        help="also gate on the suite's claims: supported in the baseline, refuted now, regressed",
    )
    compare.add_argument(
        "--no-speed-gate",
        action="store_true",
        help="show the speed rows without failing on them (`continuous` gates speed)",
    )
    compare.set_defaults(handler=_compare)
    add_continuous(commands)
    baseline = commands.add_parser("baseline", help="write the baseline from one or more runs")
    baseline.add_argument("run_dirs", nargs="+", help="results/<run-id> folders (seeds pooled)")
    baseline.add_argument("--out", default=str(defaults.BASELINE_PATH), help="[%(default)s]")
    baseline.set_defaults(handler=_baseline)
    listing = commands.add_parser("list", help="list suites and datasets")
    listing.set_defaults(handler=_list)
    add_doctor(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code (1 regressed, 2 unusable input)."""
    args = build_parser().parse_args(argv)
    args.words = list(sys.argv[2:] if argv is None else argv[1:])  # for the doctor's report
    try:
        return args.handler(args)
    except HarnessError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # A reader that stopped early (`bench list | head -1`) is not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
