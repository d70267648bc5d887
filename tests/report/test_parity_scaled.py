"""The parity line says what the harness scaled for a fighter's declared loss convention."""

from bench.report.case_section import _parity_table
from bench.store.records import Fight
from bench.store.run_folder import validate_case_result
from result_factory import case_result

SCALED = "learning_rate 3 (15 / 5): its declared loss convention, ... 5 times Keras's"


def parity_verdicts(scaled):
    """The parity column of a fair case of two seeds, the opponent's records saying `scaled`."""
    fights = []
    for seed in (0, 1):
        result = case_result("digits", seed)
        result["fighters"]["keras"]["scaled"] = scaled
        validate_case_result(result, "a scaled record")  # the schema knows the field
        fights.append(Fight.from_json(result))
    return [row[-1] for row in _parity_table(fights, ["keras"]).rows]


def test_the_parity_line_names_what_was_scaled():
    assert parity_verdicts(SCALED) == [f"identical to 1e-9: the same function, with its {SCALED}"]


def test_nothing_scaled_says_nothing():
    assert parity_verdicts(None) == ["identical to 1e-9: the same function"]
