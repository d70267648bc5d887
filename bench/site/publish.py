"""`bench publish`: the results store turned into a static site that works from file://."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

from bench.errors import HarnessError
from bench.files import write_text
from bench.site.compare import default_pairs, pair_rows
from bench.site.history import SitePoint, Styles, case_steps, case_traces, machine_groups
from bench.site.index import IndexedRun, IndexStats, StoreIndex
from bench.site.pages import MANIFEST_FILE, PageManifest, render, script_json
from bench.site.pair_data import compare_constants
from bench.site.store import INDEX_FILE, run_folders, site_keys, slug
from bench.store.run_folder import RUN_FILE
from bench.wording import display_name

REPORT_FILE = "report.html"


@dataclass(frozen=True)
class CompareData:
    """A run's compare data: the content it follows from, and how to read it from the index."""

    content_key: str
    load: Callable[[], dict[str, Any]]


@dataclass
class Published:
    """What a publish wrote and read."""

    out: Path
    runs: int
    skipped: list[tuple[str, str]]
    stats: IndexStats
    pages: int = 0
    pairs: int = 0
    keys: dict[str, str] = field(default_factory=dict)  # run folder -> page key


def publish(
    stores: list[Path],
    out: Path,
    index_path: Path | None = None,
    compare: list[tuple[str, str]] | None = None,
    workers: int | None = None,
) -> Published:
    """Index the stores' run folders and write the site into `out`."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise HarnessError(f"--out {out}: a file is in the way (the site is a folder)")
    folders = run_folders(stores, skip=out)
    _refuse_results_as_site(out, stores, folders)
    index = StoreIndex(index_path or Path(stores[0]) / INDEX_FILE)
    try:
        indexed, stats = index.update(folders, workers=workers)
        usable = [entry for entry in indexed if entry.summary is not None]
        skipped = [(str(e.folder), e.skipped or "") for e in indexed if e.summary is None]
        keys = site_keys({e.folder: e.summary["run_id"] for e in usable})
        runs = _in_commit_order(usable, keys)
        # Each run's compare data (runs/RUN.pair.js), read from the index only when written.
        compare_data = {
            keys[e.folder]: CompareData(e.key, partial(index.pair_data_of, e)) for e in usable
        }
        writer = _SiteWriter(out, steps=index.cached)
        pairs = _pairs(
            index,
            runs,
            {r["key"]: e for r, e in zip(runs, _entries(runs, usable, keys), strict=True)},
            compare or [],
        )
        writer.write_site(runs, skipped, pairs, compare_data)
    finally:
        index.close()
    published = Published(out, len(runs), skipped, stats, keys={str(f): k for f, k in keys.items()})
    published.pages, published.pairs = writer.pages, len(pairs)
    return published


def _refuse_results_as_site(out: Path, stores: list[Path], folders: list[Path]) -> None:
    """A site written over results would delete them as stale pages: refuse such an --out."""
    target = out.resolve()
    for place in [*stores, *folders]:
        place = Path(place).resolve()
        if (
            target == place
            or place.is_relative_to(target)
            or target.is_relative_to(place / "cases")
        ):
            raise HarnessError(
                f"--out {out}: holds results ({place}); the site needs a folder of its own, "
                "such as STORE/site"
            )
    # A site has cases/ too (its case pages), so run.json is what marks results here.
    if out.is_dir() and any(
        place.is_file() for place in [out / RUN_FILE, *out.glob(f"*/{RUN_FILE}")]
    ):
        raise HarnessError(f"--out {out}: holds run folders; choose a folder of its own")


def _in_commit_order(usable: list[IndexedRun], keys: dict[Path, str]) -> list[dict[str, Any]]:
    """Run summaries, oldest first: by their commit's date, then by when they started."""
    runs = [{**e.summary, "key": keys[e.folder], "folder": str(e.folder)} for e in usable]
    runs.sort(key=lambda run: (*commit_order(run), run["run_id"], run["key"]))
    for order, run in enumerate(runs):
        run["order"] = order
    return runs


