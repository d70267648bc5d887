"""The fight card: report.md (+ figures/) and a self-contained report.html, from a run's files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bench.store.phases import REPORT_REST, PhaseClock
from bench.store.run_folder import CASES_DIR, RUN_FILE, ResultsError, load_run, load_run_info

from ..files import write_bytes, write_json, write_text
from . import picture_cache
from .document import Document
from .html import to_html
from .markdown import FIGURES_DIR, to_markdown
from .sections import build_document

MARKDOWN_FILE = "report.md"
HTML_FILE = "report.html"
_OUR_FIGURE = re.compile(r"(\d{2,}-.*-(loss|boundaries|evolution|confusion)|trend)\.(png|gif)")


def render_report(run_dir: str | Path) -> dict[str, Path]:
    """Write report.md (+ figures/) and report.html into a run folder; return their paths."""
    clock = PhaseClock()
    with clock.running():
        with clock.timing("reading"):
            run = load_run(Path(run_dir))
        if not run.fights:
            raise ResultsError(
                f"{run.run_dir}: no case results in {CASES_DIR}/ yet, nothing to report"
            )
        with picture_cache.reusing(run.run_dir / FIGURES_DIR):
            document = build_document(run)
        with clock.timing("writing"):
            paths = _write(run.run_dir, document)
    _record_phases(run.run_dir, clock.breakdown(rest=REPORT_REST))
    return paths


def _write(run_dir: Path, document: Document) -> dict[str, Path]:
    figures = run_dir / FIGURES_DIR
    files = document.files()
    for filename, data in files.items():
        write_bytes(figures / filename, data)
    _remove_stale_figures(figures, set(files))
    picture_cache.write_manifest(figures, document.blocks)
    paths = {"markdown": run_dir / MARKDOWN_FILE, "html": run_dir / HTML_FILE}
    write_text(paths["markdown"], to_markdown(document))
    write_text(paths["html"], to_html(document))
    return paths


def _record_phases(run_dir: Path, breakdown: dict[str, Any]) -> None:
    """Keep the report's own phases in run.json beside the run's (not for a folder without)."""
    info = load_run_info(run_dir)
    if info:
        write_json(run_dir / RUN_FILE, {**info, "report_phases": breakdown})


def _remove_stale_figures(folder: Path, keep: set[str]) -> None:
    """Drop figures of an earlier render (case order or names changed) so none are orphaned."""
    for path in folder.glob("*.*"):
        if path.name not in keep and _OUR_FIGURE.fullmatch(path.name):
            path.unlink(missing_ok=True)
