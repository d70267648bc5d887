"""A run records its commit's date and parents, so the site can order runs by commit."""

import os
import subprocess
from datetime import datetime

from bench.run.environment import describe_environment, git_commit_history


def _git(repo, *args, date="2026-03-04T05:06:07+02:00"):
    env = {**os.environ, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date}
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    return subprocess.run(
        ["git", *identity, *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def test_the_commit_date_and_parents_of_a_real_repository(tmp_path):
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "commit", "-q", "--allow-empty", "-m", "first", date="2026-03-01T00:00:00Z")
    first = _git(tmp_path, "rev-parse", "HEAD")
    _git(tmp_path, "commit", "-q", "--allow-empty", "-m", "second")
    history = git_commit_history(tmp_path)
    assert history == {"git_commit_date": "2026-03-04T05:06:07+02:00", "git_parents": [first]}


def test_the_first_commit_has_no_parents_and_a_folder_outside_git_gives_nothing(tmp_path):
    repo, elsewhere = tmp_path / "repo", tmp_path / "elsewhere"
    repo.mkdir(), elsewhere.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "commit", "-q", "--allow-empty", "-m", "root")
    assert git_commit_history(repo)["git_parents"] == []
    assert git_commit_history(elsewhere) == {}


def test_the_environment_of_a_run_carries_them():
    environment = describe_environment()  # of this repository's checkout
    assert datetime.fromisoformat(environment["git_commit_date"]).tzinfo is not None
    assert len(environment["git_parents"]) >= 1
