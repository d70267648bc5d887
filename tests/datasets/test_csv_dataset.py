"""Your own CSV file as a dataset: read, encoded, split, standardised, cached by content."""

import numpy as np
import pytest
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from bench.datasets import DatasetError, load_dataset

# 12 rows: two numeric features, a text column, and two possible targets.
ROWS = [
    (5.1, 3.5, "a", "setosa", 3),
    (4.9, 3.0, "b", "setosa", 3),
    (4.7, 3.2, "c", "setosa", 3),
    (4.6, 3.1, "d", "setosa", 3),
    (7.0, 3.2, "e", "versicolor", 5),
    (6.4, 3.2, "f", "versicolor", 5),
    (6.9, 3.1, "g", "versicolor", 5),
    (5.5, 2.3, "h", "versicolor", 5),
    (6.3, 3.3, "i", "virginica", 7),
    (5.8, 2.7, "j", "virginica", 7),
    (7.1, 3.0, "k", "virginica", 7),
    (6.3, 2.9, "l", "virginica", 7),
]
HEADER = "sepal_length,sepal_width,tag,species,code"
X = np.array([row[:2] for row in ROWS])


def write_csv(path, rows=ROWS, header=HEADER):
    lines = [header] + [",".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def expected_split(y, test_size=0.25, seed=0):
    x_train, x_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    scaler = StandardScaler().fit(x_train)
    return scaler.transform(x_train), scaler.transform(x_test), y_train, y_test


def test_a_text_target_becomes_labels_with_its_class_names(tmp_path):
    path = write_csv(tmp_path / "flowers.csv")
    d = load_dataset(
        "csv",
        0,
        cache_dir=tmp_path / "cache",
        path=str(path),
        target="species",
        features=["sepal_length", "sepal_width"],
    )
    assert d.class_names == ("setosa", "versicolor", "virginica") and d.n_classes == 3
    assert d.summary()["class_names"] == ["setosa", "versicolor", "virginica"]
    assert (len(d.y_train), len(d.y_test), d.n_features) == (9, 3, 2)
    # Exactly scikit-learn's stratified split, standardised with the training rows' statistics.
    x_train, x_test, y_train, y_test = expected_split(np.repeat([0, 1, 2], 4))
    np.testing.assert_array_equal(d.x_train, x_train)
    np.testing.assert_array_equal(d.x_test, x_test)
    np.testing.assert_array_equal(d.y_train, y_train)
    np.testing.assert_array_equal(d.y_test, y_test)
    np.testing.assert_allclose(d.x_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(d.x_train.std(axis=0), 1, rtol=1e-12)
    assert d.params == {
        "path": str(path),
        "target": "species",
        "features": ["sepal_length", "sepal_width"],
        "test_size": 0.25,
    }


def test_an_integer_target_keeps_its_values_as_names(tmp_path):
    path = write_csv(tmp_path / "coded.csv", header="sepal_length,sepal_width,tag,name,code")
    # Without `features`, every other column is one: here the text columns are left out first.
    d = load_dataset(
        "csv",
        4,
        cache_dir=None,
        path=str(path),
        target="code",
        features=["sepal_length", "sepal_width"],
        test_size=0.5,
    )
    assert d.class_names == ("3", "5", "7")
    x_train, x_test, y_train, y_test = expected_split(np.repeat([0, 1, 2], 4), 0.5, 4)
    np.testing.assert_array_equal(d.x_train, x_train)
    np.testing.assert_array_equal(d.y_test, y_test)


def test_features_default_to_every_other_column(tmp_path):
    rows = [(x0, x1, code) for x0, x1, _, _, code in ROWS]
    path = write_csv(tmp_path / "numbers.csv", rows, "a,b,code")
    d = load_dataset("csv", 0, cache_dir=None, path=str(path), target="code")
    assert d.n_features == 2 and d.params["features"] is None
    np.testing.assert_array_equal(d.x_train, expected_split(np.repeat([0, 1, 2], 4))[0])


def load_csv(path, **params):
    return load_dataset("csv", 0, cache_dir=None, path=str(path), **params)


def error_of(path, **params):
    with pytest.raises(DatasetError) as err:
        load_csv(path, **params)
    return str(err.value).split("; seed 0): ", 1)[1]


def test_a_missing_file(tmp_path, monkeypatch):
    assert (
        error_of(tmp_path / "nope.csv", target="y") == f"{tmp_path / 'nope.csv'}: no such CSV file"
    )
    monkeypatch.chdir(tmp_path)
    assert error_of("nope.csv", target="y") == (
        f"nope.csv: no such CSV file (relative paths start from {tmp_path})"
    )
    assert error_of(tmp_path, target="y") == f"{tmp_path}: is a directory, not a CSV file"


def test_a_missing_column(tmp_path):
    path = write_csv(tmp_path / "d.csv")
    columns = "sepal_length, sepal_width, tag, species, code"
    assert error_of(path, target="specie") == (
        f"{path}: no target column 'specie'; its columns: {columns}"
    )
    assert error_of(path, target="species", features=["sepal_length", "petal"]) == (
        f"{path}: no feature column 'petal'; its columns: {columns}"
    )


@pytest.mark.parametrize(
    ("row_text", "message"),
    [
        ("5.0,,x,setosa,3", "column 'sepal_width', row 3: no value (empty, NA or NaN)"),
        ("5.0,NA,x,setosa,3", "column 'sepal_width', row 3: no value (empty, NA or NaN)"),
        ("5.0,3.0,x,,3", "target column 'species', row 3: no value (empty, NA or NaN)"),
        ("", "row 3 is empty"),  # a blank line
        (",,,,", "row 3 is empty"),
        (
            "5.0,wide,x,setosa,3",
            "column 'sepal_width', row 3: 'wide' is not a number; features must be numeric "
            "(list the numeric columns in `features` to leave this one out)",
        ),
        (
            "5.0,inf,x,setosa,3",
            "column 'sepal_width', row 3: inf is not a finite number; features must be "
            "numeric (list the numeric columns in `features` to leave this one out)",
        ),
        ("5.0,3.0,x,setosa,3,9", "row 3 (line 4) has 6 fields; the header has 5 columns"),
    ],
)
def test_a_bad_value_is_named_by_file_column_and_row(tmp_path, row_text, message):
    lines = [HEADER] + [",".join(map(str, row)) for row in ROWS]
    lines.insert(3, row_text)  # after the header and two rows: data row 3
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    assert error_of(path, target="species", features=["sepal_length", "sepal_width"]) == (
        f"{path}: {message}"
    )


def test_rows_longer_than_the_header(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("a,b,y\n1,2,0,9\n3,4,1,9\n")  # pandas would quietly drop the last field
    assert error_of(path, target="y") == (
        f"{path}: rows have more fields than the header has columns"
    )


def test_not_utf8_text(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("a,b,y\n1,2,caf\u00e9\n".encode("latin-1"))
    assert error_of(path, target="y").startswith(f"{path}: not UTF-8 text (")


def test_a_text_feature_is_named_at_its_first_row(tmp_path):
    path = write_csv(tmp_path / "d.csv")
    # By default the text column `tag` is a feature: the message says how to leave it out.
    assert error_of(path, target="species").startswith(
        f"{path}: column 'tag', row 1: 'a' is not a number; features must be numeric"
    )


def test_a_fractional_target_is_not_a_class(tmp_path):
    rows = [(x0, x1, 2.5 if i == 6 else code) for i, (x0, x1, _, _, code) in enumerate(ROWS)]
    path = write_csv(tmp_path / "d.csv", rows, "a,b,code")
    assert error_of(path, target="code") == (
        f"{path}: target column 'code', row 7: 2.5 is not a class label; the harness "
        "classifies: use integer or text labels"
    )


def test_an_empty_or_header_only_file(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert error_of(empty, target="y") == f"{empty}: empty file, no header row"
    header_only = tmp_path / "header.csv"
    header_only.write_text("a,b,y\n")
    assert error_of(header_only, target="y") == f"{header_only}: no data rows after the header"


def test_too_few_rows_of_a_class_to_stratify(tmp_path):
    path = write_csv(tmp_path / "d.csv", ROWS[:9])  # one virginica
    assert error_of(path, target="species", features=["sepal_length"]) == (
        "class 'virginica' has only 1 sample: a stratified split needs at least 2 of each "
        "class (one for training, one for testing)"
    )


def test_the_cache_follows_the_files_content_not_its_name(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    path = write_csv(tmp_path / "d.csv")
    params = {"target": "species", "features": ["sepal_length", "sepal_width"]}
    first = load_dataset("csv", 0, cache_dir=cache, path=str(path), **params)
    assert len(list(cache.iterdir())) == 1
    # One value changed: a new cache entry, other data.
    write_csv(path, [(9.9, *ROWS[0][1:]), *ROWS[1:]])
    changed = load_dataset("csv", 0, cache_dir=cache, path=str(path), **params)
    assert len(list(cache.iterdir())) == 2
    assert changed.fingerprint != first.fingerprint
    # The same bytes under another name are the same data: read from the cache.
    copy = tmp_path / "copy.csv"
    copy.write_bytes(path.read_bytes())
    monkeypatch.setattr("bench.datasets.dataset.build", lambda *a: pytest.fail("not cached"))
    again = load_dataset("csv", 0, cache_dir=cache, path=str(copy), **params)
    assert again.fingerprint == changed.fingerprint and again.class_names == changed.class_names
    assert again.params["path"] == str(copy)
    assert len(list(cache.iterdir())) == 2


def test_a_header_that_repeats_the_target_is_refused_naming_it(tmp_path):
    # pandas would read the second 'species' as a feature 'species.1': the answer itself.
    path = write_csv(tmp_path / "d.csv", header="sepal_length,sepal_width,tag,species,species")
    assert error_of(path, target="species") == (
        f"{path}: the header repeats column(s) 'species': each column needs its own name "
        "(which one would be the target or a feature is ambiguous)"
    )


def test_a_repeated_feature_column_is_refused_even_when_features_are_listed(tmp_path):
    path = write_csv(tmp_path / "d.csv", header="sepal_length,sepal_length,tag,species,code")
    message = error_of(path, target="species", features=["sepal_length"])
    assert "the header repeats column(s) 'sepal_length'" in message


def test_values_too_large_to_standardise_are_refused_not_turned_into_nan(tmp_path):
    rows = [(1e308, *row[1:]) for row in ROWS]
    path = write_csv(tmp_path / "d.csv", rows=rows)
    assert error_of(path, target="species", features=["sepal_length", "sepal_width"]) == (
        f"{path}: column 'sepal_length', row 1: 1e+308 is too large to standardise (|value| "
        "above 1e+150 overflows its variance); rescale the column"
    )


def test_large_but_safe_values_standardise_to_finite_numbers(tmp_path):
    rows = [(row[0] * 1e140, *row[1:]) for row in ROWS]
    data = load_csv(
        write_csv(tmp_path / "d.csv", rows=rows),
        target="species",
        features=["sepal_length", "sepal_width"],
    )
    assert np.isfinite(data.x_train).all() and np.isfinite(data.x_test).all()
