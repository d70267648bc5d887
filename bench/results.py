"""Results on disk: one JSON per case x seed, written atomically, read back and validated.

A run folder holds `run.json` (the suite, the environment, start and end times), `cases/` with
one `<case>--seed<k>.json` per finished case and seed, `summary.csv`, and the reports.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

FIGHTERS = ("david", "goliath")
NAMES = {"david": "David", "goliath": "Goliath"}
SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("result_schema.json")
RUN_FILE = "run.json"
CASES_DIR = "cases"


class ResultsError(ValueError):
    """A results folder or file that cannot be used."""


def atomic_write_text(path: Path, text: str) -> None:
    """Write text to path via a temp file and rename, so no reader ever sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def json_safe(value: Any) -> Any:
    """NaN and infinities (a diverged loss) become null: JSON has no such numbers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if hasattr(value, "tolist"):  # NumPy scalars and arrays
        return json_safe(value.tolist())
    return value


def write_json(path: Path, data: Any) -> None:
    """Atomically write data as indented JSON (NaN/inf as null)."""
    atomic_write_text(path, json.dumps(json_safe(data), indent=1, allow_nan=False) + "\n")


def read_json(path: Path) -> Any:
    """Read a JSON file; a clear ResultsError if it is missing or malformed."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ResultsError(f"{path}: no such file") from err
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ResultsError(f"{path}: not valid JSON ({err})") from err


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def validate_case_result(result: Any, source: str | Path = "result") -> None:
    """Raise ResultsError naming the first problem if result does not match the schema."""
    if isinstance(result, dict) and result.get("schema_version") not in (None, SCHEMA_VERSION):
        raise ResultsError(
            f"{source}: schema_version {result.get('schema_version')!r} is not supported "
            f"(this harness reads version {SCHEMA_VERSION})"
        )
    error = jsonschema.exceptions.best_match(_validator().iter_errors(result))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        raise ResultsError(f"{source}: {where}: {error.message}")


def case_file(run_dir: Path, case_name: str, seed: int) -> Path:
    """Where the result of one case and seed lives."""
    return Path(run_dir) / CASES_DIR / f"{case_name}--seed{seed}.json"


def write_case_result(run_dir: Path, result: dict[str, Any]) -> Path:
    """Validate and atomically write one case result; return its path."""
    result = json_safe(result)
    path = case_file(run_dir, result["case"]["name"], result["seed"])
    validate_case_result(result, path)
    write_json(path, result)
    return path


def load_case_results(run_dir: Path) -> list[dict[str, Any]]:
    """Every case result of a run, validated, in case-then-seed order of the run file."""
    run_dir = Path(run_dir)
    folder = run_dir / CASES_DIR
    if not folder.is_dir():
        raise ResultsError(f"{run_dir}: not a run folder (no {CASES_DIR}/ inside)")
    results = []
    for path in sorted(folder.glob("*.json")):
        result = read_json(path)
        validate_case_result(result, path)
        results.append(result)
    order = {name: index for index, name in enumerate(load_run(run_dir).get("case_names", []))}
    results.sort(
        key=lambda r: (order.get(r["case"]["name"], len(order)), r["case"]["name"], r["seed"])
    )
    return results


def load_run(run_dir: Path) -> dict[str, Any]:
    """The run's metadata (suite, environment, times); {} when run.json is absent."""
    path = Path(run_dir) / RUN_FILE
    if not path.exists():
        return {}
    run = read_json(path)
    if not isinstance(run, dict):
        raise ResultsError(f"{path}: expected a JSON object")
    return run
