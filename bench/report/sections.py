"""The report of a run, in reading order: claims, the card, fighters, cases, trend, environment."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from bench.judging.rounds import DRAW, FORFEIT_TEST, NO_CONTEST_TEST
from bench.judging.verdict import CaseVerdict, judge, scoreboard
from bench.run.blas_kernels import older_kernels
from bench.run.machine_load import busy_warning
from bench.store.compact import is_compact
from bench.store.phases import REPORT_REST, active_breakdown
from bench.store.records import Fight
from bench.store.run_folder import Run
from bench.wording import display_name

from ..fighters.roster import ROSTER
from ..wording import MISSING, flatten
from .case_section import speed_cell
from .claims_section import claims_section
from .document import Block, Document, Heading, Paragraph, Table
from .machines import parallel_note
from .parallel import case_sections
from .phases_section import phases_section
from .scaling_section import scaling_section
from .trend_section import trend_section


def build_document(run: Run) -> Document:
    """The whole report of a run."""
    title = f"David vs Goliath: {run.suite_name or 'unnamed'} suite, run {_run_id(run)}"
    by_case = run.by_case
    opponents = list(dict.fromkeys(o for fight in run.fights for o in fight.opponents))
    verdicts = {
        case: [judge(fights, name) for name in opponents if name in fights[0].fighters]
        for case, fights in by_case.items()
    }
    every = [verdict for case_verdicts in verdicts.values() for verdict in case_verdicts]
    blocks: list[Block] = [Heading(1, title), *_run_summary(run), *_machine_warnings(run)]
    blocks += claims_section(run)  # the question a reader brings: does the article hold?
    blocks += _card(every, opponents, list(by_case))
    blocks += _fighters_section(run.fights)
    blocks += scaling_section(by_case, verdicts)
    jobs = [(index, fights, verdicts[case]) for index, (case, fights) in enumerate(by_case.items())]
    for section in case_sections(jobs):
        blocks += section
    blocks += trend_section(run)
    blocks += _environment_section(run.info)
    blocks += phases_section(run.info.get("phases"), active_breakdown(rest=REPORT_REST))
    return Document(title, blocks)


def _run_id(run: Run) -> str:
    return str(run.info.get("run_id") or (run.fights[0].run_id if run.fights else run.run_dir))


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
    if is_compact(run.info):
        blocks.append(
            Paragraph(
                "This is a compact record of the run (python -m bench compact): every number "
                "is kept, the decision boundaries are not, so this report has no boundary "
                "pictures; the full run folder has them."
            )
        )
    names = run.info.get("case_names")
    waiting = [str(n) for n in names if n not in run.by_case] if isinstance(names, list) else []
    if waiting:
        blocks.append(Paragraph(", ".join(waiting), lead="No results yet for:"))
    if run.ignored:
        blocks.append(Paragraph("; ".join(run.ignored), lead="Left out of this report:"))
    return blocks + parallel_note(run.fights)


def _headline(verdicts: Sequence[CaseVerdict], opponent: str) -> str:
    """David's speed against one opponent over the cases, in a sentence."""
    rounds = [r for v in verdicts if v.opponent == opponent for r in v.rounds if r.name == "speed"]
    fought = [r for r in rounds if r.test not in (NO_CONTEST_TEST, FORFEIT_TEST)]
    forfeits = [r for r in rounds if r.test == FORFEIT_TEST]
    them = display_name(opponent)
    if not fought and not forfeits:
        return f"against {them}: no contest in {len(rounds)} cases."
    parts = []
    wins = [r.estimate for r in fought if r.winner == "david" and r.estimate]
    losses = [1 / r.estimate for r in fought if r.winner == opponent and r.estimate]
    if wins:
        parts.append(f"David faster in {len(wins)} (median {statistics.median(wins):.1f}x)")
    if losses:
        parts.append(f"{them} faster in {len(losses)} (median {statistics.median(losses):.1f}x)")
    draws = sum(r.winner == DRAW for r in fought)
    if draws:
        parts.append(f"{draws} too close to call")
    for winner, who in (("david", "David"), (opponent, them)):
        count = sum(r.winner == winner for r in forfeits)
        if count:
            parts.append(f"{who} won {count} by forfeit")
    return f"against {them}: of {len(rounds)} cases, " + ", ".join(parts) + "."


def _card(
    verdicts: Sequence[CaseVerdict], opponents: Sequence[str], cases: list[str]
) -> list[Block]:
    blocks: list[Block] = [Heading(2, "The card")]
    for opponent in opponents:
        lead = ROSTER[opponent].description if opponent in ROSTER else ""
        text = _headline(verdicts, opponent)
        blocks.append(Paragraph(text[:1].upper() + text[1:] + (f" ({lead})" if lead else "")))
    rows = []
    for opponent in opponents:
        board = scoreboard(verdicts, opponent)
        no_contest = sum(
            r.test == NO_CONTEST_TEST for v in verdicts if v.opponent == opponent for r in v.rounds
        )
        rows.append(
            [
                display_name(opponent),
                str(board.david),
                str(board.opponent_wins),
                str(board.draws - no_contest),
                str(no_contest),
            ]
        )
    blocks.append(Heading(3, "Scoreboard"))
    blocks.append(
        Table(["David against", "rounds won by David", "won by them", "drawn", "no contest"], rows)
    )
    by_pair = {(v.case, v.opponent): v for v in verdicts}
    speed_rows = [
        [case, *(speed_cell(by_pair.get((case, opponent))) for opponent in opponents)]
        for case in cases
    ]
    blocks.append(Heading(3, "Speed, case by case"))
    blocks.append(Table(["case", *(f"vs {display_name(o)}" for o in opponents)], speed_rows))
    blocks.append(
        Paragraph(
            "A round is won only when the difference lies beyond its 95% interval; otherwise it "
            "is a draw. In fair mode every fighter starts from the same weights and trains on the "
            "same batches, so accuracy and loss are checked for parity, not fought over: the "
            "rounds are speed and memory. In native mode each fighter trains its own way and "
            "accuracy and loss are rounds too. Each case names the test that decided each round."
        )
    )
    return blocks


