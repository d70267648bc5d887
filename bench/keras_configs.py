"""Keras configurations against David: which settings make Goliath fastest on this machine.

Each configuration runs in its own worker process, started with its own environment (backend,
oneDNN, op determinism) before the framework is imported. A worker trains David and the Keras
configuration from one fair start on the same batches, alternating blocks of epochs (David first
in one round, Keras first in the next) after a warm-up block each, and reports per-epoch training
times; the ratio to David is taken inside the worker. Workers are interleaved over
configurations and repeated; the table shows medians over workers.

    python -m bench.keras_configs --repeats 3 --out results/keras-configs.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.files import write_json

PROCESS_VARIABLES = ("KERAS_BACKEND", "TF_ENABLE_ONEDNN_OPTS", "KERAS_REF_DETERMINISTIC")
ONEDNN_OFF = {"TF_ENABLE_ONEDNN_OPTS": "0"}
DETERMINISTIC = {"KERAS_REF_DETERMINISTIC": "1"}


@dataclass(frozen=True)
class Configuration:
    """One way to run Goliath: process environment, network class and its options."""

    name: str
    description: str
    environment: dict[str, str] = field(default_factory=dict)
    network: str = "KerasNetwork"  # or CompiledLoopNetwork
    options: dict[str, Any] = field(default_factory=dict)
    native: bool = False  # Keras's own shuffling and batching instead of the fair replay


CONFIGURATIONS = [
    Configuration("fit", "model.fit on the replay, TF as shipped (oneDNN on)"),
    Configuration("fit-native", "plain model.fit(x, y, batch_size), TF as shipped", native=True),
    Configuration("fit-onednn-off", "model.fit, oneDNN off", ONEDNN_OFF),
    Configuration("fit-det", "model.fit, op determinism on", DETERMINISTIC),
    Configuration(
        "fit-onednn-off-det",
        "model.fit, oneDNN off + determinism (the parity Goliath)",
        {**ONEDNN_OFF, **DETERMINISTIC},
    ),
    Configuration("xla", "jit_compile=True", options={"jit_compile": True}),
    Configuration("spe-29", "steps_per_execution=29", options={"steps_per_execution": 29}),
    Configuration(
        "spe-epoch", "steps_per_execution=whole epoch", options={"steps_per_execution": "epoch"}
    ),
    Configuration(
        "xla-spe-29",
        "jit_compile=True + steps_per_execution=29",
        options={"jit_compile": True, "steps_per_execution": 29},
    ),
    Configuration(
        "xla-spe-epoch",
        "jit_compile=True + steps_per_execution=epoch",
        options={"jit_compile": True, "steps_per_execution": "epoch"},
    ),
    Configuration(
        "xla-spe-epoch-onednn-off",
        "jit_compile=True + spe=epoch, oneDNN off",
        ONEDNN_OFF,
        options={"jit_compile": True, "steps_per_execution": "epoch"},
    ),
    Configuration(
        # Not XLA: Keras turns jit_compile off under op determinism (KerasNetwork refuses it).
        "spe-epoch-det",
        "steps_per_execution=epoch, determinism on",
        DETERMINISTIC,
        options={"steps_per_execution": "epoch"},
    ),
    Configuration(
        "tf-loop", "one tf.function(jit_compile=True) per epoch", network="CompiledLoopNetwork"
    ),
    Configuration(
        "tf-loop-det", "tf-loop, determinism on", DETERMINISTIC, network="CompiledLoopNetwork"
    ),
    Configuration("jax", "Keras on JAX, compile() defaults (XLA)", {"KERAS_BACKEND": "jax"}),
    Configuration(
        "jax-spe-epoch",
        "Keras on JAX, steps_per_execution=epoch",
        {"KERAS_BACKEND": "jax"},
        options={"steps_per_execution": "epoch"},
    ),
]


@dataclass(frozen=True)
class Workload:
    """A fight to time: model, optimizer, batch size, data, epochs per timed block."""

    name: str
    hidden: tuple[int, ...]
    activation: str
    output: str
    n_features: int
    n_classes: int
    n_samples: int
    batch_size: int
    optimizer: dict[str, Any]
    epochs_per_block: int
    rounds: int

    def layers(self) -> list[dict[str, Any]]:
        """The plain-data layer spec."""
        sizes = [self.n_features, *self.hidden, 1 if self.n_classes == 2 else self.n_classes]
        return [
            {
                "input_dim": sizes[i],
                "output_dim": sizes[i + 1],
                "activation": self.activation if i < len(sizes) - 2 else self.output,
            }
            for i in range(len(sizes) - 1)
        ]

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """Seeded float32 training data."""
        if self.name == "moons":
            from sklearn.datasets import make_moons

            x, y = make_moons(self.n_samples, noise=0.2, random_state=100)
            x = (x - x.mean(axis=0)) / x.std(axis=0)
            return x.astype(np.float32), y
        rng = np.random.default_rng(0)
        x = rng.standard_normal((self.n_samples, self.n_features), dtype=np.float32)
        return x, rng.integers(0, self.n_classes, self.n_samples)


WORKLOADS = {
    "moons": Workload(
        "moons", (25, 50, 50, 25), "relu", "sigmoid", 2, 2, 900, 32,
        {"name": "sgd", "learning_rate": 0.01}, epochs_per_block=20, rounds=3,
    ),
    "mnist-1024": Workload(
        "mnist-1024", (1024, 1024), "relu", "softmax", 784, 10, 10_000, 128,
        {"name": "adam", "learning_rate": 1e-3}, epochs_per_block=1, rounds=2,
    ),
}  # fmt: skip


# --------------------------------------------------------------------------- worker


def _fit(model: Any, x, y, batches, evaluate_flag: bool = False) -> list[float]:
    """Train one block of epochs; return its per-epoch training seconds."""
    kwargs = {"epochs": len(batches), "batches": batches}
    try:
        history = model.fit(x, y, evaluate=evaluate_flag, **kwargs)
    except TypeError:  # a David without the evaluate option
        history = model.fit(x, y, **kwargs)
    return list(history.epoch_seconds)


def run_worker(configuration: Configuration, workload: Workload) -> dict[str, Any]:
    """Time David and one Keras configuration in this process; return per-epoch seconds."""
    import keras_ref
    from bench.fair_start import make_fair_start
    from numpy_nn import Network

    x, y = workload.data()
    layers = workload.layers()
    blocks = workload.epochs_per_block
    start = make_fair_start(layers, 0, len(x), blocks, workload.batch_size)
    david = Network(layers, optimizer=dict(workload.optimizer), dtype="float32")
    network_class = getattr(keras_ref, configuration.network)
    goliath = network_class(
        layers, optimizer=dict(workload.optimizer), dtype="float32", **configuration.options
    )
    david.set_weights(start.weights)
    goliath.set_weights(start.weights)

    def time_goliath() -> list[float]:
        if configuration.native:
            history = goliath.fit(
                x, y, epochs=blocks, batch_size=workload.batch_size, evaluate=False
            )
            return list(history.epoch_seconds)
        return _fit(goliath, x, y, start.batches)

    warm_started = time.perf_counter()
    time_goliath()  # tracing and compilation
    warm_up_seconds = time.perf_counter() - warm_started
    _fit(david, x, y, start.batches)
    times: dict[str, list[float]] = {"david": [], "goliath": []}
    for round_index in range(workload.rounds):
        order = ("david", "goliath") if round_index % 2 == 0 else ("goliath", "david")
        for who in order:
            if who == "david":
                times["david"] += _fit(david, x, y, start.batches)
            else:
                times["goliath"] += time_goliath()
    david_median = statistics.median(times["david"])
    goliath_median = statistics.median(times["goliath"])
    return {
        "configuration": configuration.name,
        "workload": workload.name,
        "david_ms": 1000 * david_median,
        "goliath_ms": 1000 * goliath_median,
        "ratio": goliath_median / david_median,
        "warm_up_seconds": warm_up_seconds,
        "epoch_seconds": times,
        "options": goliath.options,
        "settings": keras_ref.settings(),
    }


def parity_gaps(configuration: Configuration, epochs: int = 20) -> dict[str, Any]:
    """Largest loss and weight gaps to David on the moons article's fight (Adam at Keras's defaults,
    batch 32, from one fair start), in float64 and float32, under this process's settings."""
    import keras_ref
    from bench.fair_start import make_fair_start
    from bench.metrics import max_weight_difference
    from numpy_nn import Network

    workload = WORKLOADS["moons"]
    x, y = workload.data()
    layers = workload.layers()
    start = make_fair_start(layers, 0, len(x), epochs, workload.batch_size)
    optimizer = {"name": "adam"}
    gaps: dict[str, Any] = {"configuration": configuration.name}
    for dtype in ("float64", "float32"):
        try:
            goliath = getattr(keras_ref, configuration.network)(
                layers, optimizer=optimizer, dtype=dtype, **configuration.options
            )
        except ValueError as err:  # e.g. float64 on JAX
            gaps[dtype] = {"error": str(err)}
            continue
        david = Network(layers, optimizer=optimizer, dtype=dtype)
        david.set_weights(start.weights)
        goliath.set_weights(start.weights)
        david_loss = david.fit(x, y, epochs=epochs, batches=start.batches).loss
        goliath_loss = goliath.fit(x, y, epochs=epochs, batches=start.batches).loss
        gaps[dtype] = {
            "loss": float(np.max(np.abs(np.subtract(david_loss, goliath_loss)))),
            "weights": max_weight_difference(david.get_weights(), goliath.get_weights()),
        }
    gaps["settings"] = keras_ref.settings()
    return gaps


