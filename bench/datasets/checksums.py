"""The checksum registry, datasets/checksums.toml: what each downloaded dataset file hashes to.

It lives in the project's data folder (datasets/, beside the files it vouches for), not in code,
so that adding a dataset file or a mirror's checksum is a data change a reviewer can read.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import DatasetError
from .idx import Checksums

DATA_DIR = Path(__file__).resolve().parents[2] / "datasets"  # the project's data folder
REGISTRY = DATA_DIR / "checksums.toml"


@dataclass(frozen=True)
class Entry:
    """One dataset of the registry: where it comes from, its files and their checksums."""

    source: str
    licence: str
    folder: Path  # where `make data` puts its files
    download: str  # the base URL its files are downloaded from
    files: dict[str, Checksums]


@cache
def entry(name: str, registry: Path = REGISTRY) -> Entry:
    """The registry's entry for dataset `name`; DatasetError naming the file if unusable."""
    try:
        table = tomllib.loads(registry.read_text(encoding="utf-8"))[name]
        return Entry(
            source=table["source"],
            licence=table["licence"],
            folder=registry.parent / table["folder"],
            download=table["download"],
            files={
                file: Checksums(gz_md5=sums.get("gz_md5"), sha256=sums.get("sha256"))
                for file, sums in table["files"].items()
            },
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, AttributeError) as err:
        raise DatasetError(
            f"{registry}: no usable checksums for dataset {name!r} ({type(err).__name__}: {err})"
        ) from err
