"""history.csv: one row per run x case x opponent, appended by `make bench`, read by the trend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bench.defaults import HISTORY_PATH
from bench.files import write_text
from bench.store.run_folder import ResultsError, Run
from bench.store.tracking import summarize

COLUMNS = (
    "date",
    "commit",
    "run_id",
    "suite",
    "case",
    "opponent",
    "seeds",
    "david_test_accuracy",
    "david_speedup",
    "parity_max_loss_difference",
)


def history_rows(run: Run) -> pd.DataFrame:
    """The run's rows: David's mean test accuracy and median speed-up (the gate's definition)."""
    environment = run.info.get("environment") or {}
    rows = []
    for case, entry in summarize(run).items():
        accuracies = [a for a in entry.david_test_accuracy if a is not None]
        for opponent, speedups in entry.speedups.items():
            present = [s for s in speedups if s is not None]
            rows.append(
                {
                    "date": run.info.get("started"),
                    "commit": (environment.get("git_commit") or "")[:12],
                    "run_id": run.info.get("run_id") or run.run_dir.name,
                    "suite": run.suite_name,
                    "case": case,
                    "opponent": opponent,
                    "seeds": len(entry.seeds),
                    "david_test_accuracy": np.mean(accuracies) if accuracies else None,
                    "david_speedup": np.median(present) if present else None,
                    "parity_max_loss_difference": entry.parity.get(opponent),
                }
            )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def append_history(run: Run, path: Path = HISTORY_PATH) -> Path:
    """Append the run's rows to the history CSV, written atomically."""
    path = Path(path)
    frame = history_rows(run)
    if path.exists():
        frame = pd.concat([read_history(path), frame], ignore_index=True)
    write_text(path, frame.to_csv(index=False))
    return path


def read_history(path: Path = HISTORY_PATH) -> pd.DataFrame:
    """The history table (empty when the file does not exist yet); ResultsError if unreadable."""
    path = Path(path)
    if not path.exists():
        return pd.DataFrame(columns=list(COLUMNS))
    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as err:
        raise ResultsError(f"{path}: not a readable history CSV ({err})") from err
    if "time_ratio" in table and "david_speedup" not in table:
        # Written before the ratio pointed one way: it was David's time over Goliath's.
        table["david_speedup"] = 1.0 / table.pop("time_ratio")
        table["opponent"] = "goliath"
    missing = [column for column in ("run_id", "suite", "case") if column not in table]
    if missing:
        raise ResultsError(f"{path}: not a history CSV (no column {', '.join(missing)})")
    return table.reindex(columns=list(COLUMNS))
