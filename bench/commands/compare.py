"""`python -m bench compare`: a run against the baseline, or run A against run B (1: regressed)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bench import defaults
from bench.errors import HarnessError
from bench.judging.outcomes import GateVerdict


def handle(args: argparse.Namespace) -> int:
    from bench.judging.regression_rules import Thresholds

    limits = Thresholds(
        accuracy_floor=args.accuracy_floor,
        speed_factor=args.speed_factor,
        alpha=args.alpha,
        parity_tolerance=args.parity_tolerance,
    )
    if args.run_b is not None:
        return _two_runs(args, limits)
    return _against_baseline(args, limits)


def _two_runs(args: argparse.Namespace, limits: Any) -> int:
    """Run A against run B: exit 1 when David regressed from A to B by the gate's rules."""
    from bench.judging.run_pair import compare_two_runs, format_pair_rows

    if args.baseline is not None or args.claims:
        flag = "--baseline" if args.baseline is not None else "--claims"
        raise HarnessError(
            f"{flag} holds one run against a baseline; with two runs ({args.run_dir} and "
            f"{args.run_b}) the first is the reference: drop {flag}, or give one run"
        )
    run_a, run_b = (_load(path) for path in (args.run_dir, args.run_b))
    rows = compare_two_runs(run_a, run_b, limits, gate_speed=not args.no_speed_gate)
    print(f"A = {_describe(run_a)}\nB = {_describe(run_b)}\n")
    print(format_pair_rows(rows, differences_only=args.differences_only))
    regressed = [row for row in rows if row.regressed]
    changed = [row for row in rows if row.changed and not row.regressed]
    print(
        f"\n{len(regressed)} regressed (David, by the baseline gate's rules), "
        f"{len(changed)} other differences, {len(rows) - len(regressed) - len(changed)} the same"
    )
    return 1 if regressed else 0


def _load(path: str) -> Any:
    from bench.store.run_folder import load_run

    run = load_run(Path(path))
    for reason in run.ignored:
        print(f"warning: left out {reason}", file=sys.stderr)
    return run


def _describe(run: Any) -> str:
    """A run in one line: its folder, suite, id and commit."""
    environment = run.info.get("environment") or {}
    commit = str(environment.get("git_commit") or "unknown commit")[:12]
    run_id = run.info.get("run_id") or run.run_dir.name
    return f"{run.run_dir} (suite {run.suite_name or '?'}, run {run_id}, {commit})"


def _against_baseline(args: argparse.Namespace, limits: Any) -> int:
    """One run held against the committed baseline (1: regressed or undecided)."""
    from bench.gates.baseline import load_baseline
    from bench.gates.regress import compare_runs, format_rows, unchecked
    from bench.store.tracking import summarize

    args.baseline = args.baseline or str(defaults.BASELINE_PATH)
    baseline = load_baseline(Path(args.baseline))
    run = _load(args.run_dir)
    current = summarize(run)
    claims = None
    if args.claims:
        from bench.judging.claims_judged import judge_run

        if not any(entry.get("claims") for entry in baseline["cases"].values()):
            raise HarnessError(
                f"--claims: {args.baseline} holds no claim judgements (made before claims, or "
                "its suite makes none); make a new baseline from runs of a suite with claims"
            )
        claims = judge_run(run)
    rows = compare_runs(
        current,
        baseline,
        limits,
        claims,
        gate_speed=not args.no_speed_gate,
        run_suite=run.suite_name,
    )
    missing = unchecked(baseline)
    if missing:
        print(
            f"note: {args.baseline} does not record {' or '.join(missing)} (made before they "
            "were): those are not checked",
            file=sys.stderr,
        )
    runs = ", ".join(baseline.get("run_ids", []))
    print(f"{args.run_dir} against {args.baseline} (baseline runs {runs}):\n")
    shown = (
        [row for row in rows if row.verdict != GateVerdict.OK] if args.differences_only else rows
    )
    print(format_rows(shown, current) if shown else "no differences")
    regressed = [row for row in rows if row.verdict == GateVerdict.REGRESSED]
    undecided = [row for row in rows if row.verdict == GateVerdict.UNDECIDED]
    not_gated = [row for row in rows if not row.gated]
    passed = len(rows) - len(regressed) - len(undecided) - len(not_gated)
    counts = f"{len(regressed)} regressed, "
    if undecided:
        counts += (
            f"{len(undecided)} undecided (no data to judge, or not comparable: the gate fails), "
        )
    counts += f"{passed} ok or improved"
    if not_gated:
        counts += f", {len(not_gated)} speed rows shown, not gated (`continuous` gates speed)"
    print(f"\n{counts}")
    return 1 if regressed or undecided else 0


def add_parser(commands: Any) -> None:
    """The `compare` subcommand."""
    compare = commands.add_parser(
        "compare",
        help="hold a run against the baseline, or run A against run B (1: David regressed)",
    )
    compare.add_argument("run_dir", help="a results/<run-id> folder (with RUN_B: run A)")
    compare.add_argument(
        "run_b",
        nargs="?",
        metavar="RUN_B",
        help="a second run folder: compare A with B, A the reference, instead of the baseline",
    )
    compare.add_argument(
        "--baseline",
        default=None,
        help=f"the baseline a single run is held against [{defaults.BASELINE_PATH}]",
    )
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
    compare.add_argument(
        "--differences-only",
        action="store_true",
        help="print only the rows that changed (the summary line still counts every row)",
    )
    compare.set_defaults(handler=handle)
