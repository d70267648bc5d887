"""The compiled schema check (fastjsonschema) accepts and rejects exactly what jsonschema does."""

import copy
import json
from pathlib import Path

import pytest

from bench.store.run_folder import (
    ResultsError,
    _compiled_check,
    _validator,
    upgrade,
    validate_case_result,
)

FIGHTS = sorted((Path(__file__).parents[1] / "fixtures" / "quick-run" / "cases").glob("*.json"))


def _fight() -> dict:
    return upgrade(json.loads(FIGHTS[0].read_text(encoding="utf-8")))


def _set(path: str, value):
    def mutate(result: dict) -> None:
        *parents, last = path.split(".")
        for key in parents:
            result = result[int(key)] if isinstance(result, list) else result[key]
        result[last] = value

    return mutate


MUTATIONS = {
    "unknown status": _set("fighters.david.status", "weird"),
    "accuracy as text": _set("fighters.david.metrics.test_accuracy", "0.9"),
    "seed as a float": _set("seed", 1.5),
    "case not an object": _set("case", "moons"),
    "fighters not an object": _set("fighters", []),
    "epoch times as text": _set("fighters.david.history.epoch_seconds", "fast"),
    "no run id": lambda result: result.pop("run_id"),
    "no fighters": lambda result: result.pop("fighters"),
}


def _jsonschema_accepts(result: dict) -> bool:
    return not list(_validator().iter_errors(result))


def _compiled_accepts(result: dict) -> bool:
    try:
        _compiled_check()(result)
    except Exception:
        return False
    return True


@pytest.mark.parametrize("path", FIGHTS, ids=lambda p: p.name)
def test_real_fights_pass_both_checks(path):
    result = upgrade(json.loads(path.read_text(encoding="utf-8")))
    assert _jsonschema_accepts(result) and _compiled_accepts(result)


@pytest.mark.parametrize("mutation", MUTATIONS, ids=str)
def test_a_broken_fight_fails_both_checks_with_jsonschemas_message(mutation):
    result = _fight()
    MUTATIONS[mutation](result)
    assert not _jsonschema_accepts(result)
    assert not _compiled_accepts(result)
    with pytest.raises(ResultsError, match=r"^fight\.json: "):
        validate_case_result(copy.deepcopy(result), "fight.json")
