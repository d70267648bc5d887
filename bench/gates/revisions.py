"""Two revisions of this repository side by side: which to compare, their trees, their Python.

`continuous` measures a base revision against a head (by default the working tree) in one job.
Each revision other than the working tree is checked out into a git worktree of its own; both
run under this interpreter when it satisfies the dependencies the revision declares (always so
when they are the same), otherwise the revision gets an environment of its own, built once per
dependency set and kept for the next time.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from bench.errors import HarnessError

WORKING_TREE = "WORKTREE"  # HEAD's default: the files as they are now, committed or not
MAIN_BRANCHES = ("main", "origin/main")
ENVIRONMENTS_DIR = Path(".continuous-envs")  # in the repository, ignored by git


@dataclass(frozen=True)
class Revision:
    """A revision ready to run: its name as given, its commit, its files and its interpreter."""

    name: str
    commit: str  # the full hash; the working tree's is HEAD's
    tree: Path
    python: str
    changed: bool = False  # the working tree only: it has uncommitted changes

    def describe(self) -> str:
        """How a report names it: `name (abcdef123456)`, with `+ changes` when uncommitted;
        a revision given as its hash is named by the hash alone."""
        short = self.commit[:12] + (" + changes" if self.changed else "")
        return short if self.commit.startswith(self.name) else f"{self.name} ({short})"


def git(repo: Path, *words: str) -> str:
    """Run a git command in `repo` and return its output; a HarnessError says what failed."""
    try:
        done = subprocess.run(["git", *words], cwd=repo, capture_output=True, text=True)
    except OSError as err:
        raise HarnessError(f"cannot run git ({err}): continuous needs git") from err
    if done.returncode:
        raise HarnessError(f"git {' '.join(words)} failed in {repo}: {done.stderr.strip()}")
    return done.stdout.strip()


def uncommitted(repo: Path) -> bool:
    """Whether tracked files differ from HEAD (untracked files do not count, as for git_commit)."""
    return bool(git(repo, "status", "--porcelain", "--untracked-files=no"))


def repository_root(start: Path) -> Path:
    """The top folder of the git repository holding `start`."""
    try:
        return Path(git(start, "rev-parse", "--show-toplevel"))
    except HarnessError as err:
        why = "`continuous` compares commits"
        raise HarnessError(f"{start} is not in a git repository: {why}") from err


def resolve(repo: Path, revision: str) -> str:
    """The full commit hash of `revision`, or a clear error naming it."""
    try:
        return git(repo, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except HarnessError:
        raise HarnessError(
            f"unknown revision {revision!r}: give a commit, branch or tag of {repo} "
            f"(or {WORKING_TREE} for the working tree)"
        ) from None


def default_base(repo: Path) -> str:
    """Where HEAD forked from main (a pull-request branch), or HEAD's first parent (on main)."""
    head = resolve(repo, "HEAD")
    target = os.environ.get("GITHUB_BASE_REF")  # set by GitHub on pull-request jobs
    for branch in (f"origin/{target}", target) if target else MAIN_BRANCHES:
        try:
            fork = git(repo, "merge-base", head, branch)
        except HarnessError:
            continue  # no such branch in this clone
        if fork != head:
            return fork
        break  # HEAD is on main (or behind it): the commit before
    try:
        return resolve(repo, "HEAD^1")
    except HarnessError:
        raise HarnessError(
            "HEAD has no parent to compare with; give BASE explicitly (a commit before HEAD)"
        ) from None


def _dependencies(tree: Path) -> bytes:
    """What an environment is made from: the revision's pyproject.toml, byte for byte."""
    path = tree / "pyproject.toml"
    if not path.is_file():
        raise HarnessError(f"{tree} has no pyproject.toml: is it this project at all?")
    return path.read_bytes()


def unmet_requirements(pyproject: bytes) -> list[str]:
    """The declared dependencies this interpreter does not satisfy (missing, or a version out
    of the declared range)."""
    from packaging.requirements import Requirement

    declared = tomllib.loads(pyproject.decode()).get("project", {}).get("dependencies", [])
    unmet = []
    for text in declared:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue  # not for this platform or Python
        try:
            version = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            unmet.append(f"{text} (not installed)")
            continue
        if not requirement.specifier.contains(version, prereleases=True):
            unmet.append(f"{text} (installed: {version})")
    return unmet


def python_for(tree: Path, reference: Path, progress: bool = True) -> str:
    """This interpreter when it satisfies `tree`'s declared dependencies (as it does when they
    are `reference`'s); otherwise that of an environment built from them (kept, by hash)."""
    wanted = _dependencies(tree)
    if wanted == _dependencies(reference):
        return sys.executable
    unmet = unmet_requirements(wanted)
    if not unmet:
        return sys.executable
    digest = hashlib.sha256(wanted).hexdigest()[:16]
    home = reference / ENVIRONMENTS_DIR / digest
    # Two jobs on one checkout (CI) may want the same environment: the second waits for the
    # first's build and uses it, instead of deleting it half-built as a stale one.
    with _held(home.with_name(digest + ".lock")):
        return _built(tree, home, unmet, progress)


@contextmanager
def _held(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` (flock), waited for; released when the block ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _built(tree: Path, home: Path, unmet: list[str], progress: bool) -> str:
    """The environment at `home`, built from `tree` unless it is there (the caller holds its
    lock)."""
    python = home / "bin" / "python"
    if python.exists():
        return str(python)
    if progress:
        print(
            f"{tree.name} needs {', '.join(unmet)}: building its environment in {home} (once)",
            flush=True,
        )
    building = home.with_name(home.name + ".building")  # a killed build's leftover, if any
    shutil.rmtree(building, ignore_errors=True)
    for command in (
        [sys.executable, "-m", "venv", str(building)],
        [str(building / "bin" / "python"), "-m", "pip", "install", "--quiet", str(tree)],
    ):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
            raise HarnessError(f"could not build the environment: {' '.join(command)}:\n{tail}")
    building.rename(home)  # only a finished environment is ever found by the next run
    return str(python)


@contextmanager
def checked_out(repo: Path, revision: str, reference: Path) -> Iterator[Revision]:
    """`revision` as a Revision; a commit gets a temporary git worktree, removed afterwards."""
    if revision == WORKING_TREE:
        yield Revision(revision, resolve(repo, "HEAD"), repo, sys.executable, uncommitted(repo))
        return
    commit = resolve(repo, revision)
    folder = Path(tempfile.mkdtemp(prefix=f"continuous-{commit[:12]}-"))
    git(repo, "worktree", "prune")  # forget worktrees of a run that was killed
    git(repo, "worktree", "add", "--detach", "--quiet", str(folder), commit)
    try:
        yield Revision(revision, commit, folder, python_for(folder, reference))
    finally:
        git(repo, "worktree", "remove", "--force", str(folder))
        shutil.rmtree(folder, ignore_errors=True)
