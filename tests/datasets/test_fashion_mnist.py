"""Fashion-MNIST: where its files are looked for, what a missing or damaged file says, the data.

The tests on the real files run where they are (here: Debian's dataset-fashion-mnist) and are
skipped, saying why, where they are not (CI).
"""

import gzip
import re
import struct

import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler

from bench.datasets import DatasetError, __main__, fashion_mnist, load_dataset
from bench.datasets.split import stratified_subset

NAMES = [f"{spec.name}.gz" for spec in fashion_mnist.FILES.values()]


def real_files():
    """The real files' paths, or why there are none (the skip reason)."""
    try:
        return fashion_mnist.locate(), None
    except DatasetError:
        looked = ", ".join(str(place or what) for place, what in fashion_mnist.search_dirs())
        return None, f"Fashion-MNIST's files are not here (looked in {looked}): run `make data`"


REAL, WHY_NOT = real_files()
needs_real_files = pytest.mark.skipif(REAL is None, reason=WHY_NOT or "")


@pytest.fixture
def places(tmp_path, monkeypatch):
    """Every searched place pointed at an empty folder of tmp_path, the variable unset."""
    monkeypatch.delenv(fashion_mnist.ENV_VAR, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(fashion_mnist, "DEBIAN_DIR", tmp_path / "debian")
    monkeypatch.setattr(fashion_mnist, "project_dir", lambda: tmp_path / "project")
    return tmp_path


def touch_files(folder, names=NAMES):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"")
    return folder


def test_the_places_searched_in_order(places, monkeypatch):
    monkeypatch.setenv(fashion_mnist.ENV_VAR, str(places / "env"))
    assert fashion_mnist.search_dirs(str(places / "mine")) == [
        (places / "mine", "the dataset's dir parameter"),
        (places / "project", "the project's data folder (make data)"),
        (places / "env", "$FASHION_MNIST_DIR"),
        (places / "keras" / "datasets" / "fashion-mnist", "Keras's download cache"),
        (places / "debian", "Debian package dataset-fashion-mnist"),
    ]


def test_the_first_place_with_all_four_files_wins(places, monkeypatch):
    keras = touch_files(places / "keras" / "datasets" / "fashion-mnist")
    touch_files(places / "debian")
    env = touch_files(places / "env", NAMES[:3])  # incomplete: passed over
    monkeypatch.setenv(fashion_mnist.ENV_VAR, str(env))
    assert set(fashion_mnist.locate().values()) == {keras / name for name in NAMES}
    # Uncompressed files are found too (the .gz first where both are there).
    mine = touch_files(places / "mine", [name.removesuffix(".gz") for name in NAMES])
    (mine / NAMES[0]).write_bytes(b"")
    found = fashion_mnist.locate(str(mine))
    assert found["x_train"] == mine / NAMES[0]
    assert found["y_test"] == mine / "t10k-labels-idx1-ubyte"


def test_missing_files_name_every_place_and_how_to_get_them(places, monkeypatch):
    touch_files(places / "env", NAMES[1:3])
    monkeypatch.setenv(fashion_mnist.ENV_VAR, str(places / "env"))
    with pytest.raises(DatasetError) as err:
        load_dataset("fashion_mnist", 0, cache_dir=places / "cache", dir=str(places / "mine"))
    assert str(err.value) == (
        f"dataset 'fashion_mnist' (n_train=60000, n_test=10000, dir={places / 'mine'}; seed 0): "
        "Fashion-MNIST's four files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
        "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) were not found. Looked in:\n"
        f"  {places / 'mine'} (the dataset's dir parameter): no such directory\n"
        f"  {places / 'project'} (the project's data folder (make data)): no such directory\n"
        f"  {places / 'env'} ($FASHION_MNIST_DIR): 2 of 4 files (missing "
        "train-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz)\n"
        f"  {places / 'keras/datasets/fashion-mnist'} (Keras's download cache): no such directory\n"
        f"  {places / 'debian'} (Debian package dataset-fashion-mnist): no such directory\n"
        "To get them: `make data`; or `apt-get install dataset-fashion-mnist` (Debian/Ubuntu, as "
        "root); or download the four files (train-images-idx3-ubyte.gz, "
        "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) from "
        "https://github.com/zalandoresearch/fashion-mnist (folder data/fashion) into "
        "datasets/fashion-mnist/ (where `make data` puts them), a folder named by "
        "$FASHION_MNIST_DIR or the dataset's `dir` parameter, or Keras's cache folder."
    )
    monkeypatch.delenv(fashion_mnist.ENV_VAR)
    with pytest.raises(DatasetError, match=r"\n  \$FASHION_MNIST_DIR: not set\n"):
        load_dataset("fashion_mnist", 0, cache_dir=None)


def idx_header(code, shape):
    return struct.pack(">HBB", 0, code, len(shape)) + struct.pack(f">{len(shape)}I", *shape)


def test_a_truncated_file_is_named_with_the_fix(places):
    folder = touch_files(places / "debian")
    images = folder / "train-images-idx3-ubyte.gz"
    images.write_bytes(gzip.compress(idx_header(0x08, (60000, 28, 28)) + bytes(1000)))
    with pytest.raises(DatasetError) as err:
        load_dataset("fashion_mnist", 0, cache_dir=None)
    message = str(err.value)
    assert message.startswith(
        f"dataset 'fashion_mnist' (n_train=60000, n_test=10000; seed 0): {images}: truncated: "
        "the header declares uint8 values of shape (60000, 28, 28) (47040000 bytes) but 1000 "
        "bytes follow it\nReplace it with the genuine file (or remove it: the next place that "
        "has all four files is used). To get them: `make data`;"
    )


