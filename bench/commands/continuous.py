"""`python -m bench continuous`: its arguments, and the speed gate's answer on the terminal."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import defaults
from bench.errors import HarnessError
from bench.gates.revisions import (
    WORKING_TREE,
    checked_out,
    default_base,
    repository_root,
    resolve,
)

# What CI does with each answer: REGRESSED and UNDECIDED (on a quiet machine) fail it; TOO BUSY
# has its own code, so a workflow can map "could not tell on this machine" to a warning.
EXIT_CODES = {"REGRESSED": 1, "UNDECIDED": 1, "TOO BUSY": 3}


def add_parser(commands: Any) -> None:
    """The speed gate's sub-command."""
    continuous = commands.add_parser(
        "continuous",
        help=(
            "the speed gate: base and head measured in turn in this job "
            "(exit 1: David slower; 3: machine too busy to tell)"
        ),
    )
    continuous.add_argument(
        "base", nargs="?", help="base revision [HEAD's first parent, or where it forked from main]"
    )
    continuous.add_argument(
        "head", nargs="?", default=WORKING_TREE, help="head revision [%(default)s: the files now]"
    )
    continuous.add_argument(
        "--suite", default=defaults.CONTINUOUS_SUITE, help="suite name or .toml [%(default)s]"
    )
    continuous.add_argument(
        "--speed-factor",
        type=float,
        default=defaults.CONTINUOUS_FACTOR,
        help="slow-down the head must be proven to exceed to fail [%(default)s]",
    )
    continuous.add_argument(
        "--rounds",
        default=f"{defaults.CONTINUOUS_MIN_ROUNDS}..{defaults.CONTINUOUS_MAX_ROUNDS}",
        help="rounds before deciding .. at most, when noise leaves it open [%(default)s]",
    )
    continuous.add_argument(
        "--out", help="folder for the rounds' runs and the answer [a temporary folder]"
    )
    continuous.add_argument(
        "--cache-dir", default=str(defaults.DATASET_CACHE), help="dataset cache [%(default)s]"
    )
    continuous.add_argument(
        "--slow-head",
        type=float,
        metavar="FACTOR",
        help="TEST ONLY: the head's David made FACTOR times slower (measures the gate)",
    )
    continuous.set_defaults(handler=run_continuous)


def _say(line: str) -> None:
    """A progress line, shown at once."""
    print(line, flush=True)


def run_continuous(args: argparse.Namespace) -> int:
    """Measure base and head in turn and print the gate's answer (exit 1: slower or unknown on a
    quiet machine; 3: too busy to tell)."""
    from bench.files import write_text
    from bench.gates.continuous import Settings, compare_revisions, format_result
    from bench.plan.suite import find_suite, load_suite  # here: scikit-learn takes a second

    repo = repository_root(Path.cwd())
    low, _, high = args.rounds.partition("..")
    try:
        min_rounds, max_rounds = int(low), int(high or low)
    except ValueError:
        raise HarnessError(f"--rounds {args.rounds!r}: give N or MIN..MAX, e.g. 4..10") from None
    load_suite(args.suite)  # checked before anything is checked out: a bad suite fails at once
    base_name = args.base or default_base(repo)
    for revision in (base_name, args.head):
        if revision != WORKING_TREE:  # one that does not exist fails before any folder is made
            resolve(repo, revision)
    out = Path(args.out or tempfile.mkdtemp(prefix="continuous-")).absolute()
    if out.exists() and any(out.iterdir()):
        # Its round folders would be resumed by `bench run`, not measured again.
        raise HarnessError(f"--out {out} is not empty: give a new folder for this comparison")
    settings = Settings(
        suite=find_suite(args.suite).absolute(),
        work_dir=out,
        cache_dir=Path(args.cache_dir).absolute(),
        factor=args.speed_factor,
        min_rounds=min_rounds,
        max_rounds=max_rounds,
        slow_head=args.slow_head,
    )
    with (
        checked_out(repo, base_name, repo) as base,
        checked_out(repo, args.head, repo) as head,
    ):
        print(
            f"speed gate · {base.describe()} -> {head.describe()} · suite {args.suite!r}, "
            f"{min_rounds}..{max_rounds} rounds -> {out}",
            flush=True,
        )
        try:
            verdict, pairs = compare_revisions(base, head, settings, _say)
        except KeyboardInterrupt:
            print(f"\ninterrupted: the rounds run so far are in {out}", file=sys.stderr)
            return 130
        answer = format_result(base, head, verdict, pairs)
    print("\n" + answer)
    write_text(out / "continuous.txt", answer + "\n")
    return EXIT_CODES.get(verdict.verdict, 0)
