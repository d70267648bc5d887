"""Pictures kept from an earlier render of the same run folder: drawn again from the same fights
by the same drawing code, a case's pictures are read back from figures/ instead of drawn (they
are most of a report's time). figures/.pictures.json keeps, per file, the key it was drawn
from: the picture's kind, the fights it shows (their whole content) and a digest of the report's
code and of the libraries that draw it. Anything else changed, and the picture is drawn anew.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from bench.files import KeyManifest, inputs_digest
from bench.store.records import Fight

from .document import Animation, Block, Figure

MANIFEST = ".pictures.json"
_DRAWING_CODE = (Path(__file__).parent, Path(__file__).parents[1] / "wording.py")
_DRAWING_LIBRARIES = ("matplotlib", "pillow", "numpy")


@functools.cache
def drawing_version() -> str:
    """A digest of the report package's code, bench/wording.py and the drawing libraries."""
    digest = hashlib.sha256()
    for where in _DRAWING_CODE:
        for path in sorted(where.rglob("*.py")) if where.is_dir() else [where]:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for library in _DRAWING_LIBRARIES:
        digest.update(f"{library} {metadata.version(library)}".encode())
    return digest.hexdigest()


def picture_key(kind: str, fights: Sequence[Fight]) -> str | None:
    """What a picture is drawn from: its kind, the fights it shows, the drawing code."""
    return inputs_digest(kind, list(fights), drawing_version())


class EarlierPictures:
    """A figures/ folder's pictures and the keys they were drawn from."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder
        self.manifest = None if folder is None else KeyManifest(folder / MANIFEST)

    def files(self, key: str | None, names: Sequence[str]) -> list[bytes] | None:
        """The files' bytes when every one was drawn from this key, else None."""
        if self.manifest is None or not all(self.manifest.unchanged(n, key) for n in names):
            return None
        try:
            return [(self.folder / name).read_bytes() for name in names]
        except OSError:
            return None


_earlier = EarlierPictures()  # set by `reusing`; forked children inherit it


@contextmanager
def reusing(folder: Path) -> Iterator[None]:
    """Let `drawn` reuse the pictures of this figures/ folder, for the block."""
    global _earlier
    _earlier = EarlierPictures(folder)
    try:
        yield
    finally:
        _earlier = EarlierPictures()


def drawn(
    kind: str, fights: Sequence[Fight], names: Sequence[str], draw: Callable[[], list[bytes]]
) -> tuple[list[bytes], str]:
    """The picture's files (one per name), reused or drawn, and the key they come from ("":
    none, never reused)."""
    key = picture_key(kind, fights)
    earlier = _earlier.files(key, names)
    return (draw() if earlier is None else earlier), key or ""


def write_manifest(folder: Path, blocks: Sequence[Block]) -> None:
    """Record which key each picture file of the report was drawn from (those files only)."""
    manifest = KeyManifest(folder / MANIFEST)
    names: list[str] = []
    for block in blocks:
        if isinstance(block, Figure | Animation) and block.key:
            files = [block.filename]
            if isinstance(block, Animation):
                files.append(block.strip_filename)
            for name in files:
                manifest.record(name, block.key)
            names += files
    manifest.save(names)
