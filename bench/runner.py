"""The arena: for each case and seed, the same data and start for both fighters, then metrics."""

from __future__ import annotations

import fnmatch
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .datasets import Dataset, load_dataset
from .environment import describe_environment
from .fair_start import make_fair_start
from .files import write_json
from .metrics import decision_boundary, fighter_metrics, max_weight_difference
from .progress import Progress
from .records import FIGHTERS, Fight, display_name
from .results import (
    RUN_FILE,
    SCHEMA_VERSION,
    ResultsError,
    case_file,
    load_run_info,
    read_case_result,
    write_case_result,
)
from .suite import Case, Suite, SuiteError
from .summary import Summary


@dataclass
class RunOutcome:
    """What a run did: its folder, and how many case-seeds ran, were resumed or failed."""

    run_dir: Path
    finished: int
    resumed: int
    fighter_failures: int


def new_run_id(suite_name: str) -> str:
    """A sortable, readable run id: UTC time and suite name."""
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{suite_name}"


def select_cases(suite: Suite, pattern: str | None) -> list[Case]:
    """The suite's cases whose names match any of the comma-separated glob patterns."""
    if not pattern:
        return list(suite.cases)
    patterns = [p.strip() for p in pattern.split(",") if p.strip()]
    chosen = [c for c in suite.cases if any(fnmatch.fnmatchcase(c.name, p) for p in patterns)]
    if not chosen:
        names = ", ".join(c.name for c in suite.cases)
        raise SuiteError(f"--cases {pattern!r} matches no case of suite {suite.name!r}: {names}")
    return chosen


def _fighter_class(name: str):
    if name == "david":
        from numpy_nn import Network

        return Network
    from keras_ref import KerasNetwork  # imported on first use: TensorFlow takes seconds to load

    return KerasNetwork


def _train_fighter(
    name: str, case: Case, seed: int, data: Dataset, start: Any, progress: Progress, index: int
) -> tuple[dict[str, Any], Any]:
    """Build and train one fighter; failures and divergence become part of the record."""
    settings = case.fighters[name]
    loss = case.loss_for(data.n_classes)
    record: dict[str, Any] = {
        "status": "failed",
        "reason": None,
        "traceback": None,
        "train_seconds": None,
        "epochs_run": 0,
        "history": None,
        "metrics": None,
        "decision_boundary": None,
    }
    progress.start(index, case.name, seed, name, settings.epochs)
    model = None
    try:
        model = _fighter_class(name)(
            case.layers(data.n_features, data.n_classes, name),
            loss=loss,
            optimizer=dict(settings.optimizer),
            l2=case.l2,
            dtype=case.dtype,
            seed=seed,
        )
        if start is not None:
            model.set_weights(start.weights)
        # Fair: replay the shared batch order. Native: each fighter batches its own way.
        fit_options: dict[str, Any] = (
            {"batches": start.batches} if start else {"batch_size": settings.batch_size}
        )
        history = model.fit(
            data.x_train,
            data.y_train,
            epochs=settings.epochs,
            validation_data=(data.x_test, data.y_test),
            callback=progress.epoch,
            **fit_options,
        ).as_dict()
        record.update(
            history=history,
            epochs_run=len(history["epoch_seconds"]),
            train_seconds=float(sum(history["epoch_seconds"])),
        )
        record["metrics"] = fighter_metrics(model, data, history, loss, case.target_accuracy)
        record["decision_boundary"] = decision_boundary(model, data)
        if history["diverged_at"] is not None:
            record.update(status="diverged", reason=f"diverged at epoch {history['diverged_at']}")
        else:
            record["status"] = "ok"
    except Exception as err:  # a fighter's failure is a result, not the end of the run
        record.update(
            status="failed", reason=f"{type(err).__name__}: {err}", traceback=traceback.format_exc()
        )
    return record, model


def _parity(records: dict[str, dict], models: dict[str, Any]) -> dict[str, Any]:
    """How far apart the fighters ended up after training from the same start."""
    histories = [records[name]["history"] for name in FIGHTERS]
    if any(h is None for h in histories):
        return {"max_loss_difference": None, "max_weight_difference": None, "epochs_compared": 0}
    losses = [np.asarray(h["loss"], dtype=np.float64) for h in histories]
    n = min(len(loss) for loss in losses)
    gaps = np.abs(losses[0][:n] - losses[1][:n])
    weight_gap = None
    if all(records[name]["status"] == "ok" for name in FIGHTERS):
        weight_gap = max_weight_difference(
            models["david"].get_weights(), models["goliath"].get_weights()
        )
    finite = gaps[np.isfinite(gaps)]
    return {
        "max_loss_difference": float(finite.max()) if finite.size else None,
        "max_weight_difference": weight_gap,
        "epochs_compared": int(n),
    }


