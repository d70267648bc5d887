"""Hand-made case results that match bench/store/result_schema.json, for verdicts and reports."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from bench.store.records import Fight
from bench.store.run_folder import validate_case_result

N_TRAIN = 900
WEIGHT_PARITY = 2.2e-16


def fighter(
    *,
    test_correct: int = 95,
    n_test: int = 100,
    test_loss: float | None = 0.1,
    epoch_seconds: Sequence[float] = (0.01,) * 5,
    status: str = "ok",
    reason: str | None = None,
    diverged_at: int | None = None,
    train_seconds: float | None = None,
    train_accuracy: float | None = None,
    epochs_to_target: int | None = None,
    seconds_to_target: float | None = None,
    peak_memory_bytes: int | None = 2_000_000,
) -> dict[str, Any]:
    """One fighter's numbers; case_result turns them into a schema-shaped entry."""
    return dict(locals())


def case_result(
    case: str = "moons",
    seed: int = 0,
    mode: str = "fair",
    *,
    david: dict[str, Any] | None = None,
    two_d: bool = False,
    n_classes: int = 2,
    description: str = "hand-made case",
    dataset: str = "moons",
    target_accuracy: float | None = None,
    dtype: str | None = None,
    run_id: str = "test-run",
    **opponents: dict[str, Any],
) -> dict[str, Any]:
    """A schema-valid result of one case and seed; opponents by roster name (default: keras)."""
    specs = {"david": david or fighter(), **(opponents or {"keras": fighter()})}
    n_test = specs["david"]["n_test"]
    entries = {
        name: _entry(spec, n_classes=n_classes, two_d=two_d, seed=seed)
        for name, spec in specs.items()
    }
    result = {
        "schema_version": 2,
        "run_id": run_id,
        "config_fingerprint": hashlib.sha256(f"{case}-{seed}".encode()).hexdigest(),
        "error": None,
        "case": _case(case, mode, specs, description, dataset, target_accuracy, n_classes, two_d),
        "seed": seed,
        "dataset": {
            "name": dataset,
            "params": {"noise": 0.2},
            "seed": seed,
            "n_train": N_TRAIN,
            "n_test": n_test,
            "n_features": 2 if two_d else 4,
            "n_classes": n_classes,
            "class_names": [f"class {k}" for k in range(n_classes)],
            "fingerprint": hashlib.sha256(f"{dataset}-{seed}".encode()).hexdigest(),
        },
        "test_points": _test_points(n_test, n_classes, seed) if two_d else None,
        "fighters": entries,
        "parity": _parity(entries) if mode == "fair" else None,
    }
    if dtype is not None:
        result["case"]["dtype"] = dtype
    validate_case_result(result, f"result_factory({case!r}, seed {seed})")
    return result


def fight(*args: Any, **kwargs: Any) -> Fight:
    """The same, typed, as every consumer reads it."""
    return Fight.from_json(case_result(*args, **kwargs))


def _case(
    name: str,
    mode: str,
    specs: dict[str, dict[str, Any]],
    description: str,
    dataset: str,
    target_accuracy: float | None,
    n_classes: int,
    two_d: bool,
) -> dict[str, Any]:
    n_outputs = 1 if n_classes == 2 else n_classes
    settings = {
        name: {
            "epochs": max(1, len(spec["epoch_seconds"])),
            "batch_size": 32,
            "optimizer": {"name": "sgd", "learning_rate": 0.01},
            "init": "glorot_uniform",
            "bias_init": "zeros",
        }
        for name, spec in specs.items()
    }
    if mode == "native":  # each framework as its users would run it
        settings["david"].update(batch_size=None, optimizer={"name": "sgd", "learning_rate": 0.1})
        for opponent in list(specs)[1:]:
            settings[opponent].update(optimizer={"name": "adam", "learning_rate": 0.001})
    return {
        "name": name,
        "description": description,
        "dataset": {"name": dataset, "params": {"noise": 0.2}, "seed": None},
        "mode": mode,
        "dtype": "float64" if mode == "fair" else "float32",
        "target_accuracy": target_accuracy,
        "model": {
            "layers": [
                {"input_dim": 2 if two_d else 4, "output_dim": 8, "activation": "relu"},
                {
                    "input_dim": 8,
                    "output_dim": n_outputs,
                    "activation": "sigmoid" if n_classes == 2 else "softmax",
                },
            ],
            "loss": "binary_crossentropy" if n_classes == 2 else "categorical_crossentropy",
        },
        "fighters": settings,
    }


