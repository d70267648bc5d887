"""Whether a fight file still holds what the harness wrote: its content digest, and numbers that
must agree with each other (an accuracy and the count of correct answers it comes from).

The digest is SHA-256 of the result's canonical JSON (sorted keys, no spaces) without the digest
itself. Files written before digests existed have none: they are read, their numbers still
cross-checked.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

DIGEST_KEY = "content_digest"
ACCURACY_TOLERANCE = 1e-9  # a ratio of two integers, written with 17 digits


def canonical_json(result: dict[str, Any]) -> str:
    """The canonical text of a JSON-safe result: sorted keys, no spaces, ASCII."""
    return json.dumps(result, sort_keys=True, separators=(",", ":"), allow_nan=False)


def content_digest(result: dict[str, Any]) -> str:
    """SHA-256 of a JSON-safe result's canonical text, its own digest left out."""
    body = {key: value for key, value in result.items() if key != DIGEST_KEY}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def with_digest(result: dict[str, Any]) -> dict[str, Any]:
    """The JSON-safe result with its content digest inside, ready to write."""
    return {**result, DIGEST_KEY: content_digest(result)}


def text_matches_digest(text: bytes, recorded: str) -> bool:
    """True when the file is canonical text whose body (its digest member taken out) hashes to
    the recorded digest: the check without serialising the result again (fight files are
    written canonical). False says nothing: the file may be older or indented; check the
    content itself."""
    member = f'"{DIGEST_KEY}":"{recorded}"'.encode("ascii")
    body = text.rstrip(b"\n")
    if member + b"," in body:
        body = body.replace(member + b",", b"", 1)
    elif b"," + member in body:
        body = body.replace(b"," + member, b"", 1)
    else:
        return False
    return hashlib.sha256(body).hexdigest() == recorded


_RECORDED = re.compile(rb'[{,]"' + DIGEST_KEY.encode("ascii") + rb'":"([0-9a-f]{64})"[,}]')


def text_digest_holds(text: bytes) -> bool:
    """text_matches_digest with the digest the text records itself, read without parsing."""
    start = max(0, text.find(b'"' + DIGEST_KEY.encode("ascii")) - 1)
    found = _RECORDED.search(text, start)
    return found is not None and text_matches_digest(text, found.group(1).decode("ascii"))


def why_untrusted(result: dict[str, Any], text: bytes | None = None) -> str | None:
    """Why a schema-valid result read from disk (from `text`, when given) cannot be trusted."""
    recorded = result.get(DIGEST_KEY)
    if recorded is not None and text is not None and text_matches_digest(text, str(recorded)):
        recorded = None  # the digest holds: only the numbers are left to cross-check
    if recorded is not None and recorded != content_digest(result):
        return (
            f"its content digest {str(recorded)[:12]} does not match its content "
            f"({content_digest(result)[:12]}): edited or damaged after the run wrote it"
        )
    return why_counts_disagree(result)


def why_counts_disagree(result: dict[str, Any]) -> str | None:
    """Why a result's numbers contradict each other (an accuracy and its counts), or None."""
    for name, record in (result.get("fighters") or {}).items():
        metrics = record.get("metrics")
        if not metrics:
            continue
        correct, n_test = metrics["test_correct"], metrics["n_test"]
        accuracy = correct / n_test if n_test else None
        if accuracy is None or abs(metrics["test_accuracy"] - accuracy) > ACCURACY_TOLERANCE:
            return (
                f"fighter {name!r}: test_accuracy {metrics['test_accuracy']!r} does not equal "
                f"test_correct / n_test = {correct}/{n_test}"
            )
        confusion = metrics["confusion_matrix"]
        total = sum(map(sum, confusion))
        hits = sum(row[i] for i, row in enumerate(confusion) if i < len(row))
        if total != n_test or hits != correct:
            return (
                f"fighter {name!r}: its confusion matrix counts {hits} correct of {total}, "
                f"its metrics {correct} of {n_test}"
            )
    return None
