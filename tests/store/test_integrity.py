"""A fight file carries a content digest, checked on read; a file edited by hand is reported
and left out of verdicts, never used."""

import json

from bench.cli import main
from bench.store.integrity import DIGEST_KEY, content_digest
from bench.store.run_folder import load_run, write_case_result
from result_factory import case_result, fighter


def written_run(tmp_path):
    run_dir = tmp_path / "run"
    for seed in (0, 1):
        result = case_result("moons", seed, "native", david=fighter(test_correct=16, n_test=20))
        write_case_result(run_dir, result)
    return run_dir


def test_every_written_fight_carries_its_content_digest(tmp_path):
    run_dir = written_run(tmp_path)
    stored = json.loads((run_dir / "cases" / "moons--seed0.json").read_text())
    assert stored[DIGEST_KEY] == content_digest(stored)
    assert [fight.seed for fight in load_run(run_dir).fights] == [0, 1]


def test_a_fight_edited_by_hand_is_left_out_and_said_so(tmp_path, capsys):
    run_dir = written_run(tmp_path)
    path = run_dir / "cases" / "moons--seed1.json"
    stored = json.loads(path.read_text())
    stored["fighters"]["david"]["metrics"]["test_accuracy"] = 0.999
    path.write_text(json.dumps(stored))
    run = load_run(run_dir)
    assert [fight.seed for fight in run.fights] == [0]
    (reason,) = run.ignored
    assert reason.startswith(f"{path}: its content digest ")
    assert reason.endswith("): edited or damaged after the run wrote it")
    assert main(["report", str(run_dir)]) == 0
    report = (run_dir / "report.md").read_text()
    assert "Left out of this report:" in report and "edited or damaged" in report


def test_a_file_without_digest_is_still_cross_checked(tmp_path):
    run_dir = written_run(tmp_path)
    path = run_dir / "cases" / "moons--seed1.json"
    stored = json.loads(path.read_text())
    del stored[DIGEST_KEY]  # as files written before digests, or a digest deleted by hand
    stored["fighters"]["david"]["metrics"]["test_accuracy"] = 0.999
    path.write_text(json.dumps(stored))
    (reason,) = load_run(run_dir).ignored
    assert reason == (
        f"{path}: fighter 'david': test_accuracy 0.999 does not equal test_correct / n_test = 16/20"
    )


def test_fight_files_are_canonical_and_their_digest_is_checked_on_the_bytes(tmp_path, monkeypatch):
    """Written canonical (sorted keys, no spaces): the digest is checked by hashing the file's
    bytes, with no serialisation of the result; an edit in the text still fails the check."""
    import bench.store.integrity as integrity

    run_dir = written_run(tmp_path)
    path = run_dir / "cases" / "moons--seed0.json"
    text = path.read_bytes()
    stored = json.loads(text)
    assert text == (integrity.canonical_json(stored) + "\n").encode("ascii")
    assert integrity.text_matches_digest(text, stored[DIGEST_KEY])
    serialised = []
    monkeypatch.setattr(
        integrity, "content_digest", lambda result: serialised.append(1) or "recomputed"
    )
    assert integrity.why_untrusted(stored, text) is None and serialised == []
    # One digit changed in the text: the bytes no longer match, the content check runs and fails.
    edited = text.replace(b'"test_correct":16', b'"test_correct":17', 1)
    assert edited != text and not integrity.text_matches_digest(edited, stored[DIGEST_KEY])
    assert "does not match its content" in integrity.why_untrusted(json.loads(edited), edited)
    assert serialised


def test_an_indented_fight_file_with_its_digest_is_trusted(tmp_path):
    """Files written before fight files were canonical: checked by their content."""
    run_dir = written_run(tmp_path)
    path = run_dir / "cases" / "moons--seed0.json"
    stored = json.loads(path.read_text())
    path.write_text(json.dumps(stored, indent=1) + "\n")
    assert [fight.seed for fight in load_run(run_dir).fights] == [0, 1]
    assert not load_run(run_dir).ignored
