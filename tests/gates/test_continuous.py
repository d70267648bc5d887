"""The speed gate: base and head in one job (`continuous`), its statistics and its revisions."""

import importlib.metadata
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats
from sklearn.datasets import make_moons

from bench.cli import main
from bench.errors import HarnessError
from bench.fighters.roster import fighter_config
from bench.fighters.slowed import SlowedNetwork
from bench.files import read_json
from bench.gates.continuous import Pair, Settings, decide, pair_round, round_slowdowns
from bench.gates.revisions import (
    WORKING_TREE,
    checked_out,
    default_base,
    git,
    python_for,
    resolve,
    unmet_requirements,
)
from bench.judging.stats import wilson_interval
from helpers import MOONS_ARTICLE_NETWORK
from numpy_nn import Network

ROOT = Path(__file__).resolve().parents[2]


def pairs_from(ratios_by_round: list[list[float]]) -> list[Pair]:
    """Pairs whose head/base ratios are the given ones (base 10 ms each)."""
    return [
        Pair(r, f"case{k}", 0, 0.010, 0.010 * ratio)
        for r, ratios in enumerate(ratios_by_round)
        for k, ratio in enumerate(ratios)
    ]


def test_each_round_is_the_geometric_mean_of_its_fights():
    pairs = pairs_from([[2.0, 0.5], [1.5, 1.5], [4.0, 1.0]])
    assert round_slowdowns(pairs) == pytest.approx([1.0, 1.5, 2.0])


def test_the_bounds_are_one_sided_95_percent_t_bounds_of_the_log_slowdown():
    per_round = [1.10, 1.25, 1.18, 1.32]
    verdict = decide(pairs_from([[r] for r in per_round]), factor=1.2, final=True)
    logs = np.log(per_round)
    half = scipy_stats.t.ppf(0.95, len(logs) - 1) * logs.std(ddof=1) / math.sqrt(len(logs))
    assert verdict.low == pytest.approx(math.exp(logs.mean() - half))
    assert verdict.high == pytest.approx(math.exp(logs.mean() + half))
    assert verdict.slowdown == pytest.approx(math.exp(logs.mean()))
    # Its estimate is above 1.2, but a slow-down below 1.2 is not ruled out, nor proven.
    assert verdict.verdict == "UNDECIDED"
    assert decide(pairs_from([[r] for r in per_round]), 1.2, final=False).verdict == "running"


@pytest.mark.parametrize(
    "per_round, verdict",
    [
        ([1.01, 0.98, 1.03, 0.99], "ok"),
        ([1.52, 1.47, 1.55, 1.49], "REGRESSED"),
        ([0.66, 0.69, 0.65, 0.70], "improved"),
        ([1.10, 1.12, 1.09, 1.11], "ok"),  # slower, but proven below the threshold
    ],
)
def test_the_verdict_follows_the_bounds(per_round, verdict):
    assert decide(pairs_from([[r] for r in per_round]), 1.2, final=True).verdict == verdict


def test_one_round_cannot_bound_anything():
    assert decide(pairs_from([[3.0]]), 1.2, final=True).verdict == "UNDECIDED"


def test_fights_only_one_revision_ran_cannot_be_paired():
    with pytest.raises(HarnessError, match="base and head ran different fights \\(moons--seed1\\)"):
        pair_round(0, {("moons", 0): 0.1, ("moons", 1): 0.2}, {("moons", 0): 0.3})
    good = pair_round(2, {("digits-wide", 1): 0.2}, {("digits-wide", 1): 0.3})
    assert good == [Pair(2, "digits-wide", 1, 0.2, 0.3)]


@pytest.mark.parametrize(
    "options, message",
    [
        ({"factor": 1.0}, "--speed-factor must be a number > 1, got 1.0"),
        ({"min_rounds": 1}, "--rounds 1..10: need 2 <= min <= max"),
        ({"min_rounds": 5, "max_rounds": 4}, "--rounds 5..4"),
        ({"slow_head": 0.5}, "--slow-head must be a factor >= 1, got 0.5"),
    ],
)
def test_settings_refuse_a_gate_that_cannot_decide(tmp_path, options, message):
    with pytest.raises(HarnessError, match=message.replace(".", "\\.")):
        Settings(suite=tmp_path, work_dir=tmp_path, cache_dir=tmp_path, **options)


