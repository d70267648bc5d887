"""A user's own network as a fighter: named in a suite, or registered by an installed package.

In a suite:

    [fighter.mine]
    path = "my_net.py"        # relative to the suite file
    class = "MyNetwork"       # numpy_nn.Network's interface (see base.py), or an adapter to it
    # optional: display = "My net", description = "...", env = { ... }, options = { ... }

An installed package registers fighters under the entry point group `david_vs_goliath.fighters`
(name = "package.module:Class"); suites then name them like any fighter of the roster.
"""

from __future__ import annotations

import ast
import re
from importlib import metadata
from pathlib import Path
from typing import Any

from ..errors import HarnessError
from ..wording import FIGHTER_NAMES
from .roster import ROSTER, FighterConfig

ENTRY_POINT_GROUP = "david_vs_goliath.fighters"
KEYS = ("path", "class", "display", "description", "env", "options")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def reserved(name: str) -> bool:
    """Whether a name is, without regard to case, a roster fighter's name or display name:
    a user's 'David' would read as David on the card."""
    taken = {*ROSTER, *FIGHTER_NAMES.values()}
    return name.casefold() in {other.casefold() for other in taken}


def suite_fighters(tables: Any, suite_path: Path) -> dict[str, FighterConfig]:
    """The fighters a suite defines under [fighter.NAME]; HarnessError naming the bad field."""
    if not isinstance(tables, dict):
        raise HarnessError(f"{suite_path}: [fighter] must hold tables: [fighter.NAME]")
    fighters: dict[str, FighterConfig] = {}
    for name, table in tables.items():
        where = f"{suite_path}: [fighter.{name}]"
        if not _NAME.fullmatch(name) or reserved(name):
            raise HarnessError(
                f"{where}: the name must be 1-40 letters, digits, '_', '.', '-' and not one of "
                f"the roster's ({', '.join(ROSTER)}), in any letter case"
            )
        twin = next((other for other in fighters if other.casefold() == name.casefold()), None)
        if twin is not None:
            raise HarnessError(
                f"{where}: the name differs from [fighter.{twin}] only in case; names must be "
                "unique without regard to case"
            )
        if not isinstance(table, dict):
            raise HarnessError(f"{where}: must be a table with path and class")
        unknown = sorted(set(table) - set(KEYS))
        if unknown:
            raise HarnessError(f"{where}: unknown field(s) {unknown}; valid: {', '.join(KEYS)}")
        fighters[name] = _config(name, table, suite_path.parent, where)
    return fighters


def _config(name: str, table: dict[str, Any], base: Path, where: str) -> FighterConfig:
    path, class_name = table.get("path"), table.get("class")
    if not isinstance(path, str) or not path.endswith(".py"):
        raise HarnessError(f"{where}: field 'path': a .py file is required, got {path!r}")
    source = (base / path).resolve()
    if not source.is_file():
        raise HarnessError(f"{where}: field 'path': no such file {source}")
    if not (isinstance(class_name, str) and _IDENTIFIER.fullmatch(class_name)):
        raise HarnessError(f"{where}: field 'class': a class name is required, got {class_name!r}")
    missing = missing_class(source, class_name)
    if missing:
        raise HarnessError(f"{where}: field 'class': {missing}")
    env, options = table.get("env", {}), table.get("options", {})
    if not (isinstance(env, dict) and all(isinstance(v, str) for v in env.values())):
        raise HarnessError(f"{where}: field 'env': a table of strings, got {env!r}")
    if not isinstance(options, dict):
        raise HarnessError(f"{where}: field 'options': a table, got {options!r}")
    return FighterConfig(
        name=name,
        display=str(table.get("display", name)),
        description=str(table.get("description", f"{class_name} from {path}")),
        model=f"{source}:{class_name}",
        options=dict(options),
        env=dict(env),
    )


def _top_level_names(tree: ast.Module) -> set[str] | None:
    """The names a module's own statements bind at top level; None after `import *`."""
    names: set[str] = set()
    for node in ast.walk(tree):  # conditional and try/except definitions count too
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    return None
                names.add(alias.asname or alias.name.partition(".")[0])
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def missing_class(source: Path, class_name: str) -> str | None:
    """Why `source` cannot hold `class_name` (read, not run), or None when it may."""
    try:
        tree = ast.parse(source.read_bytes(), filename=str(source))
    except (OSError, SyntaxError, ValueError) as err:
        return f"cannot read {source} as Python ({err})"
    names = _top_level_names(tree)
    if names is None or class_name in names:
        return None
    classes = sorted(node.name for node in tree.body if isinstance(node, ast.ClassDef))
    return f"{source} defines no {class_name!r}; its classes: {', '.join(classes) or '(none)'}"


def installed_fighters() -> dict[str, FighterConfig]:
    """Fighters that installed packages register under the entry point group."""
    fighters = {}
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if reserved(entry.name) or not _NAME.fullmatch(entry.name):
            continue  # the roster's names are reserved
        dist = entry.dist.name if entry.dist else "an installed package"
        fighters[entry.name] = FighterConfig(
            name=entry.name,
            display=entry.name,
            description=f"{entry.value} (registered by {dist})",
            model=entry.value,
        )
    return fighters
