"""How publishing scales with the store: a store of many runs made from a real run's files.

    python -m bench.studies.site_scale --runs 1000 [--source RUN_DIR] [--work DIR]

Each generated run is the source run's fight files with a new run id, commit, start time and
machine (one of three), and every fighter's epoch times scaled (a lognormal noise per run, and
David 30% slower on the first machine from the middle of the store on, so the site has a step to
find). Boundary grids and snapshots are kept byte for byte, so the store's size is a real one.
It then publishes from an empty index, adds one run and publishes again, and prints the times,
the store's bytes per run, the site's total size and its largest page.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import time
import zlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from bench.files import write_text
from bench.site.publish import publish
from bench.site.store import INDEX_FILE
from bench.store.compact import write_compact
from bench.store.integrity import DIGEST_KEY, canonical_json
from bench.store.run_folder import upgrade

MACHINES = (
    {"host": "ci-runner-1", "cpu": "AMD EPYC 7763 64-Core Processor", "cores": 2},
    {"host": "laptop", "cpu": "Apple M2 (Rosetta)", "cores": 8},
    {"host": "workstation", "cpu": "Intel(R) Core(TM) i9-13900K", "cores": 24},
)
_BULK = ("decision_boundary", "boundary_snapshots")


class Template:
    """A real run's files, parsed once; each generated run re-serialises only the small parts."""

    def __init__(self, source: Path) -> None:
        self.info = json.loads((source / "run.json").read_text(encoding="utf-8"))
        self.report = source / "report.html"
        self.fights = {}
        for path in sorted((source / "cases").glob("*.json")):
            fight = upgrade(json.loads(path.read_text(encoding="utf-8")))  # as written today
            bulk = {}
            for name, entry in fight["fighters"].items():
                for key in (key for key in _BULK if key in entry):
                    token = f"@@{name}:{key}@@"
                    bulk[json.dumps(token)] = json.dumps(
                        entry.get(key), sort_keys=True, separators=(",", ":")
                    )
                    entry[key] = token
            self.fights[path.name] = (fight, bulk)

    def write_run(
        self, folder: Path, number: int, rng: np.random.Generator, start: datetime, slower_from: int
    ) -> None:
        """Run `number` of the store: its own id, commit, date, machine and timings."""
        run_id = f"run-{number:05d}"
        machine = MACHINES[number % len(MACHINES)]
        commit = hashlib.sha1(f"commit-{number // 2}".encode()).hexdigest()  # two runs a commit
        noise = float(rng.lognormal(0, 0.05))
        david_slower = 1.3 if machine is MACHINES[0] and number >= slower_from else 1.0
        info = {
            **self.info,
            "run_id": run_id,
            "started": (start + timedelta(hours=number)).isoformat(),
        }
        environment = dict(info.get("environment") or {})
        environment.update(
            git_commit=commit, host=machine["host"], cpu=machine["cpu"], cores=machine["cores"]
        )
        # The commit is made an hour before its first run; its parent is the commit before it.
        environment["git_commit_date"] = (start + timedelta(hours=number // 2 * 2 - 1)).isoformat()
        parent = hashlib.sha1(f"commit-{number // 2 - 1}".encode()).hexdigest()
        environment["git_parents"] = [parent]
        info["environment"] = environment
        write_text(folder / "run.json", json.dumps(info, indent=1) + "\n")
        for name, (fight, bulk) in self.fights.items():
            fight = json.loads(json.dumps(fight))
            fight["run_id"] = run_id
            where = {"cpus": [0, 1], "threads": 2, "worker": None, **(fight.get("machine") or {})}
            fight["machine"] = {**where, **machine}
            for fighter, entry in fight["fighters"].items():
                factor = noise * (david_slower if fighter == "david" else 1.0)
                _scale(entry, factor * float(rng.lognormal(0, 0.03)))
            write_text(folder / "cases" / name, _canonical_with_digest(fight, bulk) + "\n")


def _canonical_with_digest(fight: dict[str, Any], bulk: dict[str, str]) -> str:
    """The fight file as `bench run` writes it (canonical, its content digest inside), the bulky
    grids serialised once per template rather than once per run."""

    def canonical(result: dict[str, Any]) -> str:
        text = canonical_json(result)
        for token, serialised in bulk.items():
            text = text.replace(token, serialised)
        return text

    body = {key: value for key, value in fight.items() if key != DIGEST_KEY}
    digest = hashlib.sha256(canonical(body).encode("ascii")).hexdigest()  # = content_digest
    return canonical({**body, DIGEST_KEY: digest})


def _scale(entry: dict[str, Any], factor: float) -> None:
    history = entry.get("history")
    if history and history.get("epoch_seconds"):
        history["epoch_seconds"] = [s * factor for s in history["epoch_seconds"]]
    if entry.get("train_seconds"):
        entry["train_seconds"] *= factor


def make_store(
    source: Path, store: Path, runs: int, first: int = 0, seed: int = 0, slower_from: int = 500
) -> None:
    """Write runs first .. first+runs-1 of a generated store into `store` (David 1.3x slower on
    the first machine from run `slower_from` on)."""
    template = Template(Path(source))
    rng = np.random.default_rng(seed + first)
    start = datetime.fromisoformat("2026-01-01T00:00:00+00:00")
    for number in range(first, first + runs):
        template.write_run(store / f"run-{number:05d}", number, rng, start, slower_from)
    # The newest run keeps its fight card, as `bench run` writes one; older ones keep theirs too
    # in a real store, but 1.5 MB each would dwarf everything else measured here.
    if template.report.is_file():
        shutil.copy2(template.report, store / f"run-{first + runs - 1:05d}" / "report.html")


def interactive_seconds(pages: list[Path]) -> dict[str, dict[str, float]]:
    """Per page, seconds from navigation start (headless Chromium, file://) until the DOM is
    interactive (`domInteractive`), the load event has ended (`loadEventEnd`) and its plots are
    drawn; each page opened twice, the second time with whatever the browser kept cached."""
    import shutil as which
    import tempfile

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = which.which("chromium") or "chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='site-scale-')}")
    driver = webdriver.Chrome(service=Service(which.which("chromedriver")), options=options)
    seconds = {}
    try:
        for visit in ("first visit", "second visit"):
            for page in pages:
                driver.get(page.as_uri())
                WebDriverWait(driver, 120).until(
                    lambda d: d.execute_script(
                        "return document.body.dataset.drawn === 'yes'"
                        " && performance.timing.loadEventEnd > 0"
                    )
                )
                # benchDrawnAt is performance.now() when the last plot is drawn (from navigation
                # start); the navigation entry's times are from navigation start too.
                timing = driver.execute_script(
                    "var n = performance.getEntriesByType('navigation')[0];"
                    "return [n.domInteractive, n.loadEventEnd, window.benchDrawnAt];"
                )
                seconds[f"{page.name}, {visit}"] = {
                    name: value / 1000
                    for name, value in zip(("interactive", "loaded", "drawn"), timing, strict=True)
                }
    finally:
        driver.quit()
    return seconds


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the index's worker processes)."""
    import resource

    mine = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    """Generate, publish from empty, add one run, publish again; print the measurements."""
    parser = argparse.ArgumentParser(prog="python -m bench.studies.site_scale")
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument(
        "--source", type=Path, required=True, help="a real run folder (bench run quick)"
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/site-scale"))
    parser.add_argument("--keep", action="store_true", help="reuse a store already generated")
    args = parser.parse_args(argv)
    store, site = args.work / "store", args.work / "site"
    if not args.keep or not store.exists():
        shutil.rmtree(args.work, ignore_errors=True)
        started = time.perf_counter()
        make_store(args.source, store, args.runs, slower_from=args.runs // 2)
        print(f"generated {args.runs} runs in {time.perf_counter() - started:.0f} s")
    (store / INDEX_FILE).unlink(missing_ok=True)
    shutil.rmtree(site, ignore_errors=True)
    started, cpu = time.perf_counter(), _cpu_seconds()
    first = publish([store], site)
    cold, cold_cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    print(f"uptime before publishing: {Path('/proc/loadavg').read_text().split()[:3]}")
    make_store(args.source, store, 1, first=args.runs, seed=1, slower_from=args.runs // 2)
    started, cpu = time.perf_counter(), _cpu_seconds()
    second = publish([store], site)
    warm, warm_cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    run_bytes = _size(store / "run-00000")
    pages = sorted((p.stat().st_size, p) for p in site.rglob("*.html"))
    index_mb = (store / INDEX_FILE).stat().st_size / 1e6
    largest_bytes, largest = pages[-1]
    print(
        f"publish from an empty index: {cold:.1f} s, {cold_cpu:.0f} CPU s ({first.runs} runs, ",
        end="",
    )
    print(f"{first.stats.files_read} files read, {first.pairs} pairs compared)")
    print(f"publish after one more run: {warm:.1f} s, {warm_cpu:.1f} CPU s ", end="")
    print(f"({second.stats.runs_read} run read, ", end="")
    print(f"{second.stats.files_read} files)")
    print(f"store: {_size(store) / 1e9:.2f} GB, {run_bytes / 1e6:.2f} MB per run; ", end="")
    print(f"index {index_mb:.1f} MB")
    compact = args.work / "compact-run-00000"
    shutil.rmtree(compact, ignore_errors=True)
    write_compact(store / "run-00000", compact)
    stored = sum(
        len(zlib.compress(path.read_bytes())) for path in compact.rglob("*") if path.is_file()
    )
    print(
        f"compact record of one run: {_size(compact) / 1e6:.2f} MB, "
        f"{stored / 1e6:.2f} MB as a git branch stores it (zlib)"
    )
    print(f"site: {_size(site) / 1e6:.1f} MB in {len(pages)} pages; largest page ", end="")
    print(f"{largest.relative_to(site)} {largest_bytes / 1e6:.2f} MB")
    case_page = sorted((site / "cases").glob("*.html"))[0]
    print(f"pages in headless Chromium from file:// (load average {_load()}):")
    for name, took in interactive_seconds([site / "index.html", case_page]).items():
        print(
            f"  {name}: DOM interactive {took['interactive']:.2f} s, load event ended "
            f"{took['loaded']:.2f} s, plots drawn {took['drawn']:.2f} s"
        )
    return 0


def pages_main(argv: list[str] | None = None) -> int:
    """Only the page timings of a published site: python -m bench.studies.site_scale pages SITE."""
    site = Path((argv or [])[0])
    case_page = sorted((site / "cases").glob("*.html"))[0]
    for name, took in interactive_seconds([site / "index.html", case_page]).items():
        print(f"{name}: " + ", ".join(f"{k} {v:.2f} s" for k, v in took.items()))
    return 0


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["pages"]:
        raise SystemExit(pages_main(sys.argv[2:]))
    raise SystemExit(main())
