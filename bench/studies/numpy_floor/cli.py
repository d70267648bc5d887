"""`python -m bench.studies.numpy_floor`: run the chosen fights and print the table."""

from __future__ import annotations

import argparse

from threadpoolctl import threadpool_limits

from bench.studies.numpy_floor.fights import FIGHTS
from bench.studies.numpy_floor.measure import run_fight
from bench.studies.numpy_floor.table import environment, load_average, report
from bench.studies.numpy_floor.timing import peak_sgemm_gflops


def main(argv: list[str] | None = None) -> int:
    """Run the fights and print the table."""
    # The command's help is the package's docstring (kept in __init__, where readers look first).
    from bench.studies import numpy_floor

    parser = argparse.ArgumentParser(
        prog="python -m bench.studies.numpy_floor", description=numpy_floor.__doc__
    )
    parser.add_argument("--quick", action="store_true", help="fewer repeats and samples")
    parser.add_argument("--repeats", type=int, help="timed epochs per contestant")
    parser.add_argument("--threads", type=int, help="BLAS threads (default: as configured)")
    names = [fight.name for fight in FIGHTS]
    parser.add_argument("--fights", default=",".join(names), help=f"of {', '.join(names)}")
    args = parser.parse_args(argv)
    chosen = args.fights.split(",")
    unknown = sorted(set(chosen) - set(names))
    if unknown:
        parser.error(f"unknown fight(s) {unknown}; choose from {', '.join(names)}")
    with threadpool_limits(limits=args.threads, user_api="blas"):
        print("\n".join(environment()))
        print(f"peak float32 matmul (2048^3): {peak_sgemm_gflops():.1f} GFLOP/s")
        rows = []
        for fight in FIGHTS:
            if fight.name in chosen:
                rows.append(run_fight(fight, args.quick, args.repeats))
                print(report(rows[-1:]).splitlines()[-2], flush=True)
        print()
        print(report(rows))
        print(f"at the end: {load_average()}")
    return 0
