"""The house's arrows hold: import-linter's contracts (pyproject.toml) pass, and they can fail."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}
    command = [str(LINT_IMPORTS), "--no-cache"]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)


def test_every_contract_is_kept():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_stored_results_importing_a_runner_break_the_layers(tmp_path):
    copy = tmp_path / "repo"
    for name in ("bench", "numpy_nn", "keras_ref", "pyproject.toml"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    records = copy / "bench" / "store" / "records.py"
    records.write_text(records.read_text() + "\nfrom bench.run import pool  # noqa\n")
    done = lint_imports(copy)
    assert done.returncode == 1
    assert "Stored results and the judging never import fighters or runners BROKEN" in done.stdout
    assert "bench.store.records -> bench.run.pool" in done.stdout
