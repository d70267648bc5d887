"""The IDX reader, on small files written here byte by byte (gzipped and plain)."""

import gzip
import hashlib
import re
import struct

import numpy as np
import pytest

from bench.datasets import DatasetError
from bench.datasets.idx import Checksums, parse_idx, read_idx

IMAGES = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)


def idx_bytes(code: int, shape: tuple[int, ...], payload: bytes) -> bytes:
    """An IDX file as the format defines it: 0x0000, type code, rank, big-endian dims, data."""
    return (
        struct.pack(">HBB", 0, code, len(shape)) + struct.pack(f">{len(shape)}I", *shape) + payload
    )


def write(path, data: bytes, gzipped: bool):
    path.write_bytes(gzip.compress(data) if gzipped else data)
    return path


@pytest.mark.parametrize("gzipped", [True, False])
def test_reads_uint8_images_gzipped_or_plain(tmp_path, gzipped):
    path = write(tmp_path / "images", idx_bytes(0x08, (2, 3, 4), IMAGES.tobytes()), gzipped)
    values = read_idx(path, dtype=np.uint8, shape=(2, 3, 4))
    assert values.dtype == np.uint8 and values.shape == (2, 3, 4)
    np.testing.assert_array_equal(values, IMAGES)
    assert values[1, 2, 3] == 23


@pytest.mark.parametrize(
    ("code", "big_endian"),
    [(0x09, ">i1"), (0x0B, ">i2"), (0x0C, ">i4"), (0x0D, ">f4"), (0x0E, ">f8")],
)
def test_reads_every_type_big_endian_into_native_order(code, big_endian):
    expected = np.array([[-3, 2], [1, 100]], dtype=np.dtype(big_endian).newbyteorder("="))
    data = idx_bytes(code, (2, 2), expected.astype(big_endian).tobytes())
    values = parse_idx(data)
    assert values.dtype == expected.dtype and values.dtype.isnative
    np.testing.assert_array_equal(values, expected)


def test_the_label_file_layout_of_mnist():
    # The first bytes of Fashion-MNIST's test labels: magic 0x00000801, 10000 items, 9, 2, 1, 1.
    data = bytes.fromhex("00000801 00002710".replace(" ", "")) + bytes([9, 2, 1, 1]) * 2500
    labels = parse_idx(data)
    assert labels.shape == (10000,) and labels[:4].tolist() == [9, 2, 1, 1]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x00", "x: 2 bytes, too short for an IDX header (4 bytes)"),
        (
            b"\x01\x00\x08\x01" + b"\x00" * 8,
            "x: not an IDX file (magic number 0x01000801; expected 0x0000 then a type code, "
            "one of 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e)",
        ),
        (
            b"\x00\x00\x0a\x01" + b"\x00" * 8,
            "x: not an IDX file (magic number 0x00000a01; expected 0x0000 then a type code, "
            "one of 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e)",
        ),
        (b"\x00\x00\x08\x00", "x: IDX header declares 0 dimensions"),
        (b"\x00\x00\x08\x03\x00\x00\x00\x02", "x: truncated IDX header (8 of 16 bytes)"),
        (
            idx_bytes(0x08, (2, 3, 4), IMAGES.tobytes()[:-1]),
            "x: truncated: the header declares uint8 values of shape (2, 3, 4) (24 bytes) but "
            "23 bytes follow it",
        ),
        (
            idx_bytes(0x0C, (2,), b"\x00" * 12),
            "x: longer than its header says: the header declares int32 values of shape (2,) "
            "(8 bytes) but 12 bytes follow it",
        ),
    ],
)
def test_a_bad_header_or_size_is_named(data, message):
    with pytest.raises(DatasetError) as err:
        parse_idx(data, "x")
    assert str(err.value) == message


def test_expected_dtype_and_shape_are_checked(tmp_path):
    path = write(tmp_path / "a", idx_bytes(0x08, (2, 3, 4), IMAGES.tobytes()), gzipped=True)
    with pytest.raises(DatasetError) as err:
        read_idx(path, dtype=np.uint8, shape=(2, 12))
    assert str(err.value) == f"{path}: holds an array of shape (2, 3, 4), expected (2, 12)"
    with pytest.raises(DatasetError) as err:
        read_idx(path, dtype=np.float32)
    assert str(err.value) == f"{path}: holds uint8 values, expected float32"


def test_a_damaged_gzip_file_is_named(tmp_path):
    data = gzip.compress(idx_bytes(0x08, (2, 3, 4), IMAGES.tobytes()))
    truncated = tmp_path / "truncated.gz"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError, match=re.escape(f"{truncated}: damaged gzip file (")):
        read_idx(truncated)
    flipped = bytearray(data)
    flipped[-6] ^= 0xFF  # inside the CRC-32 / length trailer: gzip notices
    damaged = tmp_path / "damaged.gz"
    damaged.write_bytes(bytes(flipped))
    with pytest.raises(DatasetError, match=re.escape(f"{damaged}: damaged gzip file (")):
        read_idx(damaged)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(DatasetError) as err:
        read_idx(tmp_path / "nothing.gz")
    assert str(err.value) == f"{tmp_path / 'nothing.gz'}: cannot read (No such file or directory)"


def test_checksums_accept_either_the_gz_md5_or_the_content_sha256(tmp_path):
    content = idx_bytes(0x08, (2, 3, 4), IMAGES.tobytes())
    path = write(tmp_path / "a.gz", content, gzipped=True)
    gz_md5 = hashlib.md5(path.read_bytes()).hexdigest()
    sha256 = hashlib.sha256(content).hexdigest()
    wrong = "0" * 64
    # As published (the .gz's MD5), or recompressed around the same content (its SHA-256).
    read_idx(path, checksums=Checksums(gz_md5=gz_md5, sha256=wrong))
    read_idx(path, checksums=Checksums(gz_md5="0" * 32, sha256=sha256))
    plain = write(tmp_path / "a", content, gzipped=False)
    read_idx(plain, checksums=Checksums(gz_md5=gz_md5, sha256=sha256))


def test_a_checksum_mismatch_names_both_expected_and_found(tmp_path):
    genuine = idx_bytes(0x08, (2, 3, 4), IMAGES.tobytes())
    other = idx_bytes(0x08, (2, 3, 4), (IMAGES + 1).tobytes())  # same header, other pixels
    expected = Checksums(gz_md5="a" * 32, sha256=hashlib.sha256(genuine).hexdigest())
    path = write(tmp_path / "a.gz", other, gzipped=True)
    with pytest.raises(DatasetError) as err:
        read_idx(path, np.uint8, (2, 3, 4), expected)
    assert str(err.value) == (
        f"{path}: checksum mismatch, not the genuine file (damaged or another version): "
        f"expected .gz MD5 {'a' * 32} or content SHA-256 {expected.sha256}; found .gz MD5 "
        f"{hashlib.md5(path.read_bytes()).hexdigest()}, content SHA-256 "
        f"{hashlib.sha256(other).hexdigest()}"
    )
    plain = write(tmp_path / "a", other, gzipped=False)
    with pytest.raises(DatasetError) as err:
        read_idx(plain, checksums=expected)
    assert str(err.value).endswith(f"found content SHA-256 {hashlib.sha256(other).hexdigest()}")
