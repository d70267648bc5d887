"""A fighter whose file hangs while importing is waited on within the case's time limit (above a
floor for a loaded machine), not for the pool's five minutes."""

import textwrap

import pytest

from bench.plan.suite import load_suite
from bench.run import pool
from bench.run.progress import Progress
from bench.run.runner import run_suite
from bench.store.run_folder import load_run


def test_the_start_limit_follows_the_time_limit_between_the_floor_and_the_ceiling():
    assert pool.startup_limit(1.0) == pool.STARTUP_FLOOR
    assert pool.startup_limit(100.0) == 100.0
    assert pool.startup_limit(1800.0) == pool.STARTUP_SECONDS


@pytest.mark.slow
def test_a_fighter_hanging_at_import_fails_within_its_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(pool, "STARTUP_FLOOR", 30.0)  # not 60: a shorter test; David starts in it
    (tmp_path / "hang.py").write_text(
        "import time\n\ntime.sleep(3600)\n\n\nclass Hang:\n    pass\n"
    )
    (tmp_path / "suite.toml").write_text(
        textwrap.dedent(
            """
            [fighter.hang]
            path = "hang.py"
            class = "Hang"
            [[case]]
            name = "moons"
            dataset = "moons"
            dataset_params = { n_samples = 100 }
            hidden = [4]
            epochs = 2
            seeds = 1
            time_limit = 2
            fighters = ["david", "hang"]
            """
        )
    )
    suite = load_suite(tmp_path / "suite.toml")
    run_suite(suite, tmp_path / "run", suite.cases, Progress(0), cache_dir=tmp_path / "cache")
    (fight,) = load_run(tmp_path / "run").fights
    assert fight.fighters["david"].status == "ok"
    hang = fight.fighters["hang"]
    assert hang.status == "failed"
    assert f"timed out while starting (importing {tmp_path / 'hang.py'}:Hang; limit 30 s)" in (
        hang.reason
    )