def test_the_slowed_david_computes_exactly_davids_numbers():
    x, y = make_moons(200, noise=0.2, random_state=0)
    y = y.reshape(-1, 1)
    optimizer = {"name": "sgd", "learning_rate": 0.01}
    david = Network(MOONS_ARTICLE_NETWORK, optimizer=optimizer, seed=3)
    slowed = SlowedNetwork(MOONS_ARTICLE_NETWORK, optimizer=optimizer, seed=3, slowdown=1.5)
    losses = [net.fit(x, y, epochs=3, batch_size=32).loss for net in (david, slowed)]
    assert losses[0] == losses[1]
    np.testing.assert_array_equal(david.get_flat_weights(), slowed.get_flat_weights())
    with pytest.raises(ValueError, match="slowdown must be a factor >= 1, got 0.5"):
        SlowedNetwork(MOONS_ARTICLE_NETWORK, slowdown=0.5)


def test_the_slowed_david_is_chosen_only_by_the_flag(tmp_path, monkeypatch, capsys):
    """Issue 20: `run --slow-david` names this run's David explicitly (in the suite's fighters);
    it used to set an environment variable that swapped David in every later run of the
    process, and that any shell could set by accident."""
    monkeypatch.setenv("BENCH_SLOW_DAVID", "2")  # the variable it used to read: no effect now
    assert fighter_config("david").model == "numpy_nn:Network"
    suite = tmp_path / "one.toml"
    suite.write_text(
        '[defaults]\nseeds = 1\nfighters = ["david"]\nepochs = 1\n[[case]]\nname = "moons"\n'
        'dataset = "moons"\ndataset_params = { n_samples = 100 }\nhidden = [4]\n'
    )
    fingerprints = {}
    for name, flags in (("plain", []), ("slowed", ["--slow-david", "1"]), ("after", [])):
        out = tmp_path / name
        args = ["run", str(suite), "--out", str(out), "--cache-dir", str(tmp_path / "c")]
        assert main([*args, "--no-report", *flags]) == 0, capsys.readouterr().err
        fingerprints[name] = read_json(out / "cases" / "moons--seed0.json")["config_fingerprint"]
    # The slowed David's code is another fighter version; the run after it is David's again.
    assert fingerprints["slowed"] != fingerprints["plain"] == fingerprints["after"]
    assert fighter_config("keras").model == "keras_ref:KerasNetwork"


def test_run_refuses_a_speed_up_for_a_slow_down(capsys):
    assert main(["run", "quick", "--slow-david", "0.5"]) == 2
    assert "--slow-david must be a factor >= 1, got 0.5" in capsys.readouterr().err


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", message)
    return resolve(repo, "HEAD")


