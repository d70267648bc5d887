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
