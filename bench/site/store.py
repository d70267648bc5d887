"""The results store: folders of run folders, found, and named apart on the site."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

from bench.errors import HarnessError
from bench.site.reading import is_run_folder

INDEX_FILE = ".bench-index.sqlite"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def run_folders(stores: list[Path], skip: Path | None = None) -> list[Path]:
    """Every run folder directly inside the stores (or a store that is itself a run folder)."""
    folders = []
    for store in stores:
        store = Path(store)
        if not store.is_dir():
            raise HarnessError(f"store {store}: no such folder (a folder of run folders)")
        if is_run_folder(store):
            folders.append(store)
            continue
        for child in sorted(store.iterdir()):
            inside_site = skip is not None and child.resolve() == Path(skip).resolve()
            visible = child.is_dir() and not child.name.startswith(".") and not inside_site
            if visible and is_run_folder(child):
                folders.append(child)
    return folders


def slug(text: str) -> str:
    """A file name for any string: safe characters kept, others replaced, a hash when changed."""
    safe = _UNSAFE.sub("-", text).strip("-.")[:60]
    if safe == text and safe:
        return safe
    return f"{safe or 'x'}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:8]}"


def site_keys(run_ids: dict[Path, str]) -> dict[Path, str]:
    """A page name per run folder: its run id, with the folder's hash where ids collide."""
    counts = Counter(run_ids.values())
    keys = {}
    for folder, run_id in run_ids.items():
        key = slug(run_id)
        if counts[run_id] > 1:  # two stores with the same run id: kept apart
            where = hashlib.sha256(str(folder.resolve()).encode("utf-8")).hexdigest()[:8]
            key = f"{key}--{where}"
        keys[folder] = key
    return keys
