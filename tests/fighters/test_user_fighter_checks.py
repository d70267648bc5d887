"""A suite's [fighter.NAME] and the doctor's target are checked before anything starts."""

import textwrap

import pytest

from bench.cli import main
from bench.errors import SuiteError
from bench.plan.suite import load_suite

NETWORK = "from numpy_nn import Network\n\n\nclass Mine(Network):\n    pass\n"


def suite_with(tmp_path, fighters: str):
    (tmp_path / "mine.py").write_text(NETWORK)
    path = tmp_path / "suite.toml"
    path.write_text(
        textwrap.dedent(fighters)
        + textwrap.dedent(
            """
            [[case]]
            name = "moons"
            dataset = "moons"
            hidden = [4]
            fighters = ["david"]
            """
        )
    )
    return path


def refusal(path):
    with pytest.raises(SuiteError) as err:
        assert load_suite(path).cases[0].name == "moons"
    return str(err.value)


@pytest.mark.parametrize("name", ["David", "KERAS", "scikit-learn", "Keras-XLA"])
def test_a_roster_name_in_another_case_is_refused(tmp_path, name):
    path = suite_with(tmp_path, f'[fighter."{name}"]\npath = "mine.py"\nclass = "Mine"\n')
    assert refusal(path).startswith(f"{path}: [fighter.{name}]: the name must be")
    assert refusal(path).endswith("), in any letter case")


def test_two_names_that_differ_only_in_case_are_refused(tmp_path):
    path = suite_with(
        tmp_path,
        '[fighter.mine]\npath = "mine.py"\nclass = "Mine"\n'
        '[fighter.MINE]\npath = "mine.py"\nclass = "Mine"\n',
    )
    assert refusal(path) == (
        f"{path}: [fighter.MINE]: the name differs from [fighter.mine] only in case; names must "
        "be unique without regard to case"
    )


def test_a_class_the_file_does_not_define_is_refused_naming_it(tmp_path):
    path = suite_with(tmp_path, '[fighter.mine]\npath = "mine.py"\nclass = "Absent"\n')
    assert refusal(path) == (
        f"{path}: [fighter.mine]: field 'class': {tmp_path / 'mine.py'} defines no 'Absent'; "
        "its classes: Mine"
    )


def test_an_imported_class_is_accepted(tmp_path):
    (tmp_path / "reexport.py").write_text("from numpy_nn import Network as Mine\n")
    path = suite_with(tmp_path, '[fighter.mine]\npath = "reexport.py"\nclass = "Mine"\n')
    assert load_suite(path).cases[0].name == "moons"


def test_the_doctor_refuses_an_absent_class_as_bad_input(tmp_path, capsys):
    (tmp_path / "mine.py").write_text(NETWORK)
    assert main(["doctor", f"{tmp_path / 'mine.py'}:Absent", "--out", str(tmp_path / "d.md")]) == 2
    assert "defines no 'Absent'; its classes: Mine" in capsys.readouterr().err
    assert not (tmp_path / "d.md").exists()
