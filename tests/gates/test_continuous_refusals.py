"""`continuous` refuses a bad revision before it makes any folder."""

import tempfile
from pathlib import Path

from bench.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_a_bad_revision_leaves_no_temporary_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where mkdtemp would make it
    assert main(["continuous", "no-such-rev"]) == 2
    assert "unknown revision 'no-such-rev'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_the_working_tree_is_a_head_not_an_unknown_revision(tmp_path, capsys, monkeypatch):
    """The default head, WORKTREE, passes the revision check (`make continuous` relies on it)."""
    monkeypatch.chdir(ROOT)
    taken = tmp_path / "out"
    taken.mkdir()
    (taken / "round00-base").mkdir()  # a non-empty --out: refused only after the revisions
    assert main(["continuous", "HEAD", "--out", str(taken)]) == 2
    error = capsys.readouterr().err
    assert "unknown revision" not in error
    assert f"--out {taken} is not empty" in error
