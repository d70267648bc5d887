"""The numbers tracked run after run, per case: what the baseline, compare and history share."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.store.records import DAVID
from bench.store.run_folder import Run
from bench.store.speed import gate_speedup


@dataclass
class CaseSummary:
    """One case of a run: David's status and accuracy per seed, speed-ups, parity, seconds."""

    mode: str
    dtype: str
    seeds: list[int] = field(default_factory=list)
    david_status: list[str] = field(default_factory=list)
    david_test_accuracy: list[float | None] = field(default_factory=list)
    speedups: dict[str, list[float | None]] = field(default_factory=dict)  # per opponent
    train_seconds: dict[str, list[float | None]] = field(default_factory=dict)  # per fighter
    parity: dict[str, float | None] = field(default_factory=dict)  # per opponent: max |gap|
    fighters: list[str] = field(default_factory=list)  # every fighter of the case, in order
    dataset_fingerprints: dict[int, str | None] = field(default_factory=dict)  # per seed


def summarize(run: Run) -> dict[str, CaseSummary]:
    """Per case, the tracked numbers of every seed (speed-ups by the gate's definition)."""
    cases: dict[str, CaseSummary] = {}
    for fight in run.fights:
        entry = cases.setdefault(fight.case_name, CaseSummary(fight.mode, fight.dtype))
        david = fight.fighters[DAVID]
        entry.seeds.append(fight.seed)
        entry.fighters += [name for name in fight.fighters if name not in entry.fighters]
        entry.dataset_fingerprints[fight.seed] = fight.dataset.get("fingerprint")
        entry.david_status.append(david.status)
        entry.david_test_accuracy.append(david.metrics.test_accuracy if david.metrics else None)
        for opponent in fight.opponents:
            entry.speedups.setdefault(opponent, []).append(gate_speedup(fight, opponent))
        for name, record in fight.fighters.items():
            entry.train_seconds.setdefault(name, []).append(record.train_seconds)
        for opponent, gap in (fight.parity or {}).items():
            worst = entry.parity.get(opponent)
            if gap.max_loss_difference is None:
                entry.parity.setdefault(opponent, None)
            else:
                entry.parity[opponent] = max(worst or 0.0, gap.max_loss_difference)
    return cases
