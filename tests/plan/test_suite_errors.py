"""A bad suite file is refused before any training, with one clear line and exit 2.

Each test feeds the bad input through `python -m bench run`'s entry point.
"""

import json

import pytest

from bench.cli import main
from bench.plan.preflight import preflight
from bench.plan.suite import load_suite

BASE = """\
[suite]
name = "refusals"

[defaults]
fighters = ["david"]
seeds = 1
epochs = 2
dtype = "float64"

[[case]]
name = "moons"
dataset = "moons"
dataset_params = { n_samples = 100 }
hidden = [4]
optimizer = { name = "sgd", learning_rate = 0.1 }
"""


def suite_file(tmp_path, old=None, new=None, text=BASE, name="refusals.toml"):
    """The base suite with one edit, written to a file."""
    if old is not None:
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text)
    return path


def refused(tmp_path, capsys, path, *extra):
    """Run the suite through the CLI; it must exit 2 with one error line and write nothing."""
    out, cache = tmp_path / "run", tmp_path / "cache"
    code = main(["run", str(path), "--out", str(out), "--cache-dir", str(cache), *extra])
    captured = capsys.readouterr()
    assert code == 2, captured
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert not out.exists()  # no run folder left behind, not even an empty one
    return captured.err


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            "hidden = [4]",
            "hidden = [4]\nl2 = inf",
            "case 'moons': field 'l2': must be a finite number >= 0, got inf",
            id="l2 = inf",
        ),
        pytest.param(
            "learning_rate = 0.1",
            "learning_rate = true",
            "case 'moons': field 'optimizer': learning_rate must be a finite number > 0, got True",
            id="learning_rate = true",
        ),
        pytest.param(
            '{ name = "sgd", learning_rate = 0.1 }',
            '{ name = "adam", learning_rate = 0.01, epsilon = -1 }',
            "case 'moons': field 'optimizer': epsilon must be a finite number > 0, got -1",
            id="Adam epsilon = -1",
        ),
        pytest.param(
            "seeds = 1",
            "seeds = [0, 0]",
            "case 'moons': field 'seeds': duplicate seeds in [0, 0]: each seed is one "
            "independent fight",
            id="duplicate seeds",
        ),
        pytest.param(
            "seeds = 1",
            "seeds = [4294967296]",
            "case 'moons': field 'seeds': must be a count >= 1 or a list of seeds in "
            "0..4294967295, got [4294967296]",
            id="a seed above 2**32-1",
        ),
        pytest.param(
            "seeds = 1",
            "seeds = [-1]",
            "case 'moons': field 'seeds': must be a count >= 1 or a list of seeds in "
            "0..4294967295, got [-1]",
            id="a negative seed",
        ),
        pytest.param(
            "hidden = [4]",
            "hidden = [4]\ndataset_seed = -3",
            "case 'moons': field 'dataset_seed': must be an integer in 0..4294967295, got -3",
            id="a dataset_seed out of range",
        ),
        pytest.param(
            'name = "moons"',
            f'name = "{"m" * 101}"',
            f"case '{'m' * 101}': field 'name': must be 1-100 letters, digits, '_', '.' or '-' "
            f"(a file name), got '{'m' * 101}'",
            id="a case name too long for a file name",
        ),
        pytest.param(
            'name = "moons"',
            'name = "../moons"',
            "case '../moons': field 'name': must be 1-100 letters, digits, '_', '.' or '-' "
            "(a file name), got '../moons'",
            id="a case name with a path in it",
        ),
        pytest.param(
            'name = "refusals"',
            'name = "../x"',
            "[suite] name '../x': must be 1-100 letters, digits, '_', '.', '-'",
            id="a suite name with a path in it",
        ),
        pytest.param(
            'name = "refusals"',
            "name = 1",
            "[suite] name: must be a string, got 1",
            id="a suite name that is a number",
        ),
        pytest.param(
            "[[case]]",
            "[case]",
            "'case' must be a list of tables: write [[case]], not [case]",
            id="[case] instead of [[case]]",
        ),
        pytest.param(
            "hidden = [4]",
            "hidden = [100000, 100000]",
            "case 'moons': field 'hidden': 10,000,500,001 parameters exceed the limit of "
            "50,000,000; raise it with max_parameters under [suite]",
            id="too many parameters",
        ),
        pytest.param(
            "epochs = 2",
            "epochs = 100000000",
            # 90 training samples in batches of 32: 3 steps an epoch
            "case 'moons': field 'epochs': 100,000,000 epochs of 3 steps (300,000,000 steps) "
            "exceed the limit of 10,000,000; raise it with max_steps under [suite]",
            id="too many steps",
        ),
        pytest.param(
            "n_samples = 100",
            "n_samples = 20000000",
            "case 'moons': field 'dataset': n_samples 20,000,000 exceeds the limit of "
            "10,000,000; raise it with max_samples under [suite]",
            id="too many samples",
        ),
        pytest.param(
            'dataset = "moons"\ndataset_params = { n_samples = 100 }',
            'dataset = "iris"\noutput = "sigmoid"',
            "case 'moons': field 'output': 'sigmoid' does not fit: binary_crossentropy needs an "
            "output layer with output_dim 1 (dataset 'iris' has 3 classes); leave output unset "
            "(sigmoid for 2 classes, softmax for more)",
            id="output = 'sigmoid' on 3 classes",
        ),
    ],
)
def test_a_bad_field_is_refused_with_file_case_field_and_exit_2(
    tmp_path, capsys, old, new, message
):
    """The bad value is named with its file, case and field, and what would be valid."""
    path = suite_file(tmp_path, old, new)
    assert refused(tmp_path, capsys, path) == f"error: {path}: {message}\n"


