"""A run folder read for the site: each fight file without its decision-boundary grids.

The grids and their snapshots are most of a fight file's bytes and the site draws none of them
across runs, so they are dropped before the schema check (which would spend most of its time on
them) and never reach the index. A compact run folder (no grids to begin with) reads the same.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.store.integrity import why_untrusted
from bench.store.records import Fight
from bench.store.run_folder import (
    CASES_DIR,
    RUN_FILE,
    ResultsError,
    Run,
    load_run_info,
    upgrade,
    validate_case_result,
    why_left_out,
)

BULKY_FIGHTER_FIELDS = ("decision_boundary", "boundary_snapshots", "traceback")


def slim(result: Any) -> Any:
    """A fight's JSON without the boundary grids, snapshots, tracebacks and test points."""
    if not isinstance(result, dict):
        return result
    fighters = result.get("fighters")
    slimmed = {**result, "test_points": None} if "test_points" in result else dict(result)
    if isinstance(fighters, dict):
        slimmed["fighters"] = {
            name: (
                {**entry, **{k: _EMPTY.get(k) for k in BULKY_FIGHTER_FIELDS if k in entry}}
                if isinstance(entry, dict)
                else entry
            )
            for name, entry in fighters.items()
        }
    return slimmed


_EMPTY: dict[str, Any] = {"decision_boundary": None, "boundary_snapshots": [], "traceback": None}


def read_slim_fight(path: Path, data: bytes) -> dict[str, Any]:
    """One fight file's bytes, parsed, upgraded, slimmed and checked against the schema."""
    try:
        result = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ResultsError(f"{path}: not valid JSON ({err})") from err
    full = upgrade(result)
    result = slim(full)
    validate_case_result(result, path)
    # The digest covers the whole file as written, grids included: checked before they go.
    untrusted = why_untrusted(full, data)
    if untrusted:
        raise ResultsError(f"{path}: {untrusted}")
    return result


def fight_files(run_dir: Path) -> list[Path]:
    """The fight files of a run folder, by name."""
    return sorted((Path(run_dir) / CASES_DIR).glob("*.json"))


def is_run_folder(folder: Path) -> bool:
    """A folder that looks like a run folder (run.json or cases/ inside)."""
    return (folder / RUN_FILE).is_file() or (folder / CASES_DIR).is_dir()


def run_from_slim(run_dir: Path, info: dict[str, Any], results: dict[Path, dict[str, Any]]) -> Run:
    """A Run of the checked slim results that belong to it (the others listed as ignored)."""
    fights, ignored = [], []
    for path, result in sorted(results.items()):
        fight = Fight.from_json(result)
        problem = why_left_out(path, fight, info)
        if problem:
            ignored.append(problem)
        else:
            fights.append(fight)
    names = info.get("case_names") if isinstance(info.get("case_names"), list) else []
    order = {name: index for index, name in enumerate(names)}
    fights.sort(key=lambda f: (order.get(f.case_name, len(order)), f.case_name, f.seed))
    return Run(run_dir=Path(run_dir), info=info, fights=fights, ignored=ignored)


def read_info(run_dir: Path) -> dict[str, Any]:
    """run.json, or a ResultsError saying why the folder is not a usable run."""
    if not (Path(run_dir) / CASES_DIR).is_dir():
        raise ResultsError(f"{run_dir}: not a run folder (no {CASES_DIR}/ inside)")
    return load_run_info(run_dir)
