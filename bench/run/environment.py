"""The machine and software a run happened on, for results files and for each worker process."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from bench.plan.fingerprint import package_versions
from bench.run.blas_kernels import cpu_level

# Read at import by BLAS, OpenMP, TensorFlow, Keras or XLA: each can change who wins.
WATCHED_VARIABLES = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "TF_ENABLE_ONEDNN_OPTS",
    "TF_XLA_FLAGS",
    "XLA_FLAGS",
    "KERAS_BACKEND",
    "KERAS_REF_DETERMINISTIC",
    "MALLOC_TRIM_THRESHOLD_",  # Dask's nanny sets it: it changes how NumPy's memory is returned
)
# The variables that set a process's BLAS, OpenMP and TensorFlow thread pools.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
)
PACKAGES = (
    "numpy",
    "tensorflow-cpu",
    "tensorflow",
    "keras",
    "jax",
    "scikit-learn",
    "pandas",
    "scipy",
    "dask",
)


def cpu_model() -> str:
    """The CPU's model name."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cpus() -> list[int]:
    """The CPUs this thread may run on (its affinity), or every CPU where that is unknown."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def describe_machine(env: dict[str, str] | None = None) -> dict[str, Any]:
    """Where a fight ran: host, CPU, its CPUs and the threads its fighters were given.

    threads is the OMP_NUM_THREADS its workers started with ({**os.environ, **env}), else one per
    usable CPU, which is what BLAS and TensorFlow take by default.
    """
    cpus = usable_cpus()
    setting = {**os.environ, **(env or {})}.get("OMP_NUM_THREADS", "")
    return {
        "host": platform.node(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "cpus": cpus,
        "threads": int(setting) if setting.isdigit() and int(setting) > 0 else len(cpus),
        "worker": None,
    }


def cpu_flags() -> set[str]:
    """The CPU's feature flags (avx2, avx512f, ...), empty where /proc/cpuinfo is missing."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def blas_pools() -> list[dict[str, Any]]:
    """NumPy's BLAS libraries as threadpoolctl sees them: API, version, kernel, threads, in
    the order of their names (threadpoolctl's follows the order they were loaded in)."""
    import numpy  # noqa: F401  (threadpoolctl sees only libraries already loaded)
    from threadpoolctl import threadpool_info

    pools = [
        {
            "library": f"{pool.get('internal_api')} {pool.get('version')}",
            "architecture": pool.get("architecture"),
            "threads": pool.get("num_threads"),
        }
        for pool in threadpool_info()
        if pool.get("user_api") == "blas"
    ]
    return sorted(pools, key=lambda pool: (pool["library"], str(pool["architecture"])))


def watched_variables() -> dict[str, str]:
    """The environment variables of WATCHED_VARIABLES that are set in this process."""
    return {name: os.environ[name] for name in WATCHED_VARIABLES if name in os.environ}


def git_commit(repo: Path | None = None) -> str | None:
    """The checked-out commit, with '-dirty' when the tree has uncommitted changes."""
    repo = repo or Path(__file__).resolve().parents[2]
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


def git_commit_history(repo: Path | None = None) -> dict[str, Any]:
    """The checked-out commit's date (ISO 8601) and parents, so runs can be put in commit order."""
    repo = repo or Path(__file__).resolve().parents[2]
    try:
        date, _, parents = (
            subprocess.run(
                ["git", "log", "-1", "--format=%cI%n%P"],
                cwd=repo,
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .partition("\n")
        )
    except (OSError, subprocess.CalledProcessError):
        return {}
    return {"git_commit_date": date, "git_parents": parents.split()} if date else {}


def describe_environment() -> dict[str, Any]:
    """Python and package versions, CPU, cores, BLAS and thread settings, git commit."""
    versions = package_versions(PACKAGES)
    return {
        "python": platform.python_version(),
        **versions,
        "platform": platform.platform(),
        "host": platform.node(),
        "cpu": cpu_model(),
        "cpu_vector_level": cpu_level(cpu_flags()),
        "cores": os.cpu_count(),
        "blas": blas_pools(),
        "variables": watched_variables(),
        "git_commit": git_commit(),
        **git_commit_history(),
    }
