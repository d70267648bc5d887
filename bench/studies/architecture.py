"""The house map: docs/architecture.md's module tables and layers, made from the code itself.

    python -m bench.studies.architecture [--write] [--doc docs/architecture.md]

Every package's modules are listed with the first paragraph of their own docstrings, and the
layers are read from the import-linter contract in pyproject.toml, so the page says what the
code says. Without --write it checks the page and exits 1 when it has drifted (a module added,
moved or redescribed); with --write it rewrites the generated parts in place. The code is read,
never imported: the map can be drawn without TensorFlow.
"""

from __future__ import annotations

import argparse
import ast
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from bench.files import write_text

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("numpy_nn", "keras_ref", "bench")  # David, Goliath, then the arena
DOC = ROOT / "docs" / "architecture.md"
COMMAND = "python -m bench.studies.architecture --write"


@dataclass(frozen=True)
class Module:
    """One module or subpackage of a package, and the first paragraph of its docstring."""

    name: str  # `run.py`, or `run/` for a subpackage
    summary: str


@dataclass(frozen=True)
class Package:
    """A package's folder, what its own docstring says, and its modules."""

    path: str  # `bench/run/`
    summary: str
    modules: tuple[Module, ...]


def summary_of(path: Path) -> str:
    """The first paragraph of a module's docstring, on one line ('' when it has none)."""
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    paragraph = docstring.strip().split("\n\n")[0]
    return " ".join(line.strip() for line in paragraph.splitlines())


def is_package(folder: Path) -> bool:
    """A folder with an __init__.py (data and cache folders are not)."""
    return (folder / "__init__.py").is_file()


def package_of(folder: Path, root: Path) -> Package:
    """A package folder read: its docstring and, in name order, its modules and subpackages."""
    modules = []
    for child in sorted(folder.iterdir()):
        if child.suffix == ".py" and child.name != "__init__.py":
            modules.append(Module(child.name, summary_of(child)))
        elif child.is_dir() and is_package(child):
            modules.append(Module(f"{child.name}/", summary_of(child / "__init__.py")))
    return Package(
        f"{folder.relative_to(root).as_posix()}/",
        summary_of(folder / "__init__.py"),
        tuple(modules),
    )


def packages(root: Path = ROOT) -> list[Package]:
    """Every package of the project, each top-level one followed by its subpackages."""
    found = []
    for name in PACKAGES:
        top = root / name
        folders = [top, *(p.parent for p in sorted(top.rglob("*/__init__.py")))]
        found.extend(package_of(folder, root) for folder in folders if is_package(folder))
    return found


def undocumented(root: Path = ROOT) -> list[str]:
    """Modules and packages whose docstring is missing: the map would have a blank there."""
    blanks = []
    for package in packages(root):
        if not package.summary:
            blanks.append(f"{package.path}__init__.py")
        blanks.extend(f"{package.path}{m.name}" for m in package.modules if not m.summary)
    return blanks


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|")


def module_tables(root: Path = ROOT) -> str:
    """The generated Markdown: one table per package, one row per module."""
    parts = []
    for package in packages(root):
        rows = "\n".join(f"| `{m.name}` | {cell(m.summary)} |" for m in package.modules)
        parts.append(
            f"### `{package.path}`\n\n{package.summary}\n\n| module | what it is |\n"
            f"| --- | --- |\n{rows}\n"
        )
    return "\n".join(parts)


def import_contracts(root: Path = ROOT) -> list[dict]:
    """The import-linter contracts declared in pyproject.toml."""
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]["contracts"]


def layers(root: Path = ROOT) -> list[str]:
    """The harness's layers, top first, as the layers contract lists them."""
    contract = next(c for c in import_contracts(root) if c["type"] == "layers")
    return list(contract["layers"])


def unlayered(root: Path = ROOT) -> list[str]:
    """bench's top-level modules and packages that no layer names: their imports go unchecked."""
    named = {part.strip() for layer in layers(root) for part in layer.replace(":", "|").split("|")}
    tops = [p.stem for p in (root / "bench").glob("*.py") if not p.stem.startswith("__")]
    tops += [p.name for p in (root / "bench").iterdir() if p.is_dir() and is_package(p)]
    return sorted(f"bench.{name}" for name in tops if name not in named)


def layer_section(root: Path = ROOT) -> str:
    """The generated Markdown: the layers top to bottom, then every other contract by name."""
    lines = ["```"]
    for index, layer in enumerate(layers(root)):
        arrow = "" if index == 0 else "  ↓\n"
        members = " ".join(part.strip() for part in layer.replace(":", "|").split("|"))
        if "|" in layer:
            kind = "  (independent: never import each other)"
        elif ":" in layer:
            kind = "  (siblings that may import each other)"
        else:
            kind = ""
        lines.append(f"{arrow}{members}{kind}")
    lines.append("```")
    others = [c for c in import_contracts(root) if c["type"] != "layers"]
    contracts = "\n".join(f"- {c['name']} ({c['type']})." for c in others)
    return (
        "Each layer of `bench/` may import the layers below it, never those above:\n\n"
        + "\n".join(lines)
        + "\n\nThe other contracts:\n\n"
        + contracts
        + "\n"
    )


SECTIONS = {"layers": layer_section, "modules": module_tables}


def markers(section: str) -> tuple[str, str]:
    """The comment lines that fence a generated section of the page."""
    return (
        f"<!-- {section}: generated by `{COMMAND}`; edit the code, not this -->",
        f"<!-- end of {section} -->",
    )


def regenerated(text: str, root: Path = ROOT) -> str:
    """The page with every generated section replaced by what the code says now."""
    for section, make in SECTIONS.items():
        begin, end = markers(section)
        if begin not in text or end not in text:
            raise ValueError(f"the page lacks the markers of section '{section}': {begin}")
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{begin}\n\n{make(root)}\n{end}{tail}"
    return text


def main(argv: list[str] | None = None) -> int:
    """Check docs/architecture.md against the code (exit 1 when stale), or rewrite it."""
    parser = argparse.ArgumentParser(prog="python -m bench.studies.architecture")
    parser.add_argument("--write", action="store_true", help="rewrite the generated sections")
    parser.add_argument("--doc", type=Path, default=DOC, help="the page (%(default)s)")
    args = parser.parse_args(argv)
    text = args.doc.read_text(encoding="utf-8")
    fresh = regenerated(text)
    if args.write:
        if fresh != text:
            write_text(args.doc, fresh)
        print(f"{args.doc}: {'rewritten' if fresh != text else 'already current'}")
        return 0
    if fresh != text:
        print(f"{args.doc} has drifted from the code: run `{COMMAND}`", file=sys.stderr)
        return 1
    print(f"{args.doc}: current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
