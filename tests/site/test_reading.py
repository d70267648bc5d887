"""A fight file read for the site: canonical files have their grids cut from the text unparsed,
with exactly the result of parsing them whole."""

import json

import pytest
from site_stores import FIXTURE_RUN

from bench.site import reading
from bench.store.integrity import canonical_json, content_digest, text_digest_holds, with_digest
from bench.store.run_folder import ResultsError
from bench.studies.site_scale import make_store


@pytest.fixture(scope="module")
def canonical_files(tmp_path_factory):
    """A real run's fight files as `bench run` writes them now (canonical, digest inside)."""
    store = tmp_path_factory.mktemp("store")
    make_store(FIXTURE_RUN, store, 1)
    return sorted((store / "run-00000" / "cases").glob("*.json"))


def test_grids_cut_unparsed_give_the_slim_fight_parsing_gives(canonical_files):
    with_grids = 0
    for path in canonical_files:
        data = path.read_bytes()
        assert text_digest_holds(data)  # the way in that cuts the grids
        assert reading._without_grids(data) is not None
        assert reading.read_slim_fight(path, data) == reading.slim(json.loads(data))
        with_grids += b'"decision_boundary":{' in data
    assert with_grids  # the fixture has 2-D cases: grids were cut


def test_a_grid_holding_something_else_is_read_the_long_way(canonical_files, tmp_path):
    path = next(p for p in canonical_files if b'"decision_boundary":{' in p.read_bytes())
    result = json.loads(path.read_bytes())
    fighter = next(f for f in result["fighters"].values() if f["decision_boundary"])
    fighter["decision_boundary"]["note"] = "[not a grid]"  # a string the cut would not expect
    data = (canonical_json(with_digest(result)) + "\n").encode()
    assert reading._without_grids(data) is None
    assert reading.read_slim_fight(path, data) == reading.slim(json.loads(data))


def test_an_edited_canonical_file_is_still_refused(canonical_files):
    path = canonical_files[0]
    result = json.loads(path.read_bytes())
    result["seed"] = 7  # edited after the run wrote it, digest left as it was
    data = (canonical_json(result) + "\n").encode()
    assert result["content_digest"] != content_digest(result)
    with pytest.raises(ResultsError, match="does not match its content"):
        reading.read_slim_fight(path, data)
