"""The README and docs/ pages: every page on the map, every link and every named file there."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGES = sorted((ROOT / "docs").glob("*.md"))
TOP_FOLDERS = ("bench", "numpy_nn", "keras_ref", "tests", "docs", "examples", "results", "datasets")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
CODE = re.compile(r"`([^`\s]+)`")


def test_the_readme_docs_map_lists_every_page():
    text = README.read_text(encoding="utf-8")
    unlisted = [p.name for p in PAGES if f"(docs/{p.name})" not in text]
    assert unlisted == [], "add these pages to the README's Docs map"


def test_the_readmes_first_code_block_is_the_two_commands():
    first = README.read_text(encoding="utf-8").split("```")[1]
    commands = [line.split("#")[0].strip() for line in first.splitlines()[1:] if line.strip()]
    assert commands == ["make bench", "make test"]


def test_the_readme_reads_in_two_minutes():
    """The README says what the project is and where to read on; details live in docs/."""
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 160


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: p.name)
def test_every_relative_link_leads_to_a_file(page):
    targets = LINK.findall(page.read_text(encoding="utf-8"))
    local = [t for t in targets if "://" not in t and not t.startswith("mailto:")]
    missing = [t for t in local if not (page.parent / t).exists()]
    assert missing == []


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: p.name)
def test_every_file_of_the_repository_a_page_names_exists(page):
    """`bench/store/speed.py` in a page must still be there after a move (placeholders aside)."""
    named = CODE.findall(page.read_text(encoding="utf-8"))
    paths = {
        n.rstrip(".,:;")
        for n in named
        if n.split("/")[0] in TOP_FOLDERS and "/" in n and not re.search(r"[<>*{}]", n)
    }
    missing = sorted(p for p in paths if not (ROOT / p).exists() and not _generated(p))
    assert missing == []


def _generated(path: str) -> bool:
    """Files a run writes, or the cache: named in the docs, absent from a fresh checkout."""
    return path.startswith(("results/", "datasets/")) and path != "results/baseline.json"
