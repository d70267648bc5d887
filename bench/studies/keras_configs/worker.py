"""Inside one worker process: time David against one configuration, or measure its parity gaps."""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np

from bench.studies.keras_configs.configurations import Configuration
from bench.studies.keras_configs.workloads import WORKLOADS, Workload


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
    from bench.run.fair_start import make_fair_start
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
    from bench.run.fair_start import make_fair_start
    from bench.run.metrics import max_weight_difference
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
