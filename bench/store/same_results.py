"""Two runs' fight files compared with their timings left out: did a change alter any result?

`python -m bench.store.same_results RUN_A RUN_B` prints every difference (exit 1) or says the
results are the same (exit 0). Timings, memory, process ids and run ids differ between any two
runs and are left out; everything else (histories, metrics, boundaries, parity) must be equal.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.files import read_json
from bench.store.run_folder import CASES_DIR

# Fields that measure the machine, not the result: they differ between any two runs.
TIMING_FIELDS = frozenset(
    {
        "epoch_seconds",
        "train_seconds",
        "wall_seconds",
        "evaluation_seconds",
        "samples_per_second",
        "seconds_to_target",
        "peak_memory_bytes",
        "content_digest",  # a digest of the content, timings included
        "run_id",
        "pid",
    }
)


def differences(a: Any, b: Any, where: str = "") -> Iterator[str]:
    """Where two JSON values differ, the timing fields left out, as 'path: a != b'."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key in TIMING_FIELDS:
                continue
            path = f"{where}/{key}"
            if key not in a or key not in b:
                yield f"{path}: only in {'the first' if key in a else 'the second'}"
            else:
                yield from differences(a[key], b[key], path)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            yield f"{where}: {len(a)} items != {len(b)}"
            return
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from differences(x, y, f"{where}/{index}")
    elif a != b:
        yield f"{where or '/'}: {a!r} != {b!r}"


def run_differences(run_a: Path, run_b: Path) -> list[str]:
    """Every difference between the fight files of two run folders, timings left out."""
    files_a = {p.name: p for p in sorted((Path(run_a) / CASES_DIR).glob("*.json"))}
    files_b = {p.name: p for p in sorted((Path(run_b) / CASES_DIR).glob("*.json"))}
    found = [f"{name}: only in {run_a}" for name in files_a.keys() - files_b.keys()]
    found += [f"{name}: only in {run_b}" for name in files_b.keys() - files_a.keys()]
    for name in sorted(files_a.keys() & files_b.keys()):
        pair = read_json(files_a[name]), read_json(files_b[name])
        found += [f"{name}{gap}" for gap in differences(*pair)]
    return sorted(found)


def main(argv: list[str] | None = None) -> int:
    """Compare two run folders; exit 1 when any result differs, 2 on bad arguments."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or not all((Path(a) / CASES_DIR).is_dir() for a in args):
        print("error: give two run folders (each with a cases/ folder)", file=sys.stderr)
        return 2
    found = run_differences(Path(args[0]), Path(args[1]))
    for line in found:
        print(line)
    count = len(list((Path(args[0]) / CASES_DIR).glob("*.json")))
    print(f"{len(found)} differences in {count} fight files, timings left out")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
