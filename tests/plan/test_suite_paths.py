"""Relative paths in a suite resolve from the suite file, wherever the run is started."""

import textwrap

import pytest

from bench.datasets import load_dataset
from bench.errors import SuiteError
from bench.plan.suite import load_suite

ROWS = "a,b,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(20))


def test_a_csv_path_resolves_from_the_suite_file_not_the_current_folder(tmp_path, monkeypatch):
    folder = tmp_path / "project"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "points.csv").write_text(ROWS)
    (folder / "suite.toml").write_text(
        textwrap.dedent(
            """
            [[case]]
            name = "points"
            dataset = "csv"
            dataset_params = { path = "data/points.csv", target = "label" }
            hidden = [4]
            """
        )
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    (case,) = load_suite(folder / "suite.toml").cases
    assert case.dataset_params["path"] == str(folder / "data" / "points.csv")
    data = load_dataset("csv", 0, cache_dir=None, **case.dataset_params)
    assert data.n_features == 2 and len(data.y_train) + len(data.y_test) == 20


def test_an_absolute_path_is_kept(tmp_path):
    (tmp_path / "points.csv").write_text(ROWS)
    (tmp_path / "s.toml").write_text(
        f'[[case]]\nname = "p"\ndataset = "csv"\nhidden = [4]\n'
        f'dataset_params = {{ path = "{tmp_path / "points.csv"}", target = "label" }}\n'
    )
    (case,) = load_suite(tmp_path / "s.toml").cases
    assert case.dataset_params["path"] == str(tmp_path / "points.csv")


def test_case_names_that_differ_only_in_letter_case_are_refused(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        '[[case]]\nname = "moons"\ndataset = "moons"\nhidden = [4]\n'
        '[[case]]\nname = "Moons"\ndataset = "moons"\nhidden = [4]\n'
    )
    with pytest.raises(SuiteError) as refused:
        load_suite(path)
    assert str(refused.value) == (
        f"{path}: case 'Moons': field 'name': duplicate case name 'Moons' (names must differ in "
        "more than letter case)"
    )
