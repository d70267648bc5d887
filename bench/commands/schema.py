"""`python -m bench schema [--out FILE]`: the suite file's JSON Schema, for editors."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bench.files import write_text


def handle(args: argparse.Namespace) -> int:
    """Print the schema, or write it to --out (atomically)."""
    from bench.plan.schema import schema_text  # the suite models import scikit-learn's datasets

    if args.out is None:
        sys.stdout.write(schema_text())
    else:
        write_text(args.out, schema_text())
        print(f"wrote {args.out}")
    return 0


def add_parser(commands: Any) -> None:
    """The `schema` subcommand."""
    schema = commands.add_parser(
        "schema",
        help="the suite file's JSON Schema (for an editor's completion and checks)",
        description="Print the JSON Schema of suite files, made from the same models that "
        "check them (docs/suites.md shows how an editor uses it).",
    )
    schema.add_argument("--out", metavar="FILE", help="write it to FILE instead of printing it")
    schema.set_defaults(handler=handle)
