"""One case of the report: verdicts, set-up, numbers of every fighter, parity, pictures."""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence

from bench.judging.parity import EARLY_EPOCHS, PARITY_TOLERANCE, check_parity
from bench.judging.rounds import DRAW, FORFEIT_TEST, NO_CONTEST_TEST
from bench.judging.stats import wilson_interval
from bench.judging.verdict import CaseVerdict
from bench.store.phases import timed
from bench.store.records import DAVID, Fight
from bench.store.speed import verdict_speedup
from bench.wording import display_name

from ..fighters.roster import ROSTER
from ..wording import (
    MISSING,
    format_seconds,
    mean_of,
    median_of,
    megabytes,
    milliseconds,
    reached_median,
    settings_text,
    spread,
    tiny,
    tolerance,
)
from . import boundaries, plots
from .document import Animation, Block, Figure, Heading, Paragraph, Table, strip_filename
from .machines import machine_warning
from .picture_cache import drawn

MAX_PER_CLASS_ROWS = 20


def speed_cell(verdict: CaseVerdict | None) -> str:
    """The speed round of one case against one opponent, in a few words."""
    if verdict is None:
        return MISSING
    speed = next(r for r in verdict.rounds if r.name == "speed")
    if speed.test == NO_CONTEST_TEST:
        return "no contest"
    if speed.test == FORFEIT_TEST:
        return f"{display_name(speed.winner)} (forfeit)"
    if not speed.estimate:
        return DRAW
    if speed.winner == DAVID:
        return f"David {speed.estimate:.1f}x"
    if speed.winner == DRAW:
        return f"draw ({speed.estimate:.2f}x)"
    return f"{display_name(speed.winner)} {1 / speed.estimate:.1f}x"


def case_section(
    index: int, fights: Sequence[Fight], verdicts: Sequence[CaseVerdict]
) -> list[Block]:
    """Everything about one case."""
    first = fights[0]
    case = first.case_name
    blocks: list[Block] = [Heading(2, f"Case: {case}")]
    if first.case.get("description"):
        blocks.append(Paragraph(str(first.case["description"])))
    failed = [f for f in fights if f.error]
    for fight in failed:
        blocks.append(Paragraph(f"seed {fight.seed}: {fight.error}", lead="Could not run:"))
    fights = [f for f in fights if not f.error]
    if not fights:
        return blocks
    for verdict in verdicts:
        blocks.append(
            Paragraph(verdict.sentence, lead=f"Against {display_name(verdict.opponent)}:")
        )
    blocks.append(Paragraph(_decided_by(fights, verdicts), lead="Decided by:"))
    blocks.append(Paragraph(_setup_text(fights), lead="Setup:"))
    blocks += machine_warning(fights)
    fighters = list(first.fighters)
    blocks.append(Table(["", *map(display_name, fighters)], _metric_rows(fights, fighters)))
    if first.mode == "fair":
        blocks.append(Paragraph("", lead="Parity with David (same start, same batches):"))
        blocks.append(_parity_table(fights, fighters[1:]))
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
        text = "F1 score per class on the test set, mean over seeds."
        blocks += [Paragraph(text, lead="Per class:"), per_class]
    blocks += _pictures(index, case, fights)
    return blocks


