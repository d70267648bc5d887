"""Which network the doctor examines: PATH:CLASS, module:Class, or a fighter's name."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import HarnessError
from ..fighters.roster import ROSTER, FighterConfig
from ..fighters.user import installed_fighters, missing_class

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
FORMS = "PATH.py:CLASS, package.module:CLASS, or a fighter's name (see `python -m bench list`)"


def resolve_target(target: str) -> FighterConfig:
    """The fighter the doctor examines; HarnessError naming the valid forms."""
    where, colon, class_name = target.rpartition(":")
    if not colon:
        known = {**installed_fighters(), **ROSTER}
        if target in known:
            return known[target]
        raise HarnessError(f"doctor: unknown fighter {target!r}; give {FORMS}")
    if not _IDENTIFIER.fullmatch(class_name):
        raise HarnessError(f"doctor: {target!r}: {class_name!r} is not a class name; give {FORMS}")
    if where.endswith(".py"):
        source = Path(where).resolve()
        if not source.is_file():
            raise HarnessError(f"doctor: {target!r}: no such file {source}")
        missing = missing_class(source, class_name)
        if missing:
            raise HarnessError(f"doctor: {target!r}: {missing}")
        return FighterConfig(
            name="yours",
            display=class_name,
            description=f"{class_name} from {where}",
            model=f"{source}:{class_name}",
        )
    if not _MODULE.fullmatch(where):
        raise HarnessError(f"doctor: {target!r}: {where!r} is neither a .py file nor a module")
    return FighterConfig(
        name="yours", display=class_name, description=f"{class_name} from {where}", model=target
    )
