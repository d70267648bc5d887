"""Property-based fuzzing of suite files: a valid suite, or the harness's own clear error.

Generated TOML (valid and broken), wrong types, extreme numbers, odd names and raw bytes are
loaded as a suite and, when they load, checked before any training (preflight). Anything but a
Suite or a HarnessError is a bug: a traceback where the user deserved a sentence.
"""

import json
import math
import tomllib

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.errors import HarnessError
from bench.plan.preflight import preflight
from bench.plan.schema import SCHEMA_PATH
from bench.plan.suite import load_suite

SCHEMA = jsonschema.Draft7Validator(json.loads(SCHEMA_PATH.read_text()))
KEYS = [
    "name",
    "dataset",
    "dataset_params",
    "dataset_seed",
    "hidden",
    "activation",
    "output",
    "loss",
    "init",
    "l2",
    "optimizer",
    "batch_size",
    "epochs",
    "seeds",
    "mode",
    "dtype",
    "target_accuracy",
    "time_limit",
    "fighters",
    "david",
    "keras",
    "sklearn",
    "claim",
]
GOOD = {
    "name": ["moons", "a.b-c_1", "x" * 100],
    "dataset": ["moons", "iris", "blobs", "xor"],
    "hidden": [[4], [2, 3], [3]],
    "activation": ["relu", "tanh", "sigmoid"],
    "optimizer": [{"name": "sgd", "learning_rate": 0.1}, {"name": "adam"}, "rmsprop"],
    "epochs": [1, 2],
    "seeds": [1, [0, 3]],
    "mode": ["fair", "native"],
    "dtype": ["float32", "float64"],
    "fighters": [["david"], ["david", "sklearn"]],
}

scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.text(st.characters(blacklist_categories=("Cs",)), max_size=6), inner, max_size=3
        ),
    ),
    max_leaves=8,
)


def toml_value(value):
    """A Python value written as an inline TOML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON escapes are valid TOML ones
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml_value(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


@st.composite
def cases(draw):
    """A case table: mostly plausible values, some fields replaced by anything at all."""
    case = {key: draw(st.sampled_from(options)) for key, options in GOOD.items()}
    case["dataset_params"] = draw(
        st.sampled_from([{}, {}, {}, {"n_samples": 60}, {"noise": -1}, {"n_samples": 10**12}])
    )
    if case["dataset"] == "iris":
        case["dataset_params"] = {}
    broken = draw(st.sampled_from([0, 0, 0, 1, 2]))  # most cases plausible, some not at all
    for key in draw(st.lists(st.sampled_from(KEYS), min_size=broken, max_size=broken, unique=True)):
        case[key] = draw(values)
    return case


@st.composite
def suite_texts(draw):
    header = draw(st.sampled_from(["", '[suite]\nname = "fuzz"\n', "[suite]\nname = 1\n"]))
    body = []
    for case in draw(st.lists(cases(), min_size=1, max_size=3)):
        lines = [f"{toml_value(k)} = {toml_value(v)}" for k, v in case.items()]
        table = draw(st.sampled_from(["[[case]]"] * 19 + ["[case]"]))
        body.append(table + "\n" + "\n".join(lines))
    return header + "\n\n".join(body) + "\n"


def load_or_refuse(path):
    """Load (and preflight) the suite; return it, or None when refused with a HarnessError."""
    try:
        suite = load_suite(path)
        preflight(suite, suite.cases, str(path.parent / "cache"))
        return suite
    except HarnessError as err:
        assert str(err) and "Traceback" not in str(err)
        return None


FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(text=suite_texts())
def test_generated_suites_load_or_give_a_clear_error(tmp_path, text):
    path = tmp_path / "fuzz.toml"
    path.write_text(text, encoding="utf-8")
    load_or_refuse(path)


@FUZZ
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes_give_a_clear_error(tmp_path, data):
    path = tmp_path / "bytes.toml"
    path.write_bytes(data)
    assert load_or_refuse(path) is None or data.strip()


@pytest.mark.slow
@settings(
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=suite_texts())
def test_many_generated_suites(tmp_path, text):
    path = tmp_path / "fuzz.toml"
    path.write_text(text, encoding="utf-8")
    load_or_refuse(path)


@FUZZ
@given(text=suite_texts())
def test_the_published_schema_accepts_every_suite_the_harness_loads(tmp_path, text):
    """Issue 20: an editor checking against bench/plan/suite.schema.json never flags a suite
    the harness would run (the schema and the checks come from the same models)."""
    path = tmp_path / "fuzz.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_suite(path)
    except HarnessError:
        return
    errors = list(SCHEMA.iter_errors(tomllib.loads(text)))
    assert not errors, [error.message for error in errors]
