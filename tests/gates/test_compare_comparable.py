"""`compare` judges only a run comparable with the baseline: same suite, mode, dtype, seeds,
fighters and data; any other case is UNDECIDED with the reason, and the gate fails."""

import json

from bench.cli import main
from bench.files import write_json
from bench.store.run_folder import write_case_result
from result_factory import case_result, fighter

CASES = ("moons", "spiral")


def make_run(run_dir, suite="quick", seeds=(0, 1, 2), keras=True, dataset="moons"):
    write_json(
        run_dir / "run.json",
        {"run_id": run_dir.name, "suite": {"name": suite}, "case_names": list(CASES)},
    )
    for case in CASES:
        for seed in seeds:
            opponents = {"keras": fighter(test_correct=950, n_test=1000, epoch_seconds=[0.1] * 5)}
            result = case_result(
                case,
                seed,
                run_id=run_dir.name,
                dataset=dataset,
                david=fighter(test_correct=960, n_test=1000),
                **(opponents if keras else {"sklearn": fighter(test_correct=950, n_test=1000)}),
            )
            write_case_result(run_dir, result)
    return run_dir


def compare(tmp_path, capsys, now, strip=()):
    baseline = tmp_path / "baseline.json"
    assert main(["baseline", str(make_run(tmp_path / "base")), "--out", str(baseline)]) == 0
    if strip:  # as a baseline made before these fields were recorded
        document = json.loads(baseline.read_text())
        for entry in document["cases"].values():
            for key in strip:
                del entry[key]
        baseline.write_text(json.dumps(document))
    capsys.readouterr()
    code = main(["compare", str(now), "--baseline", str(baseline), "--no-speed-gate"])
    return code, capsys.readouterr()


def case_rows(out):
    return [line for line in out.splitlines() if "(case)" in line]


def test_the_baseline_records_each_cases_fighters_and_data(tmp_path, capsys):
    code, _ = compare(tmp_path, capsys, make_run(tmp_path / "now"))
    document = json.loads((tmp_path / "baseline.json").read_text())
    entry = document["cases"]["moons"]
    assert entry["fighters"] == ["david", "keras"]
    assert sorted(entry["dataset_fingerprints"]) == ["0", "1", "2"]
    assert code == 0


def test_another_suite_reusing_the_case_names_with_one_seed_and_david_alone_is_undecided(
    tmp_path, capsys
):
    now = make_run(tmp_path / "now", suite="mine", seeds=(0,), keras=False)
    code, output = compare(tmp_path, capsys, now)
    assert code == 1
    rows = case_rows(output.out)
    assert len(rows) == 2 and all("UNDECIDED" in row for row in rows)
    assert "not comparable with the baseline: suite 'mine', the baseline's 'quick'" in rows[0]
    assert "seeds [0], the baseline's [0, 1, 2]" in rows[0]
    assert "fighters David, scikit-learn, the baseline's David, Keras" in rows[0]
    assert "0 regressed, 2 undecided" in output.out


def test_other_data_under_the_same_case_names_is_undecided(tmp_path, capsys):
    code, output = compare(tmp_path, capsys, make_run(tmp_path / "now", dataset="circles"))
    assert code == 1
    assert "seed 0: dataset fingerprint" in case_rows(output.out)[0]


def test_a_baseline_without_the_new_fields_still_passes_a_comparable_run(tmp_path, capsys):
    strip = ("fighters", "dataset_fingerprints")
    code, output = compare(tmp_path, capsys, make_run(tmp_path / "now"), strip)
    assert code == 0 and not case_rows(output.out)
    assert "does not record dataset fingerprints" in output.err


def test_an_old_fair_baseline_still_catches_a_missing_opponent_by_its_parity(tmp_path, capsys):
    strip = ("fighters", "dataset_fingerprints")
    code, output = compare(tmp_path, capsys, make_run(tmp_path / "now", keras=False), strip)
    assert code == 1
    assert "fighters David, scikit-learn, the baseline's David, Keras" in case_rows(output.out)[0]
