"""One fighter's part of one fight, as it runs inside that fighter's worker process.

Build the model from the plain-data spec, load the fair start (or not, in native mode), train,
and after every epoch, outside the timed updates, compute the whole-set loss and accuracy from
the model's own predictions with the harness's code: the same code for every fighter.
"""

from __future__ import annotations

import math
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from bench.datasets import Dataset, load_dataset
from bench.errors import HarnessError
from bench.fighters.base import Unsupported
from bench.fighters.conventions import declared, equivalent_optimizer, scaled_words
from bench.run import memory
from bench.run.fair_start import make_fair_start
from bench.run.metrics import (
    boundary_grid,
    decision_boundary,
    fighter_metrics,
    predicted_labels,
    prediction_loss,
)
from bench.store.phases import PHASES_KEY

PROBABILITY_OUTPUTS = ("sigmoid", "softmax")  # outputs whose values must be probabilities
PROBABILITY_TOLERANCE = 1e-4  # float32 rounding of a sigmoid or a softmax row, with room
SNAPSHOT_RESOLUTION = 40  # the evolving boundary: coarser than the final one, to stay small
SNAPSHOT_DECIMALS = 2


@dataclass(frozen=True)
class FighterTask:
    """Everything a worker needs to train one fighter on one fight (plain, picklable data)."""

    fighter: str
    case: str
    seed: int
    mode: str  # "fair" | "native"
    layers: list[dict[str, Any]]
    loss: str
    optimizer: dict[str, Any]
    l2: float
    dtype: str
    epochs: int
    batch_size: int | None
    dataset: dict[str, Any]  # name, params, seed, cache_dir, fingerprint
    target_accuracy: float | None = None
    snapshot_epochs: tuple[int, ...] = ()
    return_weights: bool = False


# Told (epoch, whole-set training loss or None) after every epoch, for a progress display.
EpochReport = Callable[[int, float | None], None]


def empty_record(status: str, reason: str | None) -> dict[str, Any]:
    """A fighter's record before (or without) training: every field, nothing measured."""
    return {
        "status": status,
        "reason": reason,
        "traceback": None,
        "train_seconds": None,
        "epochs_run": 0,
        "history": None,
        "metrics": None,
        "decision_boundary": None,
        "boundary_snapshots": [],
        "peak_memory_bytes": None,
        "process": None,
        "scaled": None,
    }


def run_task(
    task: FighterTask,
    model_class: type,
    options: dict[str, Any] | None = None,
    report: EpochReport | None = None,
) -> dict[str, Any]:
    """Train one fighter's model class; every failure becomes part of the returned record."""
    record = empty_record("failed", None)
    started = time.perf_counter()
    optimizer: dict[str, Any] = dict(task.optimizer)  # a declared convention's, once known

    def build() -> Any:
        return model_class(
            task.layers,
            loss=task.loss,
            optimizer=optimizer,
            l2=task.l2,
            dtype=task.dtype,
            seed=task.seed,
            **(options or {}),
        )

    try:
        optimizer, record["scaled"] = _convention_optimizer(task, model_class)
        traced = memory_traced(model_class)
        _train(task, build, record, report or (lambda epoch, loss: None), traced)
    except Unsupported as err:
        record.update(status="unsupported", reason=f"not supported by {task.fighter}: {err}")
    except Exception as err:  # a fighter's failure is a result, not the end of the run
        record.update(reason=f"{type(err).__name__}: {err}", traceback=traceback.format_exc())
    record["wall_seconds"] = time.perf_counter() - started
    record[PHASES_KEY] = _worker_phases(record)
    return record


def _convention_optimizer(task: FighterTask, model_class: type) -> tuple[dict, str | None]:
    """The optimiser with which a fighter of a declared loss convention takes Keras's steps
    (bench/fighters/conventions.py), and what was scaled (None: nothing)."""
    convention = declared(model_class)
    if not convention:
        return dict(task.optimizer), None
    batch = task.batch_size or len(load_task_data(task).x_train)
    factor = convention.factor(task.loss, task.layers[-1]["output_dim"], batch)
    if factor == 1.0:
        return dict(task.optimizer), None
    short = (
        "; a shorter last batch is scaled as a full one"
        if convention.sum_over_batch and task.batch_size
        else ""
    )
    return (
        equivalent_optimizer(task.optimizer, factor),
        f"{scaled_words(task.optimizer, factor)}: its declared loss convention, "
        f"{convention.describe()}, makes its gradients {factor:g} times Keras's{short}",
    )


def _worker_phases(record: dict[str, Any]) -> dict[str, float]:
    """The worker's wall time split into the run's phases; setup is what the others leave."""
    snapshots = record.pop("snapshot_seconds", 0.0)
    phases = {
        "training": record.get("train_seconds") or 0.0,
        "evaluation": (record.get("evaluation_seconds") or 0.0) - snapshots,
        "boundaries": snapshots + record.pop("final_seconds", 0.0),
        "memory": record.pop("memory_seconds", 0.0),
    }
    phases["setup"] = max(0.0, record["wall_seconds"] - sum(phases.values()))
    return phases


