"""The registry: every dataset by name, how it is made, and the parameters it takes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from sklearn import datasets as skd

from . import csv_file, fashion_mnist, generators
from .errors import DatasetError
from .params import N_SAMPLES, NOISE, TEST_SIZE, Param, resolve
from .split import Split, stratified_split


@dataclass(frozen=True)
class Source:
    """How one dataset is made, the parameters it takes, and what its data depend on."""

    make: Callable[[int, dict[str, Any], bytes | None], Split]  # (seed, params, file content)
    params: dict[str, Param]
    # The input file whose content is the data (its SHA-256 goes into the cache key), if any.
    read: Callable[[dict[str, Any]], bytes] | None = None
    # False when the seed changes nothing, so that one cache entry serves every seed.
    uses_seed: Callable[[dict[str, Any]], bool] = lambda params: True
    # Parameters saying where to read, not what: left out of the cache key (the content is in).
    where: tuple[str, ...] = ()
    check: Callable[[dict[str, Any]], None] = lambda params: None  # checks across parameters


def generated(maker: generators.Maker, **params: Param) -> Source:
    """A dataset drawn whole from `maker`, then split by its test_size."""

    def make(seed: int, resolved: dict[str, Any], content: bytes | None) -> Split:
        options = {key: value for key, value in resolved.items() if key != "test_size"}
        x, y, class_names = maker(seed, **options)
        if class_names is None:
            _, y = np.unique(y, return_inverse=True)  # labels 0..k-1 whatever the source used
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.int64)
        return stratified_split(x, y, resolved["test_size"], seed, class_names)

    return Source(make, params)


def _default(param: Param, value: Any) -> Param:
    return replace(param, default=value)


_INT_2 = Param(2, int, "an integer >= 2", lambda v: v >= 2)

SOURCES: dict[str, Source] = {
    "moons": generated(
        generators.unnamed(skd.make_moons),
        n_samples=N_SAMPLES,
        noise=_default(NOISE, 0.2),
        test_size=_default(TEST_SIZE, 0.1),  # the seed article's split
    ),
    "circles": generated(
        generators.unnamed(skd.make_circles),
        n_samples=N_SAMPLES,
        noise=NOISE,
        factor=Param(0.5, float, "a number in [0, 1)", lambda v: 0 <= v < 1),
        test_size=TEST_SIZE,
    ),
    "xor": generated(generators.xor, n_samples=N_SAMPLES, noise=NOISE, test_size=TEST_SIZE),
    "spiral": generated(
        generators.spiral,
        n_samples=N_SAMPLES,
        noise=NOISE,
        turns=Param(1.5, float, "a finite number > 0", lambda v: v > 0),
        test_size=TEST_SIZE,
    ),
    "gaussian_quantiles": generated(
        generators.unnamed(skd.make_gaussian_quantiles),
        n_samples=N_SAMPLES,
        n_features=Param(2, int, "an integer >= 1", lambda v: v >= 1),
        n_classes=_default(_INT_2, 3),
        test_size=TEST_SIZE,
    ),
    "blobs": generated(
        generators.blobs,
        n_samples=N_SAMPLES,
        n_features=Param(2, int, "an integer >= 1", lambda v: v >= 1),
        centers=_default(_INT_2, 3),
        cluster_std=Param(1.0, float, "a finite number > 0", lambda v: v > 0),
        test_size=TEST_SIZE,
    ),
    "iris": generated(generators.bundled(skd.load_iris), test_size=TEST_SIZE),
    "wine": generated(generators.bundled(skd.load_wine), test_size=TEST_SIZE),
    "breast_cancer": generated(generators.bundled(skd.load_breast_cancer), test_size=TEST_SIZE),
    "digits": generated(generators.bundled(skd.load_digits), test_size=TEST_SIZE),
    "fashion_mnist": Source(
        fashion_mnist.make,
        {
            "n_train": Param(
                fashion_mnist.N_TRAIN,
                int,
                f"an integer in [10, {fashion_mnist.N_TRAIN}] (of the official training images)",
                lambda v: 10 <= v <= fashion_mnist.N_TRAIN,
            ),
            "n_test": Param(
                fashion_mnist.N_TEST,
                int,
                f"an integer in [10, {fashion_mnist.N_TEST}] (of the official test images)",
                lambda v: 10 <= v <= fashion_mnist.N_TEST,
            ),
            "dir": Param(
                None,
                str,
                "a folder holding the four Fashion-MNIST files",
                shown=f"(searched: datasets/fashion-mnist, ${fashion_mnist.ENV_VAR}, Keras cache, "
                f"{fashion_mnist.DEBIAN_DIR})",
            ),
        },
        uses_seed=fashion_mnist.uses_seed,
        where=("dir",),
    ),
    "csv": Source(
        csv_file.make,
        {
            "path": Param(None, str, "the CSV file's path (a string)", required=True),
            "target": Param(None, str, "the name of the class label column", required=True),
            "features": Param(None, list, "a list of column names", shown="(every other column)"),
            "test_size": TEST_SIZE,
        },
        read=csv_file.read,
        where=("path",),
        check=csv_file.check_params,
    ),
}

DATASETS: dict[str, dict[str, Any]] = {
    name: {key: param.default for key, param in source.params.items()}
    for name, source in SOURCES.items()
}


def describe_datasets() -> str:
    """One line per dataset: its name and parameters with their defaults."""
    width = max(map(len, SOURCES))
    return "\n".join(
        f"{name:<{width}}  "
        + ", ".join(f"{key}={param.describe()}" for key, param in source.params.items())
        for name, source in SOURCES.items()
    )


def resolve_params(name: str, **params: Any) -> dict[str, Any]:
    """Validate `params` for dataset `name` and fill in the defaults."""
    if name not in SOURCES:
        raise DatasetError(f"unknown dataset {name!r}; choose one of {', '.join(SOURCES)}")
    source = SOURCES[name]
    resolved = resolve(name, source.params, params)
    source.check(resolved)
    return resolved
