"""A user fighter's fingerprint covers the code it imports from its own folder."""

from bench.fighters.roster import FighterConfig
from bench.plan.fingerprint import fighter_version, local_imports


def user_fighter(folder):
    (folder / "mine.py").write_text(
        "import numpy\nfrom helper import scale\nfrom pkg import inner\n\n\nclass Mine:\n    pass\n"
    )
    (folder / "helper.py").write_text("def scale(x):\n    return 2 * x\n")
    (folder / "pkg").mkdir()
    (folder / "pkg" / "__init__.py").write_text("")
    (folder / "pkg" / "inner.py").write_text("from .deeper import VALUE\n")
    (folder / "pkg" / "deeper.py").write_text("VALUE = 1\n")
    (folder / "unrelated.py").write_text("NOT_IMPORTED = 1\n")
    return FighterConfig(
        name="mine", display="mine", description="", model=f"{folder / 'mine.py'}:Mine"
    )


def test_the_files_a_fighter_imports_from_its_folder_are_found(tmp_path):
    user_fighter(tmp_path)
    found = [str(p.relative_to(tmp_path)) for p in local_imports(tmp_path / "mine.py")]
    assert found == ["helper.py", "mine.py", "pkg/__init__.py", "pkg/deeper.py", "pkg/inner.py"]


def test_changing_an_imported_module_changes_the_fingerprint(tmp_path):
    config = user_fighter(tmp_path)
    before = fighter_version(config)["source"]
    (tmp_path / "unrelated.py").write_text("NOT_IMPORTED = 2\n")
    assert fighter_version(config)["source"] == before  # not its code: a resume keeps results
    (tmp_path / "helper.py").write_text("def scale(x):\n    return 3 * x\n")
    changed = fighter_version(config)["source"]
    assert changed != before
    (tmp_path / "pkg" / "deeper.py").write_text("VALUE = 2\n")
    assert fighter_version(config)["source"] != changed
