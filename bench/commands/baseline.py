"""`python -m bench baseline`: write the baseline from one or more runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bench import defaults


def handle(args: argparse.Namespace) -> int:
    from bench.gates.baseline import write_baseline

    runs = [Path(run_dir) for run_dir in args.run_dirs]
    left_out: list[str] = []
    written = write_baseline(runs, Path(args.out), left_out)
    for reason in left_out:
        print(f"warning: left out {reason}", file=sys.stderr)
    print(f"baseline written: {written}")
    return 0


def add_parser(commands: Any) -> None:
    """The `baseline` subcommand."""
    baseline = commands.add_parser("baseline", help="write the baseline from one or more runs")
    baseline.add_argument("run_dirs", nargs="+", help="results/<run-id> folders (seeds pooled)")
    baseline.add_argument("--out", default=str(defaults.BASELINE_PATH), help="[%(default)s]")
    baseline.set_defaults(handler=handle)
