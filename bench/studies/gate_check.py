"""How often the speed gate cries wolf, and how often it catches a slower David.

    python -m bench.studies.gate_check [--comparisons 20] [--factors 1.5,2] [--out DIR]
                                       [--busy-cores N]

Runs `continuous` between HEAD (checked out beside) and the working tree again and again, as CI
would: with nothing changed (every alarm is a false one), and with the head's David made 1.5x
and 2x slower (`--slow-head`: every miss is one). The kinds take turns, so a change in the
machine's load during the hours this takes falls on each alike. Every comparison is appended to
DIR/comparisons.csv as it ends, with the busiest load average its rounds saw (an interrupted
check keeps what it measured, and a rerun with the same DIR goes on from there);
DIR/gate-check.md holds the rates with their 95% Wilson
intervals. `--busy-cores N` keeps N cores busy with spinning processes for the whole check: a
controlled background load, as on a shared CI runner; TOO BUSY answers (exit 3, a warning) are
counted apart from the failures.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from bench import defaults
from bench.errors import HarnessError
from bench.files import write_text
from bench.gates.continuous import Settings, compare_revisions
from bench.gates.revisions import WORKING_TREE, checked_out, repository_root, uncommitted
from bench.judging import stats
from bench.judging.outcomes import GateVerdict
from bench.plan.suite import find_suite
from bench.report.document import Document, Table
from bench.report.markdown import to_markdown

ALARMS = (GateVerdict.REGRESSED, GateVerdict.UNDECIDED)  # what fails CI
WARNINGS = (GateVerdict.TOO_BUSY,)  # what CI reports as a warning: the machine was too busy to tell


@contextlib.contextmanager
def busy_cores(count: int) -> Iterator[None]:
    """Keep `count` cores busy with spinning processes while the block runs."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def rates(table: pd.DataFrame) -> pd.DataFrame:
    """Per slow-down: comparisons, CI failures, their rate and its 95% Wilson interval."""
    rows = []
    for factor, group in table.groupby("slow_head"):
        failed = int(group["verdict"].isin(ALARMS).sum())
        warned = int(group["verdict"].isin(WARNINGS).sum())
        low, high = stats.wilson_interval(failed, len(group))
        rows.append(
            {
                "head's David": "unchanged" if factor == 1 else f"x{factor:g} slower",
                "comparisons": len(group),
                "gate failed": failed,
                "too busy (warning)": warned,
                "rate": "false alarms" if factor == 1 else "detected",
                "measured": f"{failed / len(group):.0%}",
                "95% interval": f"{low:.0%}-{high:.0%}",
                "slow-down measured (median)": f"x{group['slowdown'].median():.3f}",
                "rounds (median)": f"{group['rounds'].median():g}",
                "seconds each (median)": f"{group['seconds'].median():.0f}",
            }
        )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    """Run the comparisons, append each to comparisons.csv, write gate-check.md."""
    parser = argparse.ArgumentParser(prog="python -m bench.studies.gate_check", description=__doc__)
    parser.add_argument("--comparisons", type=int, default=20, help="of each kind [20]")
    parser.add_argument("--factors", default="1.5,2", help="slow-downs to catch [1.5,2]")
    parser.add_argument("--suite", default=defaults.CONTINUOUS_SUITE, help="[%(default)s]")
    parser.add_argument("--out", default="results/gate-check", help="[%(default)s]")
    parser.add_argument("--cache-dir", default=str(defaults.DATASET_CACHE), help="[%(default)s]")
    parser.add_argument(
        "--busy-cores", type=int, default=0, help="cores kept busy meanwhile (background load) [0]"
    )
    args = parser.parse_args(argv)
    if args.busy_cores < 0:
        print(f"error: --busy-cores {args.busy_cores}: give 0 or more", file=sys.stderr)
        return 2
    try:
        factors = [1.0] + [float(f) for f in args.factors.split(",")]
    except ValueError:
        print(f"error: --factors {args.factors!r}: give numbers, e.g. 1.5,2", file=sys.stderr)
        return 2
    out = Path(args.out).absolute()
    out.mkdir(parents=True, exist_ok=True)
    log = out / "comparisons.csv"
    table = pd.read_csv(log) if log.exists() else pd.DataFrame()
    measured = set() if table.empty else set(zip(table["index"], table["slow_head"], strict=True))
    repo = repository_root(Path.cwd())
    if uncommitted(repo):
        print(
            "error: the working tree differs from HEAD: commit first, or the comparisons "
            "of unchanged code would compare two different codes",
            file=sys.stderr,
        )
        return 2
    plan = [(i, f) for i in range(args.comparisons) for f in factors]
    try:
        suite = find_suite(args.suite).absolute()
        with (
            checked_out(repo, "HEAD", repo) as base,
            checked_out(repo, WORKING_TREE, repo) as head,
            busy_cores(args.busy_cores),
        ):
            for number, (i, factor) in enumerate(plan, 1):
                if (i, factor) in measured:
                    continue  # measured by an earlier, interrupted check
                work_dir = out / f"{i:02d}-x{factor:g}"
                shutil.rmtree(work_dir, ignore_errors=True)  # an interrupted one: measured anew
                settings = Settings(
                    suite=suite,
                    work_dir=work_dir,
                    cache_dir=Path(args.cache_dir).absolute(),
                    slow_head=factor if factor > 1 else None,
                )
                started = time.monotonic()
                verdict, _ = compare_revisions(base, head, settings, say=lambda _: None)
                row = {
                    "index": i,
                    "slow_head": factor,
                    "verdict": verdict.verdict,
                    "slowdown": verdict.slowdown,
                    "low": verdict.low,
                    "high": verdict.high,
                    "rounds": verdict.rounds,
                    "busiest_load": verdict.busiest_load,
                    "busy_cores": args.busy_cores,
                    "seconds": time.monotonic() - started,
                    "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
                }
                table = pd.concat([table, pd.DataFrame([row])], ignore_index=True)
                write_text(log, table.to_csv(index=False))
                print(
                    f"[{number}/{len(plan)}] x{factor:g}: {verdict.verdict} "
                    f"x{verdict.slowdown:.3f} [{verdict.low:.3f}, {verdict.high:.3f}] "
                    f"in {verdict.rounds} rounds, {row['seconds']:.0f} s",
                    flush=True,
                )
    except HarnessError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    summary = rates(table)
    table_block = Table(list(summary.columns), summary.astype(str).values.tolist())
    document = Document("The speed gate, measured", [table_block])
    write_text(out / "gate-check.md", to_markdown(document))
    print(summary.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
