"""The report's sections, built from a run's typed results: a fight card in reading order."""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from typing import Any

from ..defaults import HISTORY_PATH
from ..history import read_history
from ..records import Fight, FighterRecord, display_name
from ..results import ResultsError, Run
from ..speed import GATE_SPEED
from ..stats import wilson_interval
from ..verdict import FORFEIT_TEST, NO_CONTEST_TEST, Round, Verdict, judge, scoreboard
from ..wording import (
    MISSING,
    flatten,
    format_seconds,
    mean_of,
    median_of,
    milliseconds,
    reached_median,
    settings_text,
    spread,
    tiny,
)
from . import plots
from .document import Block, Document, Figure, Heading, Paragraph, Table

MAX_PER_CLASS_ROWS = 20


def build_document(run: Run) -> Document:
    """The whole report of a run, in reading order."""
    title = f"David vs Goliath: {run.suite_name or 'unnamed'} suite, run {_run_id(run)}"
    by_case = run.by_case
    opponents = list(dict.fromkeys(o for fight in run.fights for o in fight.opponents))
    verdicts = {
        case: [judge(fights, opponent) for opponent in opponents if opponent in fights[0].fighters]
        for case, fights in by_case.items()
    }
    blocks: list[Block] = [Heading(1, title), *_run_summary(run)]
    blocks += _scoreboard_section([v for vs in verdicts.values() for v in vs], opponents)
    for index, (case, fights) in enumerate(by_case.items()):
        blocks += _case_section(index, fights, verdicts[case])
    blocks += _trend_section(run)
    blocks += _environment_section(run.info)
    return Document(title, blocks)


def _run_id(run: Run) -> str:
    return str(run.info.get("run_id") or (run.fights[0].run_id if run.fights else run.run_dir))


# --- Sections ----------------------------------------------------------------------------------
def _run_summary(run: Run) -> list[Block]:
    suite = run.info.get("suite") if isinstance(run.info.get("suite"), dict) else {}
    blocks: list[Block] = []
    if suite.get("description"):
        blocks.append(Paragraph(str(suite["description"])))
    when = f"Started {run.info.get('started') or 'at an unrecorded time'}"
    if run.info.get("finished"):
        when += f", finished {run.info['finished']}."
    else:
        when += ", not finished (or interrupted): this report shows the cases that have results."
    blocks.append(Paragraph(when))
    names = run.info.get("case_names")
    expected = [str(name) for name in names] if isinstance(names, list) else []
    waiting = [name for name in expected if name not in run.by_case]
    if waiting:
        blocks.append(Paragraph(", ".join(waiting), lead="No results yet for:"))
    return blocks


def _scoreboard_section(verdicts: Sequence[Verdict], opponents: Sequence[str]) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Scoreboard")]
    for opponent in opponents:
        board = scoreboard(verdicts, opponent)
        them = display_name(opponent)
        blocks.append(
            Table(
                ["Rounds won by David", f"Rounds won by {them}", "Rounds drawn"],
                [[str(board.david), str(board.opponent_wins), str(board.draws)]],
            )
        )
        blocks.append(Paragraph(board.sentence(), lead="Overall:"))
    rows = [
        [v.case + ("" if len(opponents) == 1 else f" vs {display_name(v.opponent)}")]
        + [_winner_label(r) for r in v.rounds]
        for v in verdicts
    ]
    blocks.append(Table(["Case", "Accuracy", "Loss", "Speed"], rows))
    blocks.append(
        Paragraph(
            "A round is won only when the difference lies beyond its 95% interval; "
            "otherwise it is a draw. Each case below names the test that decided each round."
        )
    )
    return blocks


