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

from bench.datasets import Dataset, load_dataset
from bench.fighters.base import Unsupported
from bench.run import memory
from bench.run.fair_start import make_fair_start
from bench.run.metrics import (
    boundary_grid,
    decision_boundary,
    fighter_metrics,
    predicted_labels,
    prediction_loss,
)

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

    def build() -> Any:
        return model_class(
            task.layers,
            loss=task.loss,
            optimizer=dict(task.optimizer),
            l2=task.l2,
            dtype=task.dtype,
            seed=task.seed,
            **(options or {}),
        )

    try:
        _train(task, build, record, report or (lambda epoch, loss: None))
    except Unsupported as err:
        record.update(status="unsupported", reason=f"not supported by {task.fighter}: {err}")
    except Exception as err:  # a fighter's failure is a result, not the end of the run
        record.update(reason=f"{type(err).__name__}: {err}", traceback=traceback.format_exc())
    record["wall_seconds"] = time.perf_counter() - started
    return record


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


def training_memory(task: FighterTask, build: Callable[[], Any], data: Dataset) -> int | None:
    """Peak memory of one epoch's training of a fresh model from the fight's start, untimed and
    measured apart from the timed training (bench/run/memory.py says why and how)."""
    fit_options: dict[str, Any] = {"batch_size": task.batch_size}
    start = None
    if task.mode == "fair":
        start = make_fair_start(task.layers, task.seed, len(data.x_train), 1, task.batch_size)
        fit_options = {"batches": start.batches}
    with memory.TrainingMemory() as measured:
        model = build()
        if start is not None:
            model.set_weights(start.weights)
        measured.model_built()
        model.fit(data.x_train, data.y_train, epochs=1, evaluate=False, **fit_options)
    return measured.bytes


def _train(
    task: FighterTask, build: Callable[[], Any], record: dict[str, Any], report: EpochReport
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
    evaluating = [0.0]

    def after_epoch(epoch: int, logs: dict[str, float]) -> bool:
        started = time.perf_counter()
        history["epoch_seconds"].append(float(logs["epoch_seconds"]))
        for prefix, x, y in (("", data.x_train, data.y_train), ("val_", data.x_test, data.y_test)):
            probabilities = np.asarray(model.predict_proba(x))
            last[prefix] = probabilities
            loss = prediction_loss(y, probabilities, task.loss, data.n_classes)
            history[f"{prefix}loss"].append(loss)
            history[f"{prefix}accuracy"].append(
                float((predicted_labels(probabilities) == y).mean())
            )
        if epoch in task.snapshot_epochs and grid is not None:
            probabilities = model.predict_proba(grid)
            snapshot = decision_boundary(
                probabilities, extent, SNAPSHOT_RESOLUTION, SNAPSHOT_DECIMALS
            )
            record["boundary_snapshots"].append({"epoch": epoch, "values": snapshot["values"]})
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
    try:
        record["peak_memory_bytes"] = training_memory(task, build, data)
    except Exception:  # the fight trained: a failed measurement costs its number only (logged)
        traceback.print_exc()
    record["evaluation_seconds"] = evaluating[0]
    seconds = history["epoch_seconds"]
    record.update(history=history, epochs_run=len(seconds), train_seconds=float(sum(seconds)))
    if history["diverged_at"] is not None:
        record.update(status="diverged", reason=f"diverged at epoch {history['diverged_at']}")
        return
    record["metrics"] = fighter_metrics(
        data, last[""], last["val_"], history, task.loss, task.target_accuracy
    )
    if data.n_features == 2:
        grid, extent = boundary_grid(data)
        record["decision_boundary"] = decision_boundary(
            model.predict_proba(grid), extent, int(math.isqrt(len(grid)))
        )
    if task.return_weights:
        record["weights"] = [
            (np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
            for w, b in model.get_weights()
        ]
    record["status"] = "ok"