# --------------------------------------------------------------------------- coordinator


def worker_environment(configuration: Configuration) -> dict[str, str]:
    """This process's environment with the configuration's process settings instead of ours."""
    environment = {k: v for k, v in os.environ.items() if k not in PROCESS_VARIABLES}
    environment.update(configuration.environment)
    root = str(Path(__file__).resolve().parent.parent)
    environment["PYTHONPATH"] = os.pathsep.join(
        p for p in (root, environment.get("PYTHONPATH")) if p
    )
    return environment


def run_in_worker(
    configuration: Configuration, workload: Workload, timeout: float, parity: bool = False
) -> dict:
    """One worker process for one configuration; a failure is a result."""
    command = [
        sys.executable, "-m", "bench.keras_configs", "--worker",
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


def parity_line(gaps: dict[str, Any]) -> str:
    """One Markdown table row of a configuration's parity gaps."""
    cells = [f"`{gaps['configuration']}`"]
    for dtype in ("float64", "float32"):
        found = gaps.get(dtype) or {"error": gaps.get("error", "?")}
        if "error" in found:
            cells.append(f"refused: {found['error'][:60]}")
        else:
            cells.append(f"{found['loss']:.1e} / {found['weights']:.1e}")
    return "| " + " | ".join(cells) + " |"


def summarise(results: list[dict]) -> list[dict[str, Any]]:
    """Per workload and configuration: medians over workers of Goliath, David and their ratio."""
    rows = []
    keys = sorted({(r["workload"], r["configuration"]) for r in results})
    order = {c.name: i for i, c in enumerate(CONFIGURATIONS)}
    keys.sort(key=lambda k: (k[0], order.get(k[1], 99)))
    for workload, name in keys:
        runs = [r for r in results if (r["workload"], r["configuration"]) == (workload, name)]
        good = [r for r in runs if "error" not in r]
        row: dict[str, Any] = {"workload": workload, "configuration": name, "workers": len(good)}
        if good:
            ratios = [r["ratio"] for r in good]
            row.update(
                goliath_ms=statistics.median(r["goliath_ms"] for r in good),
                david_ms=statistics.median(r["david_ms"] for r in good),
                ratio=statistics.median(ratios),
                ratio_range=(min(ratios), max(ratios)),
                warm_up_seconds=statistics.median(r["warm_up_seconds"] for r in good),
            )
        else:
            row["error"] = runs[0]["error"]
        rows.append(row)
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    """The summary as a Markdown table."""
    descriptions = {c.name: c.description for c in CONFIGURATIONS}
    lines = [
        "| workload | configuration | Goliath ms/epoch | David ms/epoch | Goliath / David "
        "(min-max) | warm-up s |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        name = f"`{row['configuration']}`: {descriptions.get(row['configuration'], '')}"
        if "error" in row:
            lines.append(f"| {row['workload']} | {name} | failed: {row['error']} | | | |")
            continue
        low, high = row["ratio_range"]
        lines.append(
            f"| {row['workload']} | {name} | {row['goliath_ms']:.2f} | {row['david_ms']:.2f} | "
            f"{row['ratio']:.2f} ({low:.2f}-{high:.2f}) | {row['warm_up_seconds']:.1f} |"
        )
    return "\n".join(lines)


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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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


if __name__ == "__main__":
    sys.exit(main())
