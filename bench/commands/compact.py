"""`python -m bench compact RUN --out DIR`: the compact record of a run, for a results store."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def handle(args: argparse.Namespace) -> int:
    from bench.store.compact import folder_bytes, write_compact

    out = write_compact(Path(args.run_dir), Path(args.out))
    full, kept = folder_bytes(Path(args.run_dir)), folder_bytes(out)
    print(
        f"{out}: compact record of {args.run_dir}, {kept / 1e3:,.0f} KB "
        f"(the run folder: {full / 1e3:,.0f} KB, logs and report included)"
    )
    return 0


def add_parser(commands: Any) -> None:
    """The `compact` subcommand."""
    compact = commands.add_parser(
        "compact",
        help="write a run's compact record (no decision boundaries) as a new run folder",
    )
    compact.add_argument("run_dir", help="a results/<run-id> folder")
    compact.add_argument(
        "--out", required=True, help="the new folder (must not exist, or be empty)"
    )
    compact.set_defaults(handler=handle)
