"""A resume never replaces a finished fight with a failure to build its data."""

import textwrap

from bench.plan.suite import load_suite
from bench.run.progress import Progress
from bench.run.runner import run_suite
from bench.store.run_folder import load_run

ROWS = "a,b,label\n" + "".join(f"{i},{(i * 7) % 5},{i % 2}\n" for i in range(40))


def test_a_csv_gone_at_resume_does_not_overwrite_the_finished_fight(tmp_path):
    (tmp_path / "points.csv").write_text(ROWS)
    (tmp_path / "suite.toml").write_text(
        textwrap.dedent(
            """
            [[case]]
            name = "points"
            dataset = "csv"
            dataset_params = { path = "points.csv", target = "label" }
            hidden = [4]
            epochs = 2
            seeds = 1
            fighters = ["david"]
            """
        )
    )
    suite = load_suite(tmp_path / "suite.toml")
    run_dir, cache = tmp_path / "run", tmp_path / "cache"
    run_suite(suite, run_dir, suite.cases, Progress(0), cache_dir=cache)
    before = (run_dir / "cases" / "points--seed0.json").read_bytes()
    (tmp_path / "points.csv").unlink()  # moved away, or a path that no longer resolves
    run_suite(suite, run_dir, suite.cases, Progress(0), cache_dir=cache)
    assert (run_dir / "cases" / "points--seed0.json").read_bytes() == before
    (fight,) = load_run(run_dir).fights
    assert fight.error is None and fight.fighters["david"].status == "ok"