def commit_order(run: dict[str, Any]) -> tuple[datetime, datetime]:
    """Where a run sits in commit order: its commit's date, then its start (both in UTC).

    A run recorded before commit dates were (no git_commit_date in its environment) falls back
    to its start time for both.
    """
    started = _utc(run.get("date"))
    return _utc(run.get("commit_date")) or started or _EPOCH, started or _EPOCH


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _utc(text: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _entries(
    runs: list[dict[str, Any]], usable: list[IndexedRun], keys: dict[Path, str]
) -> list[IndexedRun]:
    by_key = {keys[e.folder]: e for e in usable}
    return [by_key[run["key"]] for run in runs]


def _pairs(
    index: StoreIndex,
    runs: list[dict[str, Any]],
    entries: dict[str, IndexedRun],
    asked: list[tuple[str, str]],
) -> dict[str, dict[str, Any]]:
    """Each published pair's rows, from the runs' slim fights in the index."""
    by_id = {run["run_id"]: run["key"] for run in runs} | {run["key"]: run["key"] for run in runs}
    wanted = default_pairs(runs)
    for a, b in asked:
        missing = [name for name in (a, b) if name not in by_id]
        if missing:
            raise HarnessError(
                f"--compare {a} {b}: no run {missing[0]!r} in the store; "
                f"choose among {', '.join(sorted(by_id)[:10])}{' ...' if len(by_id) > 10 else ''}"
            )
        wanted.append((by_id[a], by_id[b]))
    pairs = {}
    for a, b in dict.fromkeys(wanted):
        data = index.pair(entries[a], entries[b], partial(_rows, index, entries[a], entries[b]))
        pairs[f"{a}__{b}"] = {"a": a, "b": b, **data}
    return pairs


def _rows(index: StoreIndex, a: IndexedRun, b: IndexedRun) -> dict[str, Any]:
    return pair_rows(index.fights_of(a), index.fights_of(b))


class _SiteWriter:
    """Writes the pages, the shared assets and the runs' fight cards into the site folder."""

    def __init__(self, out: Path, steps: Callable[[str, Any, Callable[[], Any]], Any]) -> None:
        self.out = out
        self.cached = steps  # the index's cache: a case's step changes, by its history's content
        self.pages = 0
        self.written: set[Path] = set()
        self.rendered = PageManifest(out / MANIFEST_FILE)

    def write_site(
        self,
        runs: list[dict[str, Any]],
        skipped: list[tuple[str, str]],
        pairs: dict[str, dict[str, Any]],
        compare_data: dict[str, CompareData],
    ) -> None:
        """Every page; stale pages of runs no longer in the store removed."""
        self._assets()
        cases = list(dict.fromkeys(case for run in runs for case in run["cases"]))
        nav = [{"name": case, "page": slug(case)} for case in cases]
        # What every page shows; the run count is the index's alone, so that a new run does not
        # change (and rewrite) the pages of the 1,000 runs before it.
        common = {"nav_cases": nav}
        points = {
            case: [
                SitePoint(r["order"], r["key"], r, r["cases"][case])
                for r in runs
                if case in r["cases"]
            ]
            for case in cases
        }
        styles = Styles.of([point for case in cases for point in points[case]])
        self._index(runs, skipped, cases, points, styles, common)
        for case in cases:
            self._case(case, points[case], styles, common)
        previous = {pair["b"]: pair["a"] for pair in pairs.values()}
        for run in runs:
            self._run(run, previous.get(run["key"]), common)
            self._compare_data(run["key"], compare_data[run["key"]])
        self._page("runs.html", "runs.html.j2", title="Every run", root="", runs=runs, **common)
        self._page(
            "machines.html",
            "machines.html.j2",
            title="Machines",
            root="",
            machines=_machines(runs),
            **common,
        )
        self._compare(runs, pairs, common)
        self._run_list(runs, pairs)
        self._remove_stale()
        # Kept for the pages of this publish only: stale pages are removed.
        self.rendered.save(page for page in self.rendered.keys if self.out / page in self.written)

    def _run_list(self, runs: list[dict[str, Any]], pairs: dict[str, dict[str, Any]]) -> None:
        """assets/runs.js: every run once (the run pages' compare selector) and the pairs
        published; one script the browser keeps, rather than 1,000 options in every page."""
        listed = [
            {
                "key": run["key"],
                "run_id": run["run_id"],
                "commit": run["commit"][:12],
                "date": run["date"][:16],
                "machine": run["machine"]["key"],
                "folder": run["folder"],
            }
            for run in runs
        ]
        self._write(
            "assets/runs.js",
            f"window.benchRuns = {script_json(listed)};\n"
            f"window.benchPublishedPairs = {script_json(sorted(pairs))};\n",
            only_if_changed=True,
        )

    def _index(self, runs, skipped, cases, points, styles, common) -> None:
        latest = runs[-1] if runs else None
        steps = [
            step
            for case in cases
            # Per machine: a new run changes its own machine's series only, so the step search
            # (PELT, the costly part of a publish after one run) runs again for that one.
            for group in machine_groups(points[case]).values()
            for step in self.cached(
                "steps", _history_of(case, group), partial(case_steps, case, group)
            )
        ]
        steps.sort(key=lambda step: step["date"], reverse=True)
        data = {
            "root": "",
            "cases": [
                {"name": c, "traces": case_traces(points[c], styles)["speedup"]} for c in cases
            ],
        }
        self._page(
            "index.html", "index.html.j2", title="Every run on one site", root="", plots=True,
            latest=latest, cases=[{"name": c, "page": slug(c)} for c in cases], steps=steps,
            legend=styles.legend(),
            skipped=skipped, data=data,
            published=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            run_count=len(runs) + len(skipped), skipped_count=len(skipped), **common,
        )  # fmt: skip

    def _case(
        self, case: str, points: list[SitePoint], styles: Styles, common: dict[str, Any]
    ) -> None:
        fighters = list(dict.fromkeys(f for p in points for f in p.case["fighters"]))
        runs = [
            {"order": p.order, "commit": p.run["commit"], "run_id": p.run["run_id"]} for p in points
        ]
        data = {"root": "../", "runs": runs, "traces": case_traces(points, styles)}
        self._page(
            f"cases/{slug(case)}.html", "case.html.j2", title=case, root="../", plots=True,
            description=points[-1].case["description"] if points else "",
            fighters=[{"name": f, "display": display_name(f)} for f in fighters],
            data=data, **common,
        )  # fmt: skip

    def _run(self, run: dict[str, Any], previous: str | None, common: dict[str, Any]) -> None:
        card = self._fight_card(run)
        self._page(
            f"runs/{run['key']}.html", "run.html.j2", title=f"Run {run['run_id']}", root="../",
            run=run, key=run["key"], previous=previous, card=card, **common,
        )  # fmt: skip

    def _compare_data(self, key: str, data: CompareData) -> None:
        """runs/RUN.pair.js: what compare.html needs of this run to compare it with any other
        (static/compare.js); written when the run's content changed (the manifest keeps its
        content key, so an unchanged run's data is not even read)."""
        path = f"runs/{key}.pair.js"
        digest = self.rendered.key(path, {"key": key, "content": data.content_key})
        if self.rendered.unchanged(path, digest) and (self.out / path).is_file():
            self.written.add(self.out / path)
            return
        self._write(
            path,
            f"window.benchPairData[{script_json(key)}] = {script_json(data.load())};\n",
            only_if_changed=True,
        )
        self.rendered.record(path, digest)

    def _fight_card(self, run: dict[str, Any]) -> str | None:
        """The run's report.html, copied beside its page (only when it changed)."""
        source = Path(run["folder"]) / REPORT_FILE
        if not source.is_file():
            return None
        target = self.out / "runs" / run["key"] / REPORT_FILE
        stat = source.stat()
        if not (
            target.exists()
            and target.stat().st_size == stat.st_size
            and target.stat().st_mtime >= stat.st_mtime
        ):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        self.written.add(target)
        return f"{run['key']}/{REPORT_FILE}"

    def _compare(self, runs, pairs, common) -> None:
        names = {
            run[
                "key"
            ]: f"{run['run_id']} ({run['commit'][:7] or 'no commit'}, {run['machine']['host']})"
            for run in runs
        }
        options = [
            {"id": pair_id, "label": f"A {names[p['a']]} → B {names[p['b']]}"}
            for pair_id, p in reversed(list(pairs.items()))
        ]
        for pair_id, pair in pairs.items():
            self._write(
                f"compare/{pair_id}.js",
                f"window.benchPairs[{script_json(pair_id)}] = {script_json(pair)};\n",
            )
        self._page(
            "compare.html",
            "compare.html.j2",
            title="Compare two runs",
            root="",
            pairs=options,
            data={"root": "", "constants": compare_constants(_largest_sample(runs))},
            **common,
        )

    def _assets(self) -> None:
        import plotly.offline

        self._write("assets/plotly.min.js", plotly.offline.get_plotlyjs(), only_if_changed=True)
        for name in ("site.js", "compare.js", "site.css"):
            text = (
                resources.files("bench.site").joinpath("static", name).read_text(encoding="utf-8")
            )
            self._write(f"assets/{name}", text, only_if_changed=True)

    def _page(self, path: str, template: str, **context: Any) -> None:
        # A page whose template and context are those it was last rendered from is not rendered
        # again (1,000 run pages took 1.9 s of a publish after one run); the others are rewritten
        # only when their text changed.
        self.pages += 1
        key = self.rendered.key(template, context)
        if self.rendered.unchanged(path, key) and (self.out / path).is_file():
            self.written.add(self.out / path)
            return
        self._write(path, render(template, **context), only_if_changed=True)
        self.rendered.record(path, key)

    def _write(self, path: str, text: str, only_if_changed: bool = False) -> None:
        target = self.out / path
        self.written.add(target)
        if only_if_changed and target.exists() and target.read_text(encoding="utf-8") == text:
            return
        write_text(target, text)

    def _remove_stale(self) -> None:
        """Pages of runs, cases and pairs this publish did not write (gone from the store)."""
        for folder in ("runs", "cases", "compare"):
            for path in sorted((self.out / folder).rglob("*"), reverse=True):
                if path.is_file() and path not in self.written:
                    path.unlink()
                elif path.is_dir() and not any(path.iterdir()):
                    path.rmdir()


def _largest_sample(runs: list[dict[str, Any]]) -> int:
    """The most seeds any case of any run has: the t quantiles compare.js may need."""
    return max(
        (len(case["seeds"]) for run in runs for case in run["cases"].values()),
        default=2,
    )


def _history_of(case: str, points: list[SitePoint]) -> list[Any]:
    """What a case's step changes depend on: its runs, machines, commits and numbers."""
    return [case] + [
        [p.key, p.run["machine"]["key"], p.run["commit"], p.run["date"], p.case] for p in points
    ]


def _machines(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every machine that contributed runs, with its run count and distinct load warnings."""
    machines: dict[str, dict[str, Any]] = {}
    for run in runs:
        machine = run["machine"]
        entry = machines.setdefault(machine["key"], {**machine, "runs": 0, "warnings": []})
        entry["runs"] += 1
        if machine["warning"] and machine["warning"] not in entry["warnings"]:
            entry["warnings"].append(machine["warning"])
    return list(machines.values())
