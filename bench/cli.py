"""`python -m bench`: the command line; each subcommand lives in bench/commands/."""

from __future__ import annotations

import argparse
import os
import sys

from bench.commands import (
    baseline,
    compact,
    compare,
    continuous,
    doctor,
    listing,
    publish,
    report,
    run,
    schema,
)
from bench.errors import HarnessError

SUBCOMMANDS = (
    run,
    report,
    compare,
    compact,
    continuous,
    baseline,
    publish,
    listing,
    doctor,
    schema,
)


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="David (NumPy) vs Goliath (Keras): the benchmark."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for subcommand in SUBCOMMANDS:
        subcommand.add_parser(commands)
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
