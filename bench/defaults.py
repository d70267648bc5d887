"""Default paths and thresholds, each defined once; the CLI shows them in its help."""

from __future__ import annotations

from pathlib import Path

RESULTS_DIR = Path("results")
BASELINE_PATH = RESULTS_DIR / "baseline.json"
HISTORY_PATH = RESULTS_DIR / "history.csv"  # beside the run folders, so a report finds its trend
DATASET_CACHE = Path("datasets") / "cache"  # git-ignored, inside the data folder

CONFIDENCE = 0.95  # every interval in the harness

# Regression gate (`compare`).
ACCURACY_FLOOR = 0.01  # an accuracy drop smaller than this is never a regression
SPEED_FACTOR = 1.5  # David's speed-up must fall by more than this factor...
ALPHA = 0.05  # ...and significantly (one-sided Mann-Whitney U, p <= alpha)
# Speed gate (`continuous`): base and head measured in the same job, in rounds.
CONTINUOUS_SUITE = "gate"
CONTINUOUS_FACTOR = 1.2  # head proven slower than base by more than this (one-sided 95% bound)
CONTINUOUS_MIN_ROUNDS = 4
CONTINUOUS_MAX_ROUNDS = 10  # a noisy machine gets more rounds before the gate says UNDECIDED
# Per-epoch losses this close (relative to max(1, |loss|)) are the same number: fair float64
# cases are held to it in verdicts and in the gate (float32's own limit: bench/judging/parity.py).
PARITY_TOLERANCE = 1e-9
