"""The command line under bad paths, bad thresholds, bad baselines and stray files.

Each is refused with one `error: ...` line and exit 2, or left out and named, never a traceback
or a silent pass. Runs are hand-made (tests/result_factory.py) except where a flag is refused
before anything trains.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.cli import main
from bench.commands.run import _resume_command
from bench.files import write_json
from bench.store.run_folder import write_case_result
from result_factory import case_result, fighter

ROOT = Path(__file__).resolve().parents[2]
SUITE = """\
[suite]
name = "bad-input"

[defaults]
fighters = ["david"]
seeds = 1
epochs = 2

[[case]]
name = "moons"
dataset = "moons"
dataset_params = { n_samples = 100 }
hidden = [4]
"""


def hand_run(run_dir, seeds=(0, 1, 2), run_id=None, david_epoch=0.01, **opponents):
    """A finished run of one fair float32 case 'moons', one file a seed: David's epochs take
    david_epoch seconds, Keras's (the default opponent) 0.1 s."""
    run_id = run_id or run_dir.name
    opponents = opponents or {"keras": fighter(epoch_seconds=[0.1] * 5)}
    write_json(
        run_dir / "run.json",
        {"run_id": run_id, "suite": {"name": "hand"}, "case_names": ["moons"]},
    )
    for seed in seeds:
        david = fighter(test_correct=950, n_test=1000, epoch_seconds=[david_epoch] * 5)
        result = case_result(
            "moons", seed, run_id=run_id, dtype="float32", david=david, **opponents
        )
        write_case_result(run_dir, result)
    return run_dir


def baseline_of(tmp_path, run, capsys):
    path = tmp_path / "baseline.json"
    assert main(["baseline", str(run), "--out", str(path)]) == 0
    capsys.readouterr()
    return path


def exit_2(capsys, argv):
    """Run the CLI; it must refuse with exit 2 and one `error:` line, no traceback."""
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    return err


# ------------------------------------------------ a gate that would be switched off


@pytest.mark.parametrize(
    ("flag", "value", "rule"),
    [
        ("--speed-factor", "nan", "a number > 1, got nan"),
        ("--speed-factor", "-2", "a number > 1, got -2.0"),
        ("--speed-factor", "0", "a number > 1, got 0.0"),
        ("--speed-factor", "1", "a number > 1, got 1.0"),
        ("--speed-factor", "inf", "a number > 1, got inf"),
        ("--accuracy-floor", "nan", "in [0, 1), got nan"),
        ("--accuracy-floor", "-0.1", "in [0, 1), got -0.1"),
        ("--alpha", "nan", "in (0, 1), got nan"),
        ("--alpha", "0", "in (0, 1), got 0.0"),
        ("--parity-tolerance", "-1", "> 0, got -1.0"),
        ("--parity-tolerance", "nan", "> 0, got nan"),
    ],
)
def test_a_threshold_that_would_switch_the_gate_off_is_refused(tmp_path, capsys, flag, value, rule):
    """A NaN, negative or zero threshold would switch the gate off: `compare` refuses it."""
    run = hand_run(tmp_path / "run")
    baseline = baseline_of(tmp_path, run, capsys)
    err = exit_2(capsys, ["compare", str(run), "--baseline", str(baseline), f"{flag}={value}"])
    assert err == f"error: {flag} must be {rule}\n"


@pytest.mark.parametrize(
    ("accuracies", "shown"),
    [([], "[]"), (None, "None"), ([None, None, None], "[None, None, None]")],
)
def test_a_baseline_without_accuracies_is_refused(tmp_path, capsys, accuracies, shown):
    """A baseline whose accuracy list is empty or null is refused, not passed."""
    run = hand_run(tmp_path / "run")
    baseline = baseline_of(tmp_path, run, capsys)
    data = json.loads(baseline.read_text())
    data["cases"]["moons"]["david_test_accuracy"] = accuracies
    baseline.write_text(json.dumps(data))
    err = exit_2(capsys, ["compare", str(run), "--baseline", str(baseline)])
    assert err == (
        f"error: {baseline}: case 'moons': 'david_test_accuracy' must hold one number in [0, 1] "
        f"per seed, got {shown}\n"
    )


def test_a_baseline_without_seeds_is_refused(tmp_path, capsys):
    """An empty baseline case is refused: 'nothing to compare' is no pass."""
    run = hand_run(tmp_path / "run")
    baseline = baseline_of(tmp_path, run, capsys)
    data = json.loads(baseline.read_text())
    data["cases"]["moons"].update(seeds=[], david_test_accuracy=[])
    baseline.write_text(json.dumps(data))
    err = exit_2(capsys, ["compare", str(run), "--baseline", str(baseline)])
    assert err == (
        f"error: {baseline}: case 'moons': 'seeds' must be a non-empty list of integers, got []\n"
    )


