"""Faults a real user meets: a run killed (even mid-write) and resumed, two runs on one folder,
Ctrl-C. Each run is a real `python -m bench run` process."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bench.store.run_folder import load_run

ROOT = Path(__file__).resolve().parents[2]
SUITE = """
[suite]
name = "faults"

[defaults]
fighters = ["david", "sklearn"]
seeds = 4
epochs = 40
dtype = "float64"

[[case]]
name = "moons"
dataset = "moons"
dataset_params = { n_samples = 300 }
hidden = [16, 16]
optimizer = { name = "sgd", learning_rate = 0.05 }

[[case]]
name = "blobs"
dataset = "blobs"
dataset_params = { n_samples = 300 }
hidden = [8]
"""
FIGHTS = 8

# Run the CLI with os.replace (the rename that publishes every file the harness writes) killing
# the process on its Nth call: the temporary file is written, the rename never happens.
KILL_IN_WRITE = """
import os, sys
from bench.cli import main
real_replace, calls = os.replace, [0]
def replace(*args, **kwargs):
    calls[0] += 1
    if calls[0] == int(sys.argv[1]):
        os.kill(os.getpid(), 9)
    return real_replace(*args, **kwargs)
os.replace = replace
sys.exit(main(sys.argv[2:]))
"""


def bench(*args, **kwargs):
    return subprocess.Popen(
        [sys.executable, "-m", "bench", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


@pytest.fixture
def suite(tmp_path):
    path = tmp_path / "faults.toml"
    path.write_text(textwrap.dedent(SUITE))
    return path


def run_args(suite, tmp_path, run_dir):
    return ["run", str(suite), "--out", str(run_dir), "--cache-dir", str(tmp_path / "cache")]


def finished_files(run_dir):
    """Every result file, each of which must be whole, valid JSON (no torn writes)."""
    files = {}
    for path in sorted((run_dir / "cases").glob("*.json")):
        files[path.name] = path.read_bytes()
        json.loads(files[path.name])
    return files


def resume_and_check(suite, tmp_path, run_dir, kept):
    process = bench(*run_args(suite, tmp_path, run_dir), "--no-report")
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    after = finished_files(run_dir)
    assert len(after) == FIGHTS
    for name, content in kept.items():
        assert after[name] == content, f"{name} was run again or changed"
    assert len(load_run(run_dir).fights) == FIGHTS  # every file valid against the schema
    assert f"{len(kept)} resumed" in out


@pytest.mark.slow
# Writes 1-8 fill the dataset cache, 9 is run.json, then each fight's result and the summary.
@pytest.mark.parametrize("nth_write", [4, 10, 13])
def test_killed_during_a_write_then_resumed(suite, tmp_path, nth_write):
    run_dir = tmp_path / "run"
    args = [str(nth_write), *run_args(suite, tmp_path, run_dir), "--no-report"]
    killed = subprocess.run(
        [sys.executable, "-c", KILL_IN_WRITE, *args], cwd=ROOT, capture_output=True, timeout=600
    )
    assert killed.returncode == -signal.SIGKILL
    kept = finished_files(run_dir)
    assert len(kept) < FIGHTS
    leftovers = list(tmp_path.rglob(".*.tmp"))
    assert len(leftovers) == 1  # the torn write left its temporary file, never published
    resume_and_check(suite, tmp_path, run_dir, kept)


@pytest.mark.slow
@pytest.mark.parametrize("delay", [2.0, 4.5, 7.0])
def test_killed_at_a_random_point_then_resumed(suite, tmp_path, delay):
    run_dir = tmp_path / "run"
    process = bench(*run_args(suite, tmp_path, run_dir), "--no-report", start_new_session=True)
    time.sleep(delay)
    os.killpg(process.pid, signal.SIGKILL)  # the coordinator and its workers, all at once
    process.communicate()
    kept = finished_files(run_dir) if (run_dir / "cases").exists() else {}
    resume_and_check(suite, tmp_path, run_dir, kept)


@pytest.mark.slow
def test_a_second_run_on_the_same_folder_is_refused(suite, tmp_path):
    run_dir = tmp_path / "run"
    first = bench(*run_args(suite, tmp_path, run_dir), "--no-report")
    deadline = time.monotonic() + 120
    while not (run_dir / "run.json").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    second = bench(*run_args(suite, tmp_path, run_dir), "--no-report")
    _, err = second.communicate(timeout=120)
    assert second.returncode == 2
    assert f"error: {run_dir}: another run is writing here (PID {first.pid})" in err
    assert first.wait(timeout=600) == 0
    assert len(finished_files(run_dir)) == FIGHTS


@pytest.mark.slow
def test_ctrl_c_keeps_the_finished_fights_and_says_how_to_resume(suite, tmp_path):
    run_dir = tmp_path / "run"
    args = [*run_args(suite, tmp_path, run_dir), "--seeds", "3", "--cases", "moons,blobs"]
    # Ctrl-C as a terminal delivers it: a job a shell started in the background (as CI scripts
    # often are) inherits SIGINT ignored, and Python then leaves it ignored.
    as_in_a_terminal = (
        "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "sys.argv = ['bench', *sys.argv[1:]]; runpy.run_module('bench', run_name='__main__')"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", as_in_a_terminal, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while not list((run_dir / "cases").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "interrupted: finished fights are kept" in err
    assert "--seeds 3 --cases moons,blobs" in err and f"--out {run_dir}" in err
    assert finished_files(run_dir)
