"""The runner on a tiny real suite: real datasets, real David, real Keras, real files."""

import json
import re
import textwrap

import numpy as np
import pandas as pd
import pytest

from bench.cli import main
from bench.plan.suite import SUITES_DIR, SuiteError, load_suite
from bench.run.progress import Progress
from bench.run.runner import run_suite, select_cases
from bench.store.run_folder import load_run, load_run_info, validate_case_result

TINY_SUITE = """
[suite]
name = "tiny"
description = "A few seconds of everything the runner does."

[defaults]
fighters = ["david", "keras", "sklearn"]
seeds = 2
epochs = 3
batch_size = 32
dtype = "float64"
target_accuracy = 0.6

[[case]]
name = "moons"
dataset = "moons"
dataset_params = { n_samples = 200 }
hidden = [8]
optimizer = { name = "sgd", learning_rate = 0.1 }

[[case]]
name = "iris-native"
dataset = "iris"
hidden = [6]
activation = "tanh"
mode = "native"
optimizer = { name = "adam", learning_rate = 0.01 }
david = { batch_size = "full", epochs = 5 }

[[case]]
name = "exploding"
dataset = "moons"
dataset_params = { n_samples = 200 }
hidden = [8]
output = "linear"
loss = "mean_squared_error"
init = "normal_scaled"
optimizer = { name = "sgd", learning_rate = 1000.0 }
epochs = 20
seeds = 1
"""


