"""Fights on Dask, with real clusters: a local one (--jobs 2) and one started by hand (a scheduler
and two workers, each its own process) give the numbers of a sequential run given the same
threads, bit for bit; a worker killed mid-fight and a coordinator killed mid-run lose no
finished fight."""

import contextlib
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import psutil
import pytest

from bench.cli import main
from bench.errors import HarnessError
from bench.plan.suite import load_suite
from bench.run import dask_cluster as cluster
from bench.run.dask_progress import FightBoard
from bench.run.dask_task import Share, machine_share, worker_slots
from bench.run.environment import usable_cpus
from bench.run.progress import Progress
from bench.run.runner import run_suite
from bench.store.run_folder import load_run, load_run_info

ROOT = Path(__file__).resolve().parents[2]
FIGHTERS = Path(__file__).parents[1] / "fixtures" / "fighters" / "misbehaving.py"
SUITE = """
[suite]
name = "spread"

[defaults]
fighters = ["david", "sklearn"]
seeds = 2
epochs = 6

[[case]]
name = "moons"
dataset = "moons"
dataset_params = { n_samples = 200 }
hidden = [8, 8]
dtype = "float64"
optimizer = { name = "sgd", learning_rate = 0.05, momentum = 0.9 }

[[case]]
name = "blobs32"
dataset = "blobs"
dataset_params = { n_samples = 1000, centers = 3 }
hidden = [50, 50]
dtype = "float32"
epochs = 3
batch_size = 100
optimizer = { name = "adam", learning_rate = 0.01 }

[[case]]
name = "iris-native"
dataset = "iris"
hidden = [6]
mode = "native"
dtype = "float64"
"""
# Fights long enough (a few seconds each here) to be killed in the middle of one.
LONG_SUITE = """
[suite]
name = "long"

[defaults]
fighters = ["david", "sklearn"]
seeds = 5
epochs = 100
dtype = "float64"

[[case]]
name = "moons"
dataset = "moons"
dataset_params = { n_samples = 400 }
hidden = [32, 32]
optimizer = { name = "sgd", learning_rate = 0.05 }
"""
# What timing leaves alone: everything but seconds and their rates.
TIMINGS = {"epoch_seconds", "samples_per_second", "seconds_to_target"}


def numbers(run_dir: Path) -> dict:
    """Every fight's data, histories, metrics, boundaries and parity, without its timings."""
    found = {}
    for path in sorted((run_dir / "cases").glob("*.json")):
        result = json.loads(path.read_text())
        fighters = {}
        for name, record in result["fighters"].items():
            kept = ("status", "reason", "epochs_run", "decision_boundary", "boundary_snapshots")
            fighters[name] = {key: record[key] for key in kept}
            for part in ("history", "metrics"):
                values = record[part] or {}
                fighters[name][part] = {k: v for k, v in values.items() if k not in TIMINGS}
        found[path.name] = {
            "fingerprint": result["config_fingerprint"],
            "dataset": result["dataset"],
            "fighters": fighters,
            "parity": result["parity"],
        }
    return found


@pytest.fixture(scope="module")
def suite_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("suite") / "spread.toml"
    path.write_text(textwrap.dedent(SUITE))
    return path


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def sequential(suite_path, cache, tmp_path_factory):
    """The suite run one fight at a time, here, each fighter given the threads a worker of two on
    this machine gets: the reference. (OpenBLAS rounds a product of a few hundred rows
    differently with 1 thread than with 2, so a run with all the cores differs in the last bits.)
    """
    suite = load_suite(suite_path)
    run_dir = tmp_path_factory.mktemp("sequential") / "run"
    threads = machine_share(0, 2, usable_cpus()).env()
    run_suite(suite, run_dir, suite.cases, Progress(0), cache_dir=cache, worker_env=threads)
    found = numbers(run_dir)
    assert len(found) == 6
    return found


def run_parallel(suite_path, cache, run_dir, **how):
    suite = load_suite(suite_path)
    outcome = run_suite(suite, run_dir, suite.cases, Progress(0), cache_dir=cache, **how)
    assert (outcome.finished, outcome.resumed, outcome.fighter_failures) == (6, 0, 0)
    return load_run(run_dir)


