"""`bench publish`: real run files of two commits, incremental, bad folders, escaping."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from site_stores import FIXTURE_RUN, HOSTILE, hand_made_run

from bench.site.pages import script_json
from bench.site.publish import publish
from bench.site.store import INDEX_FILE
from bench.studies.site_scale import make_store

ROOT = Path(__file__).resolve().parents[2]


def page_data(page: Path) -> dict:
    """The JSON a page embeds for its plots."""
    text = page.read_text(encoding="utf-8")
    match = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', text, re.S)
    assert match, f"{page} embeds no data"
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def two_commits(tmp_path_factory):
    """Four runs made from a real quick run's files: two commits, three machines."""
    store = tmp_path_factory.mktemp("store")
    make_store(FIXTURE_RUN, store, 4)
    site = store.parent / "site"
    return store, site, publish([store], site)


def test_publish_real_runs_of_two_commits(two_commits):
    store, site, published = two_commits
    assert published.runs == 4 and not published.skipped
    commits = {
        json.loads((f / "run.json").read_text())["environment"]["git_commit"]
        for f in store.iterdir()
        if f.is_dir()
    }
    assert len(commits) == 2
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "run-00003" in index  # the latest run's headline
    assert "David takes the card" in index or "takes the card" in index or "No round" in index
    data = page_data(site / "cases" / "moons.html")
    speedups = data["traces"]["speedup"]
    # One line per machine: three machines, one opponent (the fixture's goliath).
    assert len(speedups) == 3
    assert sorted(x for trace in speedups for x in trace["x"]) == [0, 1, 2, 3]
    for trace in speedups:
        for y, plus, minus in zip(
            trace["y"], trace["error_y"]["array"], trace["error_y"]["arrayminus"], strict=True
        ):
            assert y > 0 and plus >= 0 and minus >= 0  # the verdict's interval around it
    assert {p for t in speedups for p in t["customdata"]} == {f"run-0000{k}" for k in range(4)}
    run_page = (site / "runs" / "run-00002.html").read_text(encoding="utf-8")
    assert "moons-float64" in run_page and "goliath".capitalize() in run_page
    # run 3 ran on run 0's machine: the pair is published, its rows from compare_two_runs
    pair = (site / "compare" / "run-00000__run-00003.js").read_text(encoding="utf-8")
    rows = json.loads(pair.split(" = ", 1)[1].rstrip(";\n"))["rows"]
    assert {row["case"] for row in rows} == {"moons", "moons-float64", "blobs-4", "iris"}
    assert any(row["metric"] == "test accuracy" for row in rows)
    machines = (site / "machines.html").read_text(encoding="utf-8")
    assert all(host in machines for host in ("ci-runner-1", "laptop", "workstation"))
    assert (site / "assets" / "plotly.min.js").stat().st_size > 1_000_000  # shared, offline
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "fetch(" not in text and "cdn." not in text.lower()


def test_the_index_legend_names_every_opponent_and_machine_as_the_charts_draw_them(two_commits):
    _, site, _ = two_commits
    index = (site / "index.html").read_text(encoding="utf-8")
    legend = index.split('id="legend"', 1)[1].split("</div>", 1)[0]
    colours = dict(
        (name, colour)
        for colour, name in re.findall(r'stroke="(#[0-9a-f]{6})".*?</svg>vs ([^<]+)<', legend)
    )
    assert colours == {"Goliath": colours["Goliath"]} and colours["Goliath"].startswith("#")
    for host in ("ci-runner-1", "laptop", "workstation"):
        assert host in legend
    dashes = set()
    for case in page_data(site / "index.html")["cases"]:
        for trace in case["traces"]:  # every small chart: the legend's colour, a machine's dash
            assert trace["line"]["color"] == colours["Goliath"]
            dashes.add(trace["line"]["dash"])
    assert dashes == {"solid", "dot", "dash"}


