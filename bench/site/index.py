"""The store's index: an SQLite cache of what publishing needs, keyed by the files' content.

The run folders stay the source of truth; the index can be deleted and is rebuilt. Three tables:
`files` maps a fight file's path, size and mtime to the SHA-256 of its bytes (so an unchanged
file is not read again, as git's index does), `fights` holds each fight's slim JSON by that
digest, and `runs` holds each run's summary by the digest of its run.json and fight files, or the
reason it was skipped. A publish after one new run reads that run's files and no others.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import zlib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.errors import HarnessError
from bench.site.pair_data import pair_data
from bench.site.reading import fight_files, read_info, read_slim_fight, run_from_slim
from bench.site.run_summary import summarize_run
from bench.store.run_folder import CASES_DIR, RUN_FILE, ResultsError, Run

INDEX_VERSION = 4  # bump when a summary's shape changes: older rows are then rebuilt
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER,
                                  digest TEXT);
CREATE TABLE IF NOT EXISTS fights (digest TEXT PRIMARY KEY, slim BLOB);
CREATE TABLE IF NOT EXISTS runs (key TEXT PRIMARY KEY, summary BLOB, skipped TEXT,
                                 fights TEXT);
CREATE TABLE IF NOT EXISTS pairs (a TEXT, b TEXT, rows BLOB, PRIMARY KEY (a, b));
CREATE TABLE IF NOT EXISTS derived (key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS pair_data (key TEXT PRIMARY KEY, data BLOB);
"""


@dataclass
class IndexedRun:
    """One run folder as the index knows it: its summary, or why it was skipped."""

    folder: Path
    key: str  # the digest of its files' content
    summary: dict[str, Any] | None
    skipped: str | None
    fight_digests: dict[str, str] = field(default_factory=dict)  # file name -> digest


@dataclass
class IndexStats:
    """What one update of the index did: how many runs and files it had to read."""

    runs: int = 0
    runs_read: int = 0
    files_read: int = 0


def _pack(value: Any) -> bytes:
    # level 1: a third sooner than the default, 12% larger; publishing from empty packs 15,000
    return zlib.compress(json.dumps(value, separators=(",", ":")).encode("utf-8"), 1)


def _unpack(blob: bytes) -> Any:
    return json.loads(zlib.decompress(blob))


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _run_key(run_json: bytes, digests: dict[str, str]) -> str:
    parts = [
        f"v{INDEX_VERSION}",
        _digest(run_json),
        *(f"{n}:{d}" for n, d in sorted(digests.items())),
    ]
    return _digest("\n".join(parts).encode("utf-8"))


