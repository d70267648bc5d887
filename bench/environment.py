"""The machine and software a run happened on, for results files."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
)
PACKAGES = ("numpy", "tensorflow-cpu", "tensorflow", "keras", "scikit-learn", "pandas", "scipy")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas() -> dict[str, Any]:
    """NumPy's BLAS library and its thread count, as threadpoolctl sees them."""
    import numpy  # noqa: F401  (threadpoolctl sees only BLAS libraries already loaded)
    from threadpoolctl import threadpool_info

    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    return {
        "libraries": sorted({f"{p.get('internal_api')} {p.get('version')}" for p in pools}),
        "threads": max((p.get("num_threads", 0) for p in pools), default=None),
    }


def git_commit(repo: Path | None = None) -> str | None:
    """The checked-out commit, with '-dirty' when the tree has uncommitted changes."""
    repo = repo or Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{commit}-dirty" if dirty else commit


def describe_environment() -> dict[str, Any]:
    """Python and package versions, CPU, cores, BLAS and thread settings, git commit."""
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return {
        "python": platform.python_version(),
        **versions,
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "blas": _blas(),
        "threads": {name: os.environ.get(name) for name in THREAD_VARIABLES if name in os.environ},
        "git_commit": git_commit(),
    }
