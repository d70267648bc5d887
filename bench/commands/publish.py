"""`python -m bench publish`: the results store as a static site (works from file://)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bench.defaults import RESULTS_DIR


def handle(args: argparse.Namespace) -> int:
    from bench.site.publish import publish

    stores = [Path(store) for store in (args.stores or [RESULTS_DIR])]
    out = Path(args.out) if args.out else stores[0] / "site"
    index = Path(args.index) if args.index else None
    published = publish(stores, out, index_path=index, compare=[tuple(p) for p in args.compare])
    stats = published.stats
    print(
        f"site: {published.out / 'index.html'} ({published.runs} runs, {published.pairs} "
        f"compared pairs; {stats.runs_read} of {stats.runs} run folders read, "
        f"{stats.files_read} fight files)"
    )
    for folder, reason in published.skipped:
        print(f"skipped {folder}: {reason}")
    return 0


def add_parser(commands: Any) -> None:
    """The `publish` subcommand."""
    parser = commands.add_parser(
        "publish", help="write a static results site across runs, commits and machines"
    )
    parser.add_argument(
        "stores", nargs="*", metavar="STORE", help=f"folders of run folders (default {RESULTS_DIR})"
    )
    parser.add_argument("--out", help="the site's folder (default STORE/site)")
    parser.add_argument(
        "--index", help="the index file (default STORE/.bench-index.sqlite; safe to delete)"
    )
    parser.add_argument(
        "--compare", nargs=2, action="append", default=[], metavar=("RUN_A", "RUN_B"),
        help="also publish this pair on the compare page (run ids or page names); repeatable",
    )  # fmt: skip
    parser.set_defaults(handler=handle)
