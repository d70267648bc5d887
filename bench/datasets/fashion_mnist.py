"""Fashion-MNIST: Zalando's 70,000 28x28 grey clothing images in 10 classes, official split.

The four IDX files are read from the first place that has all of them (see `search_dirs`) and
checked against their checksums, so whatever the place, the data are the genuine ones.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import DatasetError
from .idx import Checksums, read_idx
from .split import Split, stratified_subset

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
N_TRAIN, N_TEST = 60_000, 10_000  # the official split: Zalando's test set, not a random one
IMAGE_SHAPE = (28, 28)
ENV_VAR = "FASHION_MNIST_DIR"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")  # Debian package dataset-fashion-mnist
SOURCE_URL = "https://github.com/zalandoresearch/fashion-mnist"


@dataclass(frozen=True)
class IdxFile:
    """One of the four files: its name (without .gz), the array it holds, its checksums."""

    name: str
    shape: tuple[int, ...]
    checksums: Checksums


# A genuine file passes either check. Zalando publishes the MD5 of each .gz file; Debian's
# package recompressed them (other .gz bytes, other MD5s) around the same content, so the
# SHA-256 of the decompressed IDX bytes is checked too. Those SHA-256s were computed from the
# Debian files (0.0~git20200523.55506a9-1) after checking they hold 60,000 / 10,000 items with
# exactly 6,000 / 1,000 of each class; the MD5s of that same decompressed content (f4a8712d...,
# 9018921c..., 8181f547..., 15d48437...) are the ones other projects list for the uncompressed
# official files, so both checks accept the same data.
FILES = {
    "x_train": IdxFile(
        "train-images-idx3-ubyte",
        (N_TRAIN, *IMAGE_SHAPE),
        Checksums(
            gz_md5="8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            sha256="c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        ),
    ),
    "y_train": IdxFile(
        "train-labels-idx1-ubyte",
        (N_TRAIN,),
        Checksums(
            gz_md5="25c81989df183df01b3e8a0aad5dffbe",
            sha256="bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        ),
    ),
    "x_test": IdxFile(
        "t10k-images-idx3-ubyte",
        (N_TEST, *IMAGE_SHAPE),
        Checksums(
            gz_md5="bef4ecab320f06d8554ea6380940ec79",
            sha256="5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        ),
    ),
    "y_test": IdxFile(
        "t10k-labels-idx1-ubyte",
        (N_TEST,),
        Checksums(
            gz_md5="bb300cfdad3c16e7a12a480ee83cd310",
            sha256="0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        ),
    ),
}
FILE_NAMES = ", ".join(f"{f.name}.gz" for f in FILES.values())
HOW_TO_GET = (
    "To get them: `make data`; or `apt-get install dataset-fashion-mnist` (Debian/Ubuntu, as "
    f"root); or download the four files ({FILE_NAMES}) from {SOURCE_URL} (folder data/fashion) "
    f"into a folder named by ${ENV_VAR} or the dataset's `dir` parameter, or into Keras's cache "
    "folder."
)


def keras_cache_dir() -> Path:
    """Where keras.datasets.fashion_mnist.load_data() keeps its download."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets" / "fashion-mnist"


def search_dirs(directory: str | None = None) -> list[tuple[Path | None, str]]:
    """The places searched, in order, each with what it is (None: an unset variable)."""
    env = os.environ.get(ENV_VAR) or None
    places: list[tuple[Path | None, str]] = []
    if directory:
        places.append((Path(directory), "the dataset's dir parameter"))
    places += [
        (Path(env) if env else None, f"${ENV_VAR}"),
        (keras_cache_dir(), "Keras's download cache"),
        (DEBIAN_DIR, "Debian package dataset-fashion-mnist"),
    ]
    return places


def _find(directory: Path, name: str) -> Path | None:
    for candidate in (directory / f"{name}.gz", directory / name):  # gzipped as published, or not
        if candidate.is_file():
            return candidate
    return None


def locate(directory: str | None = None) -> dict[str, Path]:
    """The four files from the first place that has all of them; a DatasetError if none has."""
    looked = []
    for place, what in search_dirs(directory):
        if place is None:
            looked.append(f"  {what}: not set")
            continue
        found = {key: _find(place, f.name) for key, f in FILES.items()}
        paths = {key: path for key, path in found.items() if path is not None}
        if len(paths) == len(FILES):
            return paths
        if not place.is_dir():
            state = "no such directory"
        else:
            missing = [f"{FILES[key].name}.gz" for key, path in found.items() if path is None]
            state = f"{len(paths)} of 4 files (missing {', '.join(missing)})"
        looked.append(f"  {place} ({what}): {state}")
    raise DatasetError(
        f"Fashion-MNIST's four files ({FILE_NAMES}) were not found. Looked in:\n"
        + "\n".join(looked)
        + f"\n{HOW_TO_GET}"
    )


def read_official(directory: str | None = None) -> dict[str, np.ndarray]:
    """The official split as uint8 arrays (images n x 28 x 28, labels n), checksums verified."""
    arrays = {}
    for key, path in locate(directory).items():
        spec = FILES[key]
        try:
            arrays[key] = read_idx(path, np.uint8, spec.shape, spec.checksums)
        except DatasetError as err:
            raise DatasetError(
                f"{err}\nReplace it with the genuine file (or remove it: the next place that "
                f"has all four files is used). {HOW_TO_GET}"
            ) from err
    return arrays


def uses_seed(params: dict[str, Any]) -> bool:
    """Whether the seed changes the data: only when a subset is drawn."""
    return params["n_train"] < N_TRAIN or params["n_test"] < N_TEST


def make(seed: int, params: dict[str, Any], content: bytes | None = None) -> Split:
    """The official split, or seeded stratified subsets of it; pixels as features (784)."""
    data = read_official(params["dir"])
    parts = {}
    for part, stream in (("train", 0), ("test", 1)):
        labels = data[f"y_{part}"]
        # One stream per part, both drawn from the seed: the test subset does not depend on
        # how many training images were drawn.
        rng = np.random.default_rng([seed, stream])
        chosen = stratified_subset(labels, params[f"n_{part}"], rng)
        parts[f"x_{part}"] = data[f"x_{part}"][chosen].reshape(len(chosen), -1)
        parts[f"y_{part}"] = labels[chosen].astype(np.int64)
    return Split(**parts, class_names=CLASS_NAMES)
