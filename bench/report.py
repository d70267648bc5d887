"""The fight card: report.md and a self-contained report.html, from a run folder's files alone."""

from __future__ import annotations

import base64
import html
import os
import re
import statistics
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .plots import confusion_matrices, decision_boundaries, loss_curves, trend
from .results import CASES_DIR, ResultsError, atomic_write_text, load_case_results, load_run
from .verdict import (
    FIGHTERS,
    FORFEIT_TEST,
    NAMES,
    NO_CONTEST_TEST,
    CaseVerdict,
    Round,
    format_seconds,
    is_ok,
    judge_case,
    overall_sentence,
    scoreboard,
    three_digits,
    why_not_ok,
    wilson_interval,
)

MARKDOWN_FILE = "report.md"
HTML_FILE = "report.html"
FIGURES_DIR = "figures"
MISSING = "—"
_FIGURE_NAME = re.compile(r"(\d{2,}-.*-(loss|boundaries|confusion)|trend)\.png")  # ours only


# The report is built once as a list of blocks and rendered twice, so the Markdown and the HTML
# cannot drift apart. Block text is plain: each renderer escapes it for its own format.
@dataclass(frozen=True)
class Heading:
    """A section title."""

    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    """Running text, optionally led by a few words in bold."""

    text: str
    lead: str = ""


@dataclass(frozen=True)
class Table:
    """A header row and body rows of plain-text cells."""

    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Figure:
    """A PNG: a file under figures/ in Markdown, a data URI in HTML."""

    filename: str
    alt: str
    png: bytes


Block = Heading | Paragraph | Table | Figure


def render_report(run_dir: str | Path) -> dict[str, Path]:
    """Write report.md (+ figures/) and a self-contained report.html into a run folder."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ResultsError(f"{run_dir}: no such run folder")
    run = load_run(run_dir)
    results = load_case_results(run_dir)
    if not results:
        raise ResultsError(f"{run_dir}: no case results in {CASES_DIR}/ yet, nothing to report")
    title, blocks = build_document(run_dir, run, results)
    figures = [block for block in blocks if isinstance(block, Figure)]
    for figure in figures:
        _atomic_write_bytes(run_dir / FIGURES_DIR / figure.filename, figure.png)
    _remove_stale_figures(run_dir / FIGURES_DIR, {figure.filename for figure in figures})
    paths = {"markdown": run_dir / MARKDOWN_FILE, "html": run_dir / HTML_FILE}
    atomic_write_text(paths["markdown"], to_markdown(blocks))
    atomic_write_text(paths["html"], to_html(title, blocks))
    return paths


def build_document(
    run_dir: Path, run: dict[str, Any], results: Sequence[dict[str, Any]]
) -> tuple[str, list[Block]]:
    """The report's title and blocks, in reading order."""
    suite = run.get("suite") if isinstance(run.get("suite"), dict) else {}
    run_id = run.get("run_id") or results[0]["run_id"]
    title = f"David vs Goliath: {suite.get('name') or 'unnamed'} suite, run {run_id}"
    by_case: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        by_case.setdefault(result["case"]["name"], []).append(result)
    verdicts = [judge_case(case_results) for case_results in by_case.values()]

    blocks: list[Block] = [Heading(1, title), *_run_summary(run, suite, by_case)]
    blocks += _scoreboard_section(verdicts)
    for index, (case_results, verdict) in enumerate(zip(by_case.values(), verdicts, strict=True)):
        blocks += _case_section(index, case_results, verdict)
    blocks += _extra_sections(run_dir)
    blocks += _environment_section(run)
    return title, blocks


# --- Extension point -------------------------------------------------------------------------
def _extra_sections(run_dir: Path) -> list[Block]:
    """Sections that need more than this run: the trend over runs in results/history.csv."""
    from .regress import HISTORY_FILE, read_history

    history = read_history(run_dir.parent / HISTORY_FILE)
    suite = load_run(run_dir).get("suite", {}).get("name")
    if history.empty or "suite" not in history:
        return []
    history = history[history["suite"] == suite]
    if history["run_id"].nunique() < 2:
        return []  # a trend needs at least two runs of this suite
    runs = history["run_id"].nunique()
    return [
        Heading(2, "Trend"),
        Paragraph(
            f"The last {runs} runs of the {suite} suite recorded in {HISTORY_FILE} beside this "
            "run folder (one point per run, labelled by commit)."
        ),
        Figure("trend.png", f"trend over {runs} runs", trend(history)),
    ]


