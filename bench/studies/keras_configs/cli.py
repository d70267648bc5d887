"""`python -m bench.studies.keras_configs`: run the configurations, or (--worker) one here."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench.files import write_json
from bench.studies.keras_configs.configurations import CONFIGURATIONS
from bench.studies.keras_configs.launch import run_in_worker
from bench.studies.keras_configs.summary import markdown, parity_line, summarise
from bench.studies.keras_configs.worker import parity_gaps, run_worker
from bench.studies.keras_configs.workloads import WORKLOADS


def _select(names: str | None, choices: dict[str, Any], what: str) -> list[Any]:
    if not names:
        return list(choices.values())
    chosen = []
    for name in names.split(","):
        if name not in choices:
            raise SystemExit(f"error: unknown {what} {name!r}; choose from {', '.join(choices)}")
        chosen.append(choices[name])
    return chosen


def main(argv: list[str] | None = None) -> int:
    """Run the configurations (or, with --worker, one of them in this process)."""
    # The help's first line is the package docstring's; prog is named because, run as a package,
    # argparse would otherwise call the command "__main__.py".
    from bench.studies import keras_configs

    parser = argparse.ArgumentParser(
        prog="python -m bench.studies.keras_configs",
        description=keras_configs.__doc__.splitlines()[0],
    )
    parser.add_argument("--configurations", help="comma-separated names (default: all)")
    parser.add_argument("--workloads", help="comma-separated: moons, mnist-1024 (default: all)")
    parser.add_argument("--repeats", type=int, default=3, help="workers per configuration")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per worker")
    parser.add_argument(
        "--out",
        type=Path,
        help="write the summary and all workers here (and each as it ends to"
        " the same name with .jsonl)",
    )
    parser.add_argument(
        "--parity", action="store_true", help="measure each configuration's gaps to David instead"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    configurations = _select(args.configurations, {c.name: c for c in CONFIGURATIONS}, "config")
    workloads = _select(args.workloads, WORKLOADS, "workload")
    if args.worker:
        work = parity_gaps(configurations[0]) if args.parity else None
        print(json.dumps(work or run_worker(configurations[0], workloads[0])), flush=True)
        return 0
    if args.parity:
        for configuration in configurations:
            if configuration.native:  # Keras's own batches: nothing to compare with
                continue
            gaps = run_in_worker(configuration, WORKLOADS["moons"], args.timeout, parity=True)
            print(parity_line(gaps), flush=True)
        return 0
    results = []
    log = args.out.with_suffix(".jsonl") if args.out else None
    for repeat in range(args.repeats):
        for workload in workloads:
            # Interleaved: every configuration once per repeat, in a rotated order.
            shift = repeat % len(configurations)
            for configuration in configurations[shift:] + configurations[:shift]:
                result = run_in_worker(configuration, workload, args.timeout)
                results.append(result)
                if log is not None:  # kept as it comes, so an interrupted run keeps its workers
                    with log.open("a") as stream:
                        stream.write(json.dumps(result) + "\n")
                shown = result.get("error") or f"ratio {result['ratio']:.2f}"
                print(f"[{repeat + 1}/{args.repeats}] {workload.name} {configuration.name}: "
                      f"{shown}", file=sys.stderr, flush=True)  # fmt: skip
    rows = summarise(results)
    print(markdown(rows))
    if args.out:
        write_json(args.out, {"summary": rows, "workers": results})
    return 0
