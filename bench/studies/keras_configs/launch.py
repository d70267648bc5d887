"""The coordinator's side of a worker: its environment, its process, and its result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.studies.keras_configs.configurations import PROCESS_VARIABLES, Configuration
from bench.studies.keras_configs.workloads import Workload


def worker_environment(configuration: Configuration) -> dict[str, str]:
    """This process's environment with the configuration's process settings instead of ours."""
    environment = {k: v for k, v in os.environ.items() if k not in PROCESS_VARIABLES}
    environment.update(configuration.environment)
    # The repository root (above bench/), so the worker imports this very checkout's code.
    root = str(Path(__file__).resolve().parents[3])
    environment["PYTHONPATH"] = os.pathsep.join(
        p for p in (root, environment.get("PYTHONPATH")) if p
    )
    return environment


def run_in_worker(
    configuration: Configuration, workload: Workload, timeout: float, parity: bool = False
) -> dict:
    """One worker process for one configuration; a failure is a result."""
    # The package's __main__ runs cli.main, whose --worker path times in that fresh process.
    command = [
        sys.executable, "-m", "bench.studies.keras_configs", "--worker",
        "--configurations", configuration.name, "--workloads", workload.name,
    ] + (["--parity"] if parity else [])  # fmt: skip
    try:
        done = subprocess.run(
            command,
            env=worker_environment(configuration),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"configuration": configuration.name, "workload": workload.name, "error": "timeout"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = done.stderr.strip().splitlines()[-3:]
        return {
            "configuration": configuration.name,
            "workload": workload.name,
            "error": " | ".join(tail) or f"exit {done.returncode}",
        }
    return json.loads(lines[-1])
