"""Regression tracking: compare on hand-made result sets, and a deliberately broken David."""

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bench.cli import main
from bench.files import write_json
from bench.plan.suite import load_suite
from bench.run.progress import Progress
from bench.run.runner import run_suite
from bench.store.history import append_history, read_history
from bench.store.run_folder import load_run, write_case_result
from result_factory import case_result, fighter

ROOT = Path(__file__).resolve().parents[2]


def make_run(run_dir, accuracies, david_epoch=0.01, keras_epoch=0.1, parity=None, name="moons"):
    """A run of one fair case: one seed per accuracy; epoch times may differ per seed."""
    david_epochs = david_epoch if isinstance(david_epoch, list) else [david_epoch] * len(accuracies)
    write_json(
        run_dir / "run.json",
        {"run_id": run_dir.name, "suite": {"name": "hand"}, "case_names": [name]},
    )
    for seed, (accuracy, per_epoch) in enumerate(zip(accuracies, david_epochs, strict=True)):
        result = case_result(
            name,
            seed,
            run_id=run_dir.name,
            david=fighter(
                test_correct=round(accuracy * 1000), n_test=1000, epoch_seconds=[per_epoch] * 5
            ),
            keras=fighter(test_correct=950, n_test=1000, epoch_seconds=[keras_epoch] * 5),
        )
        if parity is not None:
            result["parity"]["keras"]["max_loss_difference"] = parity
        write_case_result(run_dir, result)
    return run_dir


def compare(tmp_path, baseline_run, current_run, capsys, *extra):
    baseline = tmp_path / "baseline.json"
    assert main(["baseline", str(baseline_run), "--out", str(baseline)]) == 0
    code = main(["compare", str(current_run), "--baseline", str(baseline), *extra])
    return code, capsys.readouterr().out


def verdict_of(output, metric, case="moons"):
    rows = [line for line in output.splitlines() if line.strip().startswith(case)]
    line = next(line for line in rows if metric in line)
    return "REGRESSED" if "REGRESSED" in line else "improved" if "improved" in line else "ok"


def test_accuracy_drop_beyond_the_interval_regresses(tmp_path, capsys):
    base = make_run(tmp_path / "base", [0.95, 0.96, 0.95])
    now = make_run(tmp_path / "now", [0.85, 0.86, 0.84])
    code, out = compare(tmp_path, base, now, capsys)
    assert code == 1 and verdict_of(out, "David test accuracy") == "REGRESSED"
    assert "-0.1033" in out and "1 regressed" in out


def test_small_accuracy_drop_within_noise_is_ok(tmp_path, capsys):
    base = make_run(tmp_path / "base", [0.95, 0.96, 0.94])
    now = make_run(tmp_path / "now", [0.948, 0.955, 0.945])
    code, out = compare(tmp_path, base, now, capsys)
    assert code == 0 and verdict_of(out, "David test accuracy") == "ok"


def test_noisy_seeds_widen_the_interval(tmp_path, capsys):
    """A 3-point drop is within noise when the seeds themselves spread by 10 points."""
    base = make_run(tmp_path / "base", [0.80, 0.95, 0.90])
    now = make_run(tmp_path / "now", [0.78, 0.92, 0.86])
    code, out = compare(tmp_path, base, now, capsys)
    assert code == 0 and verdict_of(out, "David test accuracy") == "ok"


def test_speed_ratio_twice_as_bad_in_every_seed_regresses(tmp_path, capsys):
    base = make_run(tmp_path / "base", [0.95] * 3, david_epoch=[0.010, 0.011, 0.009])
    now = make_run(tmp_path / "now", [0.95] * 3, david_epoch=[0.020, 0.021, 0.019])
    code, out = compare(tmp_path, base, now, capsys)
    assert code == 1 and verdict_of(out, "David speed-up") == "REGRESSED"
    # 3 against 3 values cannot reach p < 0.05 by Mann-Whitney: the intervals decide, and say so.
    assert "x2.00" in out and "3 vs 3 values cannot reach p < 0.05" in out and "apart" in out


def test_without_the_speed_gate_a_slower_david_is_shown_but_passes(tmp_path, capsys):
    base = make_run(tmp_path / "base", [0.95] * 3, david_epoch=[0.010, 0.011, 0.009])
    now = make_run(tmp_path / "now", [0.95] * 3, david_epoch=[0.020, 0.021, 0.019])
    code, out = compare(tmp_path, base, now, capsys, "--no-speed-gate")
    assert code == 0 and "(REGRESSED, not gated)" in out and "x2.00" in out
    assert "0 regressed, 2 ok or improved, 1 speed rows shown, not gated" in out


