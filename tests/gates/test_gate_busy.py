"""The speed gate on a busy machine: an open interval there is TOO BUSY (exit 3, a warning)."""

import os
import stat
import subprocess
from pathlib import Path

import pytest

from bench.cli import main
from bench.gates import continuous as gate
from bench.gates.continuous import Settings, compare_revisions, judged_on
from bench.gates.revisions import Revision

ROOT = Path(__file__).resolve().parents[2]
CORES = os.cpu_count()


def open_verdict() -> gate.Verdict:
    """A verdict whose interval still straddles the threshold after the last round."""
    return gate.Verdict("UNDECIDED", 1.1, 0.9, 1.4, 10, "bounds [0.900, 1.400] vs x1.2")


def test_an_open_interval_on_a_busy_machine_is_too_busy():
    busy = judged_on(open_verdict(), [0.5, 2.0 * CORES, None], CORES)
    assert busy.verdict == "TOO BUSY"
    assert busy.busiest_load == 2.0 * CORES


def test_an_open_interval_on_a_quiet_machine_still_fails():
    assert judged_on(open_verdict(), [0.5, 1.0 * CORES], CORES).verdict == "UNDECIDED"
    assert judged_on(open_verdict(), [None], CORES).verdict == "UNDECIDED"  # no load known


@pytest.mark.parametrize("verdict", ["REGRESSED", "ok", "improved"])
def test_a_decided_gate_keeps_its_answer_on_a_busy_machine(verdict):
    decided = gate.Verdict(verdict, 1.5, 1.3, 1.7, 4, "")
    assert judged_on(decided, [5.0 * CORES], CORES).verdict == verdict


def noisy_rounds(monkeypatch, load: float) -> list[float]:
    """Rounds whose slow-downs swing around 1.2, measured while the load average reads `load`."""
    swings = iter([1.0, 1.6, 0.95, 1.5, 1.1, 1.45, 0.9, 1.7, 1.0, 1.5] * 2)
    sampled = []

    def run_side(revision, side, round_, settings):
        return {("moons", 0): 0.01 * (next(swings) if side == "head" else 1.0)}

    def load_average():
        sampled.append(load)
        return load

    monkeypatch.setattr(gate, "run_side", run_side)
    monkeypatch.setattr(gate, "load_average", load_average)
    return sampled


@pytest.mark.parametrize("load, verdict", [(3.0 * CORES, "TOO BUSY"), (0.2, "UNDECIDED")])
def test_the_load_is_sampled_before_every_round_and_after_the_last(
    monkeypatch, tmp_path, load, verdict
):
    sampled = noisy_rounds(monkeypatch, load)
    settings = Settings(suite=tmp_path, work_dir=tmp_path / "out", cache_dir=tmp_path)
    revision = Revision("HEAD", "0" * 40, tmp_path, "python")
    answer, pairs = compare_revisions(revision, revision, settings, say=lambda line: None)
    assert answer.verdict == verdict
    assert answer.rounds == settings.max_rounds == len(sampled) - 1
    text = gate.format_result(revision, revision, answer, pairs)
    assert f"load average up to {load:g} on {CORES} cores" in text
    assert ("too busy to tell" in text) == (verdict == "TOO BUSY")


@pytest.mark.parametrize("verdict, code", [("TOO BUSY", 3), ("UNDECIDED", 1), ("ok", 0)])
def test_the_command_gives_too_busy_its_own_exit_code(monkeypatch, tmp_path, verdict, code):
    from contextlib import nullcontext

    import bench.commands.continuous as command

    revision = Revision("HEAD", "0" * 40, tmp_path, "python")
    answer = gate.Verdict(verdict, 1.1, 0.9, 1.4, 10, "", busiest_load=9.0)
    monkeypatch.setattr(command, "checked_out", lambda *args: nullcontext(revision))
    monkeypatch.setattr(gate, "compare_revisions", lambda *args, **kw: (answer, []))
    assert main(["continuous", "HEAD", "HEAD", "--out", str(tmp_path / "out")]) == code
    assert (tmp_path / "out" / "continuous.txt").read_text().endswith(f"verdict: {verdict}\n")


def make_continuous(tmp_path: Path, exit_code: int) -> subprocess.CompletedProcess:
    """`make continuous` with the gate replaced by a program that exits with `exit_code`."""
    fake = tmp_path / "python"
    fake.write_text(f"#!/bin/sh\nexit {exit_code}\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    stamp = tmp_path / "installed"
    stamp.touch()  # newer than pyproject.toml: nothing is installed
    command = ["make", "-s", "-C", str(ROOT), "continuous", f"PY={fake}", f"STAMP={stamp}"]
    env = {**os.environ, "GITHUB_ACTIONS": "true"}
    return subprocess.run(command, capture_output=True, text=True, env=env)


def test_make_maps_too_busy_to_a_warning_and_keeps_failures(tmp_path):
    busy = make_continuous(tmp_path, 3)
    assert busy.returncode == 0, busy.stderr
    assert "::warning::speed gate: the machine was too busy to tell" in busy.stdout
    assert make_continuous(tmp_path, 1).returncode != 0
    assert make_continuous(tmp_path, 0).returncode == 0
