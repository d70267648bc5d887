"""Fashion-MNIST: Zalando's 70,000 28x28 grey clothing images in 10 classes, official split.

The four IDX files are read from the first place that has all of them (see `search_dirs`; the
project's datasets/fashion-mnist/ comes first) and checked against their checksums in
datasets/checksums.toml, so whatever the place, the data are the genuine ones.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import checksums
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
NAME = "fashion_mnist"  # its entry in the checksum registry
ENV_VAR = "FASHION_MNIST_DIR"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")  # Debian package dataset-fashion-mnist
SOURCE_URL = "https://github.com/zalandoresearch/fashion-mnist"


@dataclass(frozen=True)
class IdxFile:
    """One of the four files: its name (without .gz) and the array it holds."""

    name: str
    shape: tuple[int, ...]

    @property
    def checksums(self) -> Checksums:
        """What the genuine file hashes to, from the registry (datasets/checksums.toml)."""
        files = checksums.entry(NAME).files
        if self.name not in files:
            raise DatasetError(f"{checksums.REGISTRY}: no checksums for {NAME} file {self.name}")
        return files[self.name]


FILES = {
    "x_train": IdxFile("train-images-idx3-ubyte", (N_TRAIN, *IMAGE_SHAPE)),
    "y_train": IdxFile("train-labels-idx1-ubyte", (N_TRAIN,)),
    "x_test": IdxFile("t10k-images-idx3-ubyte", (N_TEST, *IMAGE_SHAPE)),
    "y_test": IdxFile("t10k-labels-idx1-ubyte", (N_TEST,)),
}
FILE_NAMES = ", ".join(f"{f.name}.gz" for f in FILES.values())
HOW_TO_GET = (
    "To get them: `make data`; or `apt-get install dataset-fashion-mnist` (Debian/Ubuntu, as "
    f"root); or download the four files ({FILE_NAMES}) from {SOURCE_URL} (folder data/fashion) "
    "into datasets/fashion-mnist/ (where `make data` puts them), a folder named by "
    f"${ENV_VAR} or the dataset's `dir` parameter, or Keras's cache folder."
)


def project_dir() -> Path:
    """The project's data folder for Fashion-MNIST, where `make data` puts the files."""
    return checksums.entry(NAME).folder


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
        (project_dir(), "the project's data folder (make data)"),
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
