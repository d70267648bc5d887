"""Claims in the report, in the baseline and in `compare --claims`; and from a real tiny run."""

import json
import math
import textwrap

import numpy as np

from bench.cli import main
from bench.files import read_json, write_json
from bench.judging import stats
from bench.plan.claims import Claim
from bench.plan.suite import load_suite
from bench.report import render_report
from bench.run.progress import Progress
from bench.run.runner import run_suite
from bench.store.run_folder import load_run, load_run_info, write_case_result
from helpers import markdown_sections
from result_factory import case_result, fighter

EVERY_95 = Claim(
    "Ultimately, both the NumPy and Keras model achieved similar accuracy of 95% | on the test "
    "set.",
    "the moons <article>",
    "test_accuracy",
    "every",
    None,
    ">=",
    0.95,
)
DOZENS = Claim(
    "However, it took several dozen times longer for our model to reach such a result.",
    "the moons article",
    "seconds_to_target",
    "david",
    "keras",
    ">=",
    24.0,
    0.95,
)
EVERY_STATEMENT = "test accuracy of every fighter is at least 0.95"


def make_run(run_dir, keras_correct, claims=(EVERY_95, DOZENS), seeds=3):
    """A native moons case: David 990/1000 correct and 2.6 s to 95%, Keras 3 s to 95%."""
    for seed in range(seeds):
        result = case_result(
            "moons",
            seed,
            "native",
            run_id=run_dir.name,
            target_accuracy=0.95,
            david=fighter(test_correct=990, n_test=1000, seconds_to_target=2.6 + 0.05 * seed),
            keras=fighter(test_correct=keras_correct, n_test=1000, seconds_to_target=3.0),
        )
        write_case_result(run_dir, result)
    info = {
        "run_id": run_dir.name,
        "suite": {"name": "article"},
        "case_names": ["moons"],
        "claims": {"moons": [claim.as_dict() for claim in claims]} if claims else {},
    }
    write_json(run_dir / "run.json", info)
    return run_dir


def test_claims_section_near_the_top_of_both_reports(tmp_path, snapshot):
    paths = render_report(make_run(tmp_path / "run", keras_correct=900))
    md = paths["markdown"].read_text(encoding="utf-8")
    html = paths["html"].read_text(encoding="utf-8")
    assert md.index("## Claims") < md.index("## The card")
    # Keras's 2700/3000 lies below 0.95 whatever the interval; David's 2.6 s vs 3 s is no 24x.
    low, high = (f"{b:.3f}" for b in stats.wilson_interval(2970, 3000))
    assert (low, high) == ("0.986", "0.993")
    logs = np.log(np.array([2.6, 2.65, 2.7]) / 3.0)
    low, high = (f"{math.exp(b):.3f}" for b in stats.t_interval(logs))
    assert (f"{math.exp(logs.mean()):.3f}", low, high) == ("0.883", "0.843", "0.926")
    assert "| David 0.990 \\[0.986-0.993\\]; Keras 0.900 \\[0.889-0.910\\] | refuted |" in md
    assert "| David / Keras 0.883x \\[0.843-0.926\\] | refuted |" in md
    assert markdown_sections(md)["Claims"] == snapshot
    assert "<h2>Claims</h2>" in html and html.index("<h2>Claims</h2>") < html.index("The card")
    assert "<td>the moons &lt;article&gt;</td>" in html
    assert "<td>David / Keras 0.883x [0.843-0.926]</td><td>refuted</td>" in html


def test_undecided_claim_reports_the_seeds_to_decide(tmp_path, snapshot):
    paths = render_report(make_run(tmp_path / "run", keras_correct=955, claims=(EVERY_95,)))
    md = paths["markdown"].read_text(encoding="utf-8")
    expected = next(n for n in range(4, 99) if stats.wilson_interval(955 * n, 1000 * n)[0] > 0.95)
    assert expected == 8
    assert "Keras 0.955 \\[0.947-0.962\\] | undecided: about 8 seeds" in md
    assert markdown_sections(md)["Claims"] == snapshot


def test_no_claims_no_section_and_bad_claims_said_so(tmp_path, snapshot):
    plain = render_report(make_run(tmp_path / "plain", keras_correct=990, claims=()))
    assert "Claims" not in plain["markdown"].read_text(encoding="utf-8")
    run_dir = make_run(tmp_path / "bad", keras_correct=990)
    info = read_json(run_dir / "run.json")
    info["claims"]["moons"][0]["metric"] = "speed"
    write_json(run_dir / "run.json", info)
    md = render_report(run_dir)["markdown"].read_text(encoding="utf-8")
    assert "metric 'speed'" in md
    assert markdown_sections(md)["Claims"] == snapshot


def baseline_of(tmp_path, run_dir, capsys):
    path = tmp_path / "baseline.json"
    assert main(["baseline", str(run_dir), "--out", str(path)]) == 0
    capsys.readouterr()
    return path


def claim_row(output, statement=EVERY_STATEMENT):
    return next(line for line in output.splitlines() if statement in line)