# --- Sections ----------------------------------------------------------------------------------
def _run_summary(
    run: dict[str, Any], suite: dict[str, Any], by_case: dict[str, list[dict[str, Any]]]
) -> list[Block]:
    blocks: list[Block] = []
    if suite.get("description"):
        blocks.append(Paragraph(str(suite["description"])))
    when = f"Started {run.get('started') or 'at an unrecorded time'}"
    if run.get("finished"):
        when += f", finished {run['finished']}."
    else:
        when += ", not finished (or interrupted): this report shows the cases that have results."
    blocks.append(Paragraph(when))
    names = run.get("case_names")
    expected = [str(name) for name in names] if isinstance(names, list) else []
    waiting = [name for name in expected if name not in by_case]
    if waiting:
        blocks.append(Paragraph(", ".join(waiting), lead="No results yet for:"))
    return blocks


def _scoreboard_section(verdicts: Sequence[CaseVerdict]) -> list[Block]:
    board = scoreboard(verdicts)
    rows = [[verdict.case, *(_winner_label(r) for r in verdict.rounds)] for verdict in verdicts]
    return [
        Heading(2, "Scoreboard"),
        Table(
            ["Rounds won by David", "Rounds won by Goliath", "Rounds drawn"],
            [[str(board["david"]), str(board["goliath"]), str(board["draw"])]],
        ),
        Paragraph(overall_sentence(board), lead="Overall:"),
        Table(["Case", "Accuracy", "Loss", "Speed"], rows),
        Paragraph(
            "A round is won only when the difference lies beyond its 95% interval; "
            "otherwise it is a draw. Each case below names the test that decided each round."
        ),
    ]


def _case_section(
    index: int, results: Sequence[dict[str, Any]], verdict: CaseVerdict
) -> list[Block]:
    case = results[0]["case"]
    blocks: list[Block] = [Heading(2, f"Case: {verdict.case}")]
    if case.get("description"):
        blocks.append(Paragraph(str(case["description"])))
    blocks.append(Paragraph(verdict.sentence, lead="Verdict:"))
    tests = {r.test for r in verdict.rounds}
    decided = (
        f"{tests.pop()} (every round)"
        if len(tests) == 1
        else "; ".join(f"{r.name}: {r.test}" for r in verdict.rounds)
    )
    blocks.append(Paragraph(decided + ".", lead="Decided by:"))
    blocks.append(Paragraph(_setup_text(results), lead="Setup:"))
    blocks.append(Table(["", *(NAMES[f] for f in FIGHTERS)], _metric_rows(results)))
    if case["mode"] == "fair":
        blocks.append(Paragraph(_parity_text(results), lead="Parity:"))
    else:
        blocks.append(
            Paragraph(
                "each fighter trains as its own users would run it, so this is not like with like:",
                lead="Native mode:",
            )
        )
        blocks.append(_settings_table(case))

    stem = f"{index + 1:02d}-{_slug(verdict.case)}"
    blocks.append(Figure(f"{stem}-loss.png", f"Loss curves, {verdict.case}", loss_curves(results)))
    # The first seed with a boundary to draw: seed 0 unless both its fighters failed.
    boundary = next(filter(None, map(decision_boundaries, results)), None)
    if boundary:
        blocks.append(
            Figure(f"{stem}-boundaries.png", f"Decision boundaries, {verdict.case}", boundary)
        )
    confusion = confusion_matrices(results)
    if confusion:
        blocks.append(
            Figure(f"{stem}-confusion.png", f"Confusion matrices, {verdict.case}", confusion)
        )
    return blocks


def _environment_section(run: dict[str, Any]) -> list[Block]:
    environment = run.get("environment")
    blocks: list[Block] = [Heading(2, "Environment")]
    if isinstance(environment, dict) and environment:
        rows = [[key, value] for key, value in _flatten(environment)]
        blocks.append(Table(["", "value"], rows))
    else:
        blocks.append(Paragraph("Not recorded (run.json has no environment)."))
    return blocks