def test_noisy_speed_ratio_within_the_factor_is_ok(tmp_path, capsys):
    base = make_run(tmp_path / "base", [0.95] * 3, david_epoch=[0.010, 0.011, 0.009])
    now = make_run(tmp_path / "now", [0.95] * 3, david_epoch=[0.009, 0.014, 0.012])
    code, out = compare(tmp_path, base, now, capsys)
    assert code == 0 and verdict_of(out, "David speed-up") == "ok"


def test_speed_factor_is_configurable(tmp_path, capsys):
    # 5 against 5 values: Mann-Whitney can reject (p down to 1/252).
    base = make_run(tmp_path / "base", [0.95] * 5, david_epoch=[0.010, 0.011, 0.009, 0.010, 0.0105])
    now = make_run(tmp_path / "now", [0.95] * 5, david_epoch=[0.013, 0.014, 0.0125, 0.013, 0.0135])
    assert compare(tmp_path, base, now, capsys)[0] == 0  # x1.3 is within the default 1.5
    code, out = compare(tmp_path, base, now, capsys, "--speed-factor", "1.2")
    assert code == 1 and verdict_of(out, "David speed-up") == "REGRESSED"
    # A perfect separation; with the tied 0.010 s epochs scipy's normal approximation gives
    # 0.00583 rather than the exact 1/252.
    assert "one-sided Mann-Whitney p=0.00583" in out


def test_three_seeds_against_three_that_overlap_are_undecided(tmp_path, capsys):
    base = make_run(tmp_path / "base", [0.95] * 3, david_epoch=[0.010, 0.011, 0.009])
    now = make_run(tmp_path / "now", [0.95] * 3, david_epoch=[0.013, 0.014, 0.0125])
    code, out = compare(tmp_path, base, now, capsys, "--speed-factor", "1.2")
    assert code == 0 and verdict_of(out, "David speed-up") == "ok"
    assert "3 vs 3 values cannot reach p < 0.05: 95% t-intervals of log speed-ups overlap" in out


def test_parity_break_regresses(tmp_path, capsys):
    base = make_run(tmp_path / "base", [0.95] * 3)
    now = make_run(tmp_path / "now", [0.95] * 3, parity=3e-6)
    code, out = compare(tmp_path, base, now, capsys)
    assert code == 1 and verdict_of(out, "parity") == "REGRESSED"


