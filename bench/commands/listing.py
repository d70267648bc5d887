"""`python -m bench list`: the fighters, suites and datasets there are."""

from __future__ import annotations

import argparse
from typing import Any


def handle(args: argparse.Namespace) -> int:
    from bench.datasets import describe_datasets  # scikit-learn: only for this command
    from bench.fighters.roster import DEFAULT_FIGHTERS, ROSTER
    from bench.fighters.user import installed_fighters
    from bench.plan.suite import SUITES_DIR, load_suite

    print("fighters (* in the default roster):")
    for name, config in ROSTER.items():
        mark = "*" if name in DEFAULT_FIGHTERS else " "
        why = config.unavailable_reason()
        state = f"UNAVAILABLE: {why}" if why else "available"
        print(f"  {mark} {name:<20} {state:<12} {config.description}")
    for name, config in installed_fighters().items():
        print(f"    {name:<20} {'installed':<12} {config.description}")
    print("\nsuites (bench/plan/suites/):")
    for path in sorted(SUITES_DIR.glob("*.toml")):
        suite = load_suite(path)
        print(f"  {suite.name:<10} {len(suite.cases):>2} cases  {suite.description}")
    print("\ndatasets (name and parameters with defaults):")
    for line in describe_datasets().splitlines():
        print(f"  {line}")
    return 0


def add_parser(commands: Any) -> None:
    """The `list` subcommand."""
    listing = commands.add_parser("list", help="list suites and datasets")
    listing.set_defaults(handler=handle)
