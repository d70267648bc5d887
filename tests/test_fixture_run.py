"""A committed quick-suite run (2 seeds, 4 cases) renders the verdicts and numbers it always did.

The expected values below were copied by hand from the report the harness rendered for this run
folder when it was made (commit 8f985e1); they do not come from the code under test.
"""

import re
import shutil
from pathlib import Path

import pytest

from bench.report import render_report

FIXTURE = Path(__file__).parent / "fixtures" / "quick-run"


@pytest.fixture(scope="module")
def markdown(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("fixture") / "quick-run"
    shutil.copytree(FIXTURE, run_dir)
    text = render_report(run_dir)["markdown"].read_text(encoding="utf-8")
    return re.sub(r"\\(.)", r"\1", text)  # drop Markdown escapes: compare the words


def test_scoreboard(markdown):
    assert "| 4 | 0 | 8 |" in markdown
    assert "David takes the card, 4 rounds to 0 (8 rounds drawn)." in markdown


@pytest.mark.parametrize(
    "verdict",
    [
        "David wins on speed, 14.0x [13.3-14.8] faster; accuracy a draw: 0.955 vs 0.955",
        "David wins on speed, 10.7x [9.3-12.0] faster; accuracy a draw: 0.885 vs 0.885",
        "David wins on speed, 30.4x [25.2-43.1] faster; accuracy a draw: 0.858 vs 0.858",
        "David wins on speed, 38.8x [36.9-41.6] faster; accuracy a draw: 1.000 vs 1.000",
    ],
)
def test_verdicts(markdown, verdict):
    assert verdict in markdown


@pytest.mark.parametrize(
    "numbers",
    [
        "0.955 [0.917-0.976], 191/200 | 0.955 [0.917-0.976], 191/200",
        "| epoch time, median | 2.61 ms | 36.5 ms |",
        "| final test loss, mean | 0.2686 | 0.2686 |",
        "| seconds to target, median | 73.7 ms (reached in 1 of 2 seeds) | 900 ms (reached",
        "max |loss difference| over 30 epochs: 2.2e-16; max weight difference 3.3e-16",
        "max |loss difference| over 30 epochs: 6.0e-08; max weight difference 7.2e-07",
        "1.000 [0.952-1.000], 76/76",
        "loss a draw: identical to 1e-9 (parity)",
        "loss a draw: identical to 1e-4 (float32 parity)",
    ],
)
def test_case_numbers(markdown, numbers):
    assert numbers in markdown