def write_suite(tmp_path, text=TINY_SUITE, name="tiny.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("run")
    suite = load_suite(write_suite(tmp))
    run_dir = tmp / "run"
    outcome = run_suite(suite, run_dir, suite.cases, Progress(0), cache_dir=tmp / "cache")
    return run_dir, outcome


@pytest.mark.slow
def test_every_fight_is_recorded_and_valid(tiny_run):
    run_dir, outcome = tiny_run
    assert outcome.finished == 5 and outcome.resumed == 0
    fights = load_run(run_dir).fights  # validates each against the schema
    assert [(f.case_name, f.seed) for f in fights] == [
        ("moons", 0),
        ("moons", 1),
        ("iris-native", 0),
        ("iris-native", 1),
        ("exploding", 0),
    ]
    run = load_run_info(run_dir)
    assert run["finished"] and run["environment"]["cores"] >= 1 and run["suite"]["name"] == "tiny"
    # The busiest moment of the run, as the system reports it (the report warns above 1.5 x cores).
    assert run["load_average_max"] > 0
    assert run["environment"]["cpu_vector_level"] in ("SSE", "AVX", "AVX2", "AVX-512")


@pytest.mark.slow
def test_summary_holds_every_fighters_numbers(tiny_run):
    run_dir, _ = tiny_run
    summary = pd.read_csv(run_dir / "summary.csv")
    assert len(summary) == 15  # 5 fights x 3 fighters
    for _, row in summary.iterrows():
        result = json.loads((run_dir / "cases" / f"{row.case}--seed{row.seed}.json").read_text())
        record = result["fighters"][row.fighter]
        assert row.status == record["status"]
        epochs = record["history"]["epoch_seconds"]
        assert row.median_epoch_ms == pytest.approx(np.median(epochs) * 1e3)
        if record["metrics"] is not None:
            assert row.test_accuracy == record["metrics"]["test_accuracy"]
    moons = summary[(summary.case == "moons") & (summary.seed == 0)].set_index("fighter")
    assert np.isnan(moons.loc["david", "david_speedup"])
    for opponent in ("keras", "sklearn"):
        assert moons.loc[opponent, "david_speedup"] == pytest.approx(
            moons.loc[opponent, "median_epoch_ms"] / moons.loc["david", "median_epoch_ms"]
        )


@pytest.mark.slow
def test_fair_fight_is_fair_and_in_parity(tiny_run):
    run_dir, _ = tiny_run
    result = json.loads((run_dir / "cases" / "moons--seed1.json").read_text())
    assert result["dataset"]["n_train"] == 180 and len(result["dataset"]["fingerprint"]) == 64
    david = result["fighters"]["david"]
    for opponent in ("keras", "sklearn"):  # both compute David's function: float64 parity
        assert result["fighters"][opponent]["status"] == "ok"
        assert result["parity"][opponent]["max_loss_difference"] < 1e-12
        assert result["parity"][opponent]["max_weight_difference"] < 1e-12
        assert result["parity"][opponent]["epochs_compared"] == 3
        theirs = result["fighters"][opponent]["metrics"]
        assert theirs["confusion_matrix"] == david["metrics"]["confusion_matrix"]
        assert theirs["test_loss"] == pytest.approx(david["metrics"]["test_loss"], abs=1e-12)
    assert david["train_seconds"] == pytest.approx(sum(david["history"]["epoch_seconds"]))
    assert david["metrics"]["n_test"] == 20 and len(result["test_points"]["y"]) == 20
    grid = np.array(david["decision_boundary"]["values"])
    assert grid.shape == (60, 60) and 0 <= grid.min() <= grid.max() <= 1


@pytest.mark.slow
def test_native_fight_uses_each_fighters_settings(tiny_run):
    run_dir, _ = tiny_run
    result = json.loads((run_dir / "cases" / "iris-native--seed0.json").read_text())
    assert result["parity"] is None and result["test_points"] is None
    assert result["fighters"]["david"]["epochs_run"] == 5
    assert result["fighters"]["keras"]["epochs_run"] == 3
    matrix = np.array(result["fighters"]["keras"]["metrics"]["confusion_matrix"])
    assert matrix.shape == (3, 3) and matrix.sum() == result["dataset"]["n_test"]
    assert result["fighters"]["david"]["decision_boundary"] is None


@pytest.mark.slow
def test_divergence_is_a_result(tiny_run):
    run_dir, _ = tiny_run
    result = json.loads((run_dir / "cases" / "exploding--seed0.json").read_text())
    for record in result["fighters"].values():
        assert record["status"] == "diverged"
        assert re.fullmatch(r"diverged at epoch \d+", record["reason"])
        assert record["epochs_run"] < 20 and record["history"]["loss"][-1] is None  # NaN -> null


@pytest.mark.slow
def test_an_interrupted_run_resumes(tmp_path):
    suite = load_suite(write_suite(tmp_path), seeds=1)
    cases = select_cases(suite, "moons,iris-native")
    run_dir = tmp_path / "run"
    run_suite(suite, run_dir, cases, Progress(0), cache_dir=tmp_path / "c")
    kept = (run_dir / "cases" / "moons--seed0.json").read_bytes()
    (run_dir / "cases" / "iris-native--seed0.json").write_text('{"half": ')  # torn write
    outcome = run_suite(suite, run_dir, cases, Progress(0), cache_dir=tmp_path / "c")
    assert (outcome.finished, outcome.resumed) == (1, 1)
    assert (run_dir / "cases" / "moons--seed0.json").read_bytes() == kept
    validate_case_result(json.loads((run_dir / "cases" / "iris-native--seed0.json").read_text()))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ('optimizer = { name = "sgd", learning_rate = 0.1 }', 'optimizer = { name = "sgdd" }'),
            "case 'moons': field 'optimizer': unknown optimizer 'sgdd'; choose one of sgd, "
            "rmsprop, adam",
        ),
        (
            ('dataset = "iris"', 'dataset = "irises"'),
            "case 'iris-native': field 'dataset': unknown dataset 'irises'; choose one of",
        ),
        (
            ('activation = "tanh"', 'activation = "tanhh"'),
            "case 'iris-native': field 'activation': unknown activation 'tanhh'; choose one of",
        ),
        (
            ("hidden = [6]", "hidden = [0]"),
            "case 'iris-native': field 'hidden': must be a list of positive layer sizes",
        ),
        (
            ('mode = "native"', 'mode = "unfair"'),
            "case 'iris-native': field 'mode': unknown mode 'unfair'; choose one of fair, native",
        ),
        (
            ("epochs = 20", "epochs = -1"),
            "case 'exploding': field 'epochs': must be a positive integer, got -1",
        ),
        (
            (
                'david = { batch_size = "full", epochs = 5 }',
                "david = { batch_size = 'half' }",
            ),
            "case 'iris-native': field 'david.batch_size': must be a positive integer",
        ),
        (("seeds = 1", "seedz = 1"), "case 'exploding': unknown field(s) ['seedz']"),
        (
            ('init = "normal_scaled"', 'init = "xavier"'),
            "case 'exploding': field 'init': unknown init 'xavier'; choose one of glorot_uniform",
        ),
        (
            (
                "dataset_params = { n_samples = 200 }\nhidden = [8]\noptimizer",
                "dataset_params = { n_samples = 200, nosie = 1 }\nhidden = [8]\noptimizer",
            ),
            "case 'moons': field 'dataset': unknown parameter 'nosie' for dataset 'moons'",
        ),
        (
            ('mode = "native"', 'mode = "fair"'),
            "case 'iris-native': field 'david': per-fighter overrides need mode = 'native'",
        ),
        (("[[case]]", "[[case]"), "not valid TOML"),
    ],
)
def test_a_bad_suite_file_names_file_case_and_field(tmp_path, edit, message):
    old, new = edit
    assert old in TINY_SUITE
    path = write_suite(tmp_path, TINY_SUITE.replace(old, new, 1))
    with pytest.raises(SuiteError, match=re.escape(message)) as caught:
        load_suite(path)
    assert str(caught.value).startswith(str(path))


