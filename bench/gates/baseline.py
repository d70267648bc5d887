"""The baseline: David's tracked numbers from a few runs, small enough to commit, checked on read.

Accuracy is deterministic for a seed, so a seed seen in several runs counts once (pooling copies
would shrink its interval: pseudo-replication). Timings are not: every run's speed-ups are kept,
independent measurements that steady the speed gate's reference. Each case's claims keep their
judgement (supported, refuted, undecided), optional so that baselines made before claims load.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import defaults
from bench.files import read_json, write_json
from bench.judging.claims_judged import JUDGEMENTS, UNDECIDED, judge_run
from bench.judging.regression_rules import GATED_OPPONENT
from bench.store.run_folder import ResultsError, load_run
from bench.store.tracking import summarize

BASELINE_KIND = "david-vs-goliath-baseline"
BASELINE_VERSION = 3
MODES, DTYPES = ("fair", "native"), ("float32", "float64")


def write_baseline(
    run_dirs: list[Path], path: Path = defaults.BASELINE_PATH, left_out: list[str] | None = None
) -> Path:
    """Write the runs' tracked numbers as the baseline; seeds once each, speed-ups all.

    Files of the runs that were left out (another run's, no longer in the suite, ...) are added
    to `left_out`, with the reason."""
    resolved = [Path(run_dir).resolve() for run_dir in run_dirs]
    twice = {str(d) for d in resolved if resolved.count(d) > 1}
    if twice:
        raise ResultsError(f"{', '.join(sorted(twice))}: the same run given twice")
    runs = [load_run(run_dir) for run_dir in run_dirs]
    if left_out is not None:
        left_out += [reason for run in runs for reason in run.ignored]
    ids = [run.info.get("run_id") or run.run_dir.name for run in runs]
    if len(set(ids)) < len(ids):
        raise ResultsError(f"runs {ids}: the same run id twice (a copied run folder?)")
    suites = {run.suite_name for run in runs}
    if len(suites) > 1:
        raise ResultsError(f"a baseline pools runs of one suite, got {sorted(map(str, suites))}")
    cases: dict[str, dict[str, Any]] = {}
    for run in runs:
        for name, entry in summarize(run).items():
            if any(status != "ok" for status in entry.david_status):
                raise ResultsError(
                    f"{run.run_dir}: case {name!r}: David did not finish every seed cleanly"
                )
            pooled = cases.setdefault(
                name,
                {
                    "mode": entry.mode,
                    "dtype": entry.dtype,
                    "accuracy_by_seed": {},
                    "speedup": [],
                    "fighters": entry.fighters,
                    "dataset_fingerprints": {},
                },
            )
            if (pooled["mode"], pooled["dtype"], pooled["fighters"]) != (
                entry.mode,
                entry.dtype,
                entry.fighters,
            ):
                raise ResultsError(
                    f"{run.run_dir}: case {name!r}: mode, dtype or fighters differ from the other "
                    "runs': a baseline pools runs of one configuration"
                )
            for seed, fingerprint in entry.dataset_fingerprints.items():
                if pooled["dataset_fingerprints"].setdefault(seed, fingerprint) != fingerprint:
                    raise ResultsError(
                        f"{run.run_dir}: case {name!r} seed {seed}: its dataset differs from the "
                        "other runs' (another fingerprint): a baseline pools runs of one dataset"
                    )
            pooled.setdefault("parity", {})
            for seed, accuracy in zip(entry.seeds, entry.david_test_accuracy, strict=True):
                pooled["accuracy_by_seed"].setdefault(seed, accuracy)
            pooled["speedup"] += entry.speedups.get(GATED_OPPONENT, [])
            for opponent, gap in entry.parity.items():
                gaps = [g for g in (pooled["parity"].get(opponent), gap) if g is not None]
                pooled["parity"][opponent] = max(gaps) if gaps else None
        for judgement in judge_run(run):
            if judgement.case in cases:
                claims = cases[judgement.case].setdefault("claims", {})
                claims.setdefault(judgement.claim.statement(), []).append(judgement.judgement)
    if not cases:
        raise ResultsError(f"{', '.join(map(str, run_dirs))}: no finished cases for a baseline")
    for name, pooled in cases.items():
        if not any(value is not None for value in pooled["speedup"]):
            raise ResultsError(
                f"{', '.join(map(str, run_dirs))}: case {name!r}: no speed-up over "
                f"{GATED_OPPONENT!r} in any seed (it did not fight or did not finish): the speed "
                f"gate would have nothing to hold runs against; use runs where {GATED_OPPONENT} "
                "finished"
            )
    baseline = {
        "schema_version": BASELINE_VERSION,
        "kind": BASELINE_KIND,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_ids": ids,
        "suite": suites.pop(),
        "git_commit": (runs[-1].info.get("environment") or {}).get("git_commit"),
        "opponent": GATED_OPPONENT,
        "cases": {name: _entry(pooled) for name, pooled in cases.items()},
    }
    write_json(Path(path), baseline)
    return Path(path)


def _entry(pooled: dict[str, Any]) -> dict[str, Any]:
    by_seed = pooled.pop("accuracy_by_seed")
    seeds = sorted(by_seed)
    entry = {
        "mode": pooled["mode"],
        "dtype": pooled["dtype"],
        "seeds": seeds,
        "david_test_accuracy": [_rounded(by_seed[seed]) for seed in seeds],
        "speedup": [_rounded(value) for value in pooled["speedup"]],
        "parity": {k: _rounded(v) for k, v in pooled["parity"].items()},
        "fighters": pooled["fighters"],
        "dataset_fingerprints": {str(s): pooled["dataset_fingerprints"][s] for s in seeds},
    }
    if pooled.get("claims"):
        # A claim's judgement in the baseline is the one every run gave; runs that disagree
        # leave it undecided (a claim that flips between runs is not one to gate on).
        entry["claims"] = {
            statement: judgements[0] if len(set(judgements)) == 1 else UNDECIDED
            for statement, judgements in pooled["claims"].items()
        }
    return entry


def _rounded(value: Any) -> Any:
    """Four significant digits keep the committed baseline readable and its diffs small."""
    return float(f"{value:.4g}") if isinstance(value, float) else value


def load_baseline(path: Path) -> dict[str, Any]:
    """Read and check a baseline file; ResultsError naming the first bad value."""
    baseline = read_json(Path(path))
    if not isinstance(baseline, dict) or baseline.get("kind") != BASELINE_KIND:
        raise ResultsError(f"{path}: not a baseline file (expected kind {BASELINE_KIND!r})")
    if baseline.get("schema_version") != BASELINE_VERSION:
        raise ResultsError(
            f"{path}: schema_version {baseline.get('schema_version')!r} is not supported "
            f"(this harness reads version {BASELINE_VERSION}); make a new baseline"
        )
    cases = baseline.get("cases")
    if not isinstance(cases, dict) or not cases:
        raise ResultsError(f"{path}: no cases in baseline")
    for name, entry in cases.items():
        _check_entry(entry, f"{path}: case {name!r}")
    return baseline


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_entry(entry: Any, where: str) -> None:
    if not isinstance(entry, dict):
        raise ResultsError(f"{where}: expected an object")
    if entry.get("mode") not in MODES or entry.get("dtype") not in DTYPES:
        raise ResultsError(f"{where}: mode and dtype must be one of {MODES} and {DTYPES}")
    seeds, accuracies = entry.get("seeds"), entry.get("david_test_accuracy")
    if not (isinstance(seeds, list) and seeds and all(isinstance(s, int) for s in seeds)):
        raise ResultsError(f"{where}: 'seeds' must be a non-empty list of integers, got {seeds!r}")
    if not (
        isinstance(accuracies, list)
        and len(accuracies) == len(seeds)
        and all(_number(a) and 0 <= a <= 1 for a in accuracies)
    ):
        raise ResultsError(
            f"{where}: 'david_test_accuracy' must hold one number in [0, 1] per seed, "
            f"got {accuracies!r}"
        )
    speedups = entry.get("speedup")
    if not (
        isinstance(speedups, list)
        and all(s is None or (_number(s) and s > 0) for s in speedups)
        and any(s is not None for s in speedups)  # none at all would switch the speed gate off
    ):
        raise ResultsError(
            f"{where}: 'speedup' must be a list of numbers > 0 with at least one number "
            f"(the speed gate's reference), got {speedups!r}"
        )
    parity = entry.get("parity", {})
    if not (
        isinstance(parity, dict)
        and all(g is None or (_number(g) and g >= 0) for g in parity.values())
    ):
        raise ResultsError(f"{where}: 'parity' must map fighters to numbers >= 0, got {parity!r}")
    fighters = entry.get("fighters", [])  # absent in baselines made before they were recorded
    if not (isinstance(fighters, list) and all(isinstance(f, str) for f in fighters)):
        raise ResultsError(f"{where}: 'fighters' must be a list of fighter names, got {fighters!r}")
    prints = entry.get("dataset_fingerprints", {})
    if not (
        isinstance(prints, dict)
        and set(prints) <= {str(seed) for seed in seeds}
        and all(p is None or isinstance(p, str) for p in prints.values())
    ):
        raise ResultsError(
            f"{where}: 'dataset_fingerprints' must map its seeds to fingerprints, got {prints!r}"
        )
    claims = entry.get("claims", {})  # absent in baselines made before claims: none to gate on
    if not (
        isinstance(claims, dict)
        and all(isinstance(k, str) and v in JUDGEMENTS for k, v in claims.items())
    ):
        raise ResultsError(
            f"{where}: 'claims' must map claims to one of {', '.join(JUDGEMENTS)}, got {claims!r}"
        )
