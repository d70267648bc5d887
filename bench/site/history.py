"""Each case's history over runs as plotly traces, one line per machine, and its step changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.judging.change_points import Step, find_steps
from bench.wording import display_name


@dataclass(frozen=True)
class SitePoint:
    """One run of one case, as the site plots it."""

    order: int  # the run's place in commit order (oldest first)
    key: str  # the run's page
    run: dict[str, Any]  # the run's summary
    case: dict[str, Any]  # the case's entry in it


def _hover(point: SitePoint) -> str:
    run = point.run
    committed = run.get("commit_date") or ""
    when = f"committed {committed[:16]} · ran {run['date'][:16]}" if committed else run["date"][:16]
    return f"{run['commit'][:7] or '(no commit)'} · {when} · {run['run_id']}"


# A fighter keeps its colour on every machine; a machine keeps its dash and marker everywhere.
COLOURS = ("#1f77b4", "#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf")
DASHES = ("solid", "dot", "dash", "dashdot", "longdash")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x")


def _trace(
    name: str,
    group: str,
    points: Sequence[SitePoint],
    values: list[tuple[float, float, float]],
    style: tuple[int, int],
) -> dict[str, Any]:
    """A line with 95% error bars; each point carries its run's page for the click."""
    colour, machine = COLOURS[style[0] % len(COLOURS)], style[1]
    return {
        "line": {"color": colour, "dash": DASHES[machine % len(DASHES)], "width": 1.5},
        "marker": {"color": colour, "symbol": SYMBOLS[machine % len(SYMBOLS)], "size": 5},
        "type": "scatter",
        "mode": "lines+markers",
        "name": name,
        "legendgroup": group,
        "meta": {"fighter": group},
        "x": [p.order for p in points],
        "y": [v[0] for v in values],
        "error_y": {
            "type": "data",
            "symmetric": False,
            "array": [v[2] - v[0] for v in values],
            "arrayminus": [v[0] - v[1] for v in values],
            "thickness": 1,
        },
        "customdata": [p.key for p in points],
        "text": [_hover(p) for p in points],
        "hovertemplate": "%{y:.3g} [%{text}]<extra>%{fullData.name}</extra>",
    }


def machine_groups(points: Sequence[SitePoint]) -> dict[str, list[SitePoint]]:
    """A case's points split by the machine they ran on, in order."""
    machines: dict[str, list[SitePoint]] = {}
    for point in points:
        machines.setdefault(point.run["machine"]["key"], []).append(point)
    return machines


def _label(name: str, machine: str, several: bool) -> str:
    return f"{name} on {machine}" if several else name


@dataclass(frozen=True)
class Styles:
    """Site-wide orders of fighters and machines: a fighter's colour and a machine's dash and
    marker are the same in every chart of the site, so one legend serves the index."""

    fighters: Sequence[str]
    machines: Sequence[str]

    @classmethod
    def of(cls, points: Sequence[SitePoint]) -> Styles:
        """The orders in which the points name them."""
        return cls(
            list(dict.fromkeys(f for p in points for f in p.case["fighters"])),
            list(dict.fromkeys(p.run["machine"]["key"] for p in points)),
        )

    def legend(self) -> dict[str, list[dict[str, str]]]:
        """Each opponent's colour, and each machine's dash and marker, as the index lists them."""
        return {
            "fighters": [
                {"name": display_name(f), "colour": COLOURS[i % len(COLOURS)]}
                for i, f in enumerate(self.fighters)
                if f != "david"
            ],
            "machines": [
                {"name": m, "dash": DASHES[i % len(DASHES)], "symbol": SYMBOLS[i % len(SYMBOLS)]}
                for i, m in enumerate(self.machines)
            ],
        }


def case_traces(
    points: Sequence[SitePoint], styles: Styles | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Speed-up per opponent, David's accuracy, ms per epoch per fighter: one line per machine."""
    machines = machine_groups(points)
    several = len(machines) > 1
    traces: dict[str, list[dict[str, Any]]] = {"speedup": [], "accuracy": [], "ms": []}
    styles = styles or Styles.of(points)
    fighters = [f for f in styles.fighters if any(f in p.case["fighters"] for p in points)]
    for machine, group in machines.items():
        m = styles.machines.index(machine)
        for fighter in fighters:
            f = styles.fighters.index(fighter)
            if fighter != "david":
                kept = [p for p in group if (p.case["speedups"].get(fighter) or {}).get("estimate")]
                values = [_interval(p.case["speedups"][fighter]) for p in kept]
                name = _label(f"vs {display_name(fighter)}", machine, several)
                traces["speedup"].append(_trace(name, fighter, kept, values, (f, m)))
            kept = [p for p in group if (p.case["fighters"].get(fighter) or {}).get("ms_per_epoch")]
            values = [
                (v, v, v) for v in (p.case["fighters"][fighter]["ms_per_epoch"] for p in kept)
            ]
            name = _label(display_name(fighter), machine, several)
            traces["ms"].append(_trace(name, fighter, kept, values, (f, m)))
        kept = [p for p in group if p.case.get("david_accuracy")]
        values = [tuple(p.case["david_accuracy"]) for p in kept]
        name = _label("David", machine, several)
        traces["accuracy"].append(_trace(name, "david", kept, values, (0, m)))
    return traces


def _interval(speedup: dict[str, Any]) -> tuple[float, float, float]:
    estimate = speedup["estimate"]
    low, high = speedup.get("low"), speedup.get("high")
    return (estimate, low if low is not None else estimate, high if high is not None else estimate)


def case_steps(case: str, points: Sequence[SitePoint]) -> list[dict[str, Any]]:
    """The step changes in one case's history, per machine (bench.judging.change_points)."""
    found = []
    for machine, group in machine_groups(points).items():
        keys = [p.key for p in group]
        commits = [p.run["commit"] for p in group]
        series: list[tuple[str, str | None, list[float | None]]] = [
            ("accuracy", None, [(p.case.get("david_accuracy") or [None])[0] for p in group])
        ]
        opponents = dict.fromkeys(o for p in group for o in p.case["speedups"])
        for opponent in opponents:
            values = [(p.case["speedups"].get(opponent) or {}).get("estimate") for p in group]
            series.append(("speed-up", opponent, values))
        dates = {p.key: p.run["date"] for p in group}
        for kind, opponent, values in series:
            for step in find_steps(values, keys, commits, kind):
                found.append(_step_row(case, machine, opponent, step, dates))
    return found


def _step_row(
    case: str, machine: str, opponent: str | None, step: Step, dates: dict[str, str]
) -> dict[str, Any]:
    what = "David's accuracy" if opponent is None else f"speed-up vs {display_name(opponent)}"
    if step.kind == "speed-up":
        levels, change = f"{step.before:.2f}x → {step.after:.2f}x", f"x{step.factor:.2f}"
    else:
        levels, change = f"{step.before:.3f} → {step.after:.3f}", f"{step.after - step.before:+.3f}"
    return {
        "case": case,
        "machine": machine,
        "what": what,
        "before_run": step.previous_run_id,
        "before_commit": step.previous_commit[:7],
        "after_run": step.run_id,
        "after_commit": step.commit[:7],
        "date": dates.get(step.run_id, ""),
        "levels": levels,
        "change": change,
        "better": step.better,
    }
