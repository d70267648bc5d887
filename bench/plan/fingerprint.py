"""What a fight's result depends on, hashed: a resume reuses a result only when it still holds."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import modulefinder
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.fighters.roster import FighterConfig, fighter_config
from bench.plan.case import Case

# Packages whose version changes what a fighter computes.
_DISTRIBUTIONS = ("numpy", "scikit-learn", "tensorflow", "tensorflow-cpu", "keras", "jax", "jaxlib")


def package_versions(names: tuple[str, ...]) -> dict[str, str]:
    """The installed version of each distribution that is installed."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


@cache
def _source_digest(module: str) -> str:
    """SHA-256 of a module's source: every .py file of its package, or the one file."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return "missing"
    origin = Path(spec.origin)
    files = sorted(origin.parent.rglob("*.py")) if origin.name == "__init__.py" else [origin]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@cache
def _versions() -> dict[str, str]:
    return package_versions(_DISTRIBUTIONS)


def local_imports(path: Path) -> list[Path]:
    """A user's fighter file and every file of its own folder it imports, however deeply."""
    folder = path.parent.resolve()
    finder = modulefinder.ModuleFinder(path=[str(folder)])  # modules elsewhere are not its code
    try:
        finder.run_script(str(path))
    except (SyntaxError, ImportError, OSError, ValueError):
        return [path]  # the worker will say what is wrong; the file itself is still hashed
    files = {
        Path(module.__file__).resolve() for module in finder.modules.values() if module.__file__
    }
    return sorted(file for file in files if file.is_relative_to(folder) and file.suffix == ".py")


def _file_digest(path: Path) -> str:
    """SHA-256 of a fighter file and the files of its folder it imports, named by their place."""
    if not path.is_file():
        return "missing"
    digest = hashlib.sha256()
    folder = path.parent.resolve()
    for file in local_imports(path):
        digest.update(str(file.relative_to(folder)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def _digest(model: str) -> str:
    where = model.rpartition(":")[0]
    if where.endswith(".py"):
        return _file_digest(Path(where))
    return _source_digest(where)


def fighter_version(config: FighterConfig) -> dict[str, Any]:
    """A fighter's code version: its model's source, its options and settings, the versions."""
    return {
        "model": config.model,
        "source": _digest(config.model),
        "options": config.options,
        "env": config.env,
        "versions": _versions(),
    }


def config_fingerprint(
    case: Case, dataset_fingerprint: str | None, fighters: dict[str, FighterConfig] | None = None
) -> str:
    """SHA-256 of the case's resolved settings, its data and each fighter's code version."""
    fighters = fighters or {}
    document = {
        "case": case.as_dict(),
        "dataset": dataset_fingerprint,
        "fighters": {
            name: fighter_version(fighters.get(name) or fighter_config(name))
            for name in case.fighters
        },
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()
