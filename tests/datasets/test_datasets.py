"""The dataset registry: seeded, stratified, standardised on train data, cached, fingerprinted."""

import json
import re
import zipfile

import numpy as np
import pytest
from sklearn.datasets import make_moons
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from bench.datasets import DATASETS, DatasetError, describe_datasets, load_dataset
from bench.datasets import cache as dataset_cache
from bench.datasets import dataset as dataset_module
from bench.errors import HarnessError

ARRAYS = ("x_train", "y_train", "x_test", "y_test")
# The datasets made from nothing but their parameters (Fashion-MNIST and csv read files).
MADE = [name for name in DATASETS if name not in ("fashion_mnist", "csv")]
CLASS_NAMES = {
    "moons": None,
    "circles": None,
    "xor": None,
    "spiral": None,
    "gaussian_quantiles": None,
    "blobs": ("blob 0", "blob 1", "blob 2"),
    "iris": ("setosa", "versicolor", "virginica"),
    "wine": ("class_0", "class_1", "class_2"),
    "breast_cancer": ("malignant", "benign"),
    "digits": tuple("0123456789"),
}


def assert_same_data(a, b):
    for key in ARRAYS:
        x, y = getattr(a, key), getattr(b, key)
        assert x.dtype == y.dtype and x.shape == y.shape
        assert x.tobytes() == y.tobytes(), key
    assert a.fingerprint == b.fingerprint


def forbid_generation(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("generated instead of read from the cache")

    monkeypatch.setattr(dataset_module, "build", boom)


def only_cache_file(cache_dir):
    files = list(cache_dir.iterdir())
    assert len(files) == 1, files  # and no temporary files left behind
    return files[0]


@pytest.mark.parametrize("name", MADE)
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
    expected = {
        "name": name,
        "params": DATASETS[name],
        "seed": 3,
        "n_train": n_train,
        "n_test": n_test,
        "n_features": d.n_features,
        "n_classes": d.n_classes,
        "fingerprint": d.fingerprint,
    }
    if CLASS_NAMES[name] is not None:  # the results schema wants a list of names or no key
        expected["class_names"] = list(CLASS_NAMES[name])
    assert summary == expected


@pytest.mark.parametrize("name", MADE)
def test_class_names_where_the_data_have_them(name, tmp_path):
    made = load_dataset(name, 1, cache_dir=tmp_path)
    cached = load_dataset(name, 1, cache_dir=tmp_path)
    assert made.class_names == cached.class_names == CLASS_NAMES[name]
    if made.class_names is not None:
        assert len(made.class_names) == made.n_classes


def test_class_names_label_the_right_samples():
    iris = load_dataset("iris", 0, cache_dir=None)
    # Setosa is the small-petalled one: its standardised petal length is far below the others'.
    petal_length = iris.x_train[:, 2]
    setosa = iris.y_train == iris.class_names.index("setosa")
    assert petal_length[setosa].max() < petal_length[~setosa].min()
    cancer = load_dataset("breast_cancer", 0, cache_dir=None)
    # 212 malignant and 357 benign tumours in the Wisconsin data.
    counts = np.bincount(np.concatenate([cancer.y_train, cancer.y_test]))
    assert dict(zip(cancer.class_names, counts.tolist(), strict=True)) == {
        "malignant": 212,
        "benign": 357,
    }
    blobs = load_dataset("blobs", 0, cache_dir=None, centers=4)
    assert blobs.class_names == ("blob 0", "blob 1", "blob 2", "blob 3")


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
        assert set(z.files) == {*ARRAYS, "key", "fingerprint", "class_names"}
        for key in ARRAYS:
            np.testing.assert_array_equal(z[key], getattr(d, key))
        assert z["fingerprint"].dtype.kind == "U" and z["fingerprint"].shape == ()
        assert str(z["fingerprint"]) == d.fingerprint
        key = json.loads(str(z["key"]))
        assert key["params"] == d.params and (key["name"], key["seed"]) == ("moons", 0)
        assert json.loads(str(z["class_names"])) is None
    # Stored, not deflated: every member is one run of bytes the reader can map.
    with zipfile.ZipFile(path) as archive:
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}
    mtime = path.stat().st_mtime_ns
    forbid_generation(monkeypatch)
    cached = load_dataset("moons", 0, cache_dir=cache_dir)
    assert_same_data(d, cached)
    assert path.stat().st_mtime_ns == mtime
    # Read by mapping the file, not by copying it; and still read-only.
    for key in ARRAYS:
        array = getattr(cached, key)
        assert isinstance(array.base, np.memmap) and not array.flags.writeable