def test_raising_a_limit_under_suite_lets_the_case_load(tmp_path):
    """The limit's message says how to raise it, and raising it works."""
    text = BASE.replace("epochs = 2", "epochs = 100000000").replace(
        'name = "refusals"', 'name = "refusals"\nmax_steps = 400_000_000'
    )
    suite = load_suite(suite_file(tmp_path, text=text))
    assert suite.max_steps == 400_000_000
    preflight(suite, suite.cases, None)  # no error: 300,000,000 steps are within the new limit


def test_a_non_table_defaults_is_refused(tmp_path, capsys):
    """A `defaults` that is not a table is refused by name."""
    table = '[defaults]\nfighters = ["david"]\nseeds = 1\nepochs = 2\ndtype = "float64"\n\n'
    path = suite_file(tmp_path, text="defaults = 3\n" + BASE.replace(table, ""))
    assert refused(tmp_path, capsys, path) == (
        f"error: {path}: [suite] and [defaults] must be tables\n"
    )


def test_a_utf16_suite_file_is_refused(tmp_path, capsys):
    """A UTF-16 suite file is refused as not UTF-8, with where it fails."""
    path = tmp_path / "utf16.toml"
    path.write_text(BASE, encoding="utf-16")
    assert refused(tmp_path, capsys, path) == (
        f"error: {path}: not UTF-8 text (invalid start byte at byte 0)\n"
    )


def test_a_binary_suite_file_is_refused(tmp_path, capsys):
    """A binary suite file is refused as not UTF-8, with where it fails."""
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\x00\x01\x02[suite]\xfe")
    assert refused(tmp_path, capsys, path) == (
        f"error: {path}: not UTF-8 text (invalid start byte at byte 10)\n"
    )


def test_a_suite_name_with_dots_and_slashes_writes_nothing_outside_results(
    tmp_path, capsys, monkeypatch
):
    """`name = "../x"` without --out is refused, and nothing is written outside results/."""
    monkeypatch.chdir(tmp_path)
    path = suite_file(tmp_path, 'name = "refusals"', 'name = "../x"')
    assert main(["run", str(path), "--cache-dir", str(tmp_path / "cache")]) == 2
    assert "[suite] name '../x': must be 1-100 letters" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["refusals.toml"]  # no results/, no x


def test_a_user_fighter_name_is_checked_as_a_path_too(tmp_path, capsys):
    """A user fighter's name becomes part of a path too, and is checked as one."""
    (tmp_path / "evil.py").write_text("class Evil: pass\n")
    text = BASE + '\n[fighter."../evil"]\npath = "evil.py"\nclass = "Evil"\n'
    path = suite_file(tmp_path, text=text)
    assert refused(tmp_path, capsys, path).startswith(
        f"error: {path}: [fighter.../evil]: the name must be 1-40 letters, digits, '_', '.', '-' "
        "and not one of the roster's (david, "
    )


def test_a_name_of_exactly_100_characters_is_accepted(tmp_path):
    """The limit is 100 characters, a valid file name with its suffix."""
    suite = load_suite(suite_file(tmp_path, 'name = "moons"', f'name = "{"m" * 100}"'))
    assert suite.cases[0].name == "m" * 100


def test_an_explicit_sigmoid_output_on_two_classes_trains(tmp_path, capsys):
    """An explicit output = "sigmoid" on two classes builds a one-unit sigmoid output and trains."""
    path = suite_file(tmp_path, "hidden = [4]", 'hidden = [4]\noutput = "sigmoid"')
    out = tmp_path / "run"
    args = ["run", str(path), "--out", str(out), "--cache-dir", str(tmp_path / "c"), "--no-report"]
    assert main(args) == 0, capsys.readouterr().err
    result = json.loads((out / "cases" / "moons--seed0.json").read_text())
    assert result["case"]["output"] == "sigmoid"
    last = result["case"]["model"]["layers"][-1]
    assert (last["activation"], last["output_dim"]) == ("sigmoid", 1)
    assert result["case"]["model"]["loss"] == "binary_crossentropy"
    assert result["fighters"]["david"]["status"] == "ok"


