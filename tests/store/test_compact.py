"""The compact record of a run (issue 22): valid, smaller, loadable, comparable and reportable."""

import json
import shutil
from pathlib import Path

import pytest

from bench.cli import main
from bench.files import write_json
from bench.judging.run_pair import compare_two_runs
from bench.report import render_report
from bench.store.compact import folder_bytes, write_compact
from bench.store.run_folder import ResultsError, load_run, write_case_result
from bench.store.tracking import summarize
from result_factory import case_result

QUICK_RUN = Path(__file__).resolve().parents[1] / "fixtures" / "quick-run"  # a real run's files


def two_d_run(run_dir):
    """A hand-made run of two 2-D fights, each fighter with a boundary and its snapshots."""
    write_json(
        run_dir / "run.json",
        {"run_id": run_dir.name, "suite": {"name": "hand"}, "case_names": ["moons"]},
    )
    for seed in (0, 1):
        write_case_result(run_dir, case_result("moons", seed, run_id=run_dir.name, two_d=True))
    return run_dir


def test_the_compact_record_keeps_every_number_and_drops_the_boundaries(tmp_path):
    full = load_run(two_d_run(tmp_path / "full"))
    out = write_compact(full.run_dir, tmp_path / "compact")
    compact = load_run(out)
    assert compact.info["compact"] is True and compact.ignored == []
    assert [(f.case_name, f.seed) for f in compact.fights] == [("moons", 0), ("moons", 1)]
    for before, after in zip(full.fights, compact.fights, strict=True):
        assert before.fighters["david"].decision_boundary is not None
        assert before.fighters["david"].boundary_snapshots
        for name, record in after.fighters.items():
            assert record.decision_boundary is None and record.boundary_snapshots == []
            kept = before.fighters[name]
            assert (record.history, record.metrics) == (kept.history, kept.metrics)
        assert after.parity == before.parity and after.test_points == before.test_points
    assert summarize(compact) == summarize(full)
    assert not any(row.changed for row in compare_two_runs(full, compact))


def test_the_compact_json_is_written_without_indentation(tmp_path):
    out = write_compact(two_d_run(tmp_path / "full"), tmp_path / "compact")
    text = (out / "cases" / "moons--seed0.json").read_text()
    assert text.count("\n") == 1 and ", " not in text[:200]
    assert json.loads(text)["fighters"]["keras"]["decision_boundary"] is None


def test_a_real_runs_record_is_a_fraction_of_its_size(tmp_path):
    """The fixture holds a real quick run's fight files (2-D fights with 60x60 grids)."""
    run = tmp_path / "quick-run"
    shutil.copytree(QUICK_RUN, run)
    out = write_compact(run, tmp_path / "compact")
    full, kept = folder_bytes(run / "cases"), folder_bytes(out / "cases")
    assert kept < 0.25 * full  # 721 KB of fight files -> about 124 KB
    assert len(load_run(out).fights) == len(load_run(run).fights)


def test_the_report_of_a_compact_run_has_no_boundary_pictures(tmp_path):
    full = two_d_run(tmp_path / "full")
    compact = write_compact(full, tmp_path / "compact")
    render_report(full)
    render_report(compact)
    full_figures = {p.name for p in (full / "figures").iterdir()}
    compact_figures = {p.name for p in (compact / "figures").iterdir()}
    assert any("boundaries" in name for name in full_figures)
    assert not any("boundaries" in n or "evolution" in n for n in compact_figures)
    assert any("loss" in name for name in compact_figures)
    text = (compact / "report.md").read_text()
    assert (
        "compact record of the run" in text
        and "compact record" not in (full / "report.md").read_text()
    )


def test_compact_command_writes_the_record_and_refuses_to_overwrite(tmp_path, capsys):
    run = two_d_run(tmp_path / "full")
    assert main(["compact", str(run), "--out", str(tmp_path / "compact")]) == 0
    assert "compact record of" in capsys.readouterr().out
    before = (tmp_path / "compact" / "run.json").read_text()
    assert main(["compact", str(run), "--out", str(tmp_path / "compact")]) == 2
    err = capsys.readouterr().err
    assert "compact: already exists and is not an empty folder" in err
    assert (tmp_path / "compact" / "run.json").read_text() == before  # nothing lost
    assert main(["compact", str(run), "--out", str(run)]) == 2
    assert "is the run folder itself" in capsys.readouterr().err
    assert load_run(run).fights[0].fighters["david"].decision_boundary is not None


def test_compact_command_names_a_missing_run(tmp_path, capsys):
    assert main(["compact", str(tmp_path / "nope"), "--out", str(tmp_path / "out")]) == 2
    assert "nope: no such run folder" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_failure_midway_leaves_no_half_written_record(tmp_path, monkeypatch):
    run = two_d_run(tmp_path / "full")
    import bench.store.compact as compact

    def broken(result, source):
        raise ResultsError(f"{source}: broken on purpose")

    monkeypatch.setattr(compact, "validate_case_result", broken)
    with pytest.raises(ResultsError, match="broken on purpose"):
        write_compact(run, tmp_path / "compact")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]
