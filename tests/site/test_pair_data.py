"""runs/RUN.pair.js: exactly what compare_two_runs reads of a run, for compare.html's any pair."""

from __future__ import annotations

import base64
import json
import shutil

import numpy as np
import pytest
from site_stores import HOSTILE, quick_run

from bench.judging.parity import check_parity
from bench.site.pair_data import pair_data
from bench.site.publish import publish
from bench.store.run_folder import load_run
from bench.store.tracking import summarize


@pytest.fixture(scope="module")
def real_runs(tmp_path_factory):
    """The real quick run and a variant: David slower and less accurate, Goliath diverged on a
    seed for a hostile reason, in a suite of a hostile name, 3 seeds, iris in native mode."""
    store = tmp_path_factory.mktemp("store")
    quick_run(store / "qa", "qa", started="2026-12-01T10:00:00+00:00", commit="1" * 40)
    quick_run(
        store / "qb", "qb", started="2026-12-02T10:00:00+00:00", commit="2" * 40,
        david_factor=1.6, goliath_factor=0.9, david_correct=-8, diverged=("iris", 1),
        reason=HOSTILE, suite=HOSTILE, seeds=3, native=("iris",), shift=1,
    )  # fmt: skip
    site = store.parent / "site"
    publish([store], site, workers=1)
    return store, site


def published_data(site, key):
    text = (site / "runs" / f"{key}.pair.js").read_text(encoding="utf-8")
    prefix = f"window.benchPairData[{json.dumps(key)}] = "
    assert text.startswith(prefix) and text.endswith(";\n")
    return text, json.loads(text[len(prefix) : -2])


@pytest.mark.parametrize("key", ["qa", "qb"])
def test_the_data_is_what_compare_two_runs_reads(real_runs, key):
    store, site = real_runs
    run = load_run(store / key)
    text, data = published_data(site, key)
    assert data == json.loads(json.dumps(pair_data(run)))  # from the index = from the folder
    summaries = summarize(run)
    assert [case["case"] for case in data["cases"]] == list(run.by_case)
    for case in data["cases"]:
        fights = run.by_case[case["case"]]
        assert (case["mode"], case["dtype"]) == (fights[0].mode, fights[0].dtype)
        assert case["seeds"] == [f.seed for f in fights]
        assert case["fighters"] == list(fights[0].fighters)
        for name in case["fighters"]:
            records = [f.fighters[name] for f in fights]
            columns = case["records"][name]
            assert columns["ok"] == [r.ok for r in records]
            assert columns["why"] == ["" if r.ok else r.why_not_ok() for r in records]
            if case["mode"] == "fair":  # the same doubles, bit for bit
                decoded = [np.frombuffer(base64.b64decode(s), "<f8") for s in columns["seconds"]]
                assert [list(map(float, d)) for d in decoded] == [r.epoch_seconds for r in records]
            else:
                assert columns["seconds"] == [r.train_seconds for r in records]
            metrics = [r.metrics for r in records]
            assert columns["correct"] == [m.test_correct if m else None for m in metrics]
            assert columns["n"] == [m.n_test if m else None for m in metrics]
            assert columns["accuracy"] == [m.test_accuracy if m else None for m in metrics]
            if name != "david" and case["mode"] == "fair":  # parity: fair mode only
                check = check_parity(fights, name)
                assert case["parity"][name] == {
                    "held_gap": check.held_gap,
                    "identical": check.identical,
                    "max_loss_difference": check.max_loss_difference,
                    "tolerance": check.tolerance,
                }
        if case["mode"] == "native":
            assert case["parity"] == {}
        summary = summaries[case["case"]]
        assert case["gate"]["mode"] == summary.mode and case["gate"]["seeds"] == summary.seeds
        assert dict(case["gate"]["speedups"]) == summary.speedups
    assert len(text.encode("utf-8")) < 50_000  # measured: docs/site.md


def test_hostile_names_stay_inside_the_data_script(real_runs):
    _, site = real_runs
    text, data = published_data(site, "qb")
    assert HOSTILE in data["described"]  # the suite's name
    assert any(HOSTILE in why for c in data["cases"] for why in c["records"]["goliath"]["why"])
    assert "</script" not in text and "<" not in text  # written as \u003c: a script cannot end


def test_a_publish_with_nothing_new_leaves_the_data_scripts_alone(tmp_path):
    store, site = tmp_path / "store", tmp_path / "site"
    quick_run(store / "qa", "qa", started="2026-12-01T10:00:00+00:00", commit="1" * 40)
    quick_run(store / "qb", "qb", started="2026-12-02T10:00:00+00:00", commit="2" * 40)
    publish([store], site, workers=1)
    script = site / "runs" / "qa.pair.js"
    before = script.stat().st_mtime_ns
    publish([store], site, workers=1)
    assert script.stat().st_mtime_ns == before
    shutil.rmtree(store / "qa")  # a run gone from the store: its script goes with its page
    publish([store], site, workers=1)
    assert not script.exists() and (site / "runs" / "qb.pair.js").is_file()
