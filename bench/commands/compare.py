"""`python -m bench compare`: hold a run against the baseline (1: regressed or undecided)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bench import defaults
from bench.errors import HarnessError
from bench.judging.outcomes import GateVerdict


def handle(args: argparse.Namespace) -> int:
    from bench.gates.baseline import load_baseline
    from bench.gates.regress import Thresholds, compare_runs, format_rows, unchecked
    from bench.store.run_folder import load_run
    from bench.store.tracking import summarize

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
    print(format_rows(rows, current))
    regressed = [row for row in rows if row.verdict == GateVerdict.REGRESSED]
    undecided = [row for row in rows if row.verdict == GateVerdict.UNDECIDED]
    shown = [row for row in rows if not row.gated]
    passed = len(rows) - len(regressed) - len(undecided) - len(shown)
    counts = f"{len(regressed)} regressed, "
    if undecided:
        counts += (
            f"{len(undecided)} undecided (no data to judge, or not comparable: the gate fails), "
        )
    counts += f"{passed} ok or improved"
    if shown:
        counts += f", {len(shown)} speed rows shown, not gated (`continuous` gates speed)"
    print(f"\n{counts}")
    return 1 if regressed or undecided else 0


def add_parser(commands: Any) -> None:
    """The `compare` subcommand."""
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
    compare.set_defaults(handler=handle)