def test_cache_files_are_named_by_what_the_data_depend_on(tmp_path):
    key = dataset_module.request_key("moons", DATASETS["moons"], 4, None)
    assert dataset_cache.cache_path(tmp_path, "moons", key, 4).name.endswith("-seed4.npz")
    # When the seed changes nothing (all of Fashion-MNIST), one file serves every seed.
    unseeded = dataset_cache.cache_path(tmp_path, "fashion_mnist", key, None)
    assert re.fullmatch(r"fashion_mnist-[0-9a-f]{12}\.npz", unseeded.name)


def corrupt_garbage(path):
    path.write_bytes(b"not a zip file at all" * 50)


def corrupt_truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def corrupt_fingerprint(path):
    with np.load(path) as z:
        stored = dict(z)
    stored["x_train"] = stored["x_train"] + 1e-9
    np.savez(path, **stored)


def corrupt_key(path):
    with np.load(path) as z:
        stored = dict(z)
    stored["key"] = np.array(json.dumps({"n_samples": 999}))
    np.savez(path, **stored)


def corrupt_class_names(path):
    with np.load(path) as z:
        stored = dict(z)
    stored["class_names"] = np.array(json.dumps(["only one name"]))
    np.savez(path, **stored)


def corrupt_compress(path):
    with np.load(path) as z:
        stored = dict(z)
    np.savez_compressed(path, **stored)  # the same arrays, but deflated: cannot be mapped


def corrupt_missing_key(path):
    with np.load(path) as z:
        stored = {k: z[k] for k in z.files if k != "y_test"}
    np.savez(path, **stored)


@pytest.mark.parametrize(
    "corrupt",
    [
        corrupt_garbage,
        corrupt_truncate,
        corrupt_fingerprint,
        corrupt_key,
        corrupt_class_names,
        corrupt_compress,
        corrupt_missing_key,
    ],
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
        "moons, circles, xor, spiral, gaussian_quantiles, blobs, iris, wine, breast_cancer, "
        "digits, fashion_mnist, csv"
    )
    with pytest.raises(DatasetError) as err:
        load_dataset("moon", 0, cache_dir=None)
    assert str(err.value) == f"unknown dataset 'moon'; choose one of {names}"


