"""Any two runs compared (issue 22): statistics on hand-made runs; `compare A B` exit codes."""

import pytest

from bench.cli import main
from bench.files import write_json
from bench.judging.run_pair import compare_two_runs, format_pair_rows
from bench.store.run_folder import ResultsError, load_run, write_case_result
from result_factory import case_result, fighter

DAVID_EPOCHS = [0.010, 0.011, 0.012]  # per seed: a little spread, as real seeds have


def make_run(
    run_dir,
    david_epochs=DAVID_EPOCHS,
    keras_epoch=0.1,
    correct=(950, 960, 955),
    cases=("moons",),
    parity=None,
    david_status=None,
    **others,
):
    """A fair run of one seed per David epoch time, against Keras (and `others`, by name)."""
    write_json(
        run_dir / "run.json",
        {"run_id": run_dir.name, "suite": {"name": "hand"}, "case_names": list(cases)},
    )
    for case in cases:
        for seed, (per_epoch, hits) in enumerate(zip(david_epochs, correct, strict=True)):
            status = (david_status or {}).get(seed, "ok")
            opponents = {
                "keras": fighter(test_correct=950, n_test=1000, epoch_seconds=[keras_epoch] * 5),
                **{name: fighter(n_test=1000, epoch_seconds=[t] * 5) for name, t in others.items()},
            }
            result = case_result(
                case,
                seed,
                run_id=run_dir.name,
                david=fighter(
                    test_correct=hits, n_test=1000, epoch_seconds=[per_epoch] * 5, status=status
                ),
                **opponents,
            )
            if parity is not None:
                result["parity"]["keras"]["max_loss_difference"] = parity
            write_case_result(run_dir, result)
    return run_dir


def pair(tmp_path, a_kwargs=None, b_kwargs=None, **options):
    a = load_run(make_run(tmp_path / "a", **(a_kwargs or {})))
    b = load_run(make_run(tmp_path / "b", **(b_kwargs or {})))
    return compare_two_runs(a, b, **options)


def row(rows, metric, fighter_name="david", case="moons"):
    return next(r for r in rows if (r.case, r.fighter, r.metric) == (case, fighter_name, metric))


def test_a_david_twice_as_slow_in_b_regressed(tmp_path):
    rows = pair(tmp_path, b_kwargs={"david_epochs": [2 * t for t in DAVID_EPOCHS]})
    speedup = row(rows, "speed-up vs Keras")
    assert speedup.verdict == "slower" and speedup.regressed
    assert speedup.change == pytest.approx(0.5)
    assert speedup.low == pytest.approx(0.5) and speedup.high == pytest.approx(0.5)
    own = row(rows, "median epoch time")
    assert own.verdict == "slower" and not own.regressed  # absolute seconds are never gated
    assert own.change == pytest.approx(0.5) and own.high < 1
    keras = row(rows, "median epoch time", "keras")
    assert keras.verdict == "same" and keras.low <= 1 <= keras.high
    assert [r for r in rows if r.regressed] == [speedup]


def test_the_same_run_against_itself_is_the_same_everywhere(tmp_path):
    run = load_run(make_run(tmp_path / "a"))
    rows = compare_two_runs(run, run)
    assert {r.verdict for r in rows} <= {"same", "identical"}
    assert not any(r.regressed for r in rows)
    assert format_pair_rows(rows, differences_only=True) == "no differences"


def test_one_seed_gives_no_interval_so_no_difference_is_claimed(tmp_path):
    """Twice as slow on one seed: the epochs of one seed are not independent, so no verdict."""
    one = {"correct": (950,)}
    rows = pair(tmp_path, {**one, "david_epochs": [0.01]}, {**one, "david_epochs": [0.02]})
    own = row(rows, "median epoch time")
    assert own.verdict == "undecided" and own.low is None and own.change == pytest.approx(0.5)
    speedup = row(rows, "speed-up vs Keras")
    assert speedup.verdict == "undecided" and not speedup.regressed
    assert "1 vs 1 values cannot reach p < 0.05, nor give an interval" in speedup.test
    assert format_pair_rows(rows, differences_only=True) == "no differences"


def test_a_slower_david_is_shown_but_not_regressed_without_the_speed_gate(tmp_path):
    slower = {"david_epochs": [2 * t for t in DAVID_EPOCHS]}
    rows = pair(tmp_path, b_kwargs=slower, gate_speed=False)
    assert row(rows, "speed-up vs Keras").verdict == "slower"
    assert not any(r.regressed for r in rows)


def test_only_the_gated_opponent_holds_davids_speed(tmp_path):
    """David's speed-up over scikit-learn halved because scikit-learn got twice as fast: shown
    as slower, not a regression (the gate holds the speed-up over Keras alone)."""
    rows = pair(tmp_path, a_kwargs={"sklearn": 0.05}, b_kwargs={"sklearn": 0.025})
    speedup = row(rows, "speed-up vs scikit-learn")
    assert speedup.verdict == "slower" and not speedup.regressed
    assert row(rows, "median epoch time", "sklearn").verdict == "faster"
    assert not any(r.regressed for r in rows)


