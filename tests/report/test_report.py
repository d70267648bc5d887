"""The fight-card report, rendered from hand-made results files alone."""

import re
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from bench.files import write_json
from bench.report import render_report
from bench.report.boundaries import decision_boundaries
from bench.report.plots import confusion_matrices, loss_curves
from bench.store.run_folder import ResultsError, write_case_result
from helpers import markdown_sections, without_images
from result_factory import case_result, fight, fighter

ROOT = Path(__file__).resolve().parents[2]
RUN_ID = "20261123-101500-quick"
XSS = "<script>alert(1)</script>"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def make_results():
    """Four cases: 2-D fair, unfriendly free text, native multiclass, and a forfeit."""
    results = []
    for seed in range(2):
        results.append(
            case_result(
                "moons",
                seed,
                two_d=True,
                run_id=RUN_ID,
                description="two half moons | noise 0.2",
                target_accuracy=0.9,
                david=fighter(test_correct=95, epoch_seconds=[0.004, 0.0041, 0.0039] * 4),
                keras=fighter(test_correct=94, epoch_seconds=[0.02, 0.021, 0.019] * 4),
            )
        )
        # Case names are file-safe by schema; the free text around them is not.
        results.append(
            case_result("odd", seed, run_id=RUN_ID, description=f"{XSS} <b>bold</b>", dataset=XSS)
        )
        results.append(
            case_result(
                "iris-native",
                seed,
                "native",
                n_classes=3,
                run_id=RUN_ID,
                david=fighter(test_correct=28, n_test=30, train_seconds=0.2 + 0.01 * seed),
                keras=fighter(test_correct=29, n_test=30, train_seconds=1.5 + 0.1 * seed),
            )
        )
        results.append(
            case_result(
                "unstable",
                seed,
                run_id=RUN_ID,
                david=fighter(status="diverged", diverged_at=37, epoch_seconds=[0.01] * 40),
            )
        )
    return results


