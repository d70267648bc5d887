"""A report drawn again reuses the pictures of unchanged cases, and only those."""

import json

import pytest
from test_report_cost import before_table, make_run

from bench.report import boundaries, picture_cache, plots, render_report
from bench.store.run_folder import write_case_result
from result_factory import case_result

DRAWERS = (
    (plots, "loss_curves"),
    (plots, "confusion_matrices"),
    (boundaries, "decision_boundaries"),
    (boundaries, "boundary_evolution"),
)


@pytest.fixture
def drawing(monkeypatch):
    """Which cases' pictures each render draws (in this process: the spies see every call);
    a call with nothing to draw (confusion matrices of two classes) is not counted."""
    monkeypatch.setenv("BENCH_REPORT_WORKERS", "1")
    calls: list[tuple[str, str]] = []
    for module, name in DRAWERS:
        real = getattr(module, name)

        def spy(arg, real=real, name=name):
            fights = arg if isinstance(arg, list) else [arg]
            picture = real(arg)
            if picture is not None:
                calls.append((name, fights[0].case_name))
            return picture

        monkeypatch.setattr(module, name, spy)
    return calls


def rendered(run_dir):
    render_report(run_dir)
    figures = run_dir / "figures"
    pictures = {p.name: p.read_bytes() for p in figures.iterdir() if p.name != ".pictures.json"}
    return before_table((run_dir / "report.md").read_text()), pictures


def test_a_second_render_draws_nothing_and_writes_the_same_report(tmp_path, drawing):
    run_dir = make_run(tmp_path)
    first = rendered(run_dir)
    drawn_first = len(drawing)
    assert {name for name, _ in drawing} == {name for _, name in DRAWERS}
    second = rendered(run_dir)
    assert len(drawing) == drawn_first  # nothing drawn again
    assert second == first  # the same text and the same bytes in every picture
    manifest = json.loads((run_dir / "figures" / ".pictures.json").read_text())
    assert set(manifest) == set(first[1])  # every picture file has its key


def test_a_changed_case_is_drawn_again_and_the_others_are_reused(tmp_path, drawing):
    run_dir = make_run(tmp_path)
    rendered(run_dir)
    drawing.clear()
    changed = case_result("blobs", 1, two_d=True, n_classes=3)
    changed["fighters"]["david"]["history"]["loss"][0] += 0.5
    write_case_result(run_dir, changed)
    rendered(run_dir)
    assert {case for _, case in drawing} == {"blobs"}
    # The loss curves show every seed; the boundaries, seed 0 only, which did not change.
    assert {name for name, _ in drawing} == {"loss_curves", "confusion_matrices"}


def test_changed_drawing_code_draws_everything_again(tmp_path, drawing, monkeypatch):
    run_dir = make_run(tmp_path)
    rendered(run_dir)
    drawn_first = len(drawing)
    monkeypatch.setattr(picture_cache, "drawing_version", lambda: "a newer plots.py")
    rendered(run_dir)
    assert len(drawing) == 2 * drawn_first


@pytest.mark.parametrize("damage", ["manifest", "picture"])
def test_a_damaged_cache_is_drawn_again(tmp_path, drawing, damage):
    run_dir = make_run(tmp_path)
    first = rendered(run_dir)
    drawn_first = len(drawing)
    figures = run_dir / "figures"
    if damage == "manifest":
        (figures / ".pictures.json").write_text("{not json")
    else:
        (figures / "01-moons-loss.png").unlink()
    assert rendered(run_dir) == first
    assert len(drawing) == (2 * drawn_first if damage == "manifest" else drawn_first + 1)