@pytest.mark.parametrize(("speedups", "shown"), [([], "[]"), ([None, None], "[None, None]")])
def test_a_baseline_without_speedups_is_refused(tmp_path, capsys, speedups, shown):
    """A baseline with no speed-up is refused: it would switch the speed gate off."""
    run = hand_run(tmp_path / "run")
    baseline = baseline_of(tmp_path, run, capsys)
    data = json.loads(baseline.read_text())
    data["cases"]["moons"]["speedup"] = speedups
    baseline.write_text(json.dumps(data))
    err = exit_2(capsys, ["compare", str(run), "--baseline", str(baseline)])
    assert err == (
        f"error: {baseline}: case 'moons': 'speedup' must be a list of numbers > 0 with at "
        f"least one number (the speed gate's reference), got {shown}\n"
    )


def test_no_baseline_is_written_without_a_speedup_over_keras(tmp_path, capsys):
    """Runs without Keras cannot make a baseline: its speed gate would never fire."""
    run = hand_run(tmp_path / "run", sklearn=fighter())
    out = tmp_path / "baseline.json"
    err = exit_2(capsys, ["baseline", str(run), "--out", str(out)])
    assert err == (
        f"error: {run}: case 'moons': no speed-up over 'keras' in any seed (it did not fight or "
        "did not finish): the speed gate would have nothing to hold runs against; use runs "
        "where keras finished\n"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("opponents", "why"),
    [
        (
            {"keras": fighter(status="failed", reason="failed: RuntimeError: no GPU")},
            "no seed where David and Keras both finished",
        ),
    ],
    ids=["keras-failed"],
)
def test_a_run_without_keras_timings_is_undecided_never_ok(tmp_path, capsys, opponents, why):
    """A run without Keras timings is UNDECIDED, which fails the gate like a regression."""
    baseline = baseline_of(tmp_path, hand_run(tmp_path / "base"), capsys)
    now = hand_run(tmp_path / "now", **opponents)
    assert main(["compare", str(now), "--baseline", str(baseline)]) == 1
    out = capsys.readouterr().out
    speed = next(line for line in out.splitlines() if "David speed-up vs Keras" in line)
    assert "UNDECIDED" in speed
    assert f"no speed-up in this run ({why}): the speed gate cannot decide" in speed
    accuracy = next(line for line in out.splitlines() if "David test accuracy" in line)
    assert accuracy.split()[-1] != "REGRESSED" and " ok " in accuracy
    assert (
        "0 regressed, 1 undecided (no data to judge, or not comparable: the gate fails), "
        "1 ok or improved" in out
    )


def test_a_run_without_keras_is_not_comparable_and_undecided(tmp_path, capsys):
    """A run whose fighters differ from the baseline's (Keras absent) is not judged at all."""
    baseline = baseline_of(tmp_path, hand_run(tmp_path / "base"), capsys)
    now = hand_run(tmp_path / "now", sklearn=fighter())
    assert main(["compare", str(now), "--baseline", str(baseline)]) == 1
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "(case)" in line)
    assert "UNDECIDED" in row and "fighters David, scikit-learn, the baseline's David, Keras" in row


def test_the_same_run_twice_is_not_pooled(tmp_path, capsys):
    """`baseline RUN RUN` is refused: the same seeds would count twice."""
    run = hand_run(tmp_path / "run")
    out = tmp_path / "baseline.json"
    err = exit_2(capsys, ["baseline", str(run), str(run), "--out", str(out)])
    assert err == f"error: {run.resolve()}: the same run given twice\n"
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    err = exit_2(capsys, ["baseline", str(run), str(copy), "--out", str(out)])
    assert err == "error: runs ['run', 'run']: the same run id twice (a copied run folder?)\n"
    assert not out.exists()


# -------------------------------------------------------- stray case files in a run folder


@pytest.fixture
def run_with_strays(tmp_path):
    """Seeds 0-2 of 'moons'; seed 2 replaced by another run's file, seed 1 by a copy of seed 0."""
    run = hand_run(tmp_path / "now")
    other = hand_run(tmp_path / "other", david_epoch=0.5)
    cases = run / "cases"
    shutil.copy(other / "cases" / "moons--seed2.json", cases / "moons--seed2.json")
    shutil.copy(cases / "moons--seed0.json", cases / "moons--seed1.json")
    return run


