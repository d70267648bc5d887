"""One fight: every fighter of a case trains on one seed, each in its own worker, back to back.

The coordinator prepares the data (cached, fingerprinted), sends each fighter its task, and
assembles the fight's result: the records, and in fair mode each pair's parity with David.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

import numpy as np

from bench.datasets import Dataset
from bench.judging.parity import EARLY_EPOCHS
from bench.plan.fingerprint import config_fingerprint
from bench.plan.preflight import case_data
from bench.plan.suite import Case
from bench.run.environment import describe_machine
from bench.run.metrics import max_weight_difference
from bench.run.pool import WorkerPool
from bench.run.train import FighterTask, empty_record
from bench.store.phases import PHASES_KEY, PhaseClock
from bench.store.records import DAVID
from bench.store.run_folder import SCHEMA_VERSION

SNAPSHOTS = 4  # boundary snapshots during training (2-D data), besides the final boundary


class FightProgress(Protocol):
    """Told when each fighter starts, and after its epochs."""

    def fighter(self, name: str, epochs: int) -> None: ...

    def epoch(self, epoch: int, logs: dict[str, Any]) -> None: ...


def fighter_tasks(case: Case, seed: int, data: Dataset, cache_dir: str | None) -> list[FighterTask]:
    """One task per fighter of the case, in the case's order."""
    dataset = {
        "name": data.name,
        "params": dict(data.params),
        "seed": data.seed,
        "cache_dir": cache_dir,
        "fingerprint": data.fingerprint,
    }
    tasks = []
    for name, settings in case.fighters.items():
        epochs = settings.epochs
        snapshot_epochs = ()
        if data.n_features == 2:
            snapshot_epochs = tuple(
                sorted({max(1, epochs * k // SNAPSHOTS) for k in range(1, SNAPSHOTS)} | {1})
            )
        tasks.append(
            FighterTask(
                fighter=name,
                case=case.name,
                seed=seed,
                mode=case.mode,
                layers=case.layers(data.n_features, data.n_classes, name),
                loss=case.loss_for(data.n_classes),
                optimizer=dict(settings.optimizer),
                l2=case.l2,
                dtype=case.dtype,
                epochs=epochs,
                batch_size=settings.batch_size,
                dataset=dataset,
                target_accuracy=case.target_accuracy,
                snapshot_epochs=snapshot_epochs,
                return_weights=case.mode == "fair",
            )
        )
    return tasks


def run_fight(
    case: Case,
    seed: int,
    run_id: str,
    pool: WorkerPool,
    cache_dir: str | None,
    progress: FightProgress,
) -> dict[str, Any]:
    """Train every fighter of a case on one seed; return the schema-shaped result."""
    clock = PhaseClock()
    with clock.timing("data"):
        data = case_data(case, seed, cache_dir)
    records: dict[str, dict[str, Any]] = {}
    for task in fighter_tasks(case, seed, data, cache_dir):
        progress.fighter(task.fighter, task.epochs)
        config = pool.config(task.fighter)
        unavailable = config.unavailable_reason()
        if unavailable:
            records[task.fighter] = empty_record("unavailable", unavailable)
            continue
        if task.dtype not in config.dtypes:
            why = f"not supported by {task.fighter}: {task.dtype} (it trains in {config.dtypes[0]})"
            records[task.fighter] = empty_record("unsupported", why)
            continue
        asked = time.perf_counter()
        record = pool.run(task, case.time_limit, progress.epoch)
        _count_worker(clock, record, time.perf_counter() - asked)
        records[task.fighter] = {**empty_record("failed", None), **record}
    weights = {name: record.pop("weights", None) for name, record in records.items()}
    with clock.timing("parity"):
        parity = _parity(records, weights) if case.mode == "fair" else None
    case_info = case.as_dict()
    layers = case.layers(data.n_features, data.n_classes)
    case_info["model"] = {"layers": layers, "loss": case.loss_for(data.n_classes), "l2": case.l2}
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "config_fingerprint": config_fingerprint(case, data.fingerprint, pool.fighters),
        "error": None,
        "case": case_info,
        "seed": seed,
        "dataset": data.summary(),
        "test_points": (
            {"x": np.round(data.x_test, 4).tolist(), "y": data.y_test.tolist()}
            if data.n_features == 2
            else None
        ),
        "fighters": records,
        "parity": parity,
        "machine": describe_machine(pool.env),
        PHASES_KEY: clock.seconds,  # the ledger takes it out for run.json: not the fight's file
    }


def _count_worker(clock: PhaseClock, record: dict[str, Any], waited: float) -> None:
    """Add a fighter's worker phases to the fight's, and the rest of the wait as messaging."""
    phases = record.pop(PHASES_KEY, None) or {}
    for phase, seconds in phases.items():
        clock.add(phase, seconds)
    clock.add("messaging", max(0.0, waited - sum(phases.values())))


def failed_fight(
    case: Case, seed: int, run_id: str, error: str, fighters: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The result of a fight that could not take place (its data could not be built)."""
    dataset_seed = case.dataset_seed if case.dataset_seed is not None else seed
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "config_fingerprint": config_fingerprint(case, None, fighters),
        "error": error,
        "case": {**case.as_dict(), "model": None},
        "seed": seed,
        "dataset": {
            "name": case.dataset,
            "params": dict(case.dataset_params),
            "seed": dataset_seed,
        },
        "test_points": None,
        "fighters": {name: empty_record("failed", error) for name in case.fighters},
        "parity": None,
    }


def _parity(
    records: dict[str, dict[str, Any]], weights: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """For each opponent, how far from David it ended up after training from the same start."""
    david = records[DAVID]
    pairs = {}
    for name, record in records.items():
        if name == DAVID:
            continue
        if david["history"] is None or record["history"] is None:
            pairs[name] = {
                "max_loss_difference": None,
                "max_weight_difference": None,
                "epochs_compared": 0,
            }
            continue
        ours = np.asarray(david["history"]["loss"], dtype=np.float64)
        theirs = np.asarray(record["history"]["loss"], dtype=np.float64)
        n = min(ours.size, theirs.size)
        gaps = np.abs(ours[:n] - theirs[:n])
        finite = gaps[np.isfinite(gaps)]
        early = gaps[:EARLY_EPOCHS][np.isfinite(gaps[:EARLY_EPOCHS])]
        both_ok = david["status"] == record["status"] == "ok"
        pairs[name] = {
            "max_loss_difference": float(finite.max()) if finite.size else None,
            "early_loss_difference": float(early.max()) if early.size else None,
            "max_weight_difference": (
                max_weight_difference(weights[DAVID], weights[name])
                if both_ok and weights[DAVID] and weights[name]
                else None
            ),
            "epochs_compared": int(n),
        }
    return pairs