def _pictures(index: int, case: str, fights: Sequence[Fight]) -> list[Block]:
    """Loss curves, decision boundaries and how they formed (2-D data), confusion matrices:
    each drawn, or read back from an earlier render of the same fights (picture_cache.py)."""
    stem = f"{index + 1:02d}-{_slug(case)}"
    name = f"{stem}-loss.png"
    with timed("figures"):
        [loss], key = drawn("loss", fights, [name], lambda: [plots.loss_curves(fights)])
    blocks: list[Block] = [Figure(name, f"Loss curves, {case}", loss, key)]
    # The first seed with a boundary to draw: seed 0 unless every fighter failed there.
    shown = next((fight for fight in fights if boundaries.drawable(fight)), None)
    if shown is not None:
        name = f"{stem}-boundaries.png"
        with timed("figures"):
            [boundary], key = drawn(
                "boundaries", [shown], [name], lambda: [boundaries.decision_boundaries(shown)]
            )
        blocks.append(Figure(name, f"Decision boundaries, {case}", boundary, key))
        gif = f"{stem}-evolution.gif"
        with timed("animations"):
            evolution, key = drawn(
                "evolution",
                [shown],
                [strip_filename(gif), gif],
                lambda: list(boundaries.boundary_evolution(shown) or ()),
            )
        if evolution:
            strip, animated = evolution
            alt = f"Decision boundaries during training, {case}"
            blocks.append(Animation(gif, alt, animated, strip, key))
    with timed("figures"):
        [confusion], key = drawn(
            "confusion",
            fights,
            [f"{stem}-confusion.png"],
            lambda: [plots.confusion_matrices(fights)],
        )
    if confusion:
        blocks.append(
            Figure(f"{stem}-confusion.png", f"Confusion matrices, {case}", confusion, key)
        )
    return blocks


def _decided_by(fights: Sequence[Fight], verdicts: Sequence[CaseVerdict]) -> str:
    tests = {}
    for verdict in verdicts:
        for r in verdict.rounds:
            if r.test not in (NO_CONTEST_TEST, FORFEIT_TEST):
                tests.setdefault(r.name, r.test)
    parts = [f"{name}: {test}" for name, test in tests.items()]
    if fights[0].mode == "fair":
        limit = tolerance(PARITY_TOLERANCE[fights[0].dtype])
        parts.append(
            f"accuracy and loss: parity (per-epoch losses identical to {limit} "
            "relative to max(1, |loss|))"
        )
    return "; ".join(parts) + "."


def _setup_text(fights: Sequence[Fight]) -> str:
    first = fights[0]
    dataset = first.dataset
    params = ", ".join(f"{key}={value}" for key, value in (dataset.get("params") or {}).items())
    seeds = ", ".join(str(fight.seed) for fight in fights)
    mode = {
        "fair": "fair mode (same start, same batches, same optimiser)",
        "native": "native mode (each fighter trains its own way)",
    }[first.mode]
    model = first.case.get("model") or {}
    layers = model.get("layers") or []
    sizes = [layers[0]["input_dim"], *(layer["output_dim"] for layer in layers)] if layers else []
    widths = "-".join(map(str, sizes)) or MISSING
    settings = first.case["fighters"][DAVID]
    batch = settings["batch_size"] or "full"
    text = (
        f"dataset {dataset['name']}{f' ({params})' if params else ''}, "
        f"{dataset['n_train']} training / {dataset['n_test']} test samples, "
        f"{dataset['n_features']} features, {dataset['n_classes']} classes; network {widths}, "
        f"{model.get('loss', MISSING)}, {settings_text(settings['optimizer'])}, batch {batch}, "
        f"{settings['epochs']} epochs; {first.dtype}; {mode}; seeds {seeds}"
    )
    if first.case.get("target_accuracy") is not None:
        text += f"; target accuracy {first.case['target_accuracy']}"
    return text + "."


def _metric_rows(fights: Sequence[Fight], fighters: Sequence[str]) -> list[list[str]]:
    """One row per metric, one column per fighter, each over that fighter's finished seeds."""
    target = fights[0].case.get("target_accuracy")
    columns = [_fighter_column(fights, name, target) for name in fighters]
    rows = [[label, *(column[label] for column in columns)] for label in columns[0]]
    if not all(fight.fighters[name].ok for fight in fights for name in fighters):
        rows.append(["status", *(_status_text(fights, name) for name in fighters)])
    return rows


