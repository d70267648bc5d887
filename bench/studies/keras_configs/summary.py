"""Workers' results summarised: medians per workload and configuration, as Markdown tables."""

from __future__ import annotations

import statistics
from typing import Any

from bench.studies.keras_configs.configurations import CONFIGURATIONS


def parity_line(gaps: dict[str, Any]) -> str:
    """One Markdown table row of a configuration's parity gaps."""
    cells = [f"`{gaps['configuration']}`"]
    for dtype in ("float64", "float32"):
        found = gaps.get(dtype) or {"error": gaps.get("error", "?")}
        if "error" in found:
            cells.append(f"refused: {found['error'][:60]}")
        else:
            cells.append(f"{found['loss']:.1e} / {found['weights']:.1e}")
    return "| " + " | ".join(cells) + " |"


def summarise(results: list[dict]) -> list[dict[str, Any]]:
    """Per workload and configuration: medians over workers of Goliath, David and their ratio."""
    rows = []
    keys = sorted({(r["workload"], r["configuration"]) for r in results})
    order = {c.name: i for i, c in enumerate(CONFIGURATIONS)}
    keys.sort(key=lambda k: (k[0], order.get(k[1], 99)))
    for workload, name in keys:
        runs = [r for r in results if (r["workload"], r["configuration"]) == (workload, name)]
        good = [r for r in runs if "error" not in r]
        row: dict[str, Any] = {"workload": workload, "configuration": name, "workers": len(good)}
        if good:
            ratios = [r["ratio"] for r in good]
            row.update(
                goliath_ms=statistics.median(r["goliath_ms"] for r in good),
                david_ms=statistics.median(r["david_ms"] for r in good),
                ratio=statistics.median(ratios),
                ratio_range=(min(ratios), max(ratios)),
                warm_up_seconds=statistics.median(r["warm_up_seconds"] for r in good),
            )
        else:
            row["error"] = runs[0]["error"]
        rows.append(row)
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    """The summary as a Markdown table."""
    descriptions = {c.name: c.description for c in CONFIGURATIONS}
    lines = [
        "| workload | configuration | Goliath ms/epoch | David ms/epoch | Goliath / David "
        "(min-max) | warm-up s |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        name = f"`{row['configuration']}`: {descriptions.get(row['configuration'], '')}"
        if "error" in row:
            lines.append(f"| {row['workload']} | {name} | failed: {row['error']} | | | |")
            continue
        low, high = row["ratio_range"]
        lines.append(
            f"| {row['workload']} | {name} | {row['goliath_ms']:.2f} | {row['david_ms']:.2f} | "
            f"{row['ratio']:.2f} ({low:.2f}-{high:.2f}) | {row['warm_up_seconds']:.1f} |"
        )
    return "\n".join(lines)