class StoreIndex:
    """The index file: opened (created when absent), updated from run folders, closed."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path)
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as err:
            raise HarnessError(
                f"{self.path}: not a usable index ({err}); delete it and publish again"
            ) from err

    def close(self) -> None:
        """Write everything and close the file."""
        self.db.commit()
        self.db.close()

    def update(
        self, folders: list[Path], workers: int | None = None
    ) -> tuple[list[IndexedRun], IndexStats]:
        """Every folder indexed (new or changed ones read, in parallel processes), in order."""
        stats = IndexStats(runs=len(folders))
        found: dict[Path, IndexedRun] = {}
        todo: list[Path] = []
        # One query, not one per file: 15,000 lookups took 2.8 s of a publish after one new run.
        files = {
            path: (size, mtime_ns, digest)
            for path, size, mtime_ns, digest in self.db.execute("SELECT * FROM files")
        }
        for folder in folders:
            known = self._known(folder, files)
            if known is None:
                todo.append(folder)
            else:
                found[folder] = known
        if todo:
            workers = workers or min(len(todo), os.cpu_count() or 1)
            parallel = workers > 1 and len(todo) > 1
            with ProcessPoolExecutor(workers) if parallel else nullcontext() as pool:
                results = pool.map(read_run_folder, todo) if pool else map(read_run_folder, todo)
                for count, (folder, result) in enumerate(zip(todo, results, strict=True), 1):
                    found[folder] = self._store(folder, result)
                    stats.runs_read += 1
                    stats.files_read += len(result["files"])
                    if count % 50 == 0:  # an interrupted first publish keeps what it read
                        self.db.commit()
            self.db.commit()
        return [found[folder] for folder in folders], stats

    def fights_of(self, indexed: IndexedRun) -> Run:
        """The run's slim fights from the index, as a Run (no file of the run is read)."""
        results = {}
        for name, digest in indexed.fight_digests.items():
            row = self.db.execute("SELECT slim FROM fights WHERE digest = ?", (digest,)).fetchone()
            if row is not None:
                results[indexed.folder / "cases" / name] = _unpack(row[0])
        info = (indexed.summary or {}).get("info") or {}
        return run_from_slim(indexed.folder, info, results)

    def pair_data_of(self, indexed: IndexedRun) -> dict[str, Any]:
        """What compare.html needs of the run (bench/site/pair_data.py)."""
        row = self.db.execute("SELECT data FROM pair_data WHERE key = ?", (indexed.key,)).fetchone()
        return _unpack(row[0]) if row is not None else {"cases": []}

    def pair(self, a: IndexedRun, b: IndexedRun, compute: Callable[[], Any]) -> Any:
        """Two runs' comparison, computed once per pair of contents and kept."""
        row = self.db.execute(
            "SELECT rows FROM pairs WHERE a = ? AND b = ?", (a.key, b.key)
        ).fetchone()
        if row is not None:
            return _unpack(row[0])
        value = compute()
        self.db.execute(
            "INSERT OR REPLACE INTO pairs VALUES (?, ?, ?)", (a.key, b.key, _pack(value))
        )
        self.db.commit()
        return value

    def cached(self, kind: str, depends_on: Any, compute: Callable[[], Any]) -> Any:
        """A value derived from `depends_on` (JSON-able), computed once per content and kept."""
        key = kind + ":" + _digest(json.dumps(depends_on, sort_keys=True).encode("utf-8"))
        row = self.db.execute("SELECT value FROM derived WHERE key = ?", (key,)).fetchone()
        if row is not None:
            return _unpack(row[0])
        value = compute()
        self.db.execute("INSERT OR REPLACE INTO derived VALUES (?, ?)", (key, _pack(value)))
        return value

    def _known(self, folder: Path, files: dict[str, tuple[int, int, str]]) -> IndexedRun | None:
        """The folder's entry when none of its files changed since it was indexed, else None."""
        digests = {}
        cases = os.path.join(folder.resolve(), CASES_DIR)
        try:  # os.scandir, not Path.glob: this runs for each of 15,000 files on every publish
            entries = sorted(
                (e for e in os.scandir(cases) if e.name.endswith(".json")), key=lambda e: e.name
            )
            stats = [(e.path, e.stat()) for e in entries]
        except OSError:
            return None
        for path, stat in stats:
            size, mtime_ns, digest = files.get(path, (None, None, None))
            if (size, mtime_ns) != (stat.st_size, stat.st_mtime_ns):
                return None
            digests[os.path.basename(path)] = digest
        try:
            run_json = (folder / RUN_FILE).read_bytes()
        except OSError:
            run_json = b""
        key = _run_key(run_json, digests)
        row = self.db.execute("SELECT summary, skipped FROM runs WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        summary = _unpack(row[0]) if row[0] is not None else None
        return IndexedRun(folder, key, summary, row[1], digests)

    def _store(self, folder: Path, result: dict[str, Any]) -> IndexedRun:
        """Record what a worker read of one folder."""
        digests = {}
        for path, size, mtime_ns, digest, packed in result["files"]:
            self.db.execute(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)", (path, size, mtime_ns, digest)
            )
            if packed is not None:
                self.db.execute("INSERT OR IGNORE INTO fights VALUES (?, ?)", (digest, packed))
            digests[Path(path).name] = digest
        key = _run_key(result["run_json"], digests)
        skipped, packed = result["skipped"], None
        if result["summary"] is not None:
            packed = _pack(result["summary"])
        # As every later publish will read it back: the same pages' render keys from now on.
        summary = _unpack(packed) if packed is not None else None
        self.db.execute(
            "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?)",
            (key, packed, skipped, json.dumps(digests)),
        )
        if result.get("pair_data") is not None:
            # Apart from the summary: every publish reads every summary, but a run's compare
            # data only when its script is written (50 KB a run, 1 s a publish of 1,000 runs).
            self.db.execute(
                "INSERT OR REPLACE INTO pair_data VALUES (?, ?)", (key, result["pair_data"])
            )
        return IndexedRun(folder, key, summary, skipped, digests)


def read_run_folder(folder: Path) -> dict[str, Any]:
    """Read one run folder whole (in a worker process): its files' digests, slim fights (packed
    for the index), summary."""
    files, problems, slims = [], [], {}
    try:
        run_json = (folder / RUN_FILE).read_bytes()
    except OSError:
        run_json = b""
    for path in fight_files(folder):
        try:
            stat = path.stat()
            data = path.read_bytes()
        except OSError as err:
            problems.append(f"{path}: cannot read ({err.strerror or err})")
            continue
        slim = None
        try:
            slim = read_slim_fight(path, data)
            slims[path] = slim
        except ResultsError as err:
            problems.append(str(err))
        # Packed here, in the worker: serialising and compressing 15 fights a run in the one
        # process that writes the index made it the bottleneck of a publish from empty.
        packed = _pack(slim) if slim is not None else None
        where = str(folder.resolve() / path.relative_to(folder))  # as _known looks it up
        files.append((where, stat.st_size, stat.st_mtime_ns, _digest(data), packed))
    summary, skipped, compare = None, None, None
    try:
        info = read_info(folder)
        run = run_from_slim(folder, info, slims)
        if not run.fights:
            raise ResultsError("no usable fight" + _first_reasons(problems + run.ignored))
        summary = summarize_run(run)
        summary["ignored"] = problems + run.ignored
        summary["info"] = info
        compare = pair_data(run)  # runs/RUN.pair.js: compare.html's any pair
    except (ResultsError, HarnessError) as err:
        skipped = str(err)
    except (KeyError, TypeError, ValueError) as err:  # a run.json that is JSON but not ours
        skipped = f"{folder}: not a run of this harness ({type(err).__name__}: {err})"
    return {
        "files": files,
        "run_json": run_json,
        "summary": summary,
        "skipped": skipped,
        "pair_data": _pack(compare) if compare is not None else None,
    }


def _first_reasons(reasons: list[str], shown: int = 3) -> str:
    """The first few reasons a folder's files were left out, and how many more there are."""
    if not reasons:
        return " in cases/"
    more = f"; and {len(reasons) - shown} more" if len(reasons) > shown else ""
    return ": " + "; ".join(reasons[:shown]) + more