def load_task_data(task: FighterTask) -> Dataset:
    """The fight's dataset from the cache the coordinator filled, checked byte for byte."""
    spec = task.dataset
    data = load_dataset(spec["name"], spec["seed"], cache_dir=spec["cache_dir"], **spec["params"])
    if spec.get("fingerprint") and data.fingerprint != spec["fingerprint"]:
        raise RuntimeError(
            f"dataset {spec['name']!r} seed {spec['seed']} differs from the coordinator's "
            f"(fingerprint {data.fingerprint[:12]} vs {spec['fingerprint'][:12]})"
        )
    return data


class BadNumbers(ValueError):
    """A fighter reported a number that cannot be true: its record fails with this reason."""


def checked_seconds(logs: dict[str, Any], epoch: int) -> float:
    """The epoch's training seconds a fighter reported: a finite number > 0, or BadNumbers."""
    seconds = logs.get("epoch_seconds") if isinstance(logs, dict) else None
    try:
        value = float(seconds)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise BadNumbers(
            f"epoch {epoch}: the callback's logs['epoch_seconds'] is {seconds!r}; it must be "
            "the epoch's training time, a finite number of seconds > 0"
        )
    return value


def checked_probabilities(values: Any, n_rows: int, layers: list[dict[str, Any]]) -> np.ndarray:
    """predict_proba's answer, shaped (rows, output units), in [0, 1] for a sigmoid or softmax
    output and summing to 1 per row for a softmax; BadNumbers naming what is wrong.

    Values that are not finite are let through: they mean the network diverged."""
    output = layers[-1]
    units, activation = int(output["output_dim"]), output["activation"]
    probabilities = np.asarray(values)
    if probabilities.shape != (n_rows, units):
        raise BadNumbers(
            f"predict_proba returned shape {probabilities.shape} for {n_rows} samples; expected "
            f"({n_rows}, {units}): one column per output unit"
        )
    probabilities = probabilities.astype(np.float64)
    if activation not in PROBABILITY_OUTPUTS or not np.isfinite(probabilities).all():
        return probabilities
    low, high = float(probabilities.min()), float(probabilities.max())
    if low < -PROBABILITY_TOLERANCE or high > 1 + PROBABILITY_TOLERANCE:
        raise BadNumbers(
            f"predict_proba returned values from {low:.4g} to {high:.4g}; a {activation} output "
            "gives probabilities in [0, 1]"
        )
    if activation == "softmax":
        sums = probabilities.sum(axis=1)
        worst = int(np.argmax(np.abs(sums - 1)))
        if abs(sums[worst] - 1) > PROBABILITY_TOLERANCE:
            raise BadNumbers(
                f"predict_proba's row {worst} sums to {sums[worst]:.6g}; a softmax output's "
                "probabilities sum to 1"
            )
    return probabilities


def memory_traced(model_class: type) -> bool:
    """What a class says of its memory pass with `traced_memory` (default True): False for a
    network whose tensors live outside Python's allocators, where tracing would see little."""
    says = getattr(model_class, "traced_memory", True)
    if not isinstance(says, bool):
        raise HarnessError(
            f"{model_class.__name__}.traced_memory is {says!r}; it must be True (trace its "
            "memory pass too: NumPy or Python tensors) or False (resident pass only: tensors "
            "allocated in C++ or on a device)"
        )
    return says


def training_memory(
    task: FighterTask, build: Callable[[], Any], data: Dataset, traced: bool = True
) -> int | None:
    """Peak memory of one epoch's training of a fresh model from the fight's start, untimed and
    measured apart from the timed training: the larger reading of a resident pass and (unless
    `traced` is False) a traced one (bench/run/memory.py says why and how)."""
    fit_options: dict[str, Any] = {"batch_size": task.batch_size}
    start = None
    if task.mode == "fair":
        start = make_fair_start(task.layers, task.seed, len(data.x_train), 1, task.batch_size)
        fit_options = {"batches": start.batches}
    instruments = [memory.ResidentMemory(), *([memory.TracedMemory()] if traced else [])]
    for instrument in instruments:
        with instrument:
            model = build()
            if start is not None:
                model.set_weights(start.weights)
            instrument.model_built()
            model.fit(data.x_train, data.y_train, epochs=1, evaluate=False, **fit_options)
        del model  # the next pass builds its own
    readings = [instrument.bytes for instrument in instruments if instrument.bytes is not None]
    return max(readings) if readings else None