def test_compare_gates_on_a_claim_supported_then_refuted(tmp_path, capsys):
    baseline = baseline_of(tmp_path, make_run(tmp_path / "base", keras_correct=990), capsys)
    stored = read_json(baseline)["cases"]["moons"]["claims"]
    assert stored == {
        EVERY_STATEMENT: "supported",
        "David's time to reach 0.95 test accuracy is at least 24x Keras's": "refuted",
    }
    now = make_run(tmp_path / "now", keras_correct=900)  # Keras falls below 95%; David is as he was
    assert main(["compare", str(now), "--baseline", str(baseline)]) == 0
    assert "claim:" not in capsys.readouterr().out  # no gating on claims unless asked
    assert main(["compare", str(now), "--baseline", str(baseline), "--claims"]) == 1
    out = capsys.readouterr().out
    row = claim_row(out)
    assert "supported" in row and "refuted" in row and "REGRESSED" in row
    assert "ok" in claim_row(out, "24x Keras's")  # refuted before and now: not a regression
    assert "1 regressed, 3 ok or improved" in out


def test_compare_undecided_or_still_supported_claims_pass(tmp_path, capsys):
    baseline = baseline_of(tmp_path, make_run(tmp_path / "base", keras_correct=990), capsys)
    for keras_correct in (955, 985):  # undecided, supported
        now = make_run(tmp_path / f"now{keras_correct}", keras_correct=keras_correct)
        assert main(["compare", str(now), "--baseline", str(baseline), "--claims"]) == 0
        assert "0 regressed" in capsys.readouterr().out


def test_a_claim_refuted_then_supported_is_an_improvement(tmp_path, capsys):
    baseline = baseline_of(tmp_path, make_run(tmp_path / "base", keras_correct=900), capsys)
    now = make_run(tmp_path / "now", keras_correct=990)
    assert main(["compare", str(now), "--baseline", str(baseline), "--claims"]) == 0
    row = claim_row(capsys.readouterr().out)
    assert "refuted" in row and "supported" in row and "improved" in row


def test_a_supported_claim_no_longer_made_regresses(tmp_path, capsys):
    baseline = baseline_of(tmp_path, make_run(tmp_path / "base", keras_correct=990), capsys)
    now = make_run(tmp_path / "now", keras_correct=990, claims=(DOZENS,))
    assert main(["compare", str(now), "--baseline", str(baseline), "--claims"]) == 1
    assert "the claim is not made in this run" in claim_row(capsys.readouterr().out)


def test_baselines_without_claims_still_load_and_refuse_claims_gating(tmp_path, capsys):
    baseline = baseline_of(tmp_path, make_run(tmp_path / "base", keras_correct=990), capsys)
    old = read_json(baseline)
    del old["cases"]["moons"]["claims"]
    write_json(baseline, old)
    now = make_run(tmp_path / "now", keras_correct=900)
    assert main(["compare", str(now), "--baseline", str(baseline)]) == 0
    capsys.readouterr()
    assert main(["compare", str(now), "--baseline", str(baseline), "--claims"]) == 2
    assert f"error: --claims: {baseline} holds no claim judgements" in capsys.readouterr().err
    old["cases"]["moons"]["claims"] = {EVERY_STATEMENT: "true"}
    write_json(baseline, old)
    assert main(["compare", str(now), "--baseline", str(baseline)]) == 2
    assert (
        "case 'moons': 'claims' must map claims to one of supported, refuted, undecided, got "
        in capsys.readouterr().err
    )


TINY = """
[suite]
name = "tiny-claims"

[defaults]
fighters = ["david", "sklearn"]
seeds = 2
epochs = 3
dtype = "float64"
optimizer = { name = "sgd", learning_rate = 0.1 }

[[case]]
name = "moons"
dataset = "moons"
dataset_params = { n_samples = 200 }
hidden = [8]

[[case.claim]]
quote = "Both reach 99% in three epochs."
source = "a hopeful README"
metric = "test_accuracy"
fighter = "every"
compare = ">="
threshold = 0.99
"""


def test_a_real_run_records_its_claims_and_a_claim_edit_reruns_nothing(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(textwrap.dedent(TINY))
    suite = load_suite(path)
    run_dir = tmp_path / "run"
    run_suite(suite, run_dir, suite.cases, Progress(0), cache_dir=tmp_path / "cache")
    recorded = load_run_info(run_dir)["claims"]
    assert recorded == {"moons": [suite.cases[0].claims[0].as_dict()]}
    md = render_report(run_dir)["markdown"].read_text(encoding="utf-8")
    # Three epochs of SGD on 20 test points a seed: far from 99%, the same for both (fair float64).
    fights = load_run(run_dir).fights
    correct = sum(f.fighters["david"].metrics.test_correct for f in fights)
    total = sum(f.fighters["david"].metrics.n_test for f in fights)
    low, high = stats.wilson_interval(correct, total)
    assert high < 0.99
    value = f"{correct / total:.3f} \\[{low:.3f}-{high:.3f}\\]"
    assert (
        f"| “Both reach 99% in three epochs.” | a hopeful README | moons | test accuracy of every "
        f"fighter is at least 0.99 | David {value}; scikit-learn {value} | refuted |" in md
    )
    path.write_text(textwrap.dedent(TINY).replace("threshold = 0.99", "threshold = 0.5"))
    suite = load_suite(path)
    outcome = run_suite(suite, run_dir, suite.cases, Progress(0), cache_dir=tmp_path / "cache")
    assert (outcome.finished, outcome.resumed) == (0, 2)  # a claim changes no fight
    claim = json.loads((run_dir / "run.json").read_text())["claims"]["moons"][0]
    assert claim["threshold"] == 0.5