def run_case(
    case: Case, seed: int, run_id: str, progress: Progress, index: int, cache_dir: Path | None
) -> dict[str, Any]:
    """Train both fighters on one case and seed; return the schema-shaped result."""
    dataset_seed = case.dataset_seed if case.dataset_seed is not None else seed
    data = load_dataset(case.dataset, dataset_seed, cache_dir=cache_dir, **case.dataset_params)
    layers = case.layers(data.n_features, data.n_classes)
    start = None
    if case.mode == "fair":
        settings = case.fighters["david"]  # identical for both in fair mode
        start = make_fair_start(
            layers, seed, len(data.x_train), settings.epochs, settings.batch_size
        )
    records, models = {}, {}
    for name in FIGHTERS:
        records[name], models[name] = _train_fighter(name, case, seed, data, start, progress, index)
    case_data = case.as_dict()
    case_data["model"] = {"layers": layers, "loss": case.loss_for(data.n_classes), "l2": case.l2}
    two_d = data.n_features == 2
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "case": case_data,
        "seed": seed,
        "dataset": data.summary(),
        "test_points": (
            {"x": np.round(data.x_test, 4).tolist(), "y": data.y_test.tolist()} if two_d else None
        ),
        "fighters": records,
        "parity": _parity(records, models) if case.mode == "fair" else None,
    }


def _finished(run_dir: Path, case: Case, seed: int) -> Fight | None:
    """The valid result for this case and seed already on disk (resume), or None."""
    path = case_file(run_dir, case.name, seed)
    if not path.exists():
        return None
    try:
        return read_case_result(path)
    except ResultsError:
        return None  # half-written or stale: run it again


def _describe(fight: Fight) -> str:
    parts = []
    for name, record in fight.fighters.items():
        if record.status == "failed":
            parts.append(f"{display_name(name)} FAILED ({record.reason})")
            continue
        accuracy = record.metrics.test_accuracy
        note = f", {record.reason}" if record.reason else ""
        parts.append(f"{display_name(name)} {accuracy:.3f} in {record.train_seconds:.2f} s{note}")
    return " · ".join(parts)


def run_suite(
    suite: Suite,
    run_dir: Path,
    cases: list[Case],
    progress: Progress,
    cache_dir: Path | None = Path("datasets"),
) -> RunOutcome:
    """Run every case x seed into run_dir, skipping those already finished there (resume)."""
    run_dir = Path(run_dir)
    previous = load_run_info(run_dir)
    if previous and previous.get("suite", {}).get("name") != suite.name:
        raise ResultsError(
            f"{run_dir} holds a run of suite {previous.get('suite', {}).get('name')!r}, "
            f"not {suite.name!r}: choose another --out folder"
        )
    run_id = previous.get("run_id") or run_dir.name
    run_info = {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "suite": {"name": suite.name, "path": str(suite.path), "description": suite.description},
        "started": previous.get("started") or datetime.now(UTC).isoformat(timespec="seconds"),
        "finished": None,
        "case_names": [case.name for case in cases],
        "environment": describe_environment(),
    }
    write_json(run_dir / RUN_FILE, run_info)
    jobs = [(case, seed) for case in cases for seed in case.seeds]
    progress.total = len(jobs)
    summary = Summary(run_dir)
    finished = resumed = failures = 0
    for index, (case, seed) in enumerate(jobs, start=1):
        done = _finished(run_dir, case, seed)
        if done is not None:
            summary.add(done)
            resumed += 1
            progress.line(f"[{index}/{len(jobs)}] {case.name} seed {seed}: already done (resumed)")
            continue
        fight = write_case_result(run_dir, run_case(case, seed, run_id, progress, index, cache_dir))
        summary.add(fight)
        summary.write()
        finished += 1
        failures += sum(record.status == "failed" for record in fight.fighters.values())
        progress.line(f"[{index}/{len(jobs)}] {case.name} seed {seed}: {_describe(fight)}")
    progress.close()
    summary.write()
    run_info["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    write_json(run_dir / RUN_FILE, run_info)
    return RunOutcome(run_dir, finished, resumed, failures)
