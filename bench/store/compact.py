"""The compact record of a run: the same run folder without the decision-boundary grids.

What a results store keeps run after run (CI commits it to a `results` branch): `run.json`
marked `"compact": true`, `summary.csv` and `cases/*.json`, with every number a verdict, the
gates, the history or a comparison reads (histories with per-epoch timings, metrics, parity,
environment, the 2-D test points). Each fighter's `decision_boundary` and `boundary_snapshots`
(grids of predictions, most of a 2-D fight's bytes) are dropped, and the JSON is written without
indentation. It loads with `load_run`, and its report has no boundary pictures. Logs, the report
and files outside the run's plan stay with the full folder.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from bench.files import json_safe, read_json, write_text
from bench.store.integrity import DIGEST_KEY, canonical_json, with_digest
from bench.store.run_folder import (
    CASES_DIR,
    RUN_FILE,
    ResultsError,
    case_file,
    load_run,
    upgrade,
    validate_case_result,
)
from bench.store.summary import SUMMARY_FILE

COMPACT_FLAG = "compact"
DROPPED = ("decision_boundary", "boundary_snapshots")


def compact_result(result: dict[str, Any]) -> dict[str, Any]:
    """A fight's result without its decision-boundary grids (still valid against the schema),
    its content digest recomputed for what it now holds (when it carried one)."""
    fighters = {
        name: {**record, "decision_boundary": None, "boundary_snapshots": []}
        for name, record in result["fighters"].items()
    }
    compact = {**result, "fighters": fighters}
    return with_digest(compact) if DIGEST_KEY in result else compact


def write_compact(run_dir: Path, out_dir: Path) -> Path:
    """Write the compact record of the run in `run_dir` as a new run folder `out_dir`.

    The record is built in a temporary folder beside `out_dir` and renamed into place, so a
    failure leaves nothing half-written; an existing, non-empty `out_dir` is refused.
    """
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    run = load_run(run_dir)
    if out_dir.resolve() == run_dir.resolve():
        raise ResultsError(f"--out {out_dir}: is the run folder itself; choose another folder")
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise ResultsError(
            f"--out {out_dir}: already exists and is not an empty folder (a record is never "
            "written over another); choose a new folder"
        )
    if not run.fights:
        raise ResultsError(f"{run_dir}: no finished fights in {CASES_DIR}/, nothing to keep")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}-"))
    try:
        staging.chmod(0o755)  # mkdtemp makes folders owner-only; records are meant to be shared
        info = {**run.info, COMPACT_FLAG: True}
        info.setdefault("run_id", run_dir.name)
        _write_compact_json(staging / RUN_FILE, info)
        for fight in run.fights:
            source = case_file(run_dir, fight.case_name, fight.seed)
            result = compact_result(upgrade(read_json(source)))
            target = case_file(staging, fight.case_name, fight.seed)
            validate_case_result(result, target)
            _write_compact_json(target, result)
        if (run_dir / SUMMARY_FILE).is_file():
            shutil.copy2(run_dir / SUMMARY_FILE, staging / SUMMARY_FILE)
        if out_dir.exists():
            out_dir.rmdir()  # empty, checked above
        staging.rename(out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir


def is_compact(info: dict[str, Any]) -> bool:
    """Whether run.json describes a compact record (no decision boundaries kept)."""
    return info.get(COMPACT_FLAG) is True


def folder_bytes(folder: Path) -> int:
    """The bytes of every file under a folder."""
    return sum(path.stat().st_size for path in Path(folder).rglob("*") if path.is_file())


def _write_compact_json(path: Path, data: Any) -> None:
    write_text(path, canonical_json(json_safe(data)) + "\n")  # as run folders write fights