# --- Case details ------------------------------------------------------------------------------
def _setup_text(results: Sequence[dict[str, Any]]) -> str:
    first = results[0]
    case, dataset = first["case"], first["dataset"]
    params = ", ".join(f"{key}={value}" for key, value in (dataset.get("params") or {}).items())
    seeds = ", ".join(str(result["seed"]) for result in results)
    mode = {
        "fair": "fair mode (same start, same batches, same optimiser)",
        "native": "native mode (each fighter trains its own way)",
    }[case["mode"]]
    text = (
        f"dataset {dataset['name']}{f' ({params})' if params else ''}, "
        f"{dataset['n_train']} training / {dataset['n_test']} test samples, "
        f"{dataset['n_features']} features, {dataset['n_classes']} classes; "
        f"{case['dtype']}; {mode}; seeds {seeds}"
    )
    if case.get("target_accuracy") is not None:
        text += f"; target accuracy {case['target_accuracy']}"
    return text + "."


def _metric_rows(results: Sequence[dict[str, Any]]) -> list[list[str]]:
    """One row per metric, one column per fighter, each over that fighter's finished seeds."""
    target = results[0]["case"].get("target_accuracy")
    columns = [_fighter_metrics(results, fighter, target) for fighter in FIGHTERS]
    rows = [[label, *(column[label] for column in columns)] for label in columns[0]]
    if not all(is_ok(result, fighter) for result in results for fighter in FIGHTERS):
        rows.append(["status", *(_status_text(results, fighter) for fighter in FIGHTERS)])
    return rows


def _fighter_metrics(
    results: Sequence[dict[str, Any]], fighter: str, target: float | None
) -> dict[str, str]:
    entries = [r["fighters"][fighter] for r in results if is_ok(r, fighter)]
    metrics = [entry["metrics"] for entry in entries]
    accuracies = [m["test_accuracy"] for m in metrics]
    correct, total = sum(m["test_correct"] for m in metrics), sum(m["n_test"] for m in metrics)
    epoch_seconds = [s for e in entries for s in (e.get("history") or {}).get("epoch_seconds", [])]
    column = {
        "test accuracy, mean [min-max]": _spread(accuracies),
        "test accuracy pooled, Wilson 95%": _pooled(correct, total),
        "train accuracy, mean": _mean([m["train_accuracy"] for m in metrics], "{:.3f}"),
        "final test loss, mean": _mean([m["test_loss"] for m in metrics], "{:.4g}"),
        "training time, median": _median([e["train_seconds"] for e in entries], format_seconds),
        "epoch time, median": _median(epoch_seconds, lambda s: f"{three_digits(s * 1e3)} ms"),
        "samples/s, median": _median([m["samples_per_second"] for m in metrics], "{:,.0f}".format),
    }
    if target is not None:
        column[f"epochs to target {target}, median"] = _to_target(
            [m["epochs_to_target"] for m in metrics], "{:g}".format
        )
        column["seconds to target, median"] = _to_target(
            [m["seconds_to_target"] for m in metrics], format_seconds
        )
    return column


def _status_text(results: Sequence[dict[str, Any]], fighter: str) -> str:
    ok = [str(r["seed"]) for r in results if is_ok(r, fighter)]
    problems = [
        f"seed {r['seed']}: {why_not_ok(r, fighter)}" for r in results if not is_ok(r, fighter)
    ]
    if not problems:
        return "ok"
    return "; ".join(problems + ([f"ok in seeds {', '.join(ok)}"] if ok else []))


def _parity_text(results: Sequence[dict[str, Any]]) -> str:
    parities = [r["parity"] for r in results if r.get("parity")]
    losses = [p["max_loss_difference"] for p in parities if p["max_loss_difference"] is not None]
    if not losses:
        return "not measured (a fighter did not finish)."
    weights = [
        p["max_weight_difference"] for p in parities if p["max_weight_difference"] is not None
    ]
    epochs = sorted({p["epochs_compared"] for p in parities})
    span = str(epochs[0]) if len(epochs) == 1 else f"{epochs[0]}-{epochs[-1]}"
    text = f"max |loss difference| over {span} epochs: {_tiny(max(losses))}; "
    text += f"max weight difference {_tiny(max(weights)) if weights else 'not measured'}"
    if len(parities) > 1:
        text += f" (largest over {len(parities)} seeds)"
    return text + "."


def _settings_table(case: dict[str, Any]) -> Table:
    rows = []
    for fighter in FIGHTERS:
        settings = case["fighters"][fighter]
        optimizer = dict(settings["optimizer"])
        name = str(optimizer.pop("name"))
        if optimizer:
            name += " (" + ", ".join(f"{key}={value}" for key, value in optimizer.items()) + ")"
        batch = settings["batch_size"]
        rows.append(
            [
                NAMES[fighter],
                str(settings["epochs"]),
                "full" if batch is None else str(batch),
                name,
                str(settings.get("init") or MISSING),
            ]
        )
    return Table(["", "epochs", "batch size", "optimizer", "init"], rows)


