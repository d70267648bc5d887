"""The compare page's pairs: each run against the run before it on the same machine and suite
(the newest ones), and any pair asked for; every row decided by bench.judging.run_pair."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.judging.run_pair import compare_two_runs
from bench.store.run_folder import ResultsError, Run
from bench.wording import display_name

NEWEST_PAIRS = 10  # each comparison bootstraps every fighter: the newest runs are the ones read


def default_pairs(
    runs: Sequence[dict[str, Any]], newest: int = NEWEST_PAIRS
) -> list[tuple[str, str]]:
    """(previous, run) for the newest runs, each against the last earlier run of its machine
    and suite; runs are in commit order, oldest first."""
    last: dict[tuple[str, str], str] = {}
    pairs = []
    for run in runs:
        lineage = (run["machine"]["key"], run["suite"])
        if lineage in last:
            pairs.append((last[lineage], run["key"]))
        last[lineage] = run["key"]
    return pairs[-newest:] if newest else []


def pair_rows(run_a: Run, run_b: Run) -> dict[str, Any]:
    """The rows of one pair, as the page shows them, or the reason there are none."""
    try:
        rows = compare_two_runs(run_a, run_b)
    except ResultsError as err:
        return {"rows": [], "problem": str(err)}
    return {
        "problem": "",
        "rows": [
            {
                "case": row.case,
                "fighter": display_name(row.fighter) if row.fighter else "",
                "metric": row.metric,
                "a": row.a_text,
                "b": row.b_text,
                "change": row.change_text,
                "verdict": row.verdict,
                "regressed": row.regressed,
                "changed": row.changed,
                "test": row.test,
            }
            for row in rows
        ],
    }
