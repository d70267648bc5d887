"""The report's own cost: where the time went (run.json, the closing table), pictures drawn in
parallel processes and GIFs drawn once per panel, with nothing else in the report changed."""

import io
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence

from bench.cli import main
from bench.files import write_json
from bench.report import parallel, render_report
from bench.report.boundaries import _shade, _snapshot_frames, _test_points, boundary_evolution
from bench.report.canvas import figure, grid_shape
from bench.store.records import Fight
from bench.store.run_folder import load_run_info, write_case_result
from bench.wording import display_name
from result_factory import case_result, fighter

TABLE = "## Where the time went"
RUN_PHASES = {
    "wall_seconds": 200.0,
    "phases": {"worker_startup": 20.0, "training": 100.0, "evaluation": 30.0, "writing": 5.0},
}


def make_run(run_dir: Path, phases=RUN_PHASES, pictures: bool = True) -> Path:
    """Two 2-D fair cases and a 3-class native one, 2 seeds each, and a run.json."""
    results = []
    for seed in range(2):
        if pictures:
            moons = case_result("moons", seed, two_d=True, keras=fighter(), sklearn=fighter())
            results += [moons, case_result("blobs", seed, two_d=True, n_classes=3)]
        results.append(
            case_result("iris", seed, "native", n_classes=3, david=fighter(train_seconds=0.2))
        )
    for result in results:
        write_case_result(run_dir, result)
    info = {
        "run_id": "test-run",
        "suite": {"name": "quick"},
        "case_names": ["moons", "blobs", "iris"] if pictures else ["iris"],
        "started": "2026-12-05T05:00:00+00:00",
        "finished": "2026-12-05T05:03:20+00:00",
        "phases": phases,
    }
    write_json(run_dir / "run.json", info)
    return run_dir


def before_table(markdown: str) -> str:
    return markdown.split(TABLE)[0]


@pytest.fixture(scope="module")
def sequential_and_parallel(tmp_path_factory):
    """The same run rendered in this process, and with its cases in two forked processes."""
    rendered = {}
    for workers in (1, 2):
        run_dir = make_run(tmp_path_factory.mktemp(f"workers{workers}"))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(parallel, "_cpus", lambda workers=workers: workers)
            render_report(run_dir)
        rendered[workers] = run_dir
    return rendered


def test_the_report_closes_with_where_the_time_went(sequential_and_parallel):
    run_dir = sequential_and_parallel[2]
    markdown = (run_dir / "report.md").read_text()
    closing = markdown.split(TABLE)[1]
    assert "The run took 200.0 s of wall time for 100.0 s of training" in closing
    assert ": 2.00x." in closing
    for row in (
        "| run | training: the fighters' timed updates | 100.0 | 50% |",
        "| run | in the workers: whole-set loss and accuracy after epochs | 30.0 | 15% |",
        "| run | other | 45.0 | 22% |",
    ):
        assert row in closing
    for phase in ("reading the results", "figures: loss curves", "boundary strips and animated"):
        assert f"| report | {phase}" in closing
    assert "Where the time went</h2>" in (run_dir / "report.html").read_text()


def test_the_reports_own_phases_go_to_run_json_and_nothing_else_changes(
    sequential_and_parallel, tmp_path
):
    run_dir = sequential_and_parallel[1]
    info = load_run_info(run_dir)
    report = info.pop("report_phases")
    assert set(report["phases"]) == {"reading", "judging", "figures", "animations", "writing"}
    assert sum(report["phases"].values()) == pytest.approx(report["wall_seconds"], abs=0.01)
    assert info == load_run_info(make_run(tmp_path))  # the rest of run.json as the run wrote it


def test_parallel_pictures_make_the_same_report(sequential_and_parallel):
    one, two = sequential_and_parallel[1], sequential_and_parallel[2]
    assert before_table((one / "report.md").read_text()) == before_table(
        (two / "report.md").read_text()
    )
    names = sorted(path.name for path in (one / "figures").iterdir())
    assert names == sorted(path.name for path in (two / "figures").iterdir())
    assert any(name.endswith(".gif") for name in names)
    for name in names:
        assert (one / "figures" / name).read_bytes() == (two / "figures" / name).read_bytes()
    # Drawn in other processes, the pictures' time is still the report's, shared out by kind.
    phases = load_run_info(two)["report_phases"]["phases"]
    assert phases["figures"] > 0 and phases["animations"] > 0


def test_a_run_without_phases_says_so(tmp_path):
    make_run(tmp_path, phases=None, pictures=False)
    render_report(tmp_path)
    closing = (tmp_path / "report.md").read_text().split(TABLE)[1]
    assert "| run |" not in closing and "| report | figures" in closing


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_bad_worker_count_is_refused_and_the_results_kept(tmp_path, capsys, monkeypatch, value):
    make_run(tmp_path, pictures=False)
    before = {p.name: p.read_bytes() for p in (tmp_path / "cases").iterdir()}
    monkeypatch.setenv(parallel.WORKERS_VARIABLE, value)
    monkeypatch.setattr(parallel, "_cpu_count", lambda: 2)
    assert main(["report", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert f"error: BENCH_REPORT_WORKERS={value!r}: must be a whole number of at least 1" in error
    assert {p.name: p.read_bytes() for p in (tmp_path / "cases").iterdir()} == before


def matplotlib_animation(fight: Fight) -> bytes:
    """The boundary GIF as matplotlib's FuncAnimation and PillowWriter draw it, every panel
    cleared and redrawn each frame: what the report's GIFs were before they were made cheaper."""
    from matplotlib.animation import FuncAnimation, PillowWriter

    x, colours = _test_points(fight)
    epochs, frames = _snapshot_frames(fight)
    names, n_classes = list(frames), int(fight.dataset["n_classes"])
    rows, cols = grid_shape(len(names))
    with figure(rows, cols, figsize=(2.6 * cols, 2.6 * rows + 0.4), squeeze=False) as (fig, axes):
        flat = axes.ravel()
        for ax in flat[len(names) :]:
            ax.set_axis_off()

        def draw(frame):
            epoch = epochs[frame]
            for ax, name in zip(flat, names, strict=False):
                ax.clear()
                known = [e for e in frames[name] if e <= epoch]
                if known:
                    _shade(ax, frames[name][max(known)], n_classes)
                ax.scatter(x[:, 0], x[:, 1], c=colours, s=4, linewidths=0)
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_title(display_name(name), fontsize=8)
            fig.suptitle(f"Decision boundaries, seed {fight.seed}: epoch {epoch}", fontsize=9)

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "boundaries.gif"
            FuncAnimation(fig, draw, frames=len(epochs)).save(path, PillowWriter(fps=1), dpi=70)
            return path.read_bytes()


def gif_frames(data: bytes) -> list[np.ndarray]:
    return [
        np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(Image.open(io.BytesIO(data)))
    ]


@pytest.mark.parametrize("n_classes", [2, 3])
def test_the_boundary_gif_is_pixel_for_pixel_matplotlibs(n_classes):
    result = json.loads(json.dumps(case_result("moons", 1, two_d=True, n_classes=n_classes)))
    fight = Fight.from_json(result)
    _, gif = boundary_evolution(fight)
    ours, theirs = gif_frames(gif), gif_frames(matplotlib_animation(fight))
    assert len(ours) == len(theirs) >= 2
    for mine, reference in zip(ours, theirs, strict=True):
        assert np.array_equal(mine, reference)
    assert Image.open(io.BytesIO(gif)).info["duration"] == 1000
