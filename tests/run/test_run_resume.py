"""Real runs (David only: fast) that resume after the suite changed, meet stray or misplaced
files, or a dataset that cannot be built. Nothing mixed, nothing lost.
"""

import json
import re
import shutil

import pandas as pd
import pytest

from bench.cli import main
from bench.store.integrity import with_digest
from bench.store.run_folder import ResultsError, case_file, load_run

SUITE = """\
[suite]
name = "resumed"

[defaults]
fighters = ["david"]
seeds = 2
epochs = 2
dtype = "float64"

[[case]]
name = "a"
dataset = "moons"
dataset_params = { n_samples = 100 }
hidden = [4]
optimizer = { name = "sgd", learning_rate = 0.1 }
"""


def run(tmp_path, capsys, suite_text, *extra, out="run"):
    """`python -m bench run` on the suite text; returns (exit code, stdout, stderr)."""
    path = tmp_path / "resumed.toml"
    path.write_text(suite_text)
    code = main(
        [
            "run",
            str(path),
            "--out",
            str(tmp_path / out),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--no-report",
            *extra,
        ]
    )
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def result(tmp_path, name, out="run"):
    return json.loads((tmp_path / out / "cases" / name).read_text())


def test_resume_after_the_suite_changed_reruns_and_judges_only_the_new_fights(tmp_path, capsys):
    """A resume after the suite changed reruns the changed fights, so old and new configurations
    are never judged together, and a seed dropped from the suite leaves the report."""
    code, out, err = run(tmp_path, capsys, SUITE)
    assert code == 0 and "2 fights run, 0 resumed" in out
    old_seed0 = (tmp_path / "run" / "cases" / "a--seed0.json").read_text()
    changed = SUITE.replace("seeds = 2", "seeds = 1").replace("hidden = [4]", "hidden = [5]")
    code, out, err = run(tmp_path, capsys, changed)
    assert code == 0 and "1 fights run, 0 resumed" in out
    assert (
        "[1/1] a seed 0: running again: the suite, its data or a fighter's code changed since "
        "it ran" in err
    )
    assert result(tmp_path, "a--seed0.json")["case"]["hidden"] == [5]
    # Seed 1 (hidden [4]) is kept on disk, nothing is deleted, but judged no more.
    seed1 = tmp_path / "run" / "cases" / "a--seed1.json"
    assert result(tmp_path, "a--seed1.json")["case"]["hidden"] == [4]
    loaded = load_run(tmp_path / "run")
    assert [(f.case_name, f.seed, f.case["hidden"]) for f in loaded.fights] == [("a", 0, [5])]
    assert loaded.ignored == [
        f"{seed1}: case 'a' seed 1 is not part of this run's suite now (dropped from the suite, "
        "or not chosen by --cases/--seeds)"
    ]
    plan = json.loads((tmp_path / "run" / "run.json").read_text())["plan"]
    assert [(p["case"], p["seed"]) for p in plan] == [("a", 0)]
    assert re.fullmatch(r"[0-9a-f]{64}", plan[0]["config_fingerprint"])
    assert main(["report", str(tmp_path / "run")]) == 0
    report = (tmp_path / "run" / "report.md").read_text().replace("\\_", "_")
    assert (
        f"**Left out of this report:** {seed1}: case 'a' seed 1 is not part of this run's "
        "suite now (dropped from the suite, or not chosen by --cases/--seeds)" in report
    )
    assert "network 2-5-1" in report and "2-4-1" not in report
    assert re.search(r"; seeds (\d+(, \d+)*)", report).group(1) == "0"

    # An interrupted resume: run.json plans the new configuration, an old file is still there.
    (tmp_path / "run" / "cases" / "a--seed0.json").write_text(old_seed0)
    loaded = load_run(tmp_path / "run")
    assert loaded.fights == []
    assert loaded.ignored[0] == (
        f"{tmp_path / 'run' / 'cases' / 'a--seed0.json'}: case 'a' seed 0 ran with an earlier "
        "configuration of the suite (a resume runs it again)"
    )


