"""Keras configurations against David: which settings make Goliath fastest on this machine.

Each configuration runs in its own worker process, started with its own environment (backend,
oneDNN, op determinism) before the framework is imported. A worker trains David and the Keras
configuration from one fair start on the same batches, alternating blocks of epochs (David first
in one round, Keras first in the next) after a warm-up block each, and reports per-epoch training
times; the ratio to David is taken inside the worker. Workers are interleaved over
configurations and repeated; the table shows medians over workers.

    python -m bench.studies.keras_configs --repeats 3 --out results/keras-configs.json
"""

from bench.studies.keras_configs.cli import main
from bench.studies.keras_configs.configurations import (
    CONFIGURATIONS,
    DETERMINISTIC,
    ONEDNN_OFF,
    PROCESS_VARIABLES,
    Configuration,
)
from bench.studies.keras_configs.launch import run_in_worker, worker_environment
from bench.studies.keras_configs.summary import markdown, parity_line, summarise
from bench.studies.keras_configs.worker import parity_gaps, run_worker
from bench.studies.keras_configs.workloads import WORKLOADS, Workload

__all__ = [
    "CONFIGURATIONS",
    "DETERMINISTIC",
    "ONEDNN_OFF",
    "PROCESS_VARIABLES",
    "WORKLOADS",
    "Configuration",
    "Workload",
    "main",
    "markdown",
    "parity_gaps",
    "parity_line",
    "run_in_worker",
    "run_worker",
    "summarise",
    "worker_environment",
]
