"""The IDX format of (Fashion-)MNIST: read a file, gzipped or plain, checking all it claims.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of dimensions),
one big-endian uint32 per dimension, then the values, big-endian, in C order.
"""

from __future__ import annotations

import gzip
import hashlib
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DatasetError

# type code -> the values' dtype (IDX stores them big-endian)
IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Checksums:
    """What a genuine file hashes to: MD5 of the .gz as published, SHA-256 of its content."""

    gz_md5: str | None = None
    sha256: str | None = None


def parse_idx(data: bytes, source: str = "<bytes>") -> np.ndarray:
    """The array stored in IDX `data` (native byte order); a DatasetError naming `source`."""
    if len(data) < 4:
        raise DatasetError(f"{source}: {len(data)} bytes, too short for an IDX header (4 bytes)")
    zero, code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or code not in IDX_TYPES:
        raise DatasetError(
            f"{source}: not an IDX file (magic number 0x{data[:4].hex()}; expected 0x0000 then a "
            f"type code, one of {', '.join(f'0x{c:02x}' for c in IDX_TYPES)})"
        )
    if ndim == 0:
        raise DatasetError(f"{source}: IDX header declares 0 dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DatasetError(f"{source}: truncated IDX header ({len(data)} of {header} bytes)")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = IDX_TYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(data) - header
    if found != expected:
        what = "truncated" if found < expected else "longer than its header says"
        raise DatasetError(
            f"{source}: {what}: the header declares {dtype.name} values of shape "
            f"{tuple(shape)} ({expected} bytes) but {found} bytes follow it"
        )
    values = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return values.astype(dtype.newbyteorder("="), copy=False)


def read_idx_bytes(path: Path) -> tuple[bytes, bytes]:
    """The file's bytes as stored, and its IDX content (gunzipped when it is a gzip file)."""
    try:
        stored = path.read_bytes()
    except OSError as err:
        raise DatasetError(f"{path}: cannot read ({err.strerror or err})") from err
    if not stored.startswith(GZIP_MAGIC):
        return stored, stored
    try:
        return stored, gzip.decompress(stored)
    except (OSError, EOFError, zlib.error) as err:  # gzip's ways of saying "damaged"
        raise DatasetError(f"{path}: damaged gzip file ({err})") from err


def verify(path: Path, stored: bytes, content: bytes, checksums: Checksums) -> None:
    """A DatasetError unless the file matches one of its published checksums."""
    gz_md5 = hashlib.md5(stored).hexdigest() if stored.startswith(GZIP_MAGIC) else None
    sha256 = hashlib.sha256(content).hexdigest()
    if (checksums.gz_md5 and gz_md5 == checksums.gz_md5) or sha256 == checksums.sha256:
        return
    expected = [f"content SHA-256 {checksums.sha256}"] if checksums.sha256 else []
    if checksums.gz_md5:
        expected.insert(0, f".gz MD5 {checksums.gz_md5}")
    found = ([f".gz MD5 {gz_md5}"] if gz_md5 else []) + [f"content SHA-256 {sha256}"]
    raise DatasetError(
        f"{path}: checksum mismatch, not the genuine file (damaged or another version): "
        f"expected {' or '.join(expected)}; found {', '.join(found)}"
    )


def read_idx(
    path: str | Path,
    dtype: str | np.dtype | None = None,
    shape: tuple[int, ...] | None = None,
    checksums: Checksums | None = None,
) -> np.ndarray:
    """Read an IDX file (gzip or plain), checking its header, size, dtype, shape and checksum."""
    path = Path(path)
    stored, content = read_idx_bytes(path)
    values = parse_idx(content, str(path))
    if dtype is not None and values.dtype != np.dtype(dtype):
        raise DatasetError(f"{path}: holds {values.dtype} values, expected {np.dtype(dtype)}")
    if shape is not None and values.shape != tuple(shape):
        raise DatasetError(f"{path}: holds an array of shape {values.shape}, expected {shape}")
    if checksums is not None:  # after the format checks: they say more precisely what is wrong
        verify(path, stored, content, checksums)
    return values
