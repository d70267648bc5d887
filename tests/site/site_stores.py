"""Results stores for the site's tests: real run files re-dated, and hand-made runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.files import write_json
from bench.store.run_folder import write_case_result
from result_factory import case_result, fighter

FIXTURE_RUN = Path(__file__).resolve().parents[1] / "fixtures" / "quick-run"
HOSTILE = '</script><script>window.pwned=1</script><img src=x onerror="window.pwned=2">'


def hand_made_run(
    run_dir: Path,
    run_id: str,
    *,
    commit: str = "a" * 40,
    started: str = "2026-12-01T10:00:00+00:00",
    host: str = "vm",
    description: str = "hand-made case",
    dataset: str = "moons",
    david_seconds: float = 0.004,
    commit_date: str | None = None,
) -> Path:
    """A run of two seeds of one fair case, David against Keras, with run.json."""
    cases = {}
    for seed in range(2):
        result = case_result(
            "moons",
            seed,
            run_id=run_id,
            description=description,
            dataset=dataset,
            david=fighter(epoch_seconds=[david_seconds * (1 + 0.01 * k) for k in range(6)]),
            keras=fighter(epoch_seconds=[0.02 * (1 + 0.01 * k) for k in range(6)]),
        )
        write_case_result(run_dir, result)
        cases[seed] = result["config_fingerprint"]
    info = run_info(run_id, commit, started, host, cases)
    if commit_date:
        info["environment"].update(git_commit_date=commit_date, git_parents=["b" * 40])
    write_json(run_dir / "run.json", info)
    return run_dir


def run_info(
    run_id: str, commit: str, started: str, host: str, plan: dict[int, str]
) -> dict[str, Any]:
    """run.json as `bench run` writes it, with the fields the site reads."""
    return {
        "schema_version": 2,
        "run_id": run_id,
        "suite": {"name": "quick", "path": "quick.toml", "description": "hand-made"},
        "started": started,
        "finished": started,
        "case_names": ["moons"],
        "plan": [
            {"case": "moons", "seed": seed, "config_fingerprint": digest}
            for seed, digest in plan.items()
        ],
        "environment": {
            "git_commit": commit,
            "host": host,
            "cpu": f"CPU of {host}",
            "cores": 2,
            "blas": [{"library": "openblas 0.3.30", "architecture": "Haswell", "threads": 2}],
        },
        "load_average_max": 9.5,
    }


def quick_run(
    run_dir: Path,
    run_id: str,
    *,
    started: str,
    commit: str,
    david_factor: float = 1.0,
    goliath_factor: float = 1.0,
    david_correct: int = 0,
    diverged: tuple[str, int] | None = None,
    reason: str = "loss became NaN at epoch 3",
    suite: str = "quick",
    case_prefix: str = "",
    seeds: int = 2,
    native: tuple[str, ...] = (),
    shift: int = 0,
) -> Path:
    """The real quick run (tests/fixtures/quick-run) as a run of its own: its id, start and
    commit; David's and Goliath's epoch and training times scaled (each seed and epoch a little
    differently, as real timings move), David's test hits on every seed moved by
    `david_correct` (a drop), Goliath diverged on one (case, seed) for `reason`; its suite
    named `suite` and its cases renamed with `case_prefix` (a run sharing no case). Seeds past
    the fixture's two are copies of its seeds under new numbers; the `native` cases run in
    native mode; `shift` moves the per-seed and per-epoch wobble, so two runs' ratios vary."""
    import json

    info = json.loads((FIXTURE_RUN / "run.json").read_text(encoding="utf-8"))
    info.update(run_id=run_id, started=started)
    info["suite"] = {**info["suite"], "name": suite}
    info["case_names"] = [case_prefix + name for name in info["case_names"]]
    info["environment"] = {**info["environment"], "git_commit": commit}
    write_json(run_dir / "run.json", info)
    sources = sorted((FIXTURE_RUN / "cases").glob("*--seed0.json"))
    for path, seed in ((p, seed) for p in sources for seed in range(seeds)):
        path = path.with_name(path.name.replace("--seed0", f"--seed{seed % 2}"))
        fight = json.loads(path.read_text(encoding="utf-8"))
        fight.update(run_id=run_id, seed=seed)
        if fight["case"]["name"] in native:
            fight["case"]["mode"], fight["parity"] = "native", None
        for name, factor in (("david", david_factor), ("goliath", goliath_factor)):
            entry = fight["fighters"][name]
            wobble = [factor * (1 + 0.02 * ((k * 7 + seed + shift) % 5 - 2)) for k in range(500)]
            history = entry["history"]
            history["epoch_seconds"] = [
                s * w for s, w in zip(history["epoch_seconds"], wobble, strict=False)
            ]
            entry["train_seconds"] *= wobble[seed]
        metrics = fight["fighters"]["david"]["metrics"]
        matrix = metrics["confusion_matrix"]  # the hits moved off its diagonal, so it agrees
        for k in range(-david_correct):
            row = k % len(matrix)
            if matrix[row][row] > 0:
                matrix[row][row] -= 1
                matrix[row][(row + 1) % len(matrix)] += 1
        metrics["test_correct"] = sum(matrix[i][i] for i in range(len(matrix)))
        metrics["test_accuracy"] = metrics["test_correct"] / metrics["n_test"]
        if diverged and (fight["case"]["name"], fight["seed"]) == diverged:
            goliath = fight["fighters"]["goliath"]
            goliath.update(status="diverged", reason=reason, metrics=None)
        fight["case"]["name"] = case_prefix + fight["case"]["name"]
        write_json(run_dir / "cases" / f"{fight['case']['name']}--seed{seed}.json", fight)
    return run_dir
