"""The report's Claims section: each quoted claim, its source, what was measured, the judgement."""

from __future__ import annotations

from bench.judging.claims_judged import JUDGEMENTS, RATIO_TEST, ClaimJudgement, judge_run
from bench.judging.rounds import ACCURACY_TEST
from bench.store.run_folder import Run

from ..errors import HarnessError
from ..wording import plural
from .document import Block, Heading, Paragraph, Table

HEADER = ["claim", "source", "case", "checked as", "measured (95% interval)", "judgement"]


def claims_section(run: Run) -> list[Block]:
    """The Claims section, or nothing when the run's suite makes no claim about its cases."""
    try:
        judgements = judge_run(run)
    except HarnessError as err:  # run.json's claims unreadable: the rest of the report stands
        return [Heading(2, "Claims"), Paragraph(f"not shown: {err}")]
    if not judgements:
        return []
    return [
        Heading(2, "Claims"),
        Paragraph(_tally(judgements), lead="What the sources claim, held against this run:"),
        Table(HEADER, [_row(judgement) for judgement in judgements]),
        Paragraph(
            "A claim is supported when the 95% interval of the quantity it states lies wholly on "
            "its side of the threshold, refuted when it lies wholly on the other side, and "
            "undecided when it straddles the threshold. Test accuracy: each fighter's correct "
            f"predictions pooled over seeds ({ACCURACY_TEST}, as the accuracy round). Time "
            f"ratios, one per seed, as the speed round judges per-seed training times: "
            f"{RATIO_TEST}. For an undecided claim, the seeds that would likely decide it: the "
            "fewest at which the interval around the same estimate, with the same spread, would "
            "clear the threshold."
        ),
    ]


def _tally(judgements: list[ClaimJudgement]) -> str:
    counts = [sum(j.judgement == kind for j in judgements) for kind in JUDGEMENTS]
    parts = [f"{count} {kind}" for count, kind in zip(counts, JUDGEMENTS, strict=True) if count]
    return f"{plural(len(judgements), 'claim')}: {', '.join(parts)}."


def _row(judgement: ClaimJudgement) -> list[str]:
    claim = judgement.claim
    return [
        f"“{claim.quote}”",
        claim.source,
        judgement.case,
        claim.statement(),
        judgement.measured_text(),
        judgement.judgement_text(),
    ]
