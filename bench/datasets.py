"""Seeded datasets: generated or loaded, split, standardised, fingerprinted and cached as `.npz`.

Both contenders must train on the same bytes, so every dataset is a pure function of
(name, resolved params, seed) and carries a SHA-256 fingerprint of its arrays.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn import datasets as skd
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

_ARRAY_KEYS = ("x_train", "y_train", "x_test", "y_test")
# Part of every cache key: bump it when a generator here changes, so old files are not served.
# scikit-learn's version goes in too, as its generators may change between releases.
GENERATOR_VERSION = 1


def _xor(seed: int, n_samples: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    # Label the clean points, so the noise blurs the boundary instead of moving it.
    y = (x[:, 0] * x[:, 1] < 0).astype(np.int64)
    return x + rng.normal(scale=noise, size=x.shape), y


def _spiral(seed: int, n_samples: int, noise: float, turns: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % 2
    # An arm's length grows with the radius; sqrt spaces the points evenly along it.
    t = np.sqrt(rng.uniform(size=n_samples)) * turns
    angle = 2 * np.pi * t + np.pi * y  # the second arm is the first rotated half a turn
    x = t[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return x + rng.normal(scale=noise, size=x.shape), y


def _bundled(loader: Callable[..., Any]) -> Callable[[int], tuple[np.ndarray, np.ndarray]]:
    return lambda seed: loader(return_X_y=True)  # fixed data: the seed only drives the split


# name -> (maker(seed, **params) -> (x, y), defaults; test_size is split off before the maker).
_SPECS: dict[str, tuple[Callable[..., tuple[np.ndarray, np.ndarray]], dict[str, Any]]] = {
    "moons": (
        lambda seed, **p: skd.make_moons(**p, random_state=seed),
        {"n_samples": 1000, "noise": 0.2, "test_size": 0.1},  # the seed article's split
    ),
    "circles": (
        lambda seed, **p: skd.make_circles(**p, random_state=seed),
        {"n_samples": 1000, "noise": 0.1, "factor": 0.5, "test_size": 0.25},
    ),
    "xor": (_xor, {"n_samples": 1000, "noise": 0.1, "test_size": 0.25}),
    "spiral": (_spiral, {"n_samples": 1000, "noise": 0.1, "turns": 1.5, "test_size": 0.25}),
    "gaussian_quantiles": (
        lambda seed, **p: skd.make_gaussian_quantiles(**p, random_state=seed),
        {"n_samples": 1000, "n_features": 2, "n_classes": 3, "test_size": 0.25},
    ),
    "blobs": (
        lambda seed, **p: skd.make_blobs(**p, random_state=seed),
        {"n_samples": 1000, "n_features": 2, "centers": 3, "cluster_std": 1.0, "test_size": 0.25},
    ),
    "iris": (_bundled(skd.load_iris), {"test_size": 0.25}),
    "wine": (_bundled(skd.load_wine), {"test_size": 0.25}),
    "breast_cancer": (_bundled(skd.load_breast_cancer), {"test_size": 0.25}),
    "digits": (_bundled(skd.load_digits), {"test_size": 0.25}),
}

DATASETS: dict[str, dict[str, Any]] = {name: dict(spec[1]) for name, spec in _SPECS.items()}

# parameter -> (integer?, accepts(value), what a valid value is)
_RULES: dict[str, tuple[bool, Callable[[Any], bool], str]] = {
    "n_samples": (True, lambda v: v >= 1, "an integer >= 1"),
    "n_features": (True, lambda v: v >= 1, "an integer >= 1"),
    "n_classes": (True, lambda v: v >= 2, "an integer >= 2"),
    "centers": (True, lambda v: v >= 2, "an integer >= 2"),
    "noise": (False, lambda v: v >= 0, "a finite number >= 0"),
    "cluster_std": (False, lambda v: v > 0, "a finite number > 0"),
    "factor": (False, lambda v: 0 <= v < 1, "a number in [0, 1)"),
    "turns": (False, lambda v: v > 0, "a finite number > 0"),
    "test_size": (False, lambda v: 0 < v < 1, "a number in (0, 1)"),
}


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

    @property
    def n_features(self) -> int:
        """Number of input features."""
        return int(self.x_train.shape[1])

    def summary(self) -> dict[str, Any]:
        """Plain, JSON-ready description for results files."""
        return {
            "name": self.name,
            "params": dict(self.params),
            "seed": self.seed,
            "n_train": len(self.x_train),
            "n_test": len(self.x_test),
            "n_features": self.n_features,
            "n_classes": self.n_classes,
            "fingerprint": self.fingerprint,
        }


def describe_datasets() -> str:
    """One line per dataset: its name and parameters with their defaults."""
    width = max(map(len, DATASETS))
    return "\n".join(
        f"{name:<{width}}  " + ", ".join(f"{k}={v}" for k, v in defaults.items())
        for name, defaults in DATASETS.items()
    )


def resolve_params(name: str, **params: Any) -> dict[str, Any]:
    """Validate `params` for dataset `name` and fill in the defaults."""
    if name not in _SPECS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(_SPECS)}")
    defaults = _SPECS[name][1]
    for key in params:
        if key not in defaults:
            raise ValueError(
                f"unknown parameter {key!r} for dataset {name!r}; "
                f"valid parameters: {', '.join(defaults)}"
            )
    resolved = {**defaults, **params}
    for key, value in resolved.items():
        integer, accepts, rule = _RULES[key]
        kind = numbers.Integral if integer else numbers.Real
        ok = isinstance(value, kind) and not isinstance(value, bool)
        if not (ok and math.isfinite(value) and accepts(value)):
            raise ValueError(f"dataset {name!r}: {key} must be {rule}, got {value!r}")
        # Normalise so that noise=0 and noise=0.0 are the same request (and the same cache file).
        resolved[key] = int(value) if integer else float(value)
    return resolved


def _fingerprint(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for key in _ARRAY_KEYS:
        a = np.ascontiguousarray(arrays[key])
        # Dtype and shape go in too: the same bytes read as another type are other data.
        digest.update(f"{key}:{a.dtype.str}:{a.shape};".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


def _make(name: str, params: dict[str, Any], seed: int) -> dict[str, np.ndarray]:
    maker = _SPECS[name][0]
    x, y = maker(seed, **{k: v for k, v in params.items() if k != "test_size"})
    _, y = np.unique(y, return_inverse=True)  # labels 0..k-1 whatever the source used
    x_train, x_test, y_train, y_test = train_test_split(
        np.asarray(x, dtype=np.float64),
        y.astype(np.int64),
        test_size=params["test_size"],
        stratify=y,
        random_state=seed,
    )
    scaler = StandardScaler().fit(x_train)  # training statistics only: the test set stays unseen
    return {
        "x_train": scaler.transform(x_train),
        "y_train": y_train,
        "x_test": scaler.transform(x_test),
        "y_test": y_test,
    }


def _read_cache(path: Path, name: str, params_json: str, seed: int) -> dict[str, np.ndarray] | None:
    """The cached arrays, or None if the file is missing, unreadable or not this request's."""
    try:
        with np.load(path, allow_pickle=False) as z:
            stored = {k: z[k] for k in (*_ARRAY_KEYS, "fingerprint", "params", "name", "seed")}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error):
        return None
    arrays = {k: stored[k] for k in _ARRAY_KEYS}
    meta = [stored[k] for k in ("fingerprint", "params", "name")]
    if not (
        all(arrays[k].dtype == np.float64 and arrays[k].ndim == 2 for k in ("x_train", "x_test"))
        and all(arrays[k].dtype == np.int64 and arrays[k].ndim == 1 for k in ("y_train", "y_test"))
        and all(m.dtype.kind == "U" and m.ndim == 0 for m in meta)
        and stored["seed"].dtype.kind == "i"
        and stored["seed"].ndim == 0
        and (str(stored["params"]), str(stored["name"]), int(stored["seed"]))
        == (params_json, name, seed)
        and str(stored["fingerprint"]) == _fingerprint(arrays)
    ):
        return None
    return arrays