def test_stray_case_files_are_left_out_of_the_report_and_it_says_so(run_with_strays, capsys):
    """A case JSON from another run, or misnamed (`a--seed0` copied as `a--seed1`), is left out
    of the report and named there."""
    assert main(["report", str(run_with_strays)]) == 0
    report = (run_with_strays / "report.md").read_text()
    cases = run_with_strays / "cases"
    assert (
        f"**Left out of this report:** {cases / 'moons--seed1.json'}: holds case 'moons' seed 0; "
        f"{cases / 'moons--seed2.json'}: belongs to run 'other', not 'now'"
    ) in report.replace("\\_", "_")
    assert re.search(r"; seeds (\d+(, \d+)*)", report).group(1) == "0"  # not "0, 0"


def test_stray_case_files_are_left_out_of_compare_and_baseline(run_with_strays, tmp_path, capsys):
    """Stray files are neither judged by compare nor pooled into the baseline, and are named."""
    cases = run_with_strays / "cases"
    warnings = (
        f"warning: left out {cases / 'moons--seed1.json'}: holds case 'moons' seed 0\n"
        f"warning: left out {cases / 'moons--seed2.json'}: belongs to run 'other', not 'now'\n"
    )
    baseline = tmp_path / "baseline.json"
    assert main(["baseline", str(run_with_strays), "--out", str(baseline)]) == 0
    assert capsys.readouterr().err == warnings
    pooled = json.loads(baseline.read_text())["cases"]["moons"]
    assert pooled["seeds"] == [0] and pooled["speedup"] == [10.0]  # seed 2's 0.5 s not pooled
    assert main(["compare", str(run_with_strays), "--baseline", str(baseline)]) == 0
    assert capsys.readouterr().err == warnings


def test_a_folder_named_like_a_case_file_is_left_out_of_the_report(tmp_path, capsys):
    """A directory named `*.json` in cases/ is left out of the report and named."""
    run = hand_run(tmp_path / "run", seeds=(0,))
    (run / "cases" / "moons--seed1.json").mkdir()
    assert main(["report", str(run)]) == 0
    report = (run / "report.md").read_text().replace("\\_", "_")
    folder = run / "cases" / "moons--seed1.json"
    assert f"**Left out of this report:** {folder}: is a directory, not a JSON file" in report


# -------------------------------------------------------------------------------- paths


@pytest.fixture
def unwritable(tmp_path):
    """A folder path no one can create (a read-only parent, or, as root, a file as parent)."""
    if os.geteuid() == 0:  # root writes through chmod: a file in the way stops even root
        blocker = tmp_path / "a_file"
        blocker.write_text("not a folder")
        yield blocker / "sub", blocker, "Not a directory", "not a folder"
        return
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    yield locked / "sub", locked, "Permission denied", "no permission"
    locked.chmod(0o700)


def run_args(tmp_path, *extra):
    suite = tmp_path / "bad-input.toml"
    suite.write_text(SUITE)
    defaults = {"--out": str(tmp_path / "run"), "--cache-dir": str(tmp_path / "cache")}
    for flag, value in zip(extra[::2], extra[1::2], strict=True):
        defaults[flag] = str(value)
    return ["run", str(suite), *(word for pair in defaults.items() for word in pair)]


def test_out_that_is_an_existing_file_is_refused(tmp_path, capsys):
    """`--out` naming an existing file is refused, and the file kept."""
    out = tmp_path / "results.txt"
    out.write_text("keep me")
    err = exit_2(capsys, run_args(tmp_path, "--out", out))
    assert err == f"error: --out {out}: exists and is not a folder\n"
    assert out.read_text() == "keep me"


def test_out_that_cannot_be_written_is_refused(tmp_path, capsys, unwritable):
    """`--out` that cannot be written is refused with the reason."""
    folder, _, reason, _ = unwritable
    err = exit_2(capsys, run_args(tmp_path, "--out", folder))
    assert err == f"error: --out {folder}: not writable ({reason})\n"


def test_cache_dir_that_cannot_be_written_is_refused(tmp_path, capsys, unwritable):
    """A read-only `--cache-dir` is refused, and the run folder made first tidied away."""
    folder, _, reason, _ = unwritable
    err = exit_2(capsys, run_args(tmp_path, "--cache-dir", folder))
    assert err == f"error: --cache-dir {folder}: not writable ({reason})\n"
    assert not (tmp_path / "run").exists()  # the run folder it made first is tidied away