def test_cli_reports_bad_input_with_exit_2(tmp_path, capsys):
    assert main(["run", "no-such-suite"]) == 2
    known = ", ".join(sorted(path.stem for path in SUITES_DIR.glob("*.toml")))
    assert f"unknown suite 'no-such-suite'; choose one of {known}, or a .toml path\n" in (
        capsys.readouterr().err
    )
    assert "gate, quick" in known
    path = write_suite(tmp_path)
    assert main(["run", str(path), "--cases", "nothing*", "--out", str(tmp_path / "r")]) == 2
    assert "--cases 'nothing*' matches no case of suite 'tiny'" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()  # nothing written for unusable input


def test_shipped_suites_parse():
    for name in ("quick", "article", "full"):
        suite = load_suite(name)
        assert suite.cases and all(case.seeds for case in suite.cases)
    article = {case.name: case for case in load_suite("article").cases}
    native = article["article-native"].fighters
    assert (native["david"].epochs, native["david"].batch_size) == (10000, None)
    assert (native["keras"].epochs, native["keras"].batch_size) == (200, 32)


def test_a_seed_whose_data_cannot_be_built_is_recorded_and_summarised(tmp_path):
    missing = tmp_path / "missing.csv"
    suite = load_suite(
        write_suite(
            tmp_path,
            f"""
            [suite]
            name = "nodata"
            [defaults]
            fighters = ["david", "sklearn"]
            seeds = 1
            [[case]]
            name = "table"
            dataset = "csv"
            dataset_params = {{ path = "{missing}", target = "label" }}
            hidden = [4]
            """,
        )
    )
    outcome = run_suite(suite, tmp_path / "run", suite.cases, Progress(0), tmp_path / "cache")
    assert (outcome.finished, outcome.fighter_failures) == (1, 2)
    (fight,) = load_run(tmp_path / "run").fights
    assert fight.error.endswith(f"{missing}: no such CSV file")
    summary = pd.read_csv(tmp_path / "run" / "summary.csv")
    assert list(summary.fighter) == ["david", "sklearn"] and set(summary.status) == {"failed"}
    assert summary.dataset_fingerprint.isna().all()


def test_run_json_says_where_the_time_went(tiny_run):
    run_dir, _ = tiny_run
    breakdown = load_run_info(run_dir)["phases"]
    phases = breakdown["phases"]
    expected = {"data", "worker_startup", "setup", "training", "evaluation", "boundaries", "memory"}
    assert expected | {"messaging", "parity", "writing"} == set(phases)
    fights = load_run(run_dir).fights
    training = sum(r.train_seconds or 0 for f in fights for r in f.fighters.values())
    assert phases["training"] == pytest.approx(training, abs=0.01)
    # The workers evaluated every epoch and drew 2-D boundaries: both took time, apart from
    # training; and no phase is longer than the run.
    assert phases["evaluation"] > 0 and phases["boundaries"] > 0
    assert sum(phases.values()) <= breakdown["wall_seconds"]
    # The phases go to run.json only: a fight's own file holds no trace of them.
    for path in (run_dir / "cases").glob("*.json"):
        text = path.read_text()
        assert "phase_seconds" not in text and "snapshot_seconds" not in text
