"""Typed results: a fight's JSON, once validated, read into small dataclasses every consumer shares.

A fight is one case and one seed: every fighter's record (status, per-epoch history, metrics,
decision boundary) and, in fair mode, how far apart the fighters ended up (parity).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DAVID = "david"


@dataclass(frozen=True)
class RecordedHistory:
    """Per-epoch whole-set losses and accuracies (None: not finite) and training seconds."""

    loss: list[float | None]
    accuracy: list[float]
    val_loss: list[float | None]
    val_accuracy: list[float]
    epoch_seconds: list[float]
    diverged_at: int | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RecordedHistory:
        """From the `history` object of a fighter's record."""
        return cls(**{key: data[key] for key in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Metrics:
    """What the harness measured from a fighter's predictions after training."""

    train_accuracy: float
    test_accuracy: float
    test_loss: float | None
    test_correct: int
    n_test: int
    samples_per_second: float | None
    epochs_to_target: int | None
    seconds_to_target: float | None
    confusion_matrix: list[list[int]]
    per_class: dict[str, list[float]]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Metrics:
        """From the `metrics` object of a fighter's record."""
        return cls(**{key: data[key] for key in cls.__dataclass_fields__})


@dataclass(frozen=True)
class FighterRecord:
    """One fighter in one fight: how it ended, its history and its metrics."""

    name: str
    status: str  # "ok" | "diverged" | "failed"
    reason: str | None
    traceback: str | None
    train_seconds: float | None
    epochs_run: int
    history: RecordedHistory | None
    metrics: Metrics | None
    decision_boundary: dict[str, Any] | None
    boundary_snapshots: list[dict[str, Any]] = field(default_factory=list, repr=False)
    peak_memory_bytes: int | None = None
    process: dict[str, Any] | None = field(default=None, repr=False)  # the worker's settings
    scaled: str | None = None  # what was scaled for the fighter's declared loss convention

    @classmethod
    def from_json(cls, name: str, data: dict[str, Any]) -> FighterRecord:
        """From one entry of a fight's `fighters` object."""
        return cls(
            name=name,
            status=data["status"],
            reason=data["reason"],
            traceback=data.get("traceback"),
            train_seconds=data["train_seconds"],
            epochs_run=data["epochs_run"],
            history=RecordedHistory.from_json(data["history"]) if data["history"] else None,
            metrics=Metrics.from_json(data["metrics"]) if data["metrics"] else None,
            decision_boundary=data.get("decision_boundary"),
            boundary_snapshots=data.get("boundary_snapshots") or [],
            peak_memory_bytes=data.get("peak_memory_bytes"),
            scaled=data.get("scaled"),
            process=data.get("process"),
        )

    @property
    def ok(self) -> bool:
        """Finished cleanly, with metrics: only such records take part in verdicts."""
        return self.status == "ok" and self.metrics is not None

    @property
    def epoch_seconds(self) -> list[float]:
        """Seconds of training updates, per epoch run."""
        return self.history.epoch_seconds if self.history else []

    def why_not_ok(self) -> str:
        """Why this record is not ok, in a short phrase: 'diverged at epoch 37'."""
        reason = " ".join(str(self.reason or "").split())
        if len(reason) > 120:  # a reason is a phrase; a whole traceback would drown the sentence
            reason = reason[:117] + "..."
        if self.status == "ok":
            return "has no metrics"
        if self.status in ("unsupported", "unavailable"):
            return reason or self.status
        if not reason:
            if self.status == "diverged" and self.history and self.history.diverged_at:
                return f"diverged at epoch {self.history.diverged_at}"
            return self.status
        return reason if reason.lower().startswith(self.status) else f"{self.status}: {reason}"


@dataclass(frozen=True)
class Parity:
    """Fair mode: how far apart the fighters' per-epoch losses and final weights ended up."""

    max_loss_difference: float | None
    max_weight_difference: float | None
    epochs_compared: int
    early_loss_difference: float | None = None  # the first EARLY_EPOCHS epochs (format 2)


@dataclass(frozen=True)
class Fight:
    """One case and one seed of a run."""

    run_id: str
    seed: int
    case: dict[str, Any]  # the case as resolved from the suite, and the model it built
    dataset: dict[str, Any]  # name, params, sizes, class names, fingerprint
    fighters: dict[str, FighterRecord]
    parity: dict[str, Parity] | None  # fair mode: per opponent
    config_fingerprint: str = ""
    error: str | None = None  # why the fight could not take place
    test_points: dict[str, Any] | None = field(default=None, repr=False)
    machine: dict[str, Any] | None = None  # host, CPU, threads, Dask worker; None when unknown

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fight:
        """From a validated case-result object."""
        return cls(
            run_id=data["run_id"],
            seed=data["seed"],
            case=data["case"],
            dataset=data["dataset"],
            fighters={
                name: FighterRecord.from_json(name, entry)
                for name, entry in data["fighters"].items()
            },
            parity=(
                {name: Parity(**gap) for name, gap in data["parity"].items()}
                if data["parity"] is not None
                else None
            ),
            config_fingerprint=data["config_fingerprint"],
            error=data.get("error"),
            test_points=data.get("test_points"),
            machine=data.get("machine"),
        )

    @property
    def case_name(self) -> str:
        """The case's name (also its results file's stem)."""
        return self.case["name"]

    @property
    def mode(self) -> str:
        """'fair' (same start, same batches) or 'native' (each fighter its own way)."""
        return self.case["mode"]

    @property
    def dtype(self) -> str:
        """The float type every fighter trained in."""
        return self.case["dtype"]

    @property
    def opponents(self) -> list[str]:
        """Every fighter but David, in the order they fought."""
        return [name for name in self.fighters if name != DAVID]

    @property
    def class_names(self) -> list[str]:
        """The dataset's class names, or 0..k-1 when it has none."""
        names = list(self.dataset.get("class_names") or [])
        n_classes = int(self.dataset["n_classes"])
        return names if len(names) == n_classes else [str(k) for k in range(n_classes)]