def test_history_that_cannot_be_written_is_refused_before_training(tmp_path, capsys, unwritable):
    """A `--history` that cannot be written is refused before any training."""
    folder, parent, _, why = unwritable
    history = folder / "history.csv"
    err = exit_2(capsys, run_args(tmp_path, "--history", history))
    assert err == f"error: --history {history}: cannot write in {parent} ({why})\n"
    assert not (tmp_path / "run").exists()


def test_history_that_is_a_folder_is_refused(tmp_path, capsys):
    """`--history` naming a folder is refused."""
    err = exit_2(capsys, run_args(tmp_path, "--history", tmp_path))
    assert err == f"error: --history {tmp_path}: not a writable file\n"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("", "not a readable history CSV (No columns to parse from file)"),
        ("a,b\n1,2\n", "not a history CSV (no column run_id, suite, case)"),
    ],
    ids=["empty", "malformed"],
)
def test_a_malformed_history_is_refused_before_any_training(tmp_path, capsys, content, problem):
    """`run --history` with a malformed CSV is refused before anything trains."""
    history = tmp_path / "history.csv"
    history.write_text(content)
    err = exit_2(capsys, run_args(tmp_path, "--history", history))
    assert err == f"error: --history {history}: {problem}; fix or move it (nothing was run)\n"
    assert not (tmp_path / "run").exists() and not (tmp_path / "cache").exists()
    assert history.read_text() == content  # left as it was


def test_baseline_that_is_a_folder_is_refused(tmp_path, capsys):
    """`--baseline` naming a directory is refused."""
    run = hand_run(tmp_path / "run")
    err = exit_2(capsys, ["compare", str(run), "--baseline", str(tmp_path)])
    assert err == f"error: {tmp_path}: is a directory, not a JSON file\n"


@pytest.mark.parametrize(
    ("content", "shown"),
    [
        ("", "not a readable history CSV (No columns to parse from file)"),
        ("a,b\n1,2\n", "not a history CSV (no column run_id, suite, case)"),
        (
            'run_id,suite,case\n"x,quick\n',
            "not a readable history CSV (Error tokenizing data. C error: EOF inside string "
            "starting at row 1)",
        ),
    ],
    ids=["empty", "no-columns", "unterminated-quote"],
)
def test_a_bad_history_beside_a_run_does_not_block_its_report(tmp_path, capsys, content, shown):
    """An empty or malformed history.csv beside a run costs the report its trend, not the
    report."""
    run = hand_run(tmp_path / "runs" / "now", seeds=(0,))
    history = tmp_path / "runs" / "history.csv"
    history.write_text(content)
    assert main(["report", str(run)]) == 0
    report = (run / "report.md").read_text().replace("\\_", "_")  # Markdown escapes _
    assert f"## Trend\n\nnot shown: {history}: {shown}\n" in report
    html = (run / "report.html").read_text()
    assert f"<h2>Trend</h2>\n<p>not shown: {history}: " in html


# ------------------------------------------------------------------------- a closed pipe


@pytest.mark.slow
def test_list_into_a_reader_that_stops_early_exits_0_without_a_traceback():
    """`python -m bench list | head -1` ends quietly: no BrokenPipeError traceback."""
    piped = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {sys.executable} -m bench list | head -1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (piped.returncode, piped.stdout) == (0, "fighters (* in the default roster):\n")
    assert piped.stderr == ""
    # A reader that is gone before the first line: every write meets a closed pipe.
    closed = subprocess.Popen(
        [sys.executable, "-m", "bench", "list"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    closed.stdout.close()
    err = closed.stderr.read().decode()
    closed.stderr.close()
    assert closed.wait(timeout=120) == 0 and err == ""


def test_the_resume_hint_repeats_every_flag_the_user_gave(monkeypatch):
    """The resume hint printed on interrupt keeps `--cases`, `--seeds`, `--cache-dir` and
    `--history`."""
    argv = ["run", "quick", "--cases", "moons,blobs*", "--seeds", "2", "--cache-dir", "/tmp/c d"]
    monkeypatch.setattr(sys, "argv", ["python -m bench", *argv, "--history", "h.csv"])
    assert _resume_command(Path("results/r1")) == (
        "python -m bench run quick --cases 'moons,blobs*' --seeds 2 --cache-dir '/tmp/c d' "
        "--history h.csv --out results/r1"
    )
    monkeypatch.setattr(sys, "argv", ["python -m bench", *argv, "--out=elsewhere"])
    assert _resume_command(Path("elsewhere")).endswith("--out=elsewhere")  # not given twice
