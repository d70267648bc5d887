"""`python -m bench report`: render report.md and report.html from a run folder."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def handle(args: argparse.Namespace) -> int:
    from bench.report import render_report

    for kind, path in render_report(Path(args.run_dir)).items():
        print(f"{kind}: {path}")
    return 0


def add_parser(commands: Any) -> None:
    """The `report` subcommand."""
    report = commands.add_parser("report", help="render report.md and report.html from a run")
    report.add_argument("run_dir", help="a results/<run-id> folder")
    report.set_defaults(handler=handle)
