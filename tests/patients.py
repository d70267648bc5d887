"""The doctor's diagnosis of a network in a file, as its tests ask for it."""

from pathlib import Path

from bench.doctor.run import Options, diagnose
from bench.fighters.roster import FighterConfig


def examine(pool, path: Path, class_name: str, **options):
    """The doctor's diagnosis of path:class_name (50 steps, no speed check unless told)."""
    patient = FighterConfig(
        name=class_name.lower(),
        display=class_name,
        description=f"{class_name} from {path.name}",
        model=f"{path}:{class_name}",
    )
    settings = {"speed": False, "steps": 50, **options}
    return diagnose(patient, Options(**settings), pool.log_dir, lambda line: None, pool)