def _case_section(index: int, fights: Sequence[Fight], verdicts: Sequence[Verdict]) -> list[Block]:
    first = fights[0]
    case = first.case_name
    blocks: list[Block] = [Heading(2, f"Case: {case}")]
    if first.case.get("description"):
        blocks.append(Paragraph(str(first.case["description"])))
    for verdict in verdicts:
        lead = (
            "Verdict:"
            if len(verdicts) == 1
            else f"Verdict against {display_name(verdict.opponent)}:"
        )
        blocks.append(Paragraph(verdict.sentence, lead=lead))
    tests = {r.test for v in verdicts for r in v.rounds}
    decided = (
        f"{tests.pop()} (every round)"
        if len(tests) == 1
        else "; ".join(f"{r.name}: {r.test}" for r in verdicts[0].rounds)
    )
    blocks.append(Paragraph(decided + ".", lead="Decided by:"))
    blocks.append(Paragraph(_setup_text(fights), lead="Setup:"))
    fighters = list(first.fighters)
    blocks.append(Table(["", *map(display_name, fighters)], _metric_rows(fights, fighters)))
    if first.mode == "fair":
        blocks.append(Paragraph(_parity_text(fights), lead="Parity:"))
    else:
        blocks.append(
            Paragraph(
                "each fighter trains as its own users would run it, so this is not like with like:",
                lead="Native mode:",
            )
        )
        blocks.append(_settings_table(first))
    per_class = _per_class_table(fights, fighters)
    if per_class is not None:
        blocks.append(
            Paragraph("F1 score per class on the test set, mean over seeds.", lead="Per class:")
        )
        blocks.append(per_class)

    stem = f"{index + 1:02d}-{_slug(case)}"
    blocks.append(Figure(f"{stem}-loss.png", f"Loss curves, {case}", plots.loss_curves(fights)))
    # The first seed with a boundary to draw: seed 0 unless every fighter failed there.
    boundary = next(filter(None, map(plots.decision_boundaries, fights)), None)
    if boundary:
        blocks.append(Figure(f"{stem}-boundaries.png", f"Decision boundaries, {case}", boundary))
    confusion = plots.confusion_matrices(fights)
    if confusion:
        blocks.append(Figure(f"{stem}-confusion.png", f"Confusion matrices, {case}", confusion))
    return blocks


def _trend_section(run: Run) -> list[Block]:
    """The trend over runs of this suite, from the history.csv beside the run folder."""
    path = run.run_dir.parent / HISTORY_PATH.name
    try:
        history = read_history(path)
    except ResultsError as err:
        return [Heading(2, "Trend"), Paragraph(f"not shown: {err}")]
    history = history[history["suite"] == run.suite_name]
    runs = history["run_id"].nunique()
    if runs < 2:
        return []  # a trend needs at least two runs of this suite
    return [
        Heading(2, "Trend"),
        Paragraph(
            f"The last {runs} runs of the {run.suite_name} suite recorded in {path.name} beside "
            "this run folder (one point per run, labelled by commit). David's speed-up is the "
            f"regression gate's: the ratio of {GATE_SPEED['fair']}s in fair cases."
        ),
        Figure("trend.png", f"trend over {runs} runs", plots.trend(history)),
    ]


def _environment_section(info: dict[str, Any]) -> list[Block]:
    environment = info.get("environment")
    blocks: list[Block] = [Heading(2, "Environment")]
    if isinstance(environment, dict) and environment:
        blocks.append(Table(["", "value"], [[key, value] for key, value in flatten(environment)]))
    else:
        blocks.append(Paragraph("Not recorded (run.json has no environment)."))
    return blocks


# --- Case details ------------------------------------------------------------------------------
def _setup_text(fights: Sequence[Fight]) -> str:
    first = fights[0]
    dataset = first.dataset
    params = ", ".join(f"{key}={value}" for key, value in (dataset.get("params") or {}).items())
    seeds = ", ".join(str(fight.seed) for fight in fights)
    mode = {
        "fair": "fair mode (same start, same batches, same optimiser)",
        "native": "native mode (each fighter trains its own way)",
    }[first.mode]
    text = (
        f"dataset {dataset['name']}{f' ({params})' if params else ''}, "
        f"{dataset['n_train']} training / {dataset['n_test']} test samples, "
        f"{dataset['n_features']} features, {dataset['n_classes']} classes; "
        f"{first.dtype}; {mode}; seeds {seeds}"
    )
    if first.case.get("target_accuracy") is not None:
        text += f"; target accuracy {first.case['target_accuracy']}"
    return text + "."


def _metric_rows(fights: Sequence[Fight], fighters: Sequence[str]) -> list[list[str]]:
    """One row per metric, one column per fighter, each over that fighter's finished seeds."""
    target = fights[0].case.get("target_accuracy")
    columns = [_fighter_column([f.fighters[name] for f in fights], target) for name in fighters]
    rows = [[label, *(column[label] for column in columns)] for label in columns[0]]
    if not all(fight.fighters[name].ok for fight in fights for name in fighters):
        rows.append(["status", *(_status_text(fights, name) for name in fighters)])
    return rows


