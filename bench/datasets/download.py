"""Downloading a dataset's files into the project's data folder (datasets/<folder>/): `make data`.

Each file is fetched to a temporary name beside its place, checked against the checksum
registry (datasets/checksums.toml), and only then renamed into place: an interrupted or damaged
download never leaves a file the loader would find, and a genuine file already there is kept.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from ..files import write_bytes
from .checksums import REGISTRY, entry
from .errors import DatasetError
from .idx import read_idx_bytes, verify

TIMEOUT = 60  # seconds without a byte before a download is given up


def download(
    name: str, folder: Path | None = None, base_url: str | None = None, registry: Path = REGISTRY
) -> list[Path]:
    """Fetch dataset `name`'s files (`<file>.gz` under its registry's URL) into `folder` (default:
    its folder under datasets/); the paths, or a DatasetError naming the file and why."""
    registered = entry(name, registry)
    folder = Path(folder or registered.folder)
    base_url = base_url or registered.download
    paths = []
    for file, checksums in registered.files.items():
        path = folder / f"{file}.gz"
        if path.is_file() and _genuine(path, checksums):
            paths.append(path)
            continue
        url = base_url.rstrip("/") + f"/{file}.gz"
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310
                data = response.read()
        except (urllib.error.URLError, OSError, ValueError) as err:
            raise DatasetError(f"{url}: cannot download ({getattr(err, 'reason', err)})") from err
        staged = write_bytes(folder / f".{file}.gz.download", data)
        try:
            stored, content = read_idx_bytes(staged)
            verify(Path(url), stored, content, checksums)
            staged.replace(path)
        finally:
            staged.unlink(missing_ok=True)
        paths.append(path)
    return paths


def _genuine(path: Path, checksums) -> bool:
    try:
        verify(path, *read_idx_bytes(path), checksums)
    except DatasetError:
        return False
    return True
