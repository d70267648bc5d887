"""Two runs' fight files compared with their timings left out."""

import copy

from bench.files import write_json
from bench.store.same_results import differences, main, run_differences
from result_factory import case_result, fighter


def test_timings_memory_and_ids_are_left_out():
    first = case_result("moons", 0, two_d=True, run_id="run-a")
    second = copy.deepcopy(first)
    second["run_id"] = "run-b"
    first["content_digest"], second["content_digest"] = "a" * 64, "b" * 64  # covers timings
    for record in second["fighters"].values():
        record["history"]["epoch_seconds"] = [s * 3 for s in record["history"]["epoch_seconds"]]
        record["train_seconds"] = 99.0
        record["peak_memory_bytes"] = 1
        record["metrics"]["samples_per_second"] = 1.0
    assert list(differences(first, second)) == []


def test_a_changed_result_is_found_and_named():
    first = case_result("moons", 0, two_d=True)
    second = copy.deepcopy(first)
    second["fighters"]["keras"]["history"]["loss"][2] += 1e-12
    second["fighters"]["david"]["decision_boundary"]["values"][0].pop()
    del second["parity"]["keras"]["max_weight_difference"]
    assert list(differences(first, second)) == [
        "/fighters/david/decision_boundary/values/0: 16 items != 15",
        f"/fighters/keras/history/loss/2: {first['fighters']['keras']['history']['loss'][2]!r} != "
        f"{second['fighters']['keras']['history']['loss'][2]!r}",
        "/parity/keras/max_weight_difference: only in the first",
    ]


def write_run(folder, results):
    for result in results:
        name = f"{result['case']['name']}--seed{result['seed']}.json"
        write_json(folder / "cases" / name, result)
    return folder


def test_two_run_folders_compare_file_by_file(tmp_path, capsys):
    results = [case_result("moons", seed, david=fighter(test_correct=90 + seed)) for seed in (0, 1)]
    a = write_run(tmp_path / "a", results)
    b = write_run(tmp_path / "b", copy.deepcopy(results))
    assert run_differences(a, b) == []
    assert main([str(a), str(b)]) == 0
    assert "0 differences in 2 fight files" in capsys.readouterr().out

    changed = copy.deepcopy(results[1])
    changed["fighters"]["david"]["metrics"]["test_accuracy"] = 0.5
    write_run(b, [changed, case_result("spiral", 0)])
    found = run_differences(a, b)
    assert found == [
        "moons--seed1.json/fighters/david/metrics/test_accuracy: 0.91 != 0.5",
        f"spiral--seed0.json: only in {b}",
    ]
    assert main([str(a), str(b)]) == 1


def test_bad_arguments_exit_2(tmp_path, capsys):
    assert main([str(tmp_path)]) == 2
    assert main([str(tmp_path), str(tmp_path / "nowhere")]) == 2
    assert "error: give two run folders" in capsys.readouterr().err