def test_an_accuracy_drop_beyond_the_floor_and_noise_regressed(tmp_path):
    rows = pair(tmp_path, b_kwargs={"correct": (850, 860, 855)})
    accuracy = row(rows, "test accuracy")
    assert accuracy.verdict == "worse" and accuracy.regressed
    assert accuracy.change == pytest.approx(-0.1)
    assert "floor 0.01" in accuracy.test


def test_an_opponents_accuracy_is_judged_by_wilson_intervals(tmp_path):
    rows = pair(tmp_path, b_kwargs={"correct": (952, 958, 955)})
    assert row(rows, "test accuracy").verdict == "same"
    keras = row(rows, "test accuracy", "keras")
    assert keras.verdict == "same" and keras.test == "Wilson 95% intervals overlap"


def test_parity_lost_in_a_fair_float64_case_regressed(tmp_path):
    rows = pair(tmp_path, b_kwargs={"parity": 1e-3})
    parity = row(rows, "parity with David |loss diff|", "keras")
    assert parity.verdict == "worse" and parity.regressed
    assert (parity.a_text, parity.b_text) == ("0", "1.0e-03")


def test_david_failing_a_seed_he_finished_in_a_regressed(tmp_path):
    rows = pair(tmp_path, b_kwargs={"david_status": {1: "failed"}})
    finished = row(rows, "finished")
    assert finished.verdict == "worse" and finished.regressed
    assert (finished.a_text, finished.b_text) == ("3/3", "2/3")
    assert "seed 1 in B: failed" in finished.test


def test_cases_and_fighters_in_one_run_only_are_shown_not_regressed(tmp_path):
    rows = pair(
        tmp_path,
        a_kwargs={"cases": ("moons", "circles")},
        b_kwargs={"cases": ("moons", "blobs"), "sklearn": 0.05},
    )
    only = {(r.case, r.fighter, r.verdict) for r in rows if r.verdict.startswith("only")}
    assert only == {
        ("circles", "", "only in A"),
        ("blobs", "", "only in B"),
        ("moons", "sklearn", "only in B"),
    }
    assert not any(r.regressed for r in rows)


def test_runs_with_no_case_in_common_are_refused_naming_both(tmp_path):
    a = load_run(make_run(tmp_path / "a", cases=("moons",)))
    b = load_run(make_run(tmp_path / "b", cases=("circles",)))
    with pytest.raises(ResultsError, match=r"cases moons\) and .*cases circles\) have no case"):
        compare_two_runs(a, b)


# The command line: exit codes, printed rows, bad input.


def compare(capsys, *words):
    code = main(["compare", *map(str, words)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_compare_a_b_exits_1_when_david_regressed_and_0_against_itself(tmp_path, capsys):
    a = make_run(tmp_path / "a")
    b = make_run(tmp_path / "b", david_epochs=[2 * t for t in DAVID_EPOCHS])
    code, out, _ = compare(capsys, a, b)
    assert code == 1
    line = next(line for line in out.splitlines() if "speed-up vs Keras" in line)
    assert "slower" in line and "REGRESSED" in line
    assert "1 regressed" in out
    assert compare(capsys, a, a)[0] == 0
    assert compare(capsys, a, b, "--no-speed-gate")[0] == 0


def test_differences_only_prints_only_what_changed(tmp_path, capsys):
    a = make_run(tmp_path / "a")
    b = make_run(tmp_path / "b", david_epochs=[2 * t for t in DAVID_EPOCHS])
    code, out, _ = compare(capsys, a, b, "--differences-only")
    table = [line for line in out.splitlines() if line.strip().startswith("moons")]
    assert code == 1 and len(table) == 2  # David's epoch time and his speed-up over Keras
    assert all("same" not in line and "identical" not in line for line in table)
    assert "0 regressed" in compare(capsys, a, a, "--differences-only")[1]


@pytest.mark.parametrize(
    ("second", "message"),
    [
        ("missing", "missing: no such run folder"),
        ("not-a-run", "not-a-run: not a run folder (no cases/ inside)"),
        ("other", "have no case in common"),
    ],
)
def test_compare_a_b_refuses_bad_input_with_exit_2_naming_it(tmp_path, capsys, second, message):
    a = make_run(tmp_path / "a")
    (tmp_path / "not-a-run").mkdir()
    make_run(tmp_path / "other", cases=("circles",))
    code, out, err = compare(capsys, a, tmp_path / second)
    assert code == 2 and message in err and err.startswith("error: ")
    assert out == ""


def test_two_runs_and_a_baseline_are_refused(tmp_path, capsys):
    a = make_run(tmp_path / "a")
    code, _, err = compare(capsys, a, a, "--baseline", tmp_path / "baseline.json")
    assert code == 2 and "--baseline holds one run against a baseline" in err


def test_one_run_is_still_held_against_the_baseline(tmp_path, capsys):
    base, now = make_run(tmp_path / "base"), make_run(tmp_path / "now", correct=(850, 860, 855))
    baseline = tmp_path / "baseline.json"
    assert main(["baseline", str(base), "--out", str(baseline)]) == 0
    code, out, _ = compare(capsys, now, "--baseline", baseline, "--differences-only")
    rows = [line for line in out.splitlines() if line.strip().startswith("moons ")]
    assert code == 1 and len(rows) == 1 and "REGRESSED" in rows[0]