def _train(
    task: FighterTask,
    build: Callable[[], Any],
    record: dict[str, Any],
    report: EpochReport,
    traced_memory: bool,
) -> None:
    data = load_task_data(task)
    model = build()
    fit_options: dict[str, Any] = {"batch_size": task.batch_size}
    if task.mode == "fair":
        start = make_fair_start(
            task.layers, task.seed, len(data.x_train), task.epochs, task.batch_size
        )
        model.set_weights(start.weights)
        fit_options = {"batches": start.batches}
    grid = extent = None
    if data.n_features == 2:
        grid, extent = boundary_grid(data, SNAPSHOT_RESOLUTION)
    history: dict[str, Any] = {
        "loss": [],
        "accuracy": [],
        "val_loss": [],
        "val_accuracy": [],
        "epoch_seconds": [],
        "diverged_at": None,
    }
    last: dict[str, np.ndarray] = {}
    evaluating = [0.0, 0.0]  # seconds: all of the harness's work after epochs, its snapshots
    # The harness's own predictions use one BLAS thread: on a busy machine OpenBLAS's threads
    # made a whole-set forward pass 15-40x slower than one thread, for the same bits.
    one_thread = ThreadpoolController()

    def after_epoch(epoch: int, logs: dict[str, float]) -> bool:
        started = time.perf_counter()
        history["epoch_seconds"].append(checked_seconds(logs, epoch))
        with one_thread.limit(limits=1, user_api="blas"):
            for prefix, x, y in (
                ("", data.x_train, data.y_train),
                ("val_", data.x_test, data.y_test),
            ):
                probabilities = checked_probabilities(model.predict_proba(x), len(x), task.layers)
                last[prefix] = probabilities
                loss = prediction_loss(y, probabilities, task.loss, data.n_classes)
                history[f"{prefix}loss"].append(loss)
                history[f"{prefix}accuracy"].append(
                    float((predicted_labels(probabilities) == y).mean())
                )
            if epoch in task.snapshot_epochs and grid is not None:
                snapshot_started = time.perf_counter()
                probabilities = checked_probabilities(
                    model.predict_proba(grid), len(grid), task.layers
                )
                snapshot = decision_boundary(
                    probabilities, extent, SNAPSHOT_RESOLUTION, SNAPSHOT_DECIMALS
                )
                record["boundary_snapshots"].append({"epoch": epoch, "values": snapshot["values"]})
                evaluating[1] += time.perf_counter() - snapshot_started
        report(epoch, history["loss"][-1])
        evaluating[0] += time.perf_counter() - started
        if history["loss"][-1] is None:
            history["diverged_at"] = epoch
            return True  # stop: a diverged network has nothing more to show
        return False

    model.fit(
        data.x_train,
        data.y_train,
        epochs=task.epochs,
        callback=after_epoch,
        evaluate=False,
        **fit_options,
    )
    # After the timed training, so first-use costs (tracing, kernels) fall there in every seed.
    memory_started = time.perf_counter()
    try:
        record["peak_memory_bytes"] = training_memory(task, build, data, traced_memory)
    except Exception:  # the fight trained: a failed measurement costs its number only (logged)
        traceback.print_exc()
    record["memory_seconds"] = time.perf_counter() - memory_started
    record["evaluation_seconds"] = evaluating[0]
    record["snapshot_seconds"] = evaluating[1]
    seconds = history["epoch_seconds"]
    if not seconds:
        raise BadNumbers(
            f"fit() returned without calling the callback once ({task.epochs} epochs asked): "
            "call callback(epoch, {'epoch_seconds': ...}) after every epoch (see "
            "bench/fighters/base.py)"
        )
    record.update(history=history, epochs_run=len(seconds), train_seconds=float(sum(seconds)))
    if history["diverged_at"] is not None:
        record.update(status="diverged", reason=f"diverged at epoch {history['diverged_at']}")
        return
    finishing = time.perf_counter()
    with one_thread.limit(limits=1, user_api="blas"):
        _finish(task, model, data, record, history, last)
    record["final_seconds"] = time.perf_counter() - finishing
    record["status"] = "ok"


def _finish(
    task: FighterTask,
    model: Any,
    data: Dataset,
    record: dict[str, Any],
    history: dict[str, Any],
    last: dict[str, np.ndarray],
) -> None:
    """The trained fighter's metrics, final decision boundary and (fair mode) weights."""
    record["metrics"] = fighter_metrics(
        data, last[""], last["val_"], history, task.loss, task.target_accuracy
    )
    if data.n_features == 2:
        grid, extent = boundary_grid(data)
        probabilities = checked_probabilities(model.predict_proba(grid), len(grid), task.layers)
        record["decision_boundary"] = decision_boundary(
            probabilities, extent, int(math.isqrt(len(grid)))
        )
    if task.return_weights:
        record["weights"] = [
            (np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
            for w, b in model.get_weights()
        ]