def test_unknown_parameter():
    with pytest.raises(DatasetError) as err:
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
        (
            "fashion_mnist",
            {"n_train": 60001},
            "n_train must be an integer in [10, 60000] (of the official training images), "
            "got 60001",
        ),
        (
            "fashion_mnist",
            {"n_test": 9},
            "n_test must be an integer in [10, 10000] (of the official test images), got 9",
        ),
        (
            "fashion_mnist",
            {"dir": 3},
            "dir must be a folder holding the four Fashion-MNIST files, got 3",
        ),
        ("csv", {"target": "y"}, "path is required: the CSV file's path (a string)"),
        ("csv", {"path": "a.csv"}, "target is required: the name of the class label column"),
        ("csv", {"path": "", "target": "y"}, "path must be the CSV file's path (a string), got ''"),
        (
            "csv",
            {"path": "a.csv", "target": "y", "features": "x"},
            "features must be a list of column names, got 'x'",
        ),
        (
            "csv",
            {"path": "a.csv", "target": "y", "features": []},
            "features must be a list of column names, got []",
        ),
        (
            "csv",
            {"path": "a.csv", "target": "y", "features": ["x", "y"]},
            "the target 'y' cannot also be a feature",
        ),
        (
            "csv",
            {"path": "a.csv", "target": "y", "features": ["x", "z", "x"]},
            "features lists 'x' twice",
        ),
    ],
)
def test_bad_values(name, params, expected):
    with pytest.raises(DatasetError) as err:
        load_dataset(name, 0, cache_dir=None, **params)
    assert str(err.value) == f"dataset {name!r}: {expected}"


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, "0", True])
def test_bad_seed(seed):
    with pytest.raises(
        DatasetError, match=re.escape(f"seed must be an integer in [0, 2**32), got {seed!r}")
    ):
        load_dataset("moons", seed, cache_dir=None)


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        (
            "blobs",
            {"n_samples": 3},
            "dataset 'blobs' (n_samples=3, n_features=2, centers=3, cluster_std=1.0, "
            "test_size=0.25; seed 0): class 'blob 0' has only 1 sample: a stratified split "
            "needs at least 2 of each class (one for training, one for testing)",
        ),
        (
            "blobs",
            {"n_samples": 2},
            "dataset 'blobs' (n_samples=2, n_features=2, centers=3, cluster_std=1.0, "
            "test_size=0.25; seed 0): no samples of class 'blob 2'",
        ),
        (
            "moons",
            {"n_samples": 1},
            "dataset 'moons' (n_samples=1, noise=0.2, test_size=0.1; seed 0): only one class "
            "(0): a classifier needs at least 2",
        ),
        (
            "moons",
            {"n_samples": 10},
            "dataset 'moons' (n_samples=10, noise=0.2, test_size=0.1; seed 0): test_size=0.1 of "
            "10 samples leaves 1 for testing, fewer than the 2 classes; change test_size or use "
            "more samples",
        ),
        (
            "iris",
            {"test_size": 0.999},
            "dataset 'iris' (test_size=0.999; seed 0): test_size=0.999 of 150 samples leaves 0 "
            "for training, fewer than the 3 classes; change test_size or use more samples",
        ),
        (  # scikit-learn's own refusal, passed on as a DatasetError
            "gaussian_quantiles",
            {"n_samples": 2},
            "dataset 'gaussian_quantiles' (n_samples=2, n_features=2, n_classes=3, "
            "test_size=0.25; seed 0): cannot be made with these parameters: n_samples must be "
            "at least n_classes",
        ),
    ],
)
def test_a_dataset_that_cannot_be_built_says_why(name, params, expected, tmp_path):
    with pytest.raises(DatasetError) as err:
        load_dataset(name, 0, cache_dir=tmp_path, **params)
    assert str(err.value) == expected
    assert isinstance(err.value, HarnessError)  # the CLI reports it as `error: ...`, exit 2
    assert list(tmp_path.iterdir()) == []  # and nothing was cached


def test_describe_lists_every_dataset_with_its_defaults():
    lines = describe_datasets().splitlines()
    assert [line.split()[0] for line in lines] == list(DATASETS)
    assert "n_samples=1000, noise=0.2, test_size=0.1" in lines[0]
    assert "centers=3" in describe_datasets()
    by_name = {line.split()[0]: line for line in lines}
    assert by_name["fashion_mnist"].split(None, 1)[1] == (
        "n_train=60000, n_test=10000, dir=(searched: datasets/fashion-mnist, "
        "$FASHION_MNIST_DIR, Keras cache, /usr/share/datasets/fashion-mnist)"
    )
    assert by_name["csv"].split(None, 1)[1] == (
        "path=(required), target=(required), features=(every other column), test_size=0.25"
    )


def test_fingerprint_covers_dtype_and_shape_not_just_bytes():
    d = load_dataset("moons", 0, cache_dir=None)
    arrays = {key: getattr(d, key) for key in ARRAYS}
    reshaped = {**arrays, "x_train": arrays["x_train"].reshape(-1, 1)}
    retyped = {**arrays, "y_train": arrays["y_train"].view(np.float64)}
    fingerprints = {dataset_cache.fingerprint(a) for a in (arrays, reshaped, retyped)}
    assert len(fingerprints) == 3 and d.fingerprint == dataset_cache.fingerprint(arrays)
