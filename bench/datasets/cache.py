"""The on-disk cache: one uncompressed `.npz` per dataset request, memory-mapped when read.

Format: `np.savez` (no compression) of x_train, y_train, x_test, y_test (float64 features,
int64 labels, exactly the arrays every fighter gets) plus three 0-d strings: `key` (the request,
JSON), `fingerprint` (SHA-256 of the four arrays) and `class_names` (JSON list or null). Any
NumPy reads it with `np.load`. Because the members are stored, not deflated, each array is one
contiguous run of bytes in the file: `read_cache` maps them read-only instead of copying, so a
fighter's worker process opens Fashion-MNIST (440 MB of float64) without copying it, and
processes on one machine share its pages. The fingerprint is recomputed on every read (SHA-256
runs at about 1.5 GB/s), so a damaged file is regenerated, never served.

Files are replaced atomically (a new file renamed into place), so an array mapped from the old
file stays valid; editing a cache file in place while a run has it mapped is what must not happen.
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..files import atomic_write
from .split import Split

ARRAY_KEYS = ("x_train", "y_train", "x_test", "y_test")
META_KEYS = ("key", "fingerprint", "class_names")
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # a zip member's header: signature ... name, extra


def fingerprint(arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 of the four arrays' bytes, dtypes and shapes: the exact data every fighter gets."""
    digest = hashlib.sha256()
    for key in ARRAY_KEYS:
        a = np.ascontiguousarray(arrays[key])
        # Dtype and shape go in too: the same bytes read as another type are other data.
        digest.update(f"{key}:{a.dtype.str}:{a.shape};".encode())
        digest.update(memoryview(a).cast("B"))
    return digest.hexdigest()


def cache_path(cache_dir: str | Path, name: str, key: str, seed: int | None) -> Path:
    """The request's file: readable name, short hash of the key; no seed if it changes nothing."""
    short = hashlib.sha256(key.encode()).hexdigest()[:12]
    return Path(cache_dir) / (f"{name}-{short}" + ("" if seed is None else f"-seed{seed}") + ".npz")


def _map_arrays(path: Path) -> dict[str, np.ndarray]:
    """The four arrays as read-only maps of the file; ValueError if a member is not mappable."""
    arrays = {}
    with zipfile.ZipFile(path) as archive, path.open("rb") as handle:
        for key in ARRAY_KEYS:
            info = archive.getinfo(f"{key}.npy")
            if info.compress_type != zipfile.ZIP_STORED:
                raise ValueError(f"{key} is compressed")
            handle.seek(info.header_offset)
            signature, name_length, extra_length = _LOCAL_HEADER.unpack(
                handle.read(_LOCAL_HEADER.size)
            )
            if signature != b"PK\x03\x04":
                raise ValueError(f"{key}: no zip member header")
            start = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
            handle.seek(start)
            version = np.lib.format.read_magic(handle)
            readers = {
                (1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0,
            }
            if version not in readers:
                raise ValueError(f"{key}: .npy format {version}")
            shape, fortran_order, dtype = readers[version](handle)
            offset = handle.tell()
            size = math.prod(shape) * dtype.itemsize
            if (
                fortran_order
                or dtype.hasobject
                or size == 0
                or offset - start + size != info.file_size
            ):
                raise ValueError(f"{key}: not a plain array of the member's size")
            mapped = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)
            arrays[key] = np.asarray(mapped)  # a plain read-only ndarray over the map
    return arrays


def read_cache(path: Path, key: str) -> tuple[Split, str] | None:
    """The cached split and its fingerprint; None if the file is missing, damaged or another's."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            if set(stored.files) != {*ARRAY_KEYS, *META_KEYS}:
                return None
            meta = {k: stored[k] for k in META_KEYS}
        if not all(m.dtype.kind == "U" and m.ndim == 0 for m in meta.values()):
            return None
        if str(meta["key"]) != key:
            return None
        class_names = json.loads(str(meta["class_names"]))
        arrays = _map_arrays(path)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error, struct.error):
        return None  # json.JSONDecodeError is a ValueError
    x_train, y_train, x_test, y_test = (arrays[k] for k in ARRAY_KEYS)
    n_classes = max(int(y_train.max()), int(y_test.max())) + 1
    if not (
        all(x.dtype == np.float64 and x.ndim == 2 for x in (x_train, x_test))
        and all(y.dtype == np.int64 and y.ndim == 1 for y in (y_train, y_test))
        and (len(x_train), len(x_test)) == (len(y_train), len(y_test))
        and x_train.shape[1] == x_test.shape[1]
        and (
            class_names is None
            or (
                isinstance(class_names, list)
                and all(isinstance(name, str) for name in class_names)
                and len(class_names) == n_classes
            )
        )
        and str(meta["fingerprint"]) == fingerprint(arrays)
    ):
        return None
    names = None if class_names is None else tuple(class_names)
    return Split(**arrays, class_names=names), str(meta["fingerprint"])


def write_cache(path: Path, split: Split, key: str, digest: str) -> None:
    """Store the split, its request key and its fingerprint, atomically (see the module notes)."""
    arrays = {k: np.ascontiguousarray(getattr(split, k)) for k in ARRAY_KEYS}
    names = None if split.class_names is None else list(split.class_names)
    meta = {"key": key, "fingerprint": digest, "class_names": json.dumps(names)}
    # 0-d unicode arrays: readable without pickle.
    arrays.update({k: np.array(v) for k, v in meta.items()})
    atomic_write(path, lambda handle: np.savez(handle, **arrays))