def test_a_file_that_is_not_the_genuine_one_fails_its_checksum(places):
    folder = touch_files(places / "debian", NAMES[1:])
    # The right format and size, all-black images: only the checksum can tell.
    images = folder / "train-images-idx3-ubyte"
    images.write_bytes(idx_header(0x08, (60000, 28, 28)) + bytes(60000 * 28 * 28))
    with pytest.raises(DatasetError) as err:
        fashion_mnist.read_official()
    assert re.fullmatch(
        re.escape(f"{images}: checksum mismatch, not the genuine file (damaged or another ")
        + r"version\): expected \.gz MD5 8d4fb7e6c68d591d4c3dfef9ec88bf0d or content SHA-256 "
        r"c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888; found content "
        r"SHA-256 [0-9a-f]{64}\nReplace it with the genuine file \(or remove it: .*",
        str(err.value),
    )


def test_stratified_subsets_keep_every_class_share_and_the_order():
    labels = np.repeat(np.arange(10), 600)[np.random.default_rng(5).permutation(6000)]
    chosen = stratified_subset(labels, 205, np.random.default_rng([0, 0]))
    assert len(chosen) == 205 and len(set(chosen)) == 205
    assert np.all(np.diff(chosen) > 0)  # the official order, thinned
    # 20.5 per class: five classes get 21, five get 20 (ties go to the lower labels).
    assert np.bincount(labels[chosen]).tolist() == [21] * 5 + [20] * 5
    again = stratified_subset(labels, 205, np.random.default_rng([0, 0]))
    other = stratified_subset(labels, 205, np.random.default_rng([1, 0]))
    np.testing.assert_array_equal(chosen, again)
    assert not np.array_equal(chosen, other)
    np.testing.assert_array_equal(
        stratified_subset(labels, 6000, np.random.default_rng(0)), np.arange(6000)
    )


def read_like_keras(path):
    """Keras's own way of reading these files: gunzip, skip the header, reshape."""
    with gzip.open(path, "rb") as handle:
        data = handle.read()
    offset = 16 if "images" in path.name else 8
    values = np.frombuffer(data, np.uint8, offset=offset)
    return values.reshape(-1, 784) if offset == 16 else values.astype(np.int64)


@needs_real_files
def test_real_files_a_seeded_subset_of_the_official_split(tmp_path, monkeypatch):
    d = load_dataset("fashion_mnist", 0, cache_dir=tmp_path, n_train=2000)
    raw = {key: read_like_keras(path) for key, path in REAL.items()}
    assert d.x_train.shape == (2000, 784) and d.x_test.shape == (10000, 784)
    assert d.x_train.dtype == np.float64 and d.y_train.dtype == np.int64
    assert d.class_names == fashion_mnist.CLASS_NAMES and d.n_classes == 10
    assert d.class_names[9] == "Ankle boot" and d.summary()["class_names"][0] == "T-shirt/top"
    assert np.bincount(d.y_train).tolist() == [200] * 10
    # The official test set, whole and in its order: Zalando's split, not a random one.
    np.testing.assert_array_equal(d.y_test, raw["y_test"])
    # Exactly the chosen official training images, standardised with their own statistics.
    chosen = stratified_subset(raw["y_train"], 2000, np.random.default_rng([0, 0]))
    np.testing.assert_array_equal(d.y_train, raw["y_train"][chosen])
    scaler = StandardScaler().fit(raw["x_train"][chosen].astype(np.float64))
    np.testing.assert_array_equal(d.x_train, scaler.transform(raw["x_train"][chosen] * 1.0))
    np.testing.assert_array_equal(d.x_test, scaler.transform(raw["x_test"] * 1.0))
    # The seed draws the subset: its own cache file, and other data for another seed.
    assert [p.name.endswith("-seed0.npz") for p in tmp_path.iterdir()] == [True]
    other = load_dataset("fashion_mnist", 1, cache_dir=None, n_train=2000, n_test=500)
    assert np.bincount(other.y_test).tolist() == [50] * 10
    assert other.fingerprint != d.fingerprint
    monkeypatch.setattr(
        "bench.datasets.dataset.build", lambda *a: pytest.fail("built again, not read")
    )
    assert load_dataset("fashion_mnist", 0, cache_dir=tmp_path, n_train=2000).fingerprint == (
        d.fingerprint
    )


@needs_real_files
@pytest.mark.slow
def test_real_files_all_70000_images_one_cache_file_for_every_seed(tmp_path, monkeypatch):
    d = load_dataset("fashion_mnist", 0, cache_dir=tmp_path)
    assert d.x_train.shape == (60000, 784) and d.x_test.shape == (10000, 784)
    assert np.bincount(d.y_train).tolist() == [6000] * 10
    assert np.bincount(d.y_test).tolist() == [1000] * 10
    np.testing.assert_array_equal(d.y_train, read_like_keras(REAL["y_train"]))
    np.testing.assert_allclose(d.x_train.mean(axis=0), 0, atol=1e-12)
    # No subset drawn: the seed changes nothing, so one file serves every seed.
    monkeypatch.setattr(
        "bench.datasets.dataset.build", lambda *a: pytest.fail("built again, not read")
    )
    again = load_dataset("fashion_mnist", 7, cache_dir=tmp_path)
    assert again.fingerprint == d.fingerprint and again.seed == 7
    assert len(list(tmp_path.iterdir())) == 1
    assert isinstance(again.x_train.base, np.memmap)  # mapped, not copied


@needs_real_files
def test_the_check_behind_make_data(capsys):
    assert __main__.main() == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and all(": genuine (content SHA-256 " in line for line in lines)


def test_the_check_behind_make_data_without_the_files(places, capsys):
    assert __main__.main() == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Fashion-MNIST's four files") and "`make data`" in err
