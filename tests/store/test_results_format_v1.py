"""A committed quick-suite run (2 seeds, 4 cases; David against one Keras, results format 1)
renders the verdicts and numbers it always did.

The expected values were copied by hand from the report the harness rendered for this folder
when it was made (commit 8f985e1); they do not come from the code under test. Two changes since
were deliberate, and the values below say so where they apply:
- fair-mode rounds are speed and memory only: accuracy and loss are a parity check there (the
  fighters compute the same function), so the scoreboard counts 4 rounds drawn instead of 8;
- the speed interval resamples seeds, then the epochs within them, instead of treating every
  epoch as independent: the estimates are unchanged, the intervals wider.
"""

import re
import shutil
from pathlib import Path

import pytest

from bench.report import render_report

FIXTURE = Path(__file__).parents[1] / "fixtures" / "quick-run"


@pytest.fixture(scope="module")
def markdown(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("fixture") / "quick-run"
    shutil.copytree(FIXTURE, run_dir)
    text = render_report(run_dir)["markdown"].read_text(encoding="utf-8")
    return re.sub(r"\\(.)", r"\1", text)  # drop Markdown escapes: compare the words


def test_scoreboard(markdown):
    # 4 speed rounds won by David; 4 memory rounds drawn (format 1 recorded no memory).
    assert "| Goliath | 4 | 0 | 4 | 0 |" in markdown
    assert "Against Goliath: of 4 cases, David faster in 4 (median 22.2x)." in markdown


@pytest.mark.parametrize(
    "verdict",
    [
        # estimates as rendered at 8f985e1 (14.0x [13.3-14.8], 10.7x [9.3-12.0],
        # 30.4x [25.2-43.1], 38.8x [36.9-41.6]); intervals now resampled by seed
        "David wins on speed, 14.0x [13.0-15.2] faster",
        "David wins on speed, 10.7x [8.3-13.6] faster",
        "David wins on speed, 30.4x [21.1-51.9] faster",
        "David wins on speed, 38.8x [31.1-49.3] faster",
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
        "| Goliath | — | 2.2e-16 | 3.3e-16 | 30 epochs x 2 seeds | identical to 1e-9: the same",
        "| Goliath | — | 6.0e-08 | 7.2e-07 | 30 epochs x 2 seeds | identical to 1e-4: the same",
        "| Goliath | — | 1.2e-05 | 4.1e-04 | 100 epochs x 2 seeds | identical to 1e-4: the same",
        "1.000 [0.952-1.000], 76/76",
    ],
)
def test_case_numbers(markdown, numbers):
    assert numbers in markdown
