"""The doctor's report: plain text for the terminal, Markdown for a file, from one Diagnosis."""

from __future__ import annotations

from typing import Any

from .finding import Finding
from .problems import DTYPE
from .run import CHECKS, Diagnosis


def _reference(settings: dict[str, Any]) -> str:
    """Keras as its process reported it (the settings the roster's keras-deterministic sets)."""
    versions = settings.get("versions", {})
    keras = f"Keras {versions['keras']}" if "keras" in versions else "Keras"
    tf = f" on TensorFlow {versions['tensorflow']}" if "tensorflow" in versions else ""
    return f"{keras}{tf} (op determinism on, oneDNN off), {DTYPE}, in its own process"


def verdict(diagnosis: Diagnosis) -> str:
    """One line: passed, or where it failed."""
    name = diagnosis.patient.display
    failure = diagnosis.failure
    if failure is None:
        convention = next((f.convention for f in diagnosis.findings if f.convention), ())
        up_to = (
            f", up to its loss convention ({', '.join(convention)}: gradients a constant times "
            "Keras's, trained at the equivalent learning rate)"
            if convention
            else ""
        )
        return (
            f"PASS: {name} computes Keras's function in {DTYPE}{up_to}: forward pass, every "
            "gradient and training agree"
        )
    where = [f"check {CHECKS[failure.check][0]} ({failure.check})"]
    if failure.problem:
        where.append(f"problem {failure.problem}")
    if failure.optimizer:
        where.append(f"optimiser {failure.optimizer}")
    if failure.layer is not None:
        where.append(
            f"layer {failure.layer}" + (f" {failure.parameter}" if failure.parameter else "")
        )
    if failure.step is not None:
        where.append(f"step {failure.step}")
    return f"FAIL at {', '.join(where)}"


def _findings(diagnosis: Diagnosis, check: str) -> list[Finding]:
    return [f for f in diagnosis.findings if f.check == check]


def _columns(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]


def _label(finding: Finding) -> str:
    status = {"pass": "PASS", "fail": "FAIL", "skipped": "SKIP", "info": ""}[finding.status]
    problem = f"{finding.problem}: " if finding.problem else ""
    return f"{status} {problem}{finding.message}".strip()


def declarations(diagnosis: Diagnosis) -> str | None:
    """What the patient declares of itself, in its own words, or None."""
    said = []
    if diagnosis.declared.get("biases") is False:
        said.append("biases = False")
    names = diagnosis.declared.get("convention", ())
    if names:
        value = repr(names[0]) if len(names) == 1 else repr(tuple(names))
        said.append(f"loss_convention = {value}")
    return ", ".join(said) or None


def render_text(diagnosis: Diagnosis, command: str) -> str:
    """The report as plain text."""
    lines = [
        command,
        f"patient:   {diagnosis.patient.description}",
        f"reference: {_reference(diagnosis.reference)}",
    ]
    if declarations(diagnosis):
        lines.append(f"declares:  {declarations(diagnosis)}")
    for number, (name, what) in enumerate(diagnosis.problems):
        lines.append(f"{'problems:  ' if number == 0 else ' ' * 11}{name:<8} {what}")
    stopped = False
    for check, title in CHECKS.items():
        lines += ["", title]
        found = _findings(diagnosis, check)
        if not found:
            lines.append("   not run: the doctor stops at the first failure" if stopped else "")
        for finding in found:
            lines.append(f"   {_label(finding)}")
            if finding.hint:
                lines.append(f"   likely cause: {finding.hint}")
            lines += [f"   {detail}" for detail in finding.details]
            lines += [f"   | {line}" for line in finding.traceback]
            if finding.table and finding.failed:
                lines += [f"   {row}" for row in _columns(*finding.table)]
        stopped = stopped or any(f.failed for f in found)
    if diagnosis.speed is not None:
        lines += ["", f"speed: {diagnosis.speed.message}"]
        lines += [f"   {row}" for row in _columns(*diagnosis.speed.table)]
    lines += ["", f"verdict: {verdict(diagnosis)}"]
    return "\n".join(line for line in lines if line is not None) + "\n"


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows),
    ]


def render_markdown(diagnosis: Diagnosis, command: str) -> str:
    """The report as Markdown."""
    lines = [
        f"# Doctor: {diagnosis.patient.display}",
        "",
        f"`{command}`",
        "",
        f"**{verdict(diagnosis)}**",
        "",
        f"- patient: {diagnosis.patient.description}",
        f"- reference: {_reference(diagnosis.reference)}",
    ]
    if declarations(diagnosis):
        lines.append(f"- declares: `{declarations(diagnosis)}`")
    lines += [f"- problem `{name}`: {what}" for name, what in diagnosis.problems]
    stopped = False
    for check, title in CHECKS.items():
        lines += ["", f"## {title}", ""]
        found = _findings(diagnosis, check)
        if not found and stopped:
            lines.append("Not run: the doctor stops at the first failure.")
        for finding in found:
            lines.append(f"- **{_label(finding)}**")
            if finding.hint:
                lines.append(f"  - likely cause: {finding.hint}")
            lines += [f"  - {detail}" for detail in finding.details]
            if finding.traceback:
                lines += ["", "```", *finding.traceback, "```"]
            if finding.table:
                lines += ["", *_md_table(*finding.table)]
        stopped = stopped or any(f.failed for f in found)
    if diagnosis.speed is not None:
        lines += ["", "## Speed", "", diagnosis.speed.message + ".", ""]
        lines += _md_table(*diagnosis.speed.table)
    return "\n".join(lines) + "\n"