def _fighter_column(fights: Sequence[Fight], name: str, target: float | None) -> dict[str, str]:
    records = [fight.fighters[name] for fight in fights]
    finished = [record for record in records if record.ok]
    metrics = [record.metrics for record in finished]
    correct, total = sum(m.test_correct for m in metrics), sum(m.n_test for m in metrics)
    speedups = [verdict_speedup(fight, name) for fight in fights] if name != DAVID else []
    column = {
        "test accuracy, mean [min-max]": spread([m.test_accuracy for m in metrics]),
        "test accuracy pooled, Wilson 95%": _pooled(correct, total),
        "train accuracy, mean": mean_of([m.train_accuracy for m in metrics], "{:.3f}".format),
        "final test loss, mean": mean_of([m.test_loss for m in metrics], "{:.4g}".format),
        "training time, median": median_of([r.train_seconds for r in finished], format_seconds),
        "epoch time, median": median_of(
            [s for record in finished for s in record.epoch_seconds], milliseconds
        ),
        "first epoch (incl. compiling), median": median_of(
            [r.epoch_seconds[0] for r in finished if r.epoch_seconds], milliseconds
        ),
        "samples/s, median": median_of([m.samples_per_second for m in metrics], "{:,.0f}".format),
        "David's speed-up, per seed": (
            ", ".join(f"{s:.2f}x" for s in speedups if s) or MISSING
            if name != DAVID
            else "1 (reference)"
        ),
        "peak training memory, median": median_of(
            [r.peak_memory_bytes for r in finished], megabytes
        ),
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


def _scaled(fights: Sequence[Fight], opponent: str) -> str | None:
    """What the harness scaled for the opponent's declared loss convention, if anything."""
    said = {fight.fighters[opponent].scaled for fight in fights if opponent in fight.fighters}
    said.discard(None)
    return "; ".join(sorted(said)) or None


def _parity_table(fights: Sequence[Fight], opponents: Sequence[str]) -> Table:
    optimizer = fights[0].case["fighters"][DAVID]["optimizer"]["name"]
    rows = []
    for opponent in opponents:
        check = check_parity(fights, opponent)
        limit = tolerance(check.tolerance)
        early = check.dtype == "float32" and check.early_loss_difference is not None
        over = f" over the first {EARLY_EPOCHS} epochs" if early else ""
        if check.identical is None:
            verdict = "not measured (a fighter did not finish)"
        elif check.identical:
            verdict = f"identical to {limit}{over}: the same function"
        else:
            verdict = f"DIFFERS beyond {limit}{over}: not the same function"
            known = ROSTER[opponent].known_gaps.get(optimizer) if opponent in ROSTER else None
            if known:
                verdict += f" (known: {known})"
        scaled = _scaled(fights, opponent)
        if scaled:
            verdict += f", with its {scaled}"
        epochs = sorted(set(check.epochs))
        span = f"{epochs[0]}-{epochs[-1]}" if len(epochs) > 1 else str(epochs[0]) if epochs else "0"
        rows.append(
            [
                display_name(opponent),
                _gap(check.early_loss_difference),
                _gap(check.max_loss_difference),
                _gap(check.max_weight_difference),
                f"{span} epochs x {check.seeds} seeds",
                verdict,
            ]
        )
    header = [
        "",
        f"max |loss difference|, first {EARLY_EPOCHS} epochs",
        "all epochs",
        "final |weight difference|",
        "compared",
        "parity",
    ]
    return Table(header, rows)


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
        means = (
            [statistics.fmean(s[k] for s in scores) for k in range(len(names))] if scores else []
        )
        columns.append([f"{mean:.3f}" for mean in means] or [MISSING] * len(names))
    rows = [[label, *(column[k] for column in columns)] for k, label in enumerate(names)]
    return Table(["class", *map(display_name, fighters)], rows)


def _slug(name: str) -> str:
    """A file-name-safe form of a case name (figure names are prefixed by index: no clashes)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.")[:60] or "case"


def _gap(value: float | None) -> str:
    return MISSING if value is None else tiny(value)
