"""The command line: list, report and their errors."""

import shutil
from pathlib import Path

from bench.cli import main

FIXTURE = Path(__file__).parents[1] / "fixtures" / "quick-run"


def test_list_shows_suites_and_datasets(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "suites (bench/plan/suites/):" in out
    for suite in ("quick", "article", "full"):
        assert f"  {suite} " in out
    assert "moons" in out and "n_samples=1000, noise=0.2, test_size=0.1" in out


def test_report_renders_a_run_folder(tmp_path, capsys):
    run_dir = tmp_path / "run"
    shutil.copytree(FIXTURE, run_dir)
    assert main(["report", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert f"markdown: {run_dir / 'report.md'}" in out
    assert f"html: {run_dir / 'report.html'}" in out
    assert (run_dir / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_report_of_a_missing_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path / 'nope'}: no such run folder\n"