def test_incremental_publish_reads_only_the_new_run(tmp_path):
    store, site = tmp_path / "store", tmp_path / "site"
    make_store(FIXTURE_RUN, store, 2)
    first = publish([store], site, workers=1)
    assert (first.stats.runs_read, first.stats.files_read) == (2, 16)
    make_store(FIXTURE_RUN, store, 1, first=2)
    # Proof the old runs are not read again: one of their files is now garbage of the same size
    # and modification time; a publish that read it would skip that run.
    old = store / "run-00000" / "cases" / "iris--seed0.json"
    stat = old.stat()
    old.write_bytes(b"x" * stat.st_size)
    os.utime(old, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    second = publish([store], site, workers=1)
    assert (second.stats.runs_read, second.stats.files_read) == (1, 8)
    assert second.runs == 3 and not second.skipped
    assert (site / "runs" / "run-00002.html").exists()
    # Once the file's time changes, it is read again, and the run is skipped for what it holds.
    os.utime(old, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    third = publish([store], site, workers=1)
    assert third.stats.runs_read == 1
    assert [folder for folder, _ in third.skipped] == [] and third.runs == 3
    index = (site / "runs" / "run-00000.html").read_text(encoding="utf-8")
    assert "iris--seed0.json: not valid JSON" in index  # the run stays, the file is left out
    # The index is a cache: deleted, it is rebuilt from the run folders.
    (store / INDEX_FILE).unlink()
    fourth = publish([store], site, workers=1)
    assert fourth.stats.runs_read == 3 and fourth.runs == 3


def test_bad_folders_are_listed_as_skipped_and_never_stop_the_publish(tmp_path):
    store, site = tmp_path / "store", tmp_path / "site"
    hand_made_run(store / "good", "good")
    corrupt = hand_made_run(store / "corrupt", "corrupt")
    for path in (corrupt / "cases").glob("*.json"):
        path.write_text('{"schema_version": 2, "run_id": ', encoding="utf-8")
    foreign = hand_made_run(store / "foreign", "foreign")
    info = json.loads((foreign / "run.json").read_text())
    (foreign / "run.json").write_text(json.dumps({**info, "run_id": "someone-else"}))
    newer = hand_made_run(store / "newer", "newer")
    for path in (newer / "cases").glob("*.json"):
        result = json.loads(path.read_text())
        path.write_text(json.dumps({**result, "schema_version": 99}))
    tampered = hand_made_run(store / "tampered", "tampered")
    for path in (tampered / "cases").glob("*.json"):
        result = json.loads(path.read_text())
        result["config_fingerprint"] = "f" * 64  # edited: its content digest no longer matches
        path.write_text(json.dumps(result))
    not_ours = store / "not-ours"
    (not_ours / "cases").mkdir(parents=True)
    (not_ours / "run.json").write_text("[1, 2, 3]")
    published = publish([store], site, workers=1)
    assert published.runs == 1
    reasons = dict(published.skipped)
    assert set(reasons) == {
        str(store / n) for n in ("corrupt", "foreign", "newer", "tampered", "not-ours")
    }
    assert "not valid JSON" in reasons[str(corrupt)]
    assert "belongs to run 'foreign'" in reasons[str(foreign)]
    assert "schema_version 99 is not supported" in reasons[str(newer)]
    assert "edited or damaged after the run wrote it" in reasons[str(tampered)]
    assert "expected a JSON object" in reasons[str(not_ours)]
    index = (site / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr><td>" + str(store)) == 5


def test_two_stores_with_the_same_run_id_are_kept_apart(tmp_path):
    hand_made_run(tmp_path / "a" / "run", "same-id", host="alpha", david_seconds=0.004)
    hand_made_run(tmp_path / "b" / "run", "same-id", host="beta", david_seconds=0.008)
    published = publish([tmp_path / "a", tmp_path / "b"], tmp_path / "site", workers=1)
    keys = set(published.keys.values())
    assert len(keys) == 2 and all(key.startswith("same-id--") for key in keys)
    pages = {p.read_text(encoding="utf-8") for p in (tmp_path / "site" / "runs").glob("*.html")}
    assert len(pages) == 2 and {
        any("alpha" in p for p in pages),
        any("beta" in p for p in pages),
    } == {True}


def test_hostile_names_are_escaped_in_html_and_in_embedded_json(tmp_path):
    store = tmp_path / "store"
    for k in range(2):
        hand_made_run(
            store / f"run{k}", f"run{k}{HOSTILE}", host=f"host{HOSTILE}", description=HOSTILE,
            dataset=HOSTILE, started=f"2026-12-0{k + 1}T10:00:00+00:00",
        )  # fmt: skip
    site = tmp_path / "site"
    published = publish([store], site, workers=1)
    assert published.runs == 2 and published.pairs == 1
    for path in [*site.rglob("*.html"), *site.glob("compare/*.js")]:
        text = path.read_text(encoding="utf-8")
        assert "<script>window.pwned" not in text and "<img src=x" not in text, path
    data = page_data(site / "cases" / "moons.html")
    assert HOSTILE in data["traces"]["speedup"][0]["text"][0]  # the text survives, inert
    assert "&lt;/script&gt;" in (site / "machines.html").read_text(encoding="utf-8")
    assert json.loads(script_json(HOSTILE + "\u2028&")) == HOSTILE + "\u2028&"


@pytest.mark.slow  # three interpreters start
def test_cli_publish_and_its_errors(tmp_path):
    hand_made_run(tmp_path / "store" / "run", "cli-run")
    command = [sys.executable, "-m", "bench", "publish", str(tmp_path / "store")]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "store" / "site" / "index.html").exists()
    assert "1 runs" in done.stdout
    missing = subprocess.run(
        [*command[:-1], str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert (
        missing.returncode == 2 and "error: store" in missing.stderr and "nowhere" in missing.stderr
    )
    bad_pair = subprocess.run(
        [*command, "--compare", "cli-run", "nope"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert (
        bad_pair.returncode == 2
        and "no run 'nope'" in bad_pair.stderr
        and "cli-run" in bad_pair.stderr
    )
    assert (tmp_path / "store" / "site" / "index.html").exists()  # the earlier site is untouched
    shutil.rmtree(tmp_path / "store" / "site")


def test_compact_records_publish_without_boundaries(tmp_path):
    """A store of compact records (bench compact) beside a full run: both on one site."""
    from bench.store.compact import write_compact

    full = tmp_path / "full"
    make_store(FIXTURE_RUN, full, 2)
    store = tmp_path / "store"
    store.mkdir()
    write_compact(full / "run-00000", store / "run-00000")
    shutil.copytree(full / "run-00001", store / "run-00001")
    assert json.loads((store / "run-00000" / "run.json").read_text())["compact"] is True
    published = publish([store], tmp_path / "site", workers=1)
    assert published.runs == 2 and not published.skipped
    compact_page = (tmp_path / "site" / "runs" / "run-00000.html").read_text(encoding="utf-8")
    assert "compact record (no decision boundaries)" in compact_page
    full_page = (tmp_path / "site" / "runs" / "run-00001.html").read_text(encoding="utf-8")
    assert "compact record" not in full_page


def test_a_site_is_never_written_over_results(tmp_path):
    """--out pointing at the store or a run folder is refused before anything is written."""
    from bench.errors import HarnessError

    run = hand_made_run(tmp_path / "store" / "run", "kept")
    before = sorted(p.read_bytes() for p in run.rglob("*") if p.is_file())
    for out in (tmp_path / "store", run, run / "cases"):
        with pytest.raises(HarnessError, match="--out"):
            publish([tmp_path / "store"], out, workers=1)
    assert sorted(p.read_bytes() for p in run.rglob("*") if p.is_file()) == before
    publish([tmp_path / "store"], tmp_path / "store" / "site", workers=1)  # the default place


@pytest.mark.slow  # twelve runs summarised
def test_the_index_lists_a_step_change_with_the_commits_around_it(tmp_path):
    """David 1.3x slower on one machine from run 6 on: the index names the step, that machine
    only, with the commits before and after."""
    make_store(FIXTURE_RUN, tmp_path / "store", 12, slower_from=6)
    publish([tmp_path / "store"], tmp_path / "site")
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    steps = index.split('id="steps"', 1)[1].split("</table>", 1)[0]
    rows = steps.split("<tr class=")[1:]
    assert rows and all("worse for David" in row and "ci-runner-1" in row for row in rows)
    # machine 0 ran runs 0, 3, 6, 9: the step is between run 3 and run 6
    assert all("run-00003.html" in row and "run-00006.html" in row for row in rows)


def test_runs_are_in_commit_order_by_commit_date_then_start(tmp_path):
    store = tmp_path / "store"
    # Started first, but its commit is younger than the next run's (a branch run late).
    hand_made_run(store / "a", "late-commit", commit="1" * 40, commit_date="2026-11-20T09:00:00Z")
    hand_made_run(
        store / "b",
        "early-commit",
        commit="2" * 40,
        started="2026-12-01T12:00:00+00:00",
        commit_date="2026-11-10T23:00:00+05:00",  # 18:00 UTC: offsets are compared in UTC
    )
    hand_made_run(  # recorded before commit dates: falls back to its start time
        store / "c", "no-commit-date", commit="3" * 40, started="2026-12-01T11:00:00+00:00"
    )
    publish([store], tmp_path / "site")
    (trace,) = page_data(tmp_path / "site" / "cases" / "moons.html")["traces"]["speedup"]
    in_order = [run for _, run in sorted(zip(trace["x"], trace["customdata"], strict=True))]
    assert in_order == ["early-commit", "late-commit", "no-commit-date"]
    hover = dict(zip(trace["customdata"], trace["text"], strict=True))
    assert "committed 2026-11-10T23:00" in hover["early-commit"]
    assert "ran 2026-12-01T12:00" in hover["early-commit"]
    assert "committed" not in hover["no-commit-date"]
    run_page = (tmp_path / "site" / "runs" / "early-commit.html").read_text(encoding="utf-8")
    assert "of 2026-11-10T23:00:00+05:00" in run_page


def test_one_more_run_searches_steps_again_on_its_own_machine_only(tmp_path, monkeypatch):
    import bench.site.publish as site_publish

    store, site = tmp_path / "store", tmp_path / "site"
    make_store(FIXTURE_RUN, store, 4)
    publish([store], site, workers=1)
    searched = []
    real = site_publish.case_steps

    def recording(case, points):
        searched.append((case, {p.run["machine"]["host"] for p in points}))
        return real(case, points)

    monkeypatch.setattr(site_publish, "case_steps", recording)
    make_store(FIXTURE_RUN, store, 1, first=4)  # run 4 runs on the second machine, "laptop"
    publish([store], site, workers=1)
    assert searched and all(hosts == {"laptop"} for _, hosts in searched)
    assert {case for case, _ in searched} == {"moons", "moons-float64", "blobs-4", "iris"}


def test_one_more_run_renders_only_the_pages_it_changes(tmp_path, monkeypatch):
    """The pages of the runs before it keep their template and context: not rendered again."""
    import bench.site.pages
    import bench.site.publish

    store, site = tmp_path / "store", tmp_path / "site"
    make_store(FIXTURE_RUN, store, 3)
    publish([store], site, workers=1)
    rendered = []

    def spy(template, **context):
        rendered.append(template)
        return bench.site.pages.render(template, **context)

    monkeypatch.setattr(bench.site.publish, "render", spy)
    make_store(FIXTURE_RUN, store, 1, first=3)
    second = publish([store], site, workers=1)
    pages = [page for page in site.rglob("*.html") if page.name != "report.html"]
    assert second.runs == 4 and second.pages == len(pages)  # every page counted, rendered or not
    # The new run's page, its case pages, the index and the lists; none of the 3 old run pages.
    assert rendered.count("run.html.j2") == 1
    assert "index.html.j2" in rendered and "case.html.j2" in rendered
    assert "run-00003" in (site / "runs.html").read_text(encoding="utf-8")
    # A changed template renders every page again; a deleted manifest too.
    rendered.clear()
    monkeypatch.setattr(bench.site.pages, "_templates_digest", lambda: "another template")
    publish([store], site, workers=1)
    assert rendered.count("run.html.j2") == 4
    rendered.clear()
    monkeypatch.undo()
    monkeypatch.setattr(bench.site.publish, "render", spy)
    (site / bench.site.pages.MANIFEST_FILE).unlink()
    publish([store], site, workers=1)
    assert rendered.count("run.html.j2") == 4