def _write_cache(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so a reader never sees a half-written file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays, **meta)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it owner-only; a cache is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_dataset(
    name: str, seed: int, cache_dir: str | Path | None = "datasets", **params: Any
) -> Dataset:
    """Generate (or load from `cache_dir`) the split, standardised dataset for this request."""
    params = resolve_params(name, **params)
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer in [0, 2**32), got {seed!r}")
    seed = int(seed)
    request = {"params": params, "generator": GENERATOR_VERSION, "sklearn": sklearn.__version__}
    params_json = json.dumps(request, sort_keys=True, separators=(",", ":"))
    path = None
    if cache_dir is not None:
        short = hashlib.sha256(params_json.encode()).hexdigest()[:12]
        path = Path(cache_dir) / f"{name}-{short}-seed{seed}.npz"
    arrays = None if path is None else _read_cache(path, name, params_json, seed)
    if arrays is None:
        arrays = _make(name, params, seed)
        if path is not None:
            meta = {"fingerprint": _fingerprint(arrays), "params": params_json, "name": name}
            meta = {k: np.array(v) for k, v in meta.items()}  # 0-d unicode: no pickling needed
            _write_cache(path, arrays, {**meta, "seed": np.array(seed, dtype=np.int64)})
    for a in arrays.values():
        a.setflags(write=False)  # shared by both contenders: neither may alter the other's data
    return Dataset(
        name=name,
        params=params,
        seed=seed,
        **arrays,
        n_classes=int(max(arrays["y_train"].max(), arrays["y_test"].max())) + 1,
        fingerprint=_fingerprint(arrays),
    )