@pytest.mark.parametrize(("flag", "seeds"), [(1, [5]), (2, [5, 7]), (3, [5, 7])])
def test_seeds_flag_keeps_the_first_n_seeds_of_the_case(tmp_path, flag, seeds):
    """`--seeds N` keeps the first N of the case's own seeds, not range(N)."""
    path = suite_file(tmp_path, "seeds = 1", "seeds = [5, 7]")
    assert load_suite(path, seeds=flag).cases[0].seeds == seeds


def test_seeds_flag_runs_the_cases_own_first_seed(tmp_path, capsys):
    """`seeds = [5, 7]` with `--seeds 1` trains seed 5, and `--seeds 3` adds seed 7 only."""
    path = suite_file(tmp_path, "seeds = 1", "seeds = [5, 7]")
    out = tmp_path / "run"
    args = ["run", str(path), "--out", str(out), "--cache-dir", str(tmp_path / "c")]
    assert main([*args, "--seeds", "1", "--no-report"]) == 0
    assert "1 cases, 1 fights" in capsys.readouterr().out
    assert sorted(p.name for p in (out / "cases").iterdir()) == ["moons--seed5.json"]
    assert json.loads((out / "cases" / "moons--seed5.json").read_text())["seed"] == 5
    # --seeds 3 on a two-seed case runs its two seeds (seed 5 resumed), not three
    assert main([*args, "--seeds", "3", "--no-report"]) == 0
    out_text = capsys.readouterr().out
    assert "1 cases, 2 fights" in out_text and "1 fights run, 1 resumed" in out_text
    assert sorted(p.name for p in (out / "cases").iterdir()) == [
        "moons--seed5.json",
        "moons--seed7.json",
    ]


def test_seeds_zero_is_refused(tmp_path, capsys):
    """`--seeds` must name a count of at least 1."""
    path = suite_file(tmp_path)
    assert refused(tmp_path, capsys, path, "--seeds", "0") == (
        "error: --seeds must be at least 1, got 0\n"
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            "hidden = [4]",
            'hidden = [4, 4]\nactivation = ["relu", "tanhh"]',
            "case 'moons': field 'activation': unknown activation 'tanhh'; choose one of relu, "
            "leaky_relu, sigmoid, tanh, softmax, linear",
            id="the bad activation in a list is named, not the list",
        ),
        pytest.param(
            'fighters = ["david"]',
            'fighters = ["david", "keras"]\nmode = "native"\nkeras = { epocs = 3 }',
            "case 'moons': field 'keras': unknown override(s) ['epocs']; valid: epochs, "
            "batch_size, optimizer, init, bias_init",
            id="a misspelt override",
        ),
        pytest.param(
            'fighters = ["david"]',
            'fighters = ["david", "keras"]\nmode = "native"\nkeras = { epochs = 0 }',
            "case 'moons': field 'keras.epochs': must be a positive integer, got 0",
            id="a bad override names the fighter and the field",
        ),
        pytest.param(
            'fighters = ["david"]',
            'fighters = ["david", "keras"]\nmode = "native"\nkeras = 3',
            "case 'moons': field 'keras': must be a table of overrides, got 3",
            id="overrides that are not a table",
        ),
        pytest.param(
            "hidden = [4]",
            "hidden = [4]\ndescription = 3",
            "case 'moons': field 'description': must be text, got 3",
            id="a description that is not text was taken as '3'",
        ),
        pytest.param(
            'name = "refusals"',
            'name = "refusals"\ndescription = ["a"]',
            "[suite] description: must be a string, got ['a']",
            id="a suite description that is not text was taken as a list's repr",
        ),
        pytest.param(
            'name = "refusals"',
            'name = "refusals"\nmax_steps = 0',
            "[suite] max_steps: must be a positive integer, got 0",
            id="a limit of zero",
        ),
        pytest.param(
            'name = "moons"',
            'name = "moons\\n"',
            "case 'moons\\n': field 'name': must be 1-100 letters, digits, '_', '.' or '-' "
            "(a file name), got 'moons\\n'",
            id="a name ending in a newline",
        ),
    ],
)
def test_fields_declared_once_keep_the_harness_words(tmp_path, capsys, old, new, message):
    """Issue 20: the suite's fields are declared in one pydantic model; its errors still name
    the file, the case, the field and what would be valid."""
    path = suite_file(tmp_path, old, new)
    assert refused(tmp_path, capsys, path) == f"error: {path}: {message}\n"


def test_a_case_without_dataset_params_gets_the_datasets_defaults(tmp_path):
    """Issue 20: an unset field's default is not validated by pydantic unless asked; the
    dataset's parameters must still be resolved, or the fingerprint of every case that left
    them unset would change (and every run would start again instead of resuming)."""
    path = suite_file(tmp_path, "dataset_params = { n_samples = 100 }\n", "")
    (case,) = load_suite(path).cases
    assert case.dataset_params == {"n_samples": 1000, "noise": 0.2, "test_size": 0.1}
    assert case.as_dict()["dataset"]["params"] == case.dataset_params
