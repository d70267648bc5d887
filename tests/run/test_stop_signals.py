"""A run stopped by SIGTERM or SIGHUP, as CI runners and schedulers stop it, leaves nothing behind.

Before: SIGTERM ended the coordinator at once; the busy fighter worker (in a session of its own)
trained on under PID 1, with --jobs 2 too, and a helper a user's fit started survived the run.
Now the signal is handled like Ctrl-C (finished fights kept, the resume command printed, exit
128 + N), and every process the run started is gone, as the process table shows.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from bench.cli import main
from bench.errors import HarnessError

ROOT = Path(__file__).resolve().parents[2]
FIGHTERS = Path(__file__).parents[1] / "fixtures" / "fighters" / "misbehaving.py"

SUITE = """
[suite]
name = "stoppable"

[fighter.spawner]
path = "{fighters}"
class = "HelperSpawner"
env = {{ DVG_PIDS = "{pids}" }}

[defaults]
seeds = 2
epochs = 2
time_limit = 900
fighters = ["david", "spawner"]

[[case]]
name = "moons"
dataset = "moons"
dataset_params = {{ n_samples = 100 }}
hidden = [4]
"""


def alive(pid: int) -> bool:
    """In the process table, and not a zombie waiting to be reaped."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def stop_a_run(tmp_path: Path, signum: int, jobs: int) -> tuple[subprocess.CompletedProcess, set]:
    """Start a run, wait until seed 0 is written and seed 1's fighter has started its helper
    and hangs, then send signum; the run's answer and every pid it had started."""
    pids_file = tmp_path / "pids.txt"
    suite = tmp_path / "suite.toml"
    suite.write_text(textwrap.dedent(SUITE.format(fighters=FIGHTERS, pids=pids_file)))
    command = [sys.executable, "-m", "bench", "run", str(suite), "--out", str(tmp_path / "run")]
    command += ["--no-report", "--cache-dir", str(tmp_path / "cache"), "--jobs", str(jobs)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the signal goes to the run alone, as a scheduler sends it
    )
    try:
        wait_for(lambda: pids_file.exists() and pids_file.read_text().strip(), 300, "the helper")
        seed0 = tmp_path / "run" / "cases" / "moons--seed0.json"
        wait_for(seed0.exists, 300, "seed 0's result")  # with --jobs 2 it runs side by side
        started = {proc.pid for proc in psutil.Process(run.pid).children(recursive=True)}
        started |= {int(pid) for pid in pids_file.read_text().split()}
        run.send_signal(signum)
        stdout, stderr = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    done = subprocess.CompletedProcess(command, run.returncode, stdout, stderr)
    return done, started


@pytest.mark.slow
@pytest.mark.parametrize(
    "signum, jobs, code",
    [(signal.SIGTERM, 1, 143), (signal.SIGHUP, 1, 129), (signal.SIGTERM, 2, 143)],
    ids=["SIGTERM", "SIGHUP", "SIGTERM-jobs2"],
)
def test_a_stopped_run_keeps_its_fights_and_leaves_no_process(tmp_path, signum, jobs, code):
    done, started = stop_a_run(tmp_path, signum, jobs)
    assert done.returncode == code, done.stderr
    name = signal.Signals(signum).name
    assert f"interrupted by {name}: finished fights are kept" in done.stderr
    assert "resume with" in done.stderr
    assert (tmp_path / "run" / "cases" / "moons--seed0.json").exists()  # seed 0 finished
    wait_for(lambda: not any(alive(pid) for pid in started), 15, "the run's processes to end")
    assert started, "no process was seen to start"


def test_a_symlinked_log_is_refused_and_nothing_is_written_through_it(tmp_path, capsys):
    from bench.run.pool import open_log

    outside = tmp_path / "outside.txt"
    outside.write_text("someone else's file\n")
    logs = tmp_path / "run" / "logs"
    logs.mkdir(parents=True)
    (logs / "david.log").symlink_to(outside)
    with pytest.raises(HarnessError, match="david.log is a symbolic link"):
        open_log(logs / "david.log")
    code = main(
        [
            "run",
            "gate",
            "--cases",
            "moons",
            "--seeds",
            "1",
            "--fighters",
            "david",
            "--out",
            str(tmp_path / "run"),
            "--no-report",
            "--cache-dir",
            str(tmp_path / "cache"),
        ]
    )
    assert code == 2
    assert "david.log is a symbolic link" in capsys.readouterr().err
    assert outside.read_text() == "someone else's file\n"


def test_a_symlinked_log_folder_is_refused_too(tmp_path):
    from bench.run.pool import open_log

    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "logs").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(HarnessError, match="logs is a symbolic link"):
        open_log(tmp_path / "run" / "logs" / "david.log")
    assert not list((tmp_path / "elsewhere").iterdir())