@pytest.fixture()
def history(tmp_path):
    """A repository: main with commits a, b; a branch `feature` from a with commits c, d."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    shutil.copy(ROOT / "pyproject.toml", repo / "pyproject.toml")
    names = {}
    for name in "ab":
        (repo / "file.txt").write_text(name)
        names[name] = commit(repo, name)
    git(repo, "checkout", "-q", "-b", "feature", names["a"])
    for name in "cd":
        (repo / "file.txt").write_text(name)
        names[name] = commit(repo, name)
    return repo, names


def test_the_default_base_is_the_parent_on_main_and_the_fork_on_a_branch(history, monkeypatch):
    monkeypatch.delenv("GITHUB_BASE_REF", raising=False)
    repo, names = history
    assert default_base(repo) == names["a"]  # feature forked from main at a
    git(repo, "checkout", "-q", "main")
    assert default_base(repo) == names["a"]  # on main: b's parent
    monkeypatch.setenv("GITHUB_BASE_REF", "main")  # a pull request into main
    git(repo, "checkout", "-q", "feature")
    assert default_base(repo) == names["a"]


def test_a_revision_is_checked_out_beside_and_removed_after(history):
    repo, names = history
    with checked_out(repo, names["a"], repo) as revision:
        assert revision.describe() == names["a"][:12]
    with checked_out(repo, "main", repo) as revision:
        assert revision.commit == names["b"]
        assert revision.describe() == f"main ({names['b'][:12]})"
        assert (revision.tree / "file.txt").read_text() == "b"
        assert (repo / "file.txt").read_text() == "d"  # the working tree is left alone
        tree = revision.tree
    assert not tree.exists()
    assert str(tree) not in git(repo, "worktree", "list")
    with checked_out(repo, WORKING_TREE, repo) as revision:
        assert (revision.tree, revision.commit, revision.changed) == (repo, names["d"], False)
    (repo / "file.txt").write_text("d, edited")
    with checked_out(repo, WORKING_TREE, repo) as revision:
        assert revision.describe() == f"WORKTREE ({names['d'][:12]} + changes)"
    with (
        pytest.raises(HarnessError, match="unknown revision 'nope': give a commit"),
        checked_out(repo, "nope", repo),
    ):
        pass


def test_the_same_dependencies_share_this_interpreter(tmp_path):
    for name in ("base", "head"):
        (tmp_path / name).mkdir()
        shutil.copy(ROOT / "pyproject.toml", tmp_path / name / "pyproject.toml")
    assert python_for(tmp_path / "base", tmp_path / "head") == sys.executable
    with pytest.raises(HarnessError, match="has no pyproject.toml"):
        python_for(tmp_path, tmp_path / "head")


def test_an_interpreter_that_satisfies_other_dependencies_is_shared(tmp_path):
    (tmp_path / "head").mkdir()
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "head" / "pyproject.toml")
    base = tmp_path / "base"
    base.mkdir()
    # An older revision that declared fewer dependencies: this environment serves it too.
    (base / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["numpy>=1.26"]\n')
    assert python_for(base, tmp_path / "head") == sys.executable


def test_unmet_requirements_name_what_is_missing_or_out_of_range():
    assert unmet_requirements((ROOT / "pyproject.toml").read_bytes()) == []
    numpy_version = importlib.metadata.version("numpy")
    declared = (
        '[project]\nname = "x"\ndependencies = ["numpy<1", "no-such-package-xyz>=1", '
        "\"scipy; python_version < '3'\"]\n"
    )
    assert unmet_requirements(declared.encode()) == [
        f"numpy<1 (installed: {numpy_version})",
        "no-such-package-xyz>=1 (not installed)",
    ]


def test_continuous_names_a_bad_revision(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["continuous", "no-such-rev", "--out", str(tmp_path)]) == 2
    assert "unknown revision 'no-such-rev'" in capsys.readouterr().err
    assert main(["continuous", "HEAD", "--rounds", "x", "--out", str(tmp_path)]) == 2
    assert "--rounds 'x': give N or MIN..MAX" in capsys.readouterr().err


TINY_SUITE = """
[suite]
name = "tiny-gate"
description = "two short fights for the continuous test"
[defaults]
seeds = 1
fighters = ["david"]
[[case]]
name = "moons"
dataset = "moons"
hidden = [25, 50, 50, 25]
epochs = 20
[[case]]
name = "digits"
dataset = "digits"
hidden = [128, 128]
epochs = 5
"""


@pytest.fixture(scope="module")
def project_repo(tmp_path_factory):
    """This project as a repository of three commits: start, an unchanged one, a slowed one."""
    repo = tmp_path_factory.mktemp("project") / "repo"
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in files:
        if (ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    (repo / "tiny-gate.toml").write_text(TINY_SUITE)
    git(repo, "init", "-q", "-b", "main")
    commits = {"start": commit(repo, "start")}
    (repo / "README.md").write_text((repo / "README.md").read_text() + "\nA word more.\n")
    commits["unchanged"] = commit(repo, "a change that does not touch David's speed")
    roster = repo / "bench" / "fighters" / "roster.py"
    source = roster.read_text()
    assert source.count('"numpy_nn:Network",') == 1
    roster.write_text(
        source.replace(
            '"numpy_nn:Network",',
            '"bench.fighters.slowed:SlowedNetwork",\n            options={"slowdown": 2.0},',
        )
    )
    commits["slowed"] = commit(repo, "David twice as slow")
    return repo, commits


def continuous(repo: Path, base: str, head: str, out: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "bench", "continuous", base, head]
    command += ["--suite", "tiny-gate.toml", "--rounds", "3..6", "--out", str(out)]
    command += ["--cache-dir", str(out.parent / "cache")]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True)


@pytest.mark.slow
def test_continuous_passes_an_unchanged_commit(project_repo, tmp_path):
    repo, commits = project_repo
    done = continuous(repo, commits["start"], commits["unchanged"], tmp_path / "out")
    assert f"base {commits['start'][:12]}  vs  head {commits['unchanged'][:12]}\n" in done.stdout
    answer = (tmp_path / "out" / "continuous.txt").read_text().splitlines()[-1]
    if was_busy(done.stdout):
        # A busy runner may measure noise, never fail CI: ok, a noisy "improved", or TOO BUSY.
        assert done.returncode in (0, 3), done.stdout + done.stderr
        assert answer in ("verdict: ok", "verdict: improved", "verdict: TOO BUSY")
    else:
        assert done.returncode == 0, done.stdout + done.stderr
        assert answer == "verdict: ok"
    assert sorted(p.name for p in (tmp_path / "out").glob("round00-*")) == [
        "round00-base",
        "round00-base.log",
        "round00-head",
        "round00-head.log",
    ]


@pytest.mark.slow
def test_continuous_fails_a_commit_that_makes_david_twice_as_slow(project_repo, tmp_path):
    repo, commits = project_repo
    done = continuous(repo, commits["unchanged"], commits["slowed"], tmp_path / "out")
    if was_busy(done.stdout) and done.returncode == 3:
        return  # too busy to tell is said as such (exit 3), never passed as ok
    assert done.returncode == 1, done.stdout + done.stderr
    assert "verdict: REGRESSED" in done.stdout
    slowdown = float(done.stdout.split("slow-down x")[1].split(":")[0])
    if not was_busy(done.stdout):
        assert 1.7 < slowdown < 2.3  # the commit made every epoch twice as long


def was_busy(output: str) -> bool:
    """Whether the gate saw the machine busy (its load line: load above 1.5 x the cores)."""
    match = re.search(r"load average up to ([\d.]+) on (\d+) cores", output)
    return bool(match) and float(match.group(1)) > 1.5 * int(match.group(2))


def test_the_gate_check_counts_every_failure_of_ci_as_an_alarm():
    from bench.studies.gate_check import rates

    table = pd.DataFrame(
        {
            "slow_head": [1.0] * 20 + [1.5] * 20,
            "verdict": ["ok"] * 19 + ["UNDECIDED"] + ["REGRESSED"] * 19 + ["ok"],
            "slowdown": [1.0] * 20 + [1.45] * 20,
            "rounds": [4] * 40,
            "seconds": [60.0] * 40,
        }
    )
    summary = rates(table).set_index("head's David")
    assert summary.loc["unchanged", "gate failed"] == 1
    assert summary.loc["unchanged", "measured"] == "5%"
    low, high = wilson_interval(1, 20)  # the textbook case is checked in test_stats.py
    assert summary.loc["unchanged", "95% interval"] == f"{low:.0%}-{high:.0%}"
    assert summary.loc["x1.5 slower", "gate failed"] == 19
    assert summary.loc["x1.5 slower", "slow-down measured (median)"] == "x1.450"


def test_a_second_job_waits_for_the_environment_another_is_building(tmp_path, monkeypatch):
    """Issue 20: two CI jobs on one checkout wanting the same environment: the second deleted
    the first's half-built one (as a stale leftover) and built its own. Now it waits for the
    build's lock, then uses the finished environment."""
    import fcntl
    import hashlib
    import threading

    monkeypatch.setenv("PIP_NO_INDEX", "1")  # were it to build after all: never ask an index
    reference, tree = tmp_path / "head", tmp_path / "base"
    for folder, needs in ((reference, "numpy"), (tree, "surely-not-installed-package>=1")):
        folder.mkdir()
        (folder / "pyproject.toml").write_text(f'[project]\ndependencies = ["{needs}"]\n')
    digest = hashlib.sha256((tree / "pyproject.toml").read_bytes()).hexdigest()[:16]
    envs = reference / ".continuous-envs"
    envs.mkdir()
    building = envs / f"{digest}.building"
    (building / "bin").mkdir(parents=True)
    (building / "marker").write_text("the first job's build")
    answers = []
    with open(envs / f"{digest}.lock", "a") as lock:  # the first job, building
        fcntl.flock(lock, fcntl.LOCK_EX)
        second = threading.Thread(target=lambda: answers.append(python_for(tree, reference, False)))
        second.start()
        second.join(timeout=2)
        assert second.is_alive() and (building / "marker").exists()  # waiting, nothing deleted
        (building / "bin" / "python").symlink_to(sys.executable)
        building.rename(envs / digest)  # the first job's build finishes
    second.join(timeout=60)
    assert answers == [str(envs / digest / "bin" / "python")]
    assert (envs / digest / "marker").read_text() == "the first job's build"