def _processes(fights: Sequence[Fight]) -> dict[str, dict[str, Any]]:
    """Each fighter's worker settings as it reported them ({} where it never reported)."""
    processes: dict[str, dict[str, Any]] = {}
    for fight in fights:
        for name, record in fight.fighters.items():
            if record.process and not processes.get(name):
                processes[name] = record.process
            processes.setdefault(name, {})
    return processes


def _machine_warnings(run: Run) -> list[Block]:
    """Warnings about the machine that can change who wins: load, and BLAS kernels."""
    environment = run.info.get("environment")
    environment = environment if isinstance(environment, dict) else {}
    busy = busy_warning(run.info.get("load_average_max"), environment.get("cores"))
    blocks = [Paragraph(busy[:1].upper() + busy[1:], lead="Warning:")] if busy else []
    return blocks + _kernel_warning(environment, run.fights)


def _kernel_warning(environment: dict[str, Any], fights: Sequence[Fight]) -> list[Block]:
    """A warning when a fighter's BLAS runs older kernels than this CPU supports."""
    cpu = environment.get("cpu_vector_level")
    if not cpu:
        return []
    affected = {
        name: older
        for name, process in _processes(fights).items()
        if (older := older_kernels(cpu, process.get("blas") or []))
    }
    if not affected:
        return []
    kernels = sorted({kernel for older in affected.values() for kernel in older})
    forced = (environment.get("variables") or {}).get("OPENBLAS_CORETYPE")
    cause = f", forced by OPENBLAS_CORETYPE={forced}" if forced else ""
    return [
        Paragraph(
            f"NumPy's BLAS ran {', '.join(kernels)} kernels on a CPU with {cpu}{cause}, in the "
            f"workers of {', '.join(display_name(n) for n in affected)}. Fighters that compute "
            "with NumPy (David, scikit-learn) then run below this machine's matrix rate while "
            "TensorFlow and JAX use their own kernels, which can change who wins the "
            "compute-bound cases. To compare, run again with the variable unset (and "
            "OPENBLAS_L2_SIZE with it).",
            lead="Warning:",
        )
    ]


def _fighters_section(fights: Sequence[Fight]) -> list[Block]:
    """Each fighter's configuration, as its worker process reported it."""
    processes = _processes(fights)
    rows = [
        [
            display_name(name),
            ROSTER[name].description if name in ROSTER else MISSING,
            _framework_text(process),
            _blas_text(process),
        ]
        for name, process in processes.items()
    ]
    return [
        Heading(2, "The fighters"),
        Paragraph(
            "Every number in this report comes from one of these configurations, each trained in "
            "its own worker process started with its settings."
        ),
        Table(["fighter", "what it is", "framework and settings", "BLAS: kernel x threads"], rows),
    ]


def _environment_section(info: dict[str, Any]) -> list[Block]:
    environment = info.get("environment")
    blocks: list[Block] = [Heading(2, "Environment")]
    if isinstance(environment, dict) and environment:
        blocks.append(Table(["", "value"], [[key, value] for key, value in flatten(environment)]))
    else:
        blocks.append(Paragraph("Not recorded (run.json has no environment)."))
    return blocks


def _framework_text(process: dict[str, Any]) -> str:
    """Versions, backend, oneDNN, determinism, XLA and threads, as a worker reported them."""
    if not process:
        return MISSING
    versions = process.get("versions") or {}
    framework = process.get("framework") or {}
    parts = [f"{name} {version}" for name, version in versions.items()]
    if framework.get("backend"):
        parts.append(f"backend {framework['backend']}")
    for key, label in (("onednn", "oneDNN"), ("deterministic", "op determinism")):
        if framework.get(key) is not None:
            parts.append(f"{label} {'on' if framework[key] else 'off'}")
    parts += [f"{key}={value}" for key, value in (process.get("options") or {}).items()]
    threads = framework.get("threads") or {}
    parts += [f"{kind} threads {count}" for kind, count in threads.items() if count]
    # Set by --jobs (each Dask worker's share) or by the user: they decide the threads used.
    variables = process.get("variables") or {}
    parts += [f"{name}={value}" for name, value in variables.items() if name.endswith("_THREADS")]
    return ", ".join(parts)


def _blas_text(process: dict[str, Any]) -> str:
    """NumPy's BLAS in the worker: library, kernel, threads, and a forced kernel if any."""
    pools = (process or {}).get("blas") or []
    text = ", ".join(
        f"{p.get('library')} {p.get('architecture')} x{p.get('threads')}" for p in pools
    )
    forced = (process or {}).get("variables", {}).get("OPENBLAS_CORETYPE")
    if forced:
        text += f" (forced by OPENBLAS_CORETYPE={forced})"
    return text or MISSING
