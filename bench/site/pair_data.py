"""What compare.html needs of one run to compare it with any other in the browser.

Computed once per run when it is indexed (kept with its summary, by content digest) and written
as runs/RUN.pair.js: exactly what bench.judging.run_pair.compare_two_runs reads of a run, so
static/compare.js can compute the same rows for any pair of runs without a server. Numbers are
JSON floats (repr: the same doubles in JavaScript), epoch times base64 float64s (the same
doubles, in half the characters). `compare_constants` is what the page needs once: the
thresholds, names and t quantiles the Python statistics use.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from bench.judging.parity import check_parity
from bench.judging.run_pair import _names
from bench.store.records import DAVID, Fight
from bench.store.run_folder import Run
from bench.store.tracking import summarize

PAIR_DATA_VERSION = 1


def pair_data(run: Run) -> dict[str, Any]:
    """Per case (in the run's order): mode, dtype, seeds, every fighter's records per seed, the
    parity check per opponent (fair mode) and David's per-seed speed-ups by the gate's definition
    (bench.store.tracking.summarize)."""
    summaries = summarize(run)
    cases = []
    for case, fights in run.by_case.items():
        first = fights[0]
        summary = summaries[case]
        entry: dict[str, Any] = {
            "case": case,
            "mode": first.mode,
            "dtype": first.dtype,
            "seeds": [f.seed for f in fights],
            "fighters": list(first.fighters),
            "records": {name: _records(fights, name) for name in first.fighters},
            "parity": {},
            "gate": {  # pairs, not an object: JavaScript would reorder keys that look like numbers
                "mode": summary.mode,
                "seeds": summary.seeds,
                "speedups": [[name, values] for name, values in summary.speedups.items()],
            },
        }
        if first.mode == "fair":
            for name in first.fighters:
                if name != DAVID:
                    check = check_parity(fights, name)
                    entry["parity"][name] = {
                        "held_gap": check.held_gap,
                        "identical": check.identical,
                        "max_loss_difference": check.max_loss_difference,
                        "tolerance": check.tolerance,
                    }
        cases.append(entry)
    return {
        "version": PAIR_DATA_VERSION,
        # How compare_two_runs names a run when two runs share no case.
        "described": f"{run.run_dir} (suite {run.suite_name!r}, cases {_names(run.by_case)})",
        "cases": cases,
    }


def _records(fights: list[Fight], name: str) -> dict[str, list[Any]]:
    """One fighter over the case's seeds (fight order), as columns: finished cleanly and why
    not, its seconds (epoch times in fair mode, as base64 float64s; training time in native
    mode), test counts."""
    columns: dict[str, list[Any]] = {"ok": [], "why": [], "seconds": [], "correct": [], "n": []}
    columns["accuracy"] = []
    for fight in fights:
        record = fight.fighters.get(name)
        if record is None:
            for column in columns.values():
                column.append(None)
            continue
        metrics = record.metrics
        columns["ok"].append(record.ok)
        columns["why"].append("" if record.ok else record.why_not_ok())
        columns["seconds"].append(
            epoch_times(record.epoch_seconds) if fight.mode == "fair" else record.train_seconds
        )
        columns["correct"].append(metrics.test_correct if metrics else None)
        columns["n"].append(metrics.n_test if metrics else None)
        columns["accuracy"].append(metrics.test_accuracy if metrics else None)
    return columns


def epoch_times(seconds: list[float]) -> str:
    """Epoch times as base64 of little-endian float64s: the same doubles, bit for bit, in 10.7
    characters each where JSON's shortest exact decimals take about 20 (they are most of the
    data: compare.js decodes them with a DataView)."""
    return base64.b64encode(np.asarray(seconds, dtype="<f8").tobytes()).decode("ascii")


def compare_constants(largest_sample: int) -> dict[str, Any]:
    """What compare.js needs once, from the Python that decides: thresholds, names, quantiles.

    t quantiles (95%, two-sided) for every degrees of freedom a sample of up to
    `largest_sample` values can have, computed by scipy as bench.judging.stats.t_interval does.
    """
    from scipy.stats import norm, t

    from bench.defaults import CONFIDENCE
    from bench.judging.regression_rules import GATED_OPPONENT, Thresholds
    from bench.judging.stats import BOOTSTRAP_RESAMPLES
    from bench.store.speed import GATE_SPEED, VERDICT_SPEED
    from bench.wording import FIGHTER_NAMES, RATIO_SHOWN_UP_TO

    limits = Thresholds()
    top = max(2, largest_sample)
    return {
        "accuracy_floor": limits.accuracy_floor,
        "speed_factor": limits.speed_factor,
        "alpha": limits.alpha,
        "parity_tolerance": limits.parity_tolerance,
        "gated_opponent": GATED_OPPONENT,
        "verdict_speed": VERDICT_SPEED,
        "gate_speed": GATE_SPEED,
        "fighter_names": FIGHTER_NAMES,
        "ratio_shown_up_to": RATIO_SHOWN_UP_TO,
        "confidence": CONFIDENCE,
        "resamples": BOOTSTRAP_RESAMPLES,
        # scipy's Wilson interval uses ndtri(0.5 + 0.5 * confidence); t_interval t.ppf(...)
        "z": float(norm.ppf(0.5 + 0.5 * CONFIDENCE)),
        "t": [None] + [float(t.ppf(0.5 + CONFIDENCE / 2, df)) for df in range(1, top)],
    }
