"""A run folder read for the site: each fight file without its decision-boundary grids.

The grids and their snapshots are most of a fight file's bytes and the site draws none of them
across runs, so they are dropped before the schema check (which would spend most of its time on
them) and never reach the index. A compact run folder (no grids to begin with) reads the same.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.store.integrity import text_digest_holds, why_counts_disagree, why_untrusted
from bench.store.records import Fight
from bench.store.run_folder import (
    CASES_DIR,
    RUN_FILE,
    SCHEMA_VERSION,
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
    digest_holds = text_digest_holds(data)
    if digest_holds:
        # A canonical file whose digest holds: its grids are cut from the text unparsed (they
        # are most of its bytes, and most of the time parsing it took).
        cut = _without_grids(data)
        result = _parse(path, cut) if cut is not None else None
        if result is not None and result.get("schema_version") == SCHEMA_VERSION:
            result = slim(result)
            validate_case_result(result, path)
            untrusted = why_counts_disagree(result)  # the digest held; the counts are checked
            if untrusted:
                raise ResultsError(f"{path}: {untrusted}")
            return result
    full = upgrade(_parse(path, data))
    result = slim(full)
    validate_case_result(result, path)
    # The digest covers the whole file as written, grids included: checked before they go.
    untrusted = why_counts_disagree(full) if digest_holds else why_untrusted(full, data)
    if untrusted:
        raise ResultsError(f"{path}: {untrusted}")
    return result


def _parse(path: Path, data: bytes) -> Any:
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ResultsError(f"{path}: not valid JSON ({err})") from err


# In canonical text a fighter's keys are sorted: its snapshots end where "decision_boundary"
# begins, and its boundary where "epochs_run" does. Each cut is what slim() makes of the value,
# and holds only the strings a grid has (else the file is read the long way).
_CUTS = (
    (b'"boundary_snapshots":', b',"decision_boundary":', b"[]", {b"epoch", b"values"}),
    (
        b'"decision_boundary":',
        b',"epochs_run":',
        b"null",
        {b"kind", b"probability", b"class", b"resolution", b"values"}
        | {b"x_max", b"x_min", b"y_max", b"y_min"},
    ),
)


def _without_grids(data: bytes) -> bytes | None:
    """The canonical text with each fighter's boundary grid and snapshots written as null and
    [], unparsed (bytes.find, not a JSON parser); None when a value is not where and what
    canonical text makes it."""
    for key, following, empty, words in _CUTS:
        pieces, at = [], 0
        start = data.find(key)
        while start >= 0:
            begin = start + len(key)
            end = data.find(following, begin)
            if end < 0 or not _only_grid(data[begin:end], words):
                return None
            pieces += [data[at:begin], empty]
            at = end
            start = data.find(key, at)
        data = b"".join([*pieces, data[at:]])
    return data


def _only_grid(value: bytes, words: set[bytes]) -> bool:
    """A whole JSON value (balanced brackets) whose only strings are a grid's keys."""
    if value in (b"null", b"[]"):
        return True
    balanced = value.count(b"[") == value.count(b"]") and value.count(b"{") == value.count(b"}")
    return balanced and value[:1] in (b"[", b"{") and set(value.split(b'"')[1::2]) <= words


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
