"""A fight's dataset: made (or read from the cache) once, split, standardised, fingerprinted."""

from __future__ import annotations

import hashlib
import json
import numbers
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sklearn

from bench.defaults import DATASET_CACHE

from .cache import ARRAY_KEYS, cache_path, fingerprint, read_cache, write_cache
from .errors import DatasetError
from .registry import SOURCES, resolve_params
from .split import Split, standardise

# Part of every cache key: bump it when the making of any dataset here changes, so old files
# are not served. scikit-learn's version goes in too, as its generators may change.
GENERATOR_VERSION = 2


@dataclass(frozen=True, eq=False)
class Dataset:
    """A split, standardised dataset and the request that produced it."""

    name: str
    params: dict[str, Any]
    seed: int
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    fingerprint: str
    class_names: tuple[str, ...] | None = None  # label i is class_names[i], where known

    @property
    def n_features(self) -> int:
        """Number of input features."""
        return int(self.x_train.shape[1])

    def summary(self) -> dict[str, Any]:
        """Plain, JSON-ready description for results files (class_names only where known)."""
        summary = {
            "name": self.name,
            "params": dict(self.params),
            "seed": self.seed,
            "n_train": len(self.x_train),
            "n_test": len(self.x_test),
            "n_features": self.n_features,
            "n_classes": self.n_classes,
            "fingerprint": self.fingerprint,
        }
        if self.class_names is not None:
            summary["class_names"] = list(self.class_names)
        return summary


def check_seed(seed: Any) -> int:
    """The seed as an int; a DatasetError unless it is an integer in [0, 2**32)."""
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or not 0 <= seed < 2**32:
        raise DatasetError(f"seed must be an integer in [0, 2**32), got {seed!r}")
    return int(seed)


def request_key(name: str, params: dict[str, Any], seed: int | None, content: bytes | None) -> str:
    """The cache key: everything the data depend on, as canonical JSON."""
    where = SOURCES[name].where
    request = {
        "name": name,
        "params": {key: value for key, value in params.items() if key not in where},
        "seed": seed,
        "content_sha256": None if content is None else hashlib.sha256(content).hexdigest(),
        "generator": GENERATOR_VERSION,
        "sklearn": sklearn.__version__,
    }
    return json.dumps(request, sort_keys=True, separators=(",", ":"))


def build(name: str, params: dict[str, Any], seed: int, content: bytes | None) -> Split:
    """Make the dataset from its source, split and standardised."""
    try:
        split = SOURCES[name].make(seed, params, content)
    except DatasetError:
        raise
    except ValueError as err:  # a generator refusing these parameters: the user's to change
        raise DatasetError(f"cannot be made with these parameters: {err}") from err
    return standardise(split)


def _request(params: dict[str, Any], seed: int) -> str:
    given = ", ".join(f"{key}={value}" for key, value in params.items() if value is not None)
    return f"{given}; seed {seed}" if given else f"seed {seed}"


def load_dataset(
    name: str, seed: int, cache_dir: str | Path | None = DATASET_CACHE, **params: Any
) -> Dataset:
    """Make (or load from `cache_dir`) the split, standardised dataset for this request."""
    params = resolve_params(name, **params)
    seed = check_seed(seed)
    source = SOURCES[name]
    try:
        content = source.read(params) if source.read else None
        key_seed = seed if source.uses_seed(params) else None
        key = request_key(name, params, key_seed, content)
        path = None if cache_dir is None else cache_path(cache_dir, name, key, key_seed)
        cached = None if path is None else read_cache(path, key)
        if cached is None:
            split = build(name, params, seed, content)
            digest = fingerprint(vars(split))
            if path is not None:
                write_cache(path, split, key, digest)
        else:
            split, digest = cached
    except DatasetError as err:
        raise DatasetError(f"dataset {name!r} ({_request(params, seed)}): {err}") from err
    arrays = {k: getattr(split, k) for k in ARRAY_KEYS}
    for a in arrays.values():
        a.setflags(write=False)  # shared by every fighter: none may alter another's data
    return Dataset(
        name=name,
        params=params,
        seed=seed,
        **arrays,
        n_classes=int(max(split.y_train.max(), split.y_test.max())) + 1,
        fingerprint=digest,
        class_names=split.class_names,
    )
