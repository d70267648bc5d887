"""Fighters in worker processes: isolation, crashes, hangs, and a coordinator free of TensorFlow."""

import json
import select
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bench.fighters.roster import fighter_config
from bench.plan.suite import load_suite
from bench.run.pool import STARTUP_SECONDS, Worker
from bench.run.progress import Progress
from bench.run.runner import run_suite
from bench.store.run_folder import load_run

ROOT = Path(__file__).resolve().parents[2]
FIGHTERS = Path(__file__).parents[1] / "fixtures" / "fighters" / "misbehaving.py"

SUITE = f"""
[suite]
name = "misbehaving"

[fighter.crasher]
path = "{FIGHTERS}"
class = "Crasher"

[fighter.sleeper]
path = "{FIGHTERS}"
class = "Sleeper"

[fighter.raiser]
path = "{FIGHTERS}"
class = "Raiser"

[fighter.picky]
path = "{FIGHTERS}"
class = "Picky"

[fighter.probe-a]
path = "{FIGHTERS}"
class = "EnvironmentReporter"
env = {{ DVG_PROBE = "a" }}

[fighter.probe-b]
path = "{FIGHTERS}"
class = "EnvironmentReporter"
env = {{ DVG_PROBE = "b" }}

[defaults]
seeds = 2
epochs = 2
time_limit = 8
fighters = ["david", "crasher", "sleeper", "raiser", "picky", "probe-a", "probe-b"]

[[case]]
name = "moons"
dataset = "moons"
dataset_params = {{ n_samples = 100 }}
hidden = [4]
"""


@pytest.fixture(scope="module")
def misbehaving_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("misbehaving")
    path = tmp / "suite.toml"
    path.write_text(textwrap.dedent(SUITE))
    suite = load_suite(path)
    outcome = run_suite(suite, tmp / "run", suite.cases, Progress(0), cache_dir=tmp / "cache")
    return outcome, {fight.seed: fight for fight in load_run(tmp / "run").fights}


@pytest.mark.slow
def test_a_crash_a_hang_and_an_error_are_recorded_and_the_run_goes_on(misbehaving_run):
    outcome, fights = misbehaving_run
    assert outcome.finished == 2  # the second seed ran: every lost worker was replaced
    for fight in fights.values():
        records = fight.fighters
        assert records["david"].status == "ok"
        assert records["crasher"].status == "failed"
        assert records["crasher"].reason.startswith("worker process died while training")
        assert "SIGSEGV" in records["crasher"].reason
        assert records["sleeper"].status == "failed"
        assert records["sleeper"].reason == "timed out while training (limit 8 s): worker killed"
        assert records["raiser"].reason == "RuntimeError: out of memory (simulated)"
        assert records["picky"].status == "unsupported"
        assert records["picky"].reason == "not supported by picky: anything at all"


@pytest.mark.slow
def test_each_fighter_process_has_its_own_settings(misbehaving_run):
    _, fights = misbehaving_run
    for fight in fights.values():
        assert fight.fighters["probe-a"].reason == "RuntimeError: DVG_PROBE=a"
        assert fight.fighters["probe-b"].reason == "RuntimeError: DVG_PROBE=b"
        assert fight.fighters["david"].process["variables"].get("DVG_PROBE") is None


@pytest.mark.slow
def test_the_coordinator_never_imports_a_framework(tmp_path):
    suite = tmp_path / "suite.toml"
    suite.write_text(
        textwrap.dedent(
            """
            [defaults]
            seeds = 1
            epochs = 2
            fighters = ["david", "keras"]
            [[case]]
            name = "moons"
            dataset = "moons"
            dataset_params = { n_samples = 100 }
            hidden = [4]
            """
        )
    )
    code = textwrap.dedent(
        f"""
        import sys
        from bench.cli import main
        code = main(["run", "{suite}", "--out", "{tmp_path / "run"}",
                     "--cache-dir", "{tmp_path / "cache"}"])
        assert code == 0, code
        loaded = {{"tensorflow", "keras", "jax", "keras_ref"}} & set(sys.modules)
        assert not loaded, loaded
        """
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=600)
    result = json.loads((tmp_path / "run" / "cases" / "moons--seed0.json").read_text())
    assert {record["status"] for record in result["fighters"].values()} == {"ok"}


def test_a_worker_started_ahead_of_its_turn_is_not_timed_out(tmp_path):
    """Workers start side by side at the beginning of a run; one whose turn comes after its
    startup deadline has passed was ready all along and must not be killed for it."""
    worker = Worker(fighter_config("sklearn"), tmp_path / "sklearn.log")
    try:
        assert select.select([worker.process.stdout.fileno()], [], [], 120)[0]  # "ready" sent
        worker._started -= 10 * STARTUP_SECONDS  # its turn comes long after the deadline
        worker.wait_ready()
        assert worker.settings["versions"]["sklearn"]
        assert worker.process.poll() is None
    finally:
        worker.kill()


def test_a_workers_blas_libraries_are_listed_in_the_order_of_their_names():
    # threadpoolctl lists them in the order they were loaded, which differs between runs of the
    # same code (NumPy's and SciPy's OpenBLAS): results compared run to run must not differ there.
    import scipy.linalg  # noqa: F401  (SciPy's own OpenBLAS, loaded after NumPy's)

    from bench.run.environment import blas_pools

    pools = blas_pools()
    assert len(pools) >= 2, pools
    assert pools == sorted(pools, key=lambda pool: (pool["library"], str(pool["architecture"])))
