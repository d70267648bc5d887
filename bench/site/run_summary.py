"""What the site shows of one run, computed once when the run is indexed: small, JSON-able.

Every number is decided by the harness's own judging: David's speed-up and its interval are the
speed round of the verdict (bench.judging.verdict.judge), his accuracy interval is Wilson's,
parity is bench.judging.parity's check. Nothing here re-implements a statistic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bench.judging.parity import check_parity
from bench.judging.stats import wilson_interval
from bench.judging.verdict import CaseVerdict, judge, scoreboard
from bench.run.machine_load import busy_warning
from bench.store.records import DAVID, Fight
from bench.store.run_folder import Run


def summarize_run(run: Run) -> dict[str, Any]:
    """The run's identity, machine, and per case the points its history charts need."""
    environment = run.info.get("environment") or {}
    cases, verdicts = {}, []
    for case, fights in run.by_case.items():
        entry, judged = _case_summary(fights)
        cases[case] = entry
        verdicts += judged
    opponents = list(dict.fromkeys(v.opponent for v in verdicts))
    return {
        "run_id": str(run.info.get("run_id") or run.run_dir.name),
        "folder": str(run.run_dir),
        "commit": str(environment.get("git_commit") or ""),
        "date": str(run.info.get("started") or ""),
        "commit_date": str(environment.get("git_commit_date") or ""),
        "suite": str(run.suite_name or ""),
        "compact": bool(run.info.get("compact")),
        "machine": machine_of(run),
        "cases": cases,
        "verdicts": [
            {"case": v.case, "opponent": v.opponent, "sentence": v.sentence} for v in verdicts
        ],
        "headline": {o: scoreboard(verdicts, o).sentence() for o in opponents},
        "ignored": list(run.ignored),
    }


def machine_of(run: Run) -> dict[str, Any]:
    """The machine a run ran on, as the site names and groups it."""
    environment = run.info.get("environment") or {}
    blas = environment.get("blas")
    kernels = blas if isinstance(blas, list) else [blas] if isinstance(blas, dict) else []
    kernel = ", ".join(
        sorted(
            {
                f"{k.get('library') or ', '.join(k.get('libraries') or [])}"
                f" {k.get('architecture') or ''}".strip()
                for k in kernels
                if isinstance(k, dict)
            }
        )
    )
    threads = sorted(
        {int(k.get("threads") or 0) for k in kernels if isinstance(k, dict) and k.get("threads")}
    )
    host = str(environment.get("host") or _fight_host(run.fights) or "unknown host")
    cpu = str(environment.get("cpu") or "unknown CPU")
    cores = environment.get("cores")
    warning = busy_warning(run.info.get("load_average_max"), cores)
    return {
        "key": f"{host} / {cpu} / {cores or '?'} cores",
        "host": host,
        "cpu": cpu,
        "cores": cores,
        "vector_level": str(environment.get("cpu_vector_level") or ""),
        "blas": kernel,
        "threads": ", ".join(map(str, threads)),
        "load_average_max": run.info.get("load_average_max"),
        "warning": warning or "",
    }


def _fight_host(fights: Sequence[Fight]) -> str | None:
    return next(
        (str(f.machine["host"]) for f in fights if f.machine and f.machine.get("host")), None
    )


def _case_summary(fights: list[Fight]) -> tuple[dict[str, Any], list[CaseVerdict]]:
    """One case of a run: David's accuracy, each fighter's ms/epoch, speed-ups, parity."""
    first = fights[0]
    fighters = {}
    for name in first.fighters:
        records = [f.fighters[name] for f in fights if name in f.fighters]
        epochs = [s for r in records if r.ok for s in r.epoch_seconds]
        fighters[name] = {
            "ok_seeds": sum(r.ok for r in records),
            "ms_per_epoch": float(np.median(epochs)) * 1000 if epochs else None,
            "status": sorted({r.status for r in records}),
        }
    david = [f.fighters[DAVID] for f in fights if f.fighters[DAVID].ok]
    correct = sum(r.metrics.test_correct for r in david)
    total = sum(r.metrics.n_test for r in david)
    accuracy = [correct / total, *wilson_interval(correct, total)] if total else None
    speedups, parity, sentences = {}, {}, []
    for opponent in first.opponents:
        verdict = judge(fights, opponent)
        speed = next((r for r in verdict.rounds if r.name == "speed"), None)
        speedups[opponent] = {
            "estimate": speed.estimate if speed else None,
            "low": speed.low if speed else None,
            "high": speed.high if speed else None,
            "winner": speed.winner if speed else "draw",
        }
        if first.mode == "fair":
            check = check_parity(fights, opponent)
            parity[opponent] = {"identical": check.identical, "gap": check.held_gap}
        sentences.append(verdict)
    entry = {
        "mode": first.mode,
        "dtype": first.dtype,
        "description": str(first.case.get("description") or ""),
        "seeds": [f.seed for f in fights],
        "david_accuracy": accuracy,
        "fighters": fighters,
        "speedups": speedups,
        "parity": parity,
    }
    return entry, sentences
