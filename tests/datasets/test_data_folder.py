"""The card's datasets/ folder: every dataset listed, the checksum registry the loader uses,
downloads checked before they are kept, the cache git-ignored inside it."""

import gzip
import hashlib
import re
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from bench import defaults
from bench.datasets import DATASETS, DatasetError, checksums, fashion_mnist
from bench.datasets.download import download
from bench.datasets.idx import read_idx

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_lists_every_dataset_of_the_registry():
    listed = re.findall(r"^\| `([a-z_]+)` \|", (ROOT / "datasets" / "README.md").read_text(), re.M)
    assert sorted(name for name in listed if name in DATASETS) == sorted(DATASETS)
    assert set(listed) - set(DATASETS) <= {"README", "checksums", "cache", "fashion"}


def test_the_loader_checks_fashion_mnist_against_the_committed_registry():
    registry = checksums.entry("fashion_mnist")
    assert registry.folder == ROOT / "datasets" / "fashion-mnist"
    assert fashion_mnist.project_dir() == registry.folder
    assert fashion_mnist.search_dirs()[0][0] == registry.folder  # the data folder comes first
    assert {spec.name: spec.checksums for spec in fashion_mnist.FILES.values()} == registry.files
    assert registry.files["train-images-idx3-ubyte"].gz_md5 == "8d4fb7e6c68d591d4c3dfef9ec88bf0d"


def test_an_unusable_registry_is_named(tmp_path):
    broken = tmp_path / "checksums.toml"
    broken.write_text('[fashion_mnist]\nsource = "x"\n')
    with pytest.raises(DatasetError, match=re.escape(f"{broken}: no usable checksums for")):
        checksums.entry("fashion_mnist", broken)


def idx_labels(values):
    """A genuine-format IDX label file (uint8, 1-D), gzipped as published."""
    return gzip.compress(struct.pack(">HBBI", 0, 0x08, 1, len(values)) + bytes(values), mtime=0)


@pytest.fixture
def mirror(tmp_path):
    """A local 'server' with two small IDX files and a registry holding their checksums."""
    server = tmp_path / "server"
    server.mkdir()
    files = {"a-labels-idx1-ubyte": [1, 2, 3], "b-labels-idx1-ubyte": [4, 5]}
    lines = [
        "[tiny]",
        'source = "test"',
        'licence = "none"',
        'folder = "tiny"',
        f'download = "{server.as_uri()}/"',
    ]
    for name, values in files.items():
        data = idx_labels(values)
        (server / f"{name}.gz").write_bytes(data)
        lines += [f'[tiny.files."{name}"]', f'gz_md5 = "{hashlib.md5(data).hexdigest()}"']
    registry = tmp_path / "data" / "checksums.toml"
    registry.parent.mkdir()
    registry.write_text("\n".join(lines) + "\n")
    return server, registry


def test_make_data_downloads_into_the_data_folder_checked(mirror):
    server, registry = mirror
    paths = download("tiny", registry=registry)
    folder = registry.parent / "tiny"
    assert paths == [folder / "a-labels-idx1-ubyte.gz", folder / "b-labels-idx1-ubyte.gz"]
    assert sorted(p.name for p in folder.iterdir()) == [p.name for p in paths]  # no temp left
    np.testing.assert_array_equal(read_idx(paths[1]), [4, 5])
    # A genuine file already there is kept, not downloaded again.
    (server / "a-labels-idx1-ubyte.gz").unlink()
    assert download("tiny", registry=registry) == paths


def test_a_download_that_fails_its_checksum_is_not_kept(mirror):
    server, registry = mirror
    (server / "b-labels-idx1-ubyte.gz").write_bytes(idx_labels([9, 9]))  # another version
    with pytest.raises(DatasetError, match="b-labels-idx1-ubyte.gz: checksum mismatch"):
        download("tiny", registry=registry)
    folder = registry.parent / "tiny"
    assert sorted(p.name for p in folder.iterdir()) == ["a-labels-idx1-ubyte.gz"]


def test_an_unreachable_mirror_is_named(mirror, tmp_path):
    _, registry = mirror
    gone = (tmp_path / "gone").as_uri()
    with pytest.raises(DatasetError, match=re.escape(f"{gone}/a-labels-idx1-ubyte.gz: cannot")):
        download("tiny", base_url=gone, registry=registry)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_cache_and_the_downloads_are_git_ignored_inside_the_data_folder():
    assert Path("datasets") / "cache" == defaults.DATASET_CACHE
    paths = ["datasets/cache/moons-abc.npz", "datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"]
    ignored = subprocess.run(
        ["git", "check-ignore", *paths], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert ignored.stdout.split() == paths
    kept = ["datasets/README.md", "datasets/checksums.toml"]
    tracked = subprocess.run(
        ["git", "check-ignore", *kept], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert tracked.stdout == ""  # the list and the registry are committed
