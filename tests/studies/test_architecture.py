"""docs/architecture.md against the code: every module listed with its docstring, every layer."""

import shutil
from pathlib import Path

import pytest

from bench.studies import architecture

ROOT = Path(__file__).resolve().parents[2]
COMMAND = "python -m bench.studies.architecture --write"


def test_the_page_lists_every_module_with_its_docstring_as_the_code_has_it():
    text = architecture.DOC.read_text(encoding="utf-8")
    assert architecture.regenerated(text) == text, f"docs/architecture.md is stale: run `{COMMAND}`"


def test_every_module_and_package_has_a_docstring_to_list():
    assert architecture.undocumented() == []


def test_every_package_of_bench_sits_in_a_layer_of_the_import_contract():
    assert architecture.unlayered() == []


def copy_of_the_project(tmp_path: Path) -> Path:
    """The packages, pyproject.toml and the page, copied: a tree the tests may change."""
    for name in ("numpy_nn", "keras_ref", "bench"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / "docs").mkdir()
    shutil.copy(architecture.DOC, tmp_path / "docs")
    return tmp_path


def test_a_module_added_without_regenerating_makes_the_page_stale(tmp_path):
    root = copy_of_the_project(tmp_path)
    page = (root / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert architecture.regenerated(page, root) == page
    (root / "bench" / "judging" / "elo.py").write_text('"""Elo ratings of the fighters."""\n')
    fresh = architecture.regenerated(page, root)
    assert fresh != page
    assert "| `elo.py` | Elo ratings of the fighters. |" in fresh
    assert "| `elo.py` |" not in page


def test_a_module_without_a_docstring_is_named(tmp_path):
    root = copy_of_the_project(tmp_path)
    (root / "bench" / "store" / "blank.py").write_text("VALUE = 1\n")
    assert architecture.undocumented(root) == ["bench/store/blank.py"]


def test_a_new_package_outside_every_layer_is_named(tmp_path):
    root = copy_of_the_project(tmp_path)
    (root / "bench" / "almanac").mkdir()
    (root / "bench" / "almanac" / "__init__.py").write_text('"""Results by season."""\n')
    assert architecture.unlayered(root) == ["bench.almanac"]


def test_a_multi_line_first_paragraph_is_joined_into_one_row(tmp_path):
    root = copy_of_the_project(tmp_path)
    (root / "bench" / "run" / "wide.py").write_text(
        '"""A first paragraph that runs\n    onto a second line | with a pipe.\n\nMore."""\n'
    )
    tables = architecture.module_tables(root)
    row = "| `wide.py` | A first paragraph that runs onto a second line \\| with a pipe. |"
    assert row in tables


def test_the_command_checks_then_rewrites_a_stale_page(tmp_path, capsys):
    page = tmp_path / "architecture.md"
    text = architecture.DOC.read_text(encoding="utf-8")
    page.write_text(text.replace("| `stats.py` |", "| `statistics.py` |"), encoding="utf-8")
    assert architecture.main(["--doc", str(page)]) == 1
    assert COMMAND in capsys.readouterr().err
    assert architecture.main(["--doc", str(page), "--write"]) == 0
    assert page.read_text(encoding="utf-8") == text
    assert architecture.main(["--doc", str(page)]) == 0


def test_a_page_without_the_markers_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="the page lacks the markers of section 'layers'"):
        architecture.regenerated("# A page with no generated sections\n")
