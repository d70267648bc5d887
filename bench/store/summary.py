"""summary.csv: one row per fight x fighter, kept in memory and rewritten as each fight finishes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from bench.files import write_text
from bench.store.records import DAVID, Fight
from bench.store.speed import median_epoch_seconds, verdict_speedup

SUMMARY_FILE = "summary.csv"


def summary_rows(fight: Fight) -> list[dict[str, Any]]:
    """One row per fighter of a fight; speeds by the verdict's definition."""
    parity = fight.parity
    rows = []
    for name, record in fight.fighters.items():
        metrics = record.metrics
        median = median_epoch_seconds(record)
        rows.append(
            {
                "case": fight.case_name,
                "seed": fight.seed,
                "fighter": name,
                "mode": fight.mode,
                "dtype": fight.dtype,
                "status": record.status,
                "reason": record.reason,
                "test_accuracy": metrics.test_accuracy if metrics else None,
                "train_accuracy": metrics.train_accuracy if metrics else None,
                "test_loss": metrics.test_loss if metrics else None,
                "train_seconds": record.train_seconds,
                "median_epoch_ms": median * 1e3 if median is not None else None,
                "david_speedup": verdict_speedup(fight, name) if name != DAVID else None,
                "samples_per_second": metrics.samples_per_second if metrics else None,
                "epochs_to_target": metrics.epochs_to_target if metrics else None,
                "peak_memory_mb": (
                    record.peak_memory_bytes / 1e6 if record.peak_memory_bytes else None
                ),
                "parity_max_loss_difference": (
                    parity[name].max_loss_difference if parity and name in parity else None
                ),
                "dataset_fingerprint": fight.dataset.get("fingerprint"),  # none: data not built
            }
        )
    return rows


class Summary:
    """The rows of a run's fights, held in memory; `write` puts them all in summary.csv."""

    def __init__(self, run_dir: Path):
        self.path = Path(run_dir) / SUMMARY_FILE
        self._rows: dict[tuple[str, int], list[dict[str, Any]]] = {}

    def add(self, fight: Fight) -> None:
        """Hold a fight's rows (replacing an earlier result of the same case and seed)."""
        self._rows[(fight.case_name, fight.seed)] = summary_rows(fight)

    def write(self) -> Path:
        """Write every row, atomically."""
        rows = [row for fight_rows in self._rows.values() for row in fight_rows]
        write_text(self.path, pd.DataFrame(rows).to_csv(index=False))
        return self.path