def test_missing_case_regresses(tmp_path, capsys):
    base = make_run(tmp_path / "base", [0.95] * 2)
    now = make_run(tmp_path / "now", [0.95] * 2, name="circles")
    code, out = compare(tmp_path, base, now, capsys)
    assert code == 1 and "the baseline case was not run" in out


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("garbage-baseline", "baseline.json: not valid JSON"),
        ("foreign-baseline", "baseline.json: not a baseline file"),
        ("old-schema", "schema_version 0 is not supported"),
        ("missing-run", "nowhere: no such run folder"),
        ("bad-baseline-value", "case 'moons': 'david_test_accuracy' must hold one number"),
    ],
)
def test_unusable_input_exits_2_with_a_clear_message(tmp_path, capsys, setup, message):
    run = make_run(tmp_path / "run", [0.95] * 2)
    baseline = tmp_path / "baseline.json"
    assert main(["baseline", str(run), "--out", str(baseline)]) == 0
    if setup == "garbage-baseline":
        baseline.write_text("{not json")
    elif setup == "foreign-baseline":
        write_json(baseline, {"hello": 1})
    elif setup == "old-schema":
        text = baseline.read_text().replace('"schema_version": 3', '"schema_version": 0')
        baseline.write_text(text)
    elif setup == "missing-run":
        run = tmp_path / "nowhere"
    else:
        text = baseline.read_text()
        baseline.write_text(
            text.replace(
                '"david_test_accuracy": [\n    0.95', '"david_test_accuracy": [\n    "0.95"', 1
            )
        )
    capsys.readouterr()
    assert main(["compare", str(run), "--baseline", str(baseline)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_history_gets_one_row_per_case_per_run(tmp_path):
    history = tmp_path / "history.csv"
    append_history(load_run(make_run(tmp_path / "a", [0.95, 0.97])), history)
    append_history(load_run(make_run(tmp_path / "b", [0.90, 0.92])), history)
    table = read_history(history)
    assert list(table["case"]) == ["moons", "moons"]
    assert list(table["opponent"]) == ["keras", "keras"]
    assert list(table["david_test_accuracy"].round(3)) == [0.96, 0.91]
    assert list(table["david_speedup"].round(3)) == [10.0, 10.0]  # 0.1 s epochs over 0.01 s


def test_history_written_before_the_speedup_is_read_as_speedups(tmp_path):
    history = tmp_path / "history.csv"
    history.write_text(
        "date,commit,run_id,suite,case,seeds,david_test_accuracy,time_ratio,"
        "parity_max_loss_difference\n2026-11-20,aaaaaaa1,run-a,quick,moons,3,0.95,0.08,1e-16\n"
    )
    table = read_history(history)
    assert table.loc[0, "david_speedup"] == pytest.approx(12.5)  # 1 / 0.08
    assert table.loc[0, "opponent"] == "goliath"


BROKEN_SUITE = """
[suite]
name = "tiny-regress"

[defaults]
fighters = ["david", "keras"]
seeds = 3
epochs = 15
batch_size = 32
dtype = "float64"

[[case]]
name = "moons"
dataset = "moons"
dataset_params = { n_samples = 300, noise = 0.1 }
hidden = [16]
optimizer = { name = "sgd", learning_rate = 0.1, momentum = 0.9 }
"""


@pytest.mark.slow
def test_a_deliberately_broken_david_is_caught(tmp_path, capsys):
    """Baseline from healthy code; then a copy of the code whose SGD steps uphill: accuracy and
    parity regress. The broken copy runs as its own `python -m bench` process, so every worker
    it starts imports the broken numpy_nn, as a real change would."""
    suite_path = tmp_path / "suite.toml"
    suite_path.write_text(textwrap.dedent(BROKEN_SUITE))
    suite = load_suite(suite_path)
    healthy, broken = tmp_path / "healthy", tmp_path / "broken"
    run_suite(suite, healthy, suite.cases, Progress(0), cache_dir=tmp_path / "cache")

    tree = tmp_path / "tree"
    for package in ("numpy_nn", "keras_ref", "bench"):
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    optimizers = tree / "numpy_nn" / "optimizers.py"
    correct = "m -= grad  # m = m * mu - g * lr"
    assert correct in optimizers.read_text()
    optimizers.write_text(optimizers.read_text().replace(correct, "m += grad  # uphill"))
    args = ["run", str(suite_path), "--out", str(broken), "--cache-dir", str(tmp_path / "cache")]
    subprocess.run(
        [sys.executable, "-m", "bench", *args, "--no-report"], cwd=tree, check=True, timeout=900
    )

    code, out = compare(tmp_path, healthy, broken, capsys)
    assert code == 1
    assert verdict_of(out, "David test accuracy") == "REGRESSED"
    assert verdict_of(out, "parity") == "REGRESSED"
    # and the healthy run against its own baseline is clean
    assert compare(tmp_path, healthy, healthy, capsys)[0] == 0


def test_baseline_pools_the_seeds_of_several_runs(tmp_path, capsys):
    first = make_run(tmp_path / "first", [0.95] * 3, david_epoch=[0.010, 0.011, 0.009])
    second = make_run(tmp_path / "second", [0.95] * 3, david_epoch=[0.012, 0.010, 0.011])
    baseline = tmp_path / "baseline.json"
    assert main(["baseline", str(first), str(second), "--out", str(baseline)]) == 0
    pooled = json.loads(baseline.read_text())
    assert pooled["run_ids"] == ["first", "second"]
    # 0.1 s Keras epochs over David's 0.010, 0.011, 0.009, then 0.012, 0.010, 0.011 s: every
    # timing counts; the accuracy of a seed counts once, however many runs saw it.
    assert pooled["cases"]["moons"]["speedup"] == [10.0, 9.091, 11.11, 8.333, 10.0, 9.091]
    assert pooled["cases"]["moons"]["seeds"] == [0, 1, 2]
    assert pooled["cases"]["moons"]["david_test_accuracy"] == [0.95, 0.95, 0.95]
    slower = make_run(tmp_path / "slower", [0.95] * 3, david_epoch=[0.020, 0.021, 0.019])
    capsys.readouterr()
    assert main(["compare", str(slower), "--baseline", str(baseline)]) == 1
    out = capsys.readouterr().out
    assert verdict_of(out, "David speed-up") == "REGRESSED" and "p=0.0134" in out


def test_accuracy_and_speed_improvements_are_reported(tmp_path, capsys):
    base = make_run(tmp_path / "base", [0.85, 0.86, 0.84], david_epoch=[0.020, 0.021, 0.019])
    now = make_run(tmp_path / "now", [0.95, 0.96, 0.95], david_epoch=[0.010, 0.011, 0.009])
    code, out = compare(tmp_path, base, now, capsys)
    assert code == 0
    assert verdict_of(out, "David test accuracy") == "improved"
    assert verdict_of(out, "David speed-up") == "improved"
    assert "x0.50" in out and "0 regressed" in out