def _entry(spec: dict[str, Any], *, n_classes: int, two_d: bool, seed: int) -> dict[str, Any]:
    epoch_seconds = [float(s) for s in spec["epoch_seconds"]]
    epochs = len(epoch_seconds)
    if spec["status"] in ("failed", "unsupported", "unavailable"):
        return {
            "status": spec["status"],
            "reason": spec["reason"] or "failed: RuntimeError: out of memory",
            "traceback": "Traceback (most recent call last):\nRuntimeError: out of memory",
            "train_seconds": None,
            "epochs_run": 0,
            "history": None,
            "metrics": None,
            "decision_boundary": None,
            "boundary_snapshots": [],
            "peak_memory_bytes": None,
            "process": None,
        }
    final_loss = spec["test_loss"] if spec["test_loss"] is not None else 0.1
    loss = [float(v) for v in np.geomspace(0.7, max(final_loss, 1e-3), epochs)]
    accuracy = [float(v) for v in np.linspace(0.5, 0.95, epochs)]
    history = {
        "loss": loss,
        "accuracy": accuracy,
        "val_loss": [v * 1.1 for v in loss],
        "val_accuracy": [v * 0.98 for v in accuracy],
        "epoch_seconds": epoch_seconds,
        "diverged_at": None,
    }
    train_seconds = spec["train_seconds"]
    if train_seconds is None:
        train_seconds = float(sum(epoch_seconds))
    if spec["status"] == "diverged":
        at = spec["diverged_at"] if spec["diverged_at"] is not None else epochs
        history["loss"][at - 1 :] = [None] * (epochs - at + 1)
        history["val_loss"][at - 1 :] = [None] * (epochs - at + 1)
        history["diverged_at"] = at
        return {
            "status": "diverged",
            "reason": spec["reason"] or f"diverged at epoch {at}",
            "traceback": None,
            "train_seconds": train_seconds,
            "epochs_run": at,
            "history": history,
            "metrics": None,
            "decision_boundary": None,
            "boundary_snapshots": [],
            "peak_memory_bytes": None,
            "process": None,
        }
    correct, n_test = spec["test_correct"], spec["n_test"]
    confusion = _confusion(correct, n_test, n_classes)
    metrics = {
        "train_accuracy": (
            min(1.0, correct / n_test + 0.01)
            if spec["train_accuracy"] is None
            else spec["train_accuracy"]
        ),
        "test_accuracy": correct / n_test,
        "test_loss": spec["test_loss"],
        "test_correct": correct,
        "n_test": n_test,
        "samples_per_second": N_TRAIN * epochs / train_seconds if train_seconds else None,
        "epochs_to_target": spec["epochs_to_target"],
        "seconds_to_target": spec["seconds_to_target"],
        "confusion_matrix": confusion,
        "per_class": _per_class(np.array(confusion)),
    }
    return {
        "status": spec["status"],  # "ok", or a bad value for the schema to catch
        "reason": None,
        "traceback": None,
        "train_seconds": train_seconds,
        "epochs_run": epochs,
        "history": history,
        "metrics": metrics,
        "decision_boundary": _boundary(n_classes) if two_d else None,
        "boundary_snapshots": (
            [{"epoch": 1, "values": _boundary(n_classes, 8)["values"]}] if two_d else []
        ),
        "peak_memory_bytes": spec["peak_memory_bytes"],
        "process": None,
    }


