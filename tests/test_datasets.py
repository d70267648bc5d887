"""The dataset registry: seeded, stratified, standardised on train data, cached, fingerprinted."""

import json
import re

import numpy as np
import pytest
from sklearn.datasets import make_moons
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from bench import datasets
from bench.datasets import DATASETS, describe_datasets, load_dataset

ARRAYS = ("x_train", "y_train", "x_test", "y_test")


def assert_same_data(a, b):
    for key in ARRAYS:
        x, y = getattr(a, key), getattr(b, key)
        assert x.dtype == y.dtype and x.shape == y.shape
        assert x.tobytes() == y.tobytes(), key
    assert a.fingerprint == b.fingerprint


def forbid_generation(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("generated instead of read from the cache")

    monkeypatch.setattr(datasets, "_make", boom)


def only_cache_file(cache_dir):
    files = list(cache_dir.iterdir())
    assert len(files) == 1, files  # and no temporary files left behind
    return files[0]


@pytest.mark.parametrize("name", list(DATASETS))
def test_every_dataset_loads_split_and_standardised(name, tmp_path):
    d = load_dataset(name, seed=3, cache_dir=tmp_path)
    n_train, n_test = len(d.y_train), len(d.y_test)
    assert d.x_train.shape == (n_train, d.n_features) and d.x_test.shape == (n_test, d.n_features)
    assert d.x_train.dtype == d.x_test.dtype == np.float64
    assert d.y_train.dtype == d.y_test.dtype == np.int64
    assert d.params == DATASETS[name] and d.seed == 3
    assert n_test == pytest.approx(d.params["test_size"] * (n_train + n_test), abs=1)
    if "n_samples" in d.params:
        assert n_train + n_test == d.params["n_samples"]
    # Stratified: every class 0..k-1 in both parts, in about the same proportions.
    classes = np.arange(d.n_classes)
    assert d.n_classes >= 2
    np.testing.assert_array_equal(np.unique(d.y_train), classes)
    np.testing.assert_array_equal(np.unique(d.y_test), classes)
    train_share = np.bincount(d.y_train) / n_train
    test_share = np.bincount(d.y_test) / n_test
    np.testing.assert_allclose(train_share, test_share, atol=1.5 / n_test * d.n_classes)
    # Standardised with the training statistics (constant columns, as in digits, stay 0).
    varying = d.x_train.std(axis=0) > 0
    np.testing.assert_allclose(d.x_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(d.x_train.std(axis=0)[varying], 1, rtol=1e-12)
    assert not np.allclose(d.x_test.mean(axis=0), 0, atol=1e-6)
    with pytest.raises(ValueError, match="read-only"):
        d.x_train[0, 0] = 1.0
    summary = d.summary()
    assert json.loads(json.dumps(summary)) == summary
    assert summary == {
        "name": name,
        "params": DATASETS[name],
        "seed": 3,
        "n_train": n_train,
        "n_test": n_test,
        "n_features": d.n_features,
        "n_classes": d.n_classes,
        "fingerprint": d.fingerprint,
    }


def test_moons_seed_100_is_the_seed_articles_data():
    d = load_dataset("moons", seed=100, cache_dir=None)
    assert d.params == {"n_samples": 1000, "noise": 0.2, "test_size": 0.1}
    assert (len(d.y_train), len(d.y_test)) == (900, 100)
    x, y = make_moons(1000, noise=0.2, random_state=100)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.1, stratify=y, random_state=100
    )
    scaler = StandardScaler().fit(x_train)
    np.testing.assert_array_equal(d.x_train, scaler.transform(x_train))
    np.testing.assert_array_equal(d.x_test, scaler.transform(x_test))
    np.testing.assert_array_equal(d.y_train, y_train)
    np.testing.assert_array_equal(d.y_test, y_test)
    # Undoing the standardisation gives back exactly the article's 1000 points.
    raw = np.vstack([d.x_train, d.x_test]) * scaler.scale_ + scaler.mean_
    order = np.lexsort(raw.T)
    np.testing.assert_allclose(raw[order], x[np.lexsort(x.T)], atol=1e-12)


def test_same_request_gives_the_same_bytes(tmp_path, monkeypatch):
    first = load_dataset("spiral", 7, cache_dir=tmp_path / "a")
    assert_same_data(first, load_dataset("spiral", 7, cache_dir=tmp_path / "b"))
    assert_same_data(first, load_dataset("spiral", 7, cache_dir=None))
    forbid_generation(monkeypatch)
    assert_same_data(first, load_dataset("spiral", 7, cache_dir=tmp_path / "a"))


def test_seed_and_params_change_the_data_and_the_cache_file(tmp_path):
    base = load_dataset("blobs", 0, cache_dir=tmp_path)
    other_seed = load_dataset("blobs", 1, cache_dir=tmp_path)
    other_param = load_dataset("blobs", 0, cache_dir=tmp_path, cluster_std=2.0)
    assert len({base.fingerprint, other_seed.fingerprint, other_param.fingerprint}) == 3
    assert len(list(tmp_path.glob("blobs-*.npz"))) == 3
    # The bundled sets are fixed data: the seed still reshuffles the split.
    assert load_dataset("iris", 0, None).fingerprint != load_dataset("iris", 1, None).fingerprint


def test_defaults_spelled_out_or_as_ints_are_the_same_request(tmp_path, monkeypatch):
    load_dataset("circles", 0, cache_dir=tmp_path, noise=0)
    load_dataset("moons", 0, cache_dir=tmp_path)
    forbid_generation(monkeypatch)
    load_dataset("circles", 0, cache_dir=tmp_path, noise=0.0)
    load_dataset("moons", 0, cache_dir=tmp_path, n_samples=1000, noise=0.2, test_size=0.1)


def test_cache_file_is_named_readably_and_loads_without_pickle(tmp_path, monkeypatch):
    cache_dir = tmp_path / "missing" / "nested"
    d = load_dataset("moons", 0, cache_dir=cache_dir)
    path = only_cache_file(cache_dir)
    assert re.fullmatch(r"moons-[0-9a-f]{12}-seed0\.npz", path.name)
    with np.load(path, allow_pickle=False) as z:
        assert set(z.files) == {*ARRAYS, "fingerprint", "params", "name", "seed"}
        for key in ARRAYS:
            np.testing.assert_array_equal(z[key], getattr(d, key))
        assert z["fingerprint"].dtype.kind == "U" and z["fingerprint"].shape == ()
        assert str(z["fingerprint"]) == d.fingerprint
        assert json.loads(str(z["params"]))["params"] == d.params
    mtime = path.stat().st_mtime_ns
    forbid_generation(monkeypatch)
    assert_same_data(d, load_dataset("moons", 0, cache_dir=cache_dir))
    assert path.stat().st_mtime_ns == mtime


def corrupt_garbage(path):
    path.write_bytes(b"not a zip file at all" * 50)


def corrupt_truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def corrupt_fingerprint(path):
    with np.load(path) as z:
        stored = dict(z)
    stored["x_train"] = stored["x_train"] + 1e-9
    np.savez(path, **stored)


def corrupt_params(path):
    with np.load(path) as z:
        stored = dict(z)
    stored["params"] = np.array(json.dumps({"n_samples": 999}))
    np.savez(path, **stored)


def corrupt_missing_key(path):
    with np.load(path) as z:
        stored = {k: z[k] for k in z.files if k != "y_test"}
    np.savez(path, **stored)


@pytest.mark.parametrize(
    "corrupt",
    [corrupt_garbage, corrupt_truncate, corrupt_fingerprint, corrupt_params, corrupt_missing_key],
)
def test_a_bad_cache_file_is_regenerated_and_overwritten(corrupt, tmp_path, monkeypatch):
    good = load_dataset("xor", 5, cache_dir=tmp_path)
    path = only_cache_file(tmp_path)
    corrupt(path)
    assert_same_data(good, load_dataset("xor", 5, cache_dir=tmp_path))
    assert only_cache_file(tmp_path) == path
    forbid_generation(monkeypatch)  # the file was rewritten, so now it is a cache hit
    assert_same_data(good, load_dataset("xor", 5, cache_dir=tmp_path))


def test_unknown_dataset():
    names = (
        "moons, circles, xor, spiral, gaussian_quantiles, blobs, iris, wine, breast_cancer, digits"
    )
    with pytest.raises(ValueError) as err:
        load_dataset("moon", 0, cache_dir=None)
    assert str(err.value) == f"unknown dataset 'moon'; choose one of {names}"


def test_unknown_parameter():
    with pytest.raises(ValueError) as err:
        load_dataset("moons", 0, cache_dir=None, nosie=0.1)
    message = str(err.value)
    assert "'nosie'" in message and "'moons'" in message
    assert "n_samples, noise, test_size" in message
    with pytest.raises(ValueError, match="unknown parameter 'noise' for dataset 'iris'"):
        load_dataset("iris", 0, cache_dir=None, noise=0.1)


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("moons", {"n_samples": 0}, "n_samples must be an integer >= 1, got 0"),
        ("moons", {"n_samples": 10.5}, "n_samples must be an integer >= 1, got 10.5"),
        ("moons", {"n_samples": True}, "n_samples must be an integer >= 1, got True"),
        ("moons", {"noise": -0.1}, "noise must be a finite number >= 0, got -0.1"),
        ("xor", {"noise": float("nan")}, "noise must be a finite number >= 0, got nan"),
        ("iris", {"test_size": 0}, "test_size must be a number in (0, 1), got 0"),
        ("spiral", {"test_size": 1.0}, "test_size must be a number in (0, 1), got 1.0"),
        ("blobs", {"centers": 1}, "centers must be an integer >= 2, got 1"),
        ("circles", {"factor": 1}, "factor must be a number in [0, 1), got 1"),
        ("spiral", {"turns": 0}, "turns must be a finite number > 0, got 0"),
    ],
)
def test_bad_values(name, params, expected):
    with pytest.raises(ValueError) as err:
        load_dataset(name, 0, cache_dir=None, **params)
    assert str(err.value) == f"dataset {name!r}: {expected}"


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, "0"])
def test_bad_seed(seed):
    with pytest.raises(
        ValueError, match=re.escape(f"seed must be an integer in [0, 2**32), got {seed!r}")
    ):
        load_dataset("moons", seed, cache_dir=None)


def test_describe_lists_every_dataset_with_its_defaults():
    lines = describe_datasets().splitlines()
    assert [line.split()[0] for line in lines] == list(DATASETS)
    assert "n_samples=1000, noise=0.2, test_size=0.1" in lines[0]
    assert "centers=3" in describe_datasets()


def test_fingerprint_covers_dtype_and_shape_not_just_bytes():
    d = load_dataset("moons", 0, cache_dir=None)
    arrays = {key: getattr(d, key) for key in ARRAYS}
    reshaped = {**arrays, "x_train": arrays["x_train"].reshape(-1, 1)}
    retyped = {**arrays, "y_train": arrays["y_train"].view(np.float64)}
    fingerprints = {datasets._fingerprint(a) for a in (arrays, reshaped, retyped)}
    assert len(fingerprints) == 3 and d.fingerprint == datasets._fingerprint(arrays)