def _fighter_column(records: Sequence[FighterRecord], target: float | None) -> dict[str, str]:
    finished = [record for record in records if record.ok]
    metrics = [record.metrics for record in finished]
    correct, total = sum(m.test_correct for m in metrics), sum(m.n_test for m in metrics)
    column = {
        "test accuracy, mean [min-max]": spread([m.test_accuracy for m in metrics]),
        "test accuracy pooled, Wilson 95%": _pooled(correct, total),
        "train accuracy, mean": mean_of([m.train_accuracy for m in metrics], "{:.3f}".format),
        "final test loss, mean": mean_of([m.test_loss for m in metrics], "{:.4g}".format),
        "training time, median": median_of([r.train_seconds for r in finished], format_seconds),
        "epoch time, median": median_of(
            [s for record in finished for s in record.epoch_seconds], milliseconds
        ),
        "samples/s, median": median_of([m.samples_per_second for m in metrics], "{:,.0f}".format),
    }
    if target is not None:
        column[f"epochs to target {target}, median"] = reached_median(
            [m.epochs_to_target for m in metrics], "{:g}".format
        )
        column["seconds to target, median"] = reached_median(
            [m.seconds_to_target for m in metrics], format_seconds
        )
    return column


def _pooled(correct: int, total: int) -> str:
    if not total:
        return MISSING
    low, high = wilson_interval(correct, total)
    return f"{correct / total:.3f} [{low:.3f}-{high:.3f}], {correct}/{total}"


def _status_text(fights: Sequence[Fight], name: str) -> str:
    ok = [str(f.seed) for f in fights if f.fighters[name].ok]
    problems = [
        f"seed {f.seed}: {f.fighters[name].why_not_ok()}" for f in fights if not f.fighters[name].ok
    ]
    if not problems:
        return "ok"
    return "; ".join(problems + ([f"ok in seeds {', '.join(ok)}"] if ok else []))


def _parity_text(fights: Sequence[Fight]) -> str:
    parities = [fight.parity for fight in fights if fight.parity]
    losses = [p.max_loss_difference for p in parities if p.max_loss_difference is not None]
    if not losses:
        return "not measured (a fighter did not finish)."
    weights = [p.max_weight_difference for p in parities if p.max_weight_difference is not None]
    epochs = sorted({p.epochs_compared for p in parities})
    span = str(epochs[0]) if len(epochs) == 1 else f"{epochs[0]}-{epochs[-1]}"
    text = f"max |loss difference| over {span} epochs: {tiny(max(losses))}; "
    text += f"max weight difference {tiny(max(weights)) if weights else 'not measured'}"
    if len(parities) > 1:
        text += f" (largest over {len(parities)} seeds)"
    return text + "."


def _settings_table(fight: Fight) -> Table:
    rows = []
    for name in fight.fighters:
        settings = fight.case["fighters"][name]
        batch = settings["batch_size"]
        rows.append(
            [
                display_name(name),
                str(settings["epochs"]),
                "full" if batch is None else str(batch),
                settings_text(settings["optimizer"]),
                str(settings.get("init") or MISSING),
            ]
        )
    return Table(["", "epochs", "batch size", "optimizer", "init"], rows)


def _per_class_table(fights: Sequence[Fight], fighters: Sequence[str]) -> Table | None:
    """Per-class F1 (mean over a fighter's finished seeds) for multiclass cases."""
    names = fights[0].class_names
    if not 2 < len(names) <= MAX_PER_CLASS_ROWS:
        return None
    columns = []
    for name in fighters:
        scores = [f.fighters[name].metrics.per_class["f1"] for f in fights if f.fighters[name].ok]
        columns.append(
            [
                f"{statistics.fmean(s[k] for s in scores):.3f}" if scores else MISSING
                for k in range(len(names))
            ]
        )
    rows = [[label, *(column[k] for column in columns)] for k, label in enumerate(names)]
    return Table(["class", *map(display_name, fighters)], rows)


def _winner_label(round_: Round) -> str:
    if round_.test == NO_CONTEST_TEST:
        return "no contest"
    label = display_name(round_.winner) if round_.winner != "draw" else "draw"
    return f"{label} (forfeit)" if round_.test == FORFEIT_TEST else label


def _slug(name: str) -> str:
    """A file-name-safe form of a case name (figure names are prefixed by index: no clashes)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.")[:60] or "case"