def write_run(run_dir, results, finished="2026-11-23T10:18:00+00:00", extra_names=()):
    for result in results:
        write_case_result(run_dir, result)
    names = [*dict.fromkeys(result["case"]["name"] for result in results), *extra_names]
    write_json(
        run_dir / "run.json",
        {
            "schema_version": 1,
            "run_id": RUN_ID,
            "suite": {"name": "quick", "path": "bench/plan/suites/quick.toml", "description": "CI"},
            "started": "2026-11-23T10:15:00+00:00",
            "finished": finished,
            "case_names": names,
            "environment": {
                "python": "3.11.7",
                "cpu": "Fancy | CPU <img src=x onerror=alert(1)>",
                "cores": 2,
                "threads": {"OMP_NUM_THREADS": "1"},
            },
        },
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("run")
    results = make_results()
    write_run(run_dir, results)
    paths = render_report(run_dir)
    return {
        "run_dir": run_dir,
        "results": results,
        "paths": paths,
        "md": paths["markdown"].read_text(encoding="utf-8"),
        "html": paths["html"].read_text(encoding="utf-8"),
    }


def test_both_reports_are_written(rendered):
    assert rendered["paths"]["markdown"] == rendered["run_dir"] / "report.md"
    assert rendered["paths"]["html"] == rendered["run_dir"] / "report.html"
    assert rendered["md"].startswith("# David vs Goliath: quick suite, run 20261123-101500-quick")
    assert "<h1>David vs Goliath: quick suite, run 20261123-101500-quick</h1>" in rendered["html"]


def test_the_markdown_report_reads_as_its_snapshot(rendered, snapshot):
    """Every sentence of the report, section by section: a wording change is a reviewed diff
    (`pytest --snapshot-update` after an intended one)."""
    assert markdown_sections(rendered["md"]) == snapshot


def test_the_html_report_reads_as_its_snapshot(rendered, snapshot):
    """The HTML page's text and markup, its pictures' bytes left out."""
    assert without_images(rendered["html"]) == snapshot


def test_scoreboard_and_verdicts_appear(rendered):
    # Worked out by hand from make_results. Fair cases fight speed and memory; the native case
    # accuracy, loss, speed and memory. David wins speed in moons (5x faster epochs) and in
    # iris-native (7.5x shorter training); Keras wins unstable's two rounds by forfeit; the
    # other six are draws (equal memory everywhere, odd's equal times, iris's equal accuracy
    # within Wilson and identical losses).
    assert "| Keras | 2 | 2 | 6 | 0 |" in rendered["md"]
    assert "<td>Keras</td><td>2</td><td>2</td><td>6</td><td>0</td>" in rendered["html"]
    assert "| unstable | Keras (forfeit) |" in rendered["md"]
    assert "| moons | David 5.0x |" in rendered["md"]
    assert "| iris-native | David 7.6x |" in rendered["md"]
    assert "<strong>Against Keras:</strong> David wins on speed, 5.0x [" in rendered["html"]


def test_case_details_appear(rendered):
    md = rendered["md"]
    # fair mode: the parity table (the factory gives identical losses, weights 2.2e-16 apart)
    assert (
        "| Keras | 0 | 0 | 2.2e-16 | 12 epochs x 2 seeds | identical to 1e-9: the same function |"
        in md
    )
    assert "| David | 5 | full | sgd (learning\\_rate=0.1) | glorot\\_uniform |" in md  # native
    assert "epochs to target 0.9, median | not reached | not reached |" in md
    assert "seed 0: diverged at epoch 37; seed 1: diverged at epoch 37" in md
    assert "| threads.OMP\\_NUM\\_THREADS | 1 |" in md  # environment, nested keys flattened


def test_2d_case_has_figures_in_both_formats(rendered):
    md, run_dir = rendered["md"], rendered["run_dir"]
    links = re.findall(r"\]\((figures/[^)]+\.png)\)", md)
    assert "figures/01-moons-loss.png" in links
    assert "figures/01-moons-boundaries.png" in links
    assert any(link.endswith("-confusion.png") for link in links)  # the 3-class case
    for link in links:
        assert (run_dir / link).read_bytes().startswith(PNG_MAGIC)
    strips = [link for link in links if link.endswith("-evolution.png")]
    assert rendered["html"].count('src="data:image/png;base64,') == len(links) - len(strips)
    assert rendered["html"].count('src="data:image/gif;base64,') == len(strips) == 1
    assert (run_dir / "figures" / "01-moons-evolution.gif").read_bytes().startswith(b"GIF8")
    assert "figures/" not in rendered["html"]  # self-contained


def test_user_strings_are_escaped(rendered):
    html_text, md = rendered["html"], rendered["md"]
    assert "<script>alert" not in html_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_text
    assert "<img src=x" not in html_text and "<b>bold" not in html_text
    assert "\\<script\\>alert(1)\\</script\\>" in md
    assert "two half moons \\| noise 0.2" in md
    assert "| cpu | Fancy \\| CPU \\<img src=x onerror=alert(1)\\> |" in md
    for line in md.splitlines():  # every table row keeps its column count
        if line.startswith("| cpu"):
            assert len(re.findall(r"(?<!\\)\|", line)) == 3


def test_rendering_closes_its_figures(rendered):
    assert plt.get_fignums() == []


def test_unfinished_run_lists_missing_cases(tmp_path, snapshot):
    write_run(
        tmp_path, [case_result("moons", run_id=RUN_ID)], finished=None, extra_names=["spiral"]
    )
    md = render_report(tmp_path)["markdown"].read_text()
    assert "spiral" in md
    assert markdown_sections(md)["(title)"] == snapshot


def test_missing_run_folder_raises(tmp_path):
    with pytest.raises(ResultsError, match="no such run folder"):
        render_report(tmp_path / "nope")


def test_run_folder_without_results_raises(tmp_path):
    with pytest.raises(ResultsError, match="not a run folder"):
        render_report(tmp_path)
    (tmp_path / "cases").mkdir()
    with pytest.raises(ResultsError, match="nothing to report"):
        render_report(tmp_path)


def test_malformed_files_raise(tmp_path):
    write_run(tmp_path, [case_result("moons", run_id=RUN_ID)])
    (tmp_path / "run.json").write_text("{not json")
    with pytest.raises(ResultsError, match="not valid JSON"):
        render_report(tmp_path)
    (tmp_path / "run.json").unlink()
    (tmp_path / "cases" / "moons--seed0.json").write_text('{"schema_version": 1}')
    with pytest.raises(ResultsError, match="no case results"):
        render_report(tmp_path)  # the only result is unusable: nothing to report


def test_plots_only_where_they_apply():
    flat = [fight("moons", seed) for seed in range(2)]
    assert loss_curves(flat).startswith(PNG_MAGIC)
    assert decision_boundaries(flat[0]) is None  # not 2-D
    assert confusion_matrices(flat) is None  # binary
    assert confusion_matrices([fight("iris", n_classes=3)]).startswith(PNG_MAGIC)
    assert plt.get_fignums() == []


@pytest.mark.parametrize(
    "modules, absent",
    [
        ("bench.report", {"tensorflow", "keras", "keras_ref", "numpy_nn"}),
        # Only the datasets and the workers need scikit-learn; it cost every command ~0.8 s.
        ("bench.cli, bench.report", {"sklearn", "tensorflow", "keras"}),
    ],
)
def test_the_report_and_the_command_line_import_only_what_they_need(modules, absent):
    code = (
        f"import sys, {modules}\n"
        f"loaded = set({sorted(absent)!r}) & set(sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


def test_rerender_prunes_only_its_own_stale_figures(tmp_path):
    write_run(tmp_path, [case_result("moons", run_id=RUN_ID)])
    figures = tmp_path / "figures"
    figures.mkdir()
    (figures / "07-old-case-loss.png").write_bytes(PNG_MAGIC)
    (figures / "my-notes.png").write_bytes(PNG_MAGIC)
    render_report(tmp_path)
    assert sorted(p.name for p in figures.iterdir()) == [
        ".pictures.json",  # what each picture was drawn from: a render again reuses them
        "01-moons-loss.png",
        "my-notes.png",
    ]


def test_plots_survive_fighters_that_did_not_finish():
    failed = fight(two_d=True, keras=fighter(status="failed"))
    assert decision_boundaries(failed).startswith(PNG_MAGIC)
    diverged = fight(two_d=True)
    boundary = diverged.fighters["david"].decision_boundary
    boundary["values"] = [[None] * len(row) for row in boundary["values"]]  # NaN everywhere
    assert decision_boundaries(diverged).startswith(PNG_MAGIC)
    neither = fight(david=fighter(status="failed"), keras=fighter(status="failed"))
    assert loss_curves([neither]).startswith(PNG_MAGIC)
    assert plt.get_fignums() == []


def test_trend_section_from_the_history_beside_the_run(tmp_path, snapshot):
    run_dir = tmp_path / "results" / RUN_ID
    write_run(run_dir, make_results()[:2])
    render_report(run_dir)
    assert "## Trend" not in (run_dir / "report.md").read_text()  # no history yet
    history = tmp_path / "results" / "history.csv"
    history.write_text(
        "date,commit,run_id,suite,case,opponent,seeds,david_test_accuracy,david_speedup,"
        "parity_max_loss_difference\n"
        "2026-11-20,aaaaaaa1,run-a,quick,moons,goliath,3,0.95,12.5,1e-16\n"
        "2026-11-21,bbbbbbb2,run-b,quick,moons,goliath,3,0.96,14.3,1e-16\n"
        "2026-11-21,ccccccc3,run-c,article,moons,goliath,3,0.10,1.1,1e-16\n"
    )
    render_report(run_dir)
    md = (run_dir / "report.md").read_text()
    assert markdown_sections(md)["Trend"] == snapshot
    assert (run_dir / "figures" / "trend.png").read_bytes().startswith(PNG_MAGIC)


def test_trend_section_lists_the_step_where_david_got_slower(tmp_path):
    run_dir = tmp_path / "results" / RUN_ID
    write_run(run_dir, make_results()[:2])
    # Eight runs: David ~12.5x faster than Keras for four, ~6.2x from commit d0d0d04 on; his
    # accuracy steps down once too, by 0.02 from commit d0d0d05 (0.005 before: below 0.01).
    speedups = [12.4, 12.9, 12.2, 12.6, 6.1, 6.4, 6.2, 6.0]
    accuracies = [0.95, 0.95, 0.955, 0.955, 0.955, 0.935, 0.935, 0.935]
    lines = [
        f"2026-11-{10 + i},d0d0d0{i}ffff,run-{i},quick,moons,keras,3,{accuracies[i]},"
        f"{speedups[i]},1e-16"
        for i in range(8)
    ]
    (tmp_path / "results" / "history.csv").write_text(
        "date,commit,run_id,suite,case,opponent,seeds,david_test_accuracy,david_speedup,"
        "parity_max_loss_difference\n" + "\n".join(lines) + "\n"
    )
    render_report(run_dir)
    md = (run_dir / "report.md").read_text()
    html = (run_dir / "report.html").read_text()
    assert "### Step changes" in md
    slower = (
        "| moons | speed-up vs Keras | d0d0d03 | d0d0d04 | 12.50x | 6.15x | x0.49 | David slower |"
    )
    worse = (
        "| moons | accuracy | d0d0d04 | d0d0d05 | 0.955 | 0.935 | -0.020 | David less accurate |"
    )
    assert slower in md and worse in md
    assert md.count("d0d0d0") == 2 * 2  # these two steps only: no other level change is listed
    assert "<td>d0d0d04</td>" in html and "<td>David slower</td>" in html
    assert (run_dir / "figures" / "trend.png").read_bytes().startswith(PNG_MAGIC)


def _on(host, cpu, threads, cores, worker=None):
    cpus = list(range(threads))
    name = None if worker is None else str(worker)
    address = None if worker is None else f"tcp://{host}:8788"
    return {
        "host": host,
        "cpu": cpu,
        "cores": cores,
        "cpus": cpus,
        "threads": threads,
        "worker": address,
        "worker_name": name,
    }


def test_the_report_says_where_fights_ran_and_warns_when_seeds_ran_on_different_machines(
    tmp_path, snapshot
):
    placed = {
        # Two hosts of one kind: no warning.
        ("same", 0): _on("10.0.0.1", "AMD EPYC", 1, 2, 0),
        ("same", 1): _on("10.0.0.2", "AMD EPYC", 1, 2, 1),
        # Another CPU model, and another thread count on the same CPU: a warning.
        ("mixed", 0): _on("10.0.0.1", "AMD EPYC", 1, 2, 0),
        ("mixed", 1): _on("10.0.0.3", "Intel Xeon", 4, 8, 2),
        ("mixed", 2): _on("10.0.0.2", "AMD EPYC", 2, 2),  # run here, not on a Dask worker
        ("mixed", 3): _on("10.0.0.2", "AMD EPYC", 1, 2, 1),
    }
    for (case, seed), machine in placed.items():
        result = case_result(case, seed, run_id=RUN_ID)
        result["machine"] = machine
        write_case_result(tmp_path, result)
    text = (render_report(tmp_path)["markdown"]).read_text()
    assert text.count("Warning, seeds ran on different kinds of machine") == 1
    mixed = text.index("## Case: mixed")
    assert text.index("Warning, seeds ran") > mixed  # in the case's own section
    notes = [
        paragraph
        for paragraph in text.split("\n\n")
        if paragraph.startswith(("**Warning, seeds ran", "**Ran in parallel"))
    ]
    assert len(notes) == 2
    assert "5 of 6 fights ran on 3 Dask workers on 3 hosts" in notes[0]
    assert notes == snapshot


def test_a_sequential_run_has_no_parallel_note_and_no_machine_warning(tmp_path):
    for seed in range(2):
        result = case_result("moons", seed, run_id=RUN_ID)
        result["machine"] = _on("vm", "AMD EPYC", 2, 2)
        write_case_result(tmp_path, result)
    text = (render_report(tmp_path)["markdown"]).read_text()
    assert "Ran in parallel" not in text and "different kinds of machine" not in text