def _confusion(correct: int, n_test: int, n_classes: int) -> list[list[int]]:
    """Rows true, columns predicted; `correct` on the diagonal, each miss one class over."""
    support = [n_test // n_classes + (k < n_test % n_classes) for k in range(n_classes)]
    diagonal = [s * correct // n_test for s in support]
    spare = correct - sum(diagonal)
    for k in range(n_classes):
        extra = min(spare, support[k] - diagonal[k])
        diagonal[k] += extra
        spare -= extra
    matrix = [[0] * n_classes for _ in range(n_classes)]
    for k in range(n_classes):
        matrix[k][k] = diagonal[k]
        matrix[k][(k + 1) % n_classes] += support[k] - diagonal[k]
    return matrix


def _per_class(confusion: np.ndarray) -> dict[str, list[float]]:
    hits = np.diag(confusion).astype(float)
    predicted, support = confusion.sum(axis=0), confusion.sum(axis=1)
    precision = np.divide(hits, predicted, out=np.zeros_like(hits), where=predicted > 0)
    recall = np.divide(hits, support, out=np.zeros_like(hits), where=support > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(hits), where=total > 0)
    return {
        "precision": precision.tolist(),
        "recall": recall.tolist(),
        "f1": f1.tolist(),
        "support": support.tolist(),
    }


def _label(x: np.ndarray, y: np.ndarray, n_classes: int) -> np.ndarray:
    """The true rule: a line for two classes, angular sectors for more."""
    if n_classes == 2:
        return (x + 0.5 * y > 0).astype(int)
    sector = (np.arctan2(y, x) + math.pi) / (2 * math.pi) * n_classes
    return np.clip(sector.astype(int), 0, n_classes - 1)


def _boundary(n_classes: int, resolution: int = 16) -> dict[str, Any]:
    """values[i][j] is the grid point (xs[j], ys[i])."""
    xs = np.linspace(-2.5, 2.5, resolution)
    grid_x, grid_y = np.meshgrid(xs, xs)
    if n_classes == 2:
        values, kind = 1 / (1 + np.exp(-3 * (grid_x + 0.5 * grid_y))), "probability"
    else:
        values, kind = _label(grid_x, grid_y, n_classes), "class"
    return {
        "x_min": -2.5,
        "x_max": 2.5,
        "y_min": -2.5,
        "y_max": 2.5,
        "resolution": resolution,
        "values": values.tolist(),
        "kind": kind,
    }


def _test_points(n_test: int, n_classes: int, seed: int) -> dict[str, Any]:
    points = np.random.default_rng(seed).normal(size=(n_test, 2))
    return {"x": points.tolist(), "y": _label(points[:, 0], points[:, 1], n_classes).tolist()}


def _parity(entries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per opponent, the gap between its per-epoch losses and David's."""
    david = entries["david"]
    gaps = {}
    for name, entry in entries.items():
        if name == "david":
            continue
        if david["status"] != "ok" or entry["status"] != "ok":
            histories = [h for h in (david["history"], entry["history"]) if h]
            epochs = min((len(h["loss"]) for h in histories), default=0)
            gaps[name] = {
                "max_loss_difference": None,
                "max_weight_difference": None,
                "epochs_compared": epochs,
            }
            continue
        ours, theirs = np.array(david["history"]["loss"]), np.array(entry["history"]["loss"])
        epochs = min(len(ours), len(theirs))
        gaps[name] = {
            "max_loss_difference": float(np.max(np.abs(ours[:epochs] - theirs[:epochs]))),
            "early_loss_difference": float(np.max(np.abs(ours[:10] - theirs[:10]))),
            "max_weight_difference": WEIGHT_PARITY,
            "epochs_compared": epochs,
        }
    return gaps