def _winner_label(round_: Round) -> str:
    if round_.test == NO_CONTEST_TEST:
        return "no contest"
    label = NAMES.get(round_.winner, "draw")
    return f"{label} (forfeit)" if round_.test == FORFEIT_TEST else label


# --- Number formatting -------------------------------------------------------------------------
def _spread(values: list[float]) -> str:
    if not values:
        return MISSING
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.fmean(values):.3f} [{min(values):.3f}-{max(values):.3f}]"


def _pooled(correct: int, total: int) -> str:
    if not total:
        return MISSING
    low, high = wilson_interval(correct, total)
    return f"{correct / total:.3f} [{low:.3f}-{high:.3f}], {correct}/{total}"


def _mean(values: list[float | None], pattern: str) -> str:
    values = [v for v in values if v is not None]
    return pattern.format(statistics.fmean(values)) if values else MISSING


def _median(values: list[float | None], fmt: Callable[[float], str]) -> str:
    values = [v for v in values if v is not None]
    return fmt(statistics.median(values)) if values else MISSING


def _to_target(values: list[float | None], fmt: Callable[[float], str]) -> str:
    if not values:
        return MISSING
    reached = [v for v in values if v is not None]
    if not reached:
        return "not reached"
    text = fmt(statistics.median(reached))
    if len(reached) < len(values):
        text += f" (reached in {len(reached)} of {len(values)} seeds)"
    return text


def _tiny(value: float) -> str:
    return "0" if value == 0 else f"{value:.1e}"


def _flatten(mapping: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Nested dicts become dotted keys; lists become comma-separated text."""
    rows: list[tuple[str, str]] = []
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows += _flatten(value, f"{name}.")
        elif isinstance(value, list | tuple):
            rows.append((name, ", ".join(str(item) for item in value)))
        else:
            rows.append((name, MISSING if value is None or value == {} else str(value)))
    return rows


def _slug(name: str) -> str:
    """A file-name-safe form of a case name (figure names are prefixed by index: no clashes)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.")[:60] or "case"


# --- Renderers ---------------------------------------------------------------------------------
# Backslash-escape everything Markdown (and GitHub's extensions: tables, strikethrough, maths)
# could read as markup, so case names and reasons print literally and never break a table.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~$#!])")


def _md(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def to_markdown(blocks: Sequence[Block]) -> str:
    """The report as GitHub-flavoured Markdown; figures link to figures/<name>.png."""
    parts = []
    for block in blocks:
        if isinstance(block, Heading):
            parts.append(f"{'#' * block.level} {_md(block.text)}")
        elif isinstance(block, Paragraph):
            parts.append((f"**{_md(block.lead)}** " if block.lead else "") + _md(block.text))
        elif isinstance(block, Table):
            lines = [_md_row(block.header), "|" + " --- |" * len(block.header)]
            lines += [_md_row(row) for row in block.rows]
            parts.append("\n".join(lines))
        else:
            parts.append(f"![{_md(block.alt)}]({FIGURES_DIR}/{block.filename})")
    return "\n\n".join(parts) + "\n"


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(_md(cell) for cell in cells) + " |"


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 62rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.45; color: #222; }
h1 { font-size: 1.6rem; }
h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.92rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
img { max-width: 100%; height: auto; display: block; margin: 0.8rem 0; }
"""


def to_html(title: str, blocks: Sequence[Block]) -> str:
    """The report as one HTML file, figures embedded as base64 PNG data URIs."""
    esc = html.escape
    body = []
    for block in blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{esc(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            lead = f"<strong>{esc(block.lead)}</strong> " if block.lead else ""
            body.append(f"<p>{lead}{esc(block.text)}</p>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{esc(cell)}</th>" for cell in block.header)
            rows = "".join(
                "<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>"
                for row in block.rows
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        else:
            data = base64.b64encode(block.png).decode("ascii")
            body.append(f'<img src="data:image/png;base64,{data}" alt="{esc(block.alt)}">')
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _remove_stale_figures(folder: Path, keep: set[str]) -> None:
    """Drop figures of an earlier render (case order or names changed) so none are orphaned."""
    for path in folder.glob("*.png"):
        if path.name not in keep and _FIGURE_NAME.fullmatch(path.name):
            path.unlink(missing_ok=True)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write bytes via a temp file and rename, like results.atomic_write_text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