@pytest.mark.slow
def test_a_local_cluster_gives_the_sequential_numbers_bit_for_bit(
    sequential, suite_path, cache, tmp_path
):
    run = run_parallel(suite_path, cache, tmp_path / "run", jobs=2)
    assert numbers(tmp_path / "run") == sequential
    for fight in run.fights:
        assert all(record.status == "ok" for record in fight.fighters.values())
        epochs = fight.fighters["david"].epochs_run
        for parity in (fight.parity or {}).values():
            assert parity.epochs_compared == epochs
    assert load_run_info(tmp_path / "run")["execution"] == {"mode": "dask-local", "jobs": 2}
    # Each worker had its half of the machine: threads set, recorded, and honoured by BLAS.
    threads = max(1, len(usable_cpus()) // 2)
    halves = [usable_cpus()[k * threads : (k + 1) * threads] for k in range(2)]
    for fight in run.fights:
        machine = fight.machine
        assert machine["threads"] == threads and machine["worker_name"] in ("0", "1")
        assert machine["cpus"] == halves[int(machine["worker_name"])]
        for record in fight.fighters.values():
            process = record.process
            assert process["variables"]["OMP_NUM_THREADS"] == str(threads)
            assert process["variables"]["TF_NUM_INTRAOP_THREADS"] == str(threads)
            assert process["cpus"] == machine["cpus"]
            assert {pool["threads"] for pool in process["blas"]} == {threads}
    # The fighters' logs stay beside the run's, one folder per Dask worker.
    assert {p.name for p in (tmp_path / "run" / "logs").iterdir()} <= {"dask-0", "dask-1"}


@contextlib.contextmanager
def cluster_by_hand(folder, workers=("w0", "w1"), code=ROOT):
    """`dask scheduler` and `dask worker`s, each its own process, on localhost, importing the
    harness from `code`."""
    scheduler_file = folder / "scheduler.json"
    paths = [str(code), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    common = ["--no-dashboard", "--host", "127.0.0.1", "--scheduler-file", str(scheduler_file)]
    log = open(folder / "cluster.log", "wb")  # noqa: SIM115  (open while the cluster runs)
    start = [sys.executable, "-m", "distributed.cli.dask_scheduler", "--port", "0", *common]
    processes = [subprocess.Popen(start, env=env, stdout=log, stderr=log, cwd=folder)]
    try:
        deadline = time.monotonic() + 120
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        for name in workers:
            worker = [sys.executable, "-m", "distributed.cli.dask_worker", "--nthreads", "1"]
            worker += ["--name", name, *common]
            processes.append(subprocess.Popen(worker, env=env, stdout=log, stderr=log, cwd=folder))
        from distributed import Client

        with Client(address, timeout=60) as client:  # all count when shares are worked out
            client.wait_for_workers(len(workers), timeout=120)
        yield address
    finally:
        for process in processes[::-1]:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


@pytest.mark.slow
def test_a_cluster_started_by_hand_gives_the_sequential_numbers(
    sequential, suite_path, cache, tmp_path
):
    with cluster_by_hand(tmp_path) as address:
        run = run_parallel(suite_path, cache, tmp_path / "run", scheduler=address)
    assert numbers(tmp_path / "run") == sequential
    info = load_run_info(tmp_path / "run")["execution"]
    assert info == {"mode": "dask-scheduler", "scheduler": address}
    threads = max(1, len(usable_cpus()) // 2)  # two workers on this host: half each
    for fight in run.fights:
        assert fight.machine["worker_name"] in ("w0", "w1")
        assert fight.machine["threads"] == threads
        assert fight.machine["worker"].startswith("tcp://127.0.0.1:")


class Watched:
    """A `python -m bench run` process whose stderr lines are collected as they come."""

    def __init__(self, args, **options):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            **options,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern, timeout=300):
        """The first match of pattern in a stderr line."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                match = re.search(pattern, line)
                if match:
                    return match
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(self.lines))

    def finish(self, timeout=600):
        out = self.process.stdout.read()
        self.process.wait(timeout=timeout)
        self._reader.join(timeout=10)
        return out


def long_run_args(tmp_path):
    suite = tmp_path / "long.toml"
    suite.write_text(textwrap.dedent(LONG_SUITE))
    run_dir = tmp_path / "run"
    args = ["run", str(suite), "--out", str(run_dir), "--cache-dir", str(tmp_path / "cache")]
    return [*args, "--jobs", "2", "--no-report"], run_dir


def result_files(run_dir):
    return {path.name: path.read_bytes() for path in sorted((run_dir / "cases").glob("*.json"))}


@pytest.mark.slow
def test_a_worker_killed_mid_fight_loses_nothing_and_its_fight_runs_again(tmp_path):
    args, run_dir = long_run_args(tmp_path)
    run = Watched(args)
    run.wait_for(r"\(worker \d\): David")  # a first fight is written
    started = re.compile(r"\] (moons seed \d): started on worker (\d) \(.*pid (\d+)").search
    written = re.compile(r"\] (moons seed \d) \(worker").search
    victim = None
    while victim is None:  # a fight that has started and not finished: kill its Dask worker
        lines = list(run.lines)
        done = {match.group(1) for match in map(written, lines) if match}
        running = [m for m in map(started, lines) if m and m.group(1) not in done]
        victim = running[-1] if running else None
        time.sleep(0.02)
    finished = result_files(run_dir)
    os.kill(int(victim.group(3)), signal.SIGKILL)
    out = run.finish()
    assert run.process.returncode == 0, "\n".join(run.lines)
    assert "5 fights run, 0 resumed" in out
    lost = f"{victim.group(1)}: Dask worker {victim.group(2)} (tcp://"
    assert any(lost in line for line in run.lines), run.lines
    assert any("running it again on another worker" in line for line in run.lines)
    after = result_files(run_dir)
    assert len(after) == 5
    for name, content in finished.items():
        assert after[name] == content  # written before the kill: never touched again
    retried = load_run(run_dir).fights[int(victim.group(1)[-1])]
    assert all(record.status == "ok" for record in retried.fighters.values())


@pytest.mark.slow
def test_a_killed_coordinator_leaves_nothing_running_and_the_run_resumes(tmp_path):
    args, run_dir = long_run_args(tmp_path)
    run = Watched(args)
    run.wait_for(r"\(worker \d\): David")
    coordinator = psutil.Process(run.process.pid)
    spawned = coordinator.children(recursive=True)  # Dask workers and their fighters' workers
    assert any("bench.run.worker" in " ".join(p.cmdline()) for p in spawned)
    coordinator.kill()
    run.finish()
    kept = result_files(run_dir)
    assert 1 <= len(kept) < 5
    _, alive = psutil.wait_procs(spawned, timeout=60)
    assert not alive, [p.cmdline() for p in alive]  # orphans stop on their own
    again = Watched(args)
    out = again.finish()
    assert again.process.returncode == 0, "\n".join(again.lines)
    assert f"{5 - len(kept)} fights run, {len(kept)} resumed" in out
    after = result_files(run_dir)
    assert len(after) == 5
    for name, content in kept.items():
        assert after[name] == content
    assert len(load_run(run_dir).fights) == 5


def test_shares_split_a_machines_cpus_between_its_workers():
    assert machine_share(0, 2, [0, 1, 2, 3]) == Share(2, [0, 1])
    assert machine_share(1, 2, [0, 1, 2, 3]) == Share(2, [2, 3])
    assert machine_share(2, 3, [0, 1, 2, 3]) == Share(1, [2])  # CPU 3 is left over
    assert machine_share(3, 4, [4, 5]) == Share(1, [5])  # more workers than CPUs: in turn
    assert Share(3, [0, 1, 2]).env() == {
        "OMP_NUM_THREADS": "3",
        "OPENBLAS_NUM_THREADS": "3",
        "MKL_NUM_THREADS": "3",
        "TF_NUM_INTRAOP_THREADS": "3",
        "TF_NUM_INTEROP_THREADS": "3",
    }


def test_workers_are_counted_per_host_in_natural_order_of_their_names():
    workers = {
        "tcp://10.0.0.1:5001": {"host": "10.0.0.1", "name": 10},
        "tcp://10.0.0.1:5002": {"host": "10.0.0.1", "name": 9},
        "tcp://10.0.0.2:5003": {"host": "10.0.0.2", "name": "tcp://10.0.0.2:5003"},
    }
    slots, hosts = worker_slots(workers)
    assert slots == {"9": (0, 2), "10": (1, 2), "tcp://10.0.0.2:5003": (0, 1)}
    assert hosts == {"10.0.0.1": 2, "10.0.0.2": 1}


def test_the_board_shows_fights_queued_running_on_which_worker_and_done():
    stream = io.StringIO()
    board = FightBoard(Progress(3, stream))
    for index, seed in enumerate((0, 1, 2), start=1):
        board.queue(index, f"[{index}/3] moons seed {seed}", "moons", seed)
    start = {"kind": "start", "name": "0", "host": "vm", "pid": 42, "threads": 1}
    board.event((0.0, {"fight": 1, **start}))
    board.event((0.0, {"fight": 1, "kind": "fighter", "fighter": "sklearn", "epochs": 40}))
    board.event((0.0, {"fight": 1, "kind": "epoch", "epoch": 12}))
    board.event((0.0, {"fight": 2, **start, "name": "1", "threads": 2}))
    board.event((0.0, {"fight": 7, **start}))  # another run's fight on a shared cluster
    assert board.text() == (
        "done 0/3 · running 2: moons s0 on 0 (scikit-learn 12/40); moons s1 on 1 · queued 1"
    )
    board.requeue(2, "its worker was lost")
    assert board.text() == "done 0/3 · running 1: moons s0 on 0 (scikit-learn 12/40) · queued 2"
    board.event((0.0, {"fight": 3, **start}))  # worker 0 is done with seed 0: its result is due
    assert board.text() == "done 0/3 · running 1: moons s2 on 0 · queued 1"
    board.finished(1)
    assert board.text() == "done 1/3 · running 1: moons s2 on 0 · queued 1"
    assert stream.getvalue().splitlines() == [
        "[1/3] moons seed 0: started on worker 0 (vm, pid 42, 1 thread)",
        "[2/3] moons seed 1: started on worker 1 (vm, pid 42, 2 threads)",
        "[2/3] moons seed 1: its worker was lost",
        "[3/3] moons seed 2: started on worker 0 (vm, pid 42, 1 thread)",
    ]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--jobs", "0"],
            "--jobs 0: must be a whole number of at least 1 (1: one fight at a time, here, the "
            "default; N: a local Dask cluster running N fights at a time)",
        ),
        (
            ["--jobs", "2", "--scheduler", "tcp://10.0.0.1:8786"],
            "--jobs 2 and --scheduler tcp://10.0.0.1:8786: choose one (--jobs starts a local "
            "Dask cluster, --scheduler uses an existing one)",
        ),
        (
            ["--scheduler", "10.0.0.1:8786"],
            "--scheduler '10.0.0.1:8786': not a Dask scheduler address; write it as "
            "tcp://HOST:PORT (or tls://HOST:PORT)",
        ),
    ],
)
def test_parallel_flags_that_cannot_work_are_refused_before_anything_runs(
    suite_path, tmp_path, capsys, flags, message
):
    run_dir = tmp_path / "run"
    assert main(["run", str(suite_path), "--out", str(run_dir), *flags]) == 2
    assert capsys.readouterr().err == f"error: {message}\n"
    assert not run_dir.exists()


def test_an_unreachable_scheduler_is_a_clear_error(suite_path, cache, tmp_path, monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 2)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    suite = load_suite(suite_path)
    with pytest.raises(HarnessError, match=re.escape(f"--scheduler {address}: cannot reach")):
        run_suite(suite, tmp_path / "run", suite.cases, Progress(0), cache, scheduler=address)
    assert not list((tmp_path / "run" / "cases").glob("*.json"))


@pytest.mark.slow
def test_a_sequential_run_and_the_listing_never_import_dask(suite_path, cache, tmp_path):
    run_dir = tmp_path / "run"
    args = ["run", str(suite_path), "--out", str(run_dir), "--cache-dir", str(cache)]
    code = textwrap.dedent(
        f"""
        import sys
        from bench.cli import main
        assert main(["list"]) == 0
        assert main({[*args, "--cases", "moons", "--seeds", "1", "--no-report"]!r}) == 0
        loaded = {{"dask", "distributed"}} & set(sys.modules)
        assert not loaded, loaded
        """
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=300)
    machine = load_run(run_dir).fights[0].machine
    assert machine["worker"] is None and machine["cpus"] == usable_cpus()


@pytest.mark.slow
def test_a_fight_whose_worker_is_lost_twice_is_recorded_as_failed_with_the_reason(tmp_path):
    path = tmp_path / "lost.toml"
    path.write_text(
        textwrap.dedent(
            f"""
            [suite]
            name = "lost"

            [fighter.killer]
            path = "{FIGHTERS}"
            class = "ParentKiller"

            [defaults]
            fighters = ["david", "killer"]
            seeds = 1
            epochs = 2

            [[case]]
            name = "moons"
            dataset = "moons"
            dataset_params = {{ n_samples = 100 }}
            hidden = [4]
            """
        )
    )
    suite = load_suite(path)
    stream = io.StringIO()
    outcome = run_suite(
        suite, tmp_path / "run", suite.cases, Progress(1, stream), tmp_path / "cache", jobs=2
    )
    assert (outcome.finished, outcome.fighter_failures) == (1, 2)
    (fight,) = load_run(tmp_path / "run").fights
    lost = r"Dask worker \d \(tcp://127\.0\.0\.1:\d+\) was lost \(died or was killed\) mid-fight"
    assert re.fullmatch(f"{lost}, and so was the worker of its one retry", fight.error)
    assert {record.status for record in fight.fighters.values()} == {"failed"}
    lines = stream.getvalue().splitlines()
    assert re.fullmatch(
        rf"\[1/1\] moons seed 0: {lost}; running it again on another worker", lines[1]
    )
    assert lines[-1] == f"[1/1] moons seed 0: could not run: {fight.error}"
    # Filed under the fight's configuration, as a crashed fighter is: the report shows it, and a
    # resume keeps it (its file removed, it runs again).
    again = run_suite(
        suite, tmp_path / "run", suite.cases, Progress(1, io.StringIO()), tmp_path / "cache"
    )
    assert (again.finished, again.resumed) == (0, 1)


@pytest.mark.slow
def test_a_worker_running_other_code_has_its_fights_refused_and_a_resume_runs_them(
    suite_path, cache, tmp_path
):
    other = tmp_path / "other-checkout"  # the same harness, David's code one comment apart
    skip = shutil.ignore_patterns("__pycache__")
    for package in ("bench", "numpy_nn", "keras_ref"):
        shutil.copytree(ROOT / package, other / package, ignore=skip)
    with (other / "numpy_nn" / "__init__.py").open("a") as source:
        source.write("# an edit made on the worker's machine only\n")
    suite = load_suite(suite_path)
    cases = [case for case in suite.cases if case.name == "moons"]
    stream = io.StringIO()
    with cluster_by_hand(tmp_path, workers=("w0",), code=other) as address:
        outcome = run_suite(
            suite, tmp_path / "run", cases, Progress(2, stream), cache, scheduler=address
        )
    assert (outcome.finished, outcome.resumed) == (0, 0)
    assert not list((tmp_path / "run" / "cases").glob("*.json"))  # nothing filed wrongly
    refused = [line for line in stream.getvalue().splitlines() if "not recorded" in line]
    assert len(refused) == 2, stream.getvalue()
    assert re.fullmatch(
        r"\[1/2\] moons seed 0: not recorded: Dask worker tcp://127\.0\.0\.1:\d+ computed "
        r"configuration fingerprint [0-9a-f]{12}, this checkout [0-9a-f]{12}: its code, packages "
        r"or data differ from this checkout's; install the same commit there and run again to "
        r"resume",
        refused[0],
    )
    again = run_suite(suite, tmp_path / "run", cases, Progress(2, io.StringIO()), cache)
    assert (again.finished, again.resumed) == (2, 0)
