"""What the command prints: the machine's BLAS settings and the results table."""

from __future__ import annotations

import os
import platform
from typing import Any

import numpy as np
from threadpoolctl import threadpool_info


def environment() -> list[str]:
    """The BLAS and the settings that decide its speed."""
    lines = [f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}"]
    for pool in threadpool_info():
        lines.append(
            f"{pool.get('internal_api')} {pool.get('version')}: kernel "
            f"{pool.get('architecture')}, {pool.get('num_threads')} threads "
            f"({pool.get('threading_layer')})"
        )
    settings = {k: v for k, v in sorted(os.environ.items()) if k.startswith("OPENBLAS_")}
    lines.append(
        "OPENBLAS_* env: " + (", ".join(f"{k}={v}" for k, v in settings.items()) or "none")
    )
    lines.append(f"{os.cpu_count()} CPUs, {load_average()}")
    return lines


def load_average() -> str:
    """The 1-minute load average: other work on the CPUs makes the timings noisy."""
    return f"load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""


def _ratio(values: tuple[float, float, float, float], percent: bool = False) -> str:
    median, low, high, fastest = values
    if percent:
        return f"{100 * median:5.1f}% [{100 * low:.1f}, {100 * high:.1f}]"
    return f"{median:.3f} [{low:.3f}, {high:.3f}] min {fastest:.3f}"


def report(rows: list[dict[str, Any]]) -> str:
    """The results table."""
    header = (
        f"{'fight':11} {'steps':>5} {'MFLOP/step':>10} {'reps':>4} {'David ms':>9} "
        f"{'floor ms':>9} {'David/floor median [95%] min/min':>34} {'matmul ms':>9} "
        f"{'GFLOP/s':>7} {'David GFLOP/s':>13} {'David % of matmul [95%]':>24} {'floor %':>7} "
        "same weights"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        gap = row["weight_gap"]
        lines.append(
            f"{row['fight'].name:11} {row['steps']:5d} {row['step_flops'] / 1e6:10.2f} "
            f"{row['repeats']:4d} {row['david_ms']:9.2f} {row['floor_ms']:9.2f} "
            f"{_ratio(row['david_over_floor']):>34} {row['matmul_ms']:9.2f} "
            f"{row['matmul_gflops']:7.1f} {row['david_gflops']:13.1f} "
            f"{_ratio(row['matmul_over_david'], True):>24} "
            f"{100 * row['matmul_over_floor'][0]:6.1f}% "
            + ("bit-identical" if gap == 0 else f"max |dW| {gap:.2g}")
        )
    lines.append(
        "GFLOP/s: the float32 matmul rate at the fight's shapes (matmul-only epochs); "
        "David % of matmul: the median over repeats of matmul ms / David ms."
    )
    return "\n".join(lines)