def test_resume_reruns_a_copied_or_misnamed_result_file_and_says_why(tmp_path, capsys):
    """A fight file copied from another run, or under another seed's name, carries the same
    fingerprint (the dataset seed is fixed) but is not this fight's: the resume runs it again."""
    fixed = SUITE.replace("hidden = [4]", "hidden = [4]\ndataset_seed = 0")
    code, out, _ = run(tmp_path, capsys, fixed)
    assert code == 0 and "2 fights run" in out
    cases = tmp_path / "run" / "cases"
    seed0 = json.loads((cases / "a--seed0.json").read_text())
    shutil.copy(cases / "a--seed0.json", cases / "a--seed1.json")  # misnamed copy
    # another run's own file, its digest intact
    (cases / "a--seed0.json").write_text(json.dumps(with_digest({**seed0, "run_id": "other-run"})))
    code, out, err = run(tmp_path, capsys, fixed)
    assert code == 0 and "2 fights run, 0 resumed" in out
    assert (
        "[1/2] a seed 0: running again: its result file belongs to run 'other-run', not 'run'"
        in err
    )
    assert "[2/2] a seed 1: running again: its result file holds case 'a' seed 0" in err
    loaded = load_run(tmp_path / "run")
    assert [(f.seed, f.run_id) for f in loaded.fights] == [(0, "run"), (1, "run")]
    assert loaded.ignored == []
    # the premise of the defect: both fights of this case carry one fingerprint
    assert len({f.config_fingerprint for f in loaded.fights}) == 1


@pytest.mark.parametrize(
    ("blocker", "kind", "what"),
    [
        ("cases/a--seed1.json", "folder", "file"),
        ("summary.csv", "folder", "file"),
        ("cases", "file", "folder"),
        ("logs", "file", "folder"),
    ],
)
def test_something_in_the_way_of_a_result_is_refused_before_training(
    tmp_path, capsys, blocker, kind, what
):
    """A folder where a result file goes (or a file where a folder goes) is refused before
    training, and left as it was: no fight is trained only to lose its result."""
    path = tmp_path / "run" / blocker
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "folder":
        path.mkdir()
    else:
        path.write_text("mine")
    code, out, err = run(tmp_path, capsys, SUITE)
    assert code == 2
    assert err == (
        f"error: {path}: is in the way (the run writes a {what} there); move it away, or "
        "choose another --out folder\n"
    )
    assert not (tmp_path / "run" / "run.json").exists()  # refused before anything was written
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())
    assert path.exists() and (path.is_dir() if kind == "folder" else path.read_text() == "mine")


def test_a_dataset_that_fails_at_run_time_is_recorded_and_the_run_goes_on(tmp_path, capsys):
    """A dataset that fails to build at run time (too few samples to stratify) is a recorded
    failure, and the later cases still run."""
    suite = SUITE.replace("seeds = 2", "seeds = 1") + (
        '\n[[case]]\nname = "b"\ndataset = "moons"\ndataset_params = { n_samples = 100 }\n'
        "hidden = [3]\n"
    )
    suite = suite.replace(
        'name = "a"\ndataset = "moons"\ndataset_params = { n_samples = 100 }',
        'name = "a"\ndataset = "blobs"\ndataset_params = { n_samples = 3 }',
    )
    path = tmp_path / "resumed.toml"
    path.write_text(suite)
    out_dir = tmp_path / "run"
    code = main(["run", str(path), "--out", str(out_dir), "--cache-dir", str(tmp_path / "c")])
    captured = capsys.readouterr()
    out, err = captured.out, captured.err
    assert code == 0, err
    failed = result(tmp_path, "a--seed0.json")
    assert failed["error"].startswith("dataset 'blobs' (n_samples=3")
    assert "a stratified split needs at least 2 of each class" in failed["error"]
    assert failed["fighters"]["david"]["status"] == "failed"
    assert failed["fighters"]["david"]["reason"] == failed["error"]
    assert f"[1/2] a seed 0: could not run: {failed['error']}" in err
    later = result(tmp_path, "b--seed0.json")
    assert later["error"] is None and later["fighters"]["david"]["status"] == "ok"
    assert "2 fights run, 0 resumed, 1 fighter failures recorded" in out
    summary = pd.read_csv(out_dir / "summary.csv")  # once crashed: the failed data has no hash
    assert list(zip(summary["case"], summary["status"], strict=True)) == [
        ("a", "failed"),
        ("b", "ok"),
    ]
    assert (out_dir / "report.md").exists()  # the report renders with the failed fight in it


@pytest.mark.parametrize("name", ["../x", "a/b", ".hidden", ""])
def test_a_result_path_never_leaves_the_cases_folder(tmp_path, name):
    """The final path of every name is checked to stay inside its parent."""
    with pytest.raises(ResultsError, match=re.escape(f"case name {name!r}: its result file")):
        case_file(tmp_path, name, 0)
    assert case_file(tmp_path, "a.b-c_d", 3) == tmp_path / "cases" / "a.b-c_d--seed3.json"
