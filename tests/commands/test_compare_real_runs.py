"""`compare RUN_A RUN_B` and `compact` on real runs (David only: fast), issue 22."""

import json

import pytest

from bench.cli import main

pytestmark = pytest.mark.slow  # three real runs: about 30 s on a loaded 2-core machine

SUITE = """\
[suite]
name = "{name}"

[defaults]
fighters = ["david"]
seeds = 2
epochs = 3
dtype = "float64"

[[case]]
name = "{case}"
dataset = "moons"
dataset_params = {{ n_samples = 120 }}
hidden = [4]
optimizer = {{ name = "sgd", learning_rate = 0.1 }}
"""


def real_run(tmp_path, out, name="pair", case="a"):
    suite = tmp_path / f"{name}.toml"
    suite.write_text(SUITE.format(name=name, case=case))
    words = [
        "run",
        str(suite),
        "--out",
        str(tmp_path / out),
        "--cache-dir",
        str(tmp_path / "cache"),
    ]
    assert main([*words, "--no-report"]) == 0
    return tmp_path / out


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two runs of one suite, and a run of another suite with another case, made once."""
    folder = tmp_path_factory.mktemp("runs")
    return {
        "a": real_run(folder, "a"),
        "b": real_run(folder, "b"),
        "other": real_run(folder, "other", name="elsewhere", case="z"),
    }


def test_two_real_runs_of_one_suite_compare_clean_and_their_records_too(runs, tmp_path, capsys):
    a, b = runs["a"], runs["b"]
    capsys.readouterr()
    assert main(["compare", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    accuracy = next(line for line in out.splitlines() if "test accuracy" in line)
    assert " same " in accuracy  # same seeds, same machine: David's numbers are identical
    assert "0 regressed" in out
    assert main(["compact", str(b), "--out", str(tmp_path / "b-compact")]) == 0
    record = json.loads((tmp_path / "b-compact" / "run.json").read_text())
    assert record["compact"] is True and record["run_id"] == "b"
    capsys.readouterr()
    assert main(["compare", str(b), str(tmp_path / "b-compact"), "--differences-only"]) == 0
    assert "no differences" in capsys.readouterr().out


def test_real_runs_of_different_suites_with_no_case_in_common_exit_2(runs, capsys):
    a, other = runs["a"], runs["other"]
    capsys.readouterr()
    assert main(["compare", str(a), str(other)]) == 2
    err = capsys.readouterr().err
    assert "(suite 'pair', cases a)" in err and "(suite 'elsewhere', cases z)" in err
    assert "have no case in common" in err
