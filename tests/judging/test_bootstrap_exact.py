"""The bootstrap's medians by rank give exactly the intervals np.median gave, on real fights."""

from pathlib import Path

import numpy as np
import pytest

from bench.judging import stats
from bench.store.records import DAVID
from bench.store.run_folder import load_run

QUICK_RUN = Path(__file__).parents[1] / "fixtures" / "quick-run"


def _medians_as_before(table, chosen, rng):
    """_resampled_medians as it was before the rank trick: np.median of the drawn values."""
    sizes = np.sum(~np.isnan(table), axis=1)[chosen]
    width = table.shape[1]
    picks = (rng.random((*chosen.shape, width)) * sizes[..., None]).astype(np.intp)
    values = table[chosen[..., None], picks]
    return np.median(values.reshape(len(chosen), -1), axis=1)


def _interval_as_before(numerator, denominator, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(stats, "_resampled_medians", _medians_as_before)
        patch.setattr(stats, "_REMEMBERED", {})  # nothing remembered from earlier calls
        return stats.bootstrap_median_ratio(numerator, denominator)


def _real_pairs():
    run = load_run(QUICK_RUN)
    for case, fights in run.by_case.items():
        for opponent in fights[0].opponents:
            if all(f.fighters[opponent].ok and f.fighters[DAVID].ok for f in fights):
                yield (
                    case,
                    opponent,
                    [
                        [
                            np.asarray(f.fighters[name].epoch_seconds, dtype=np.float64)
                            for f in fights
                        ]
                        for name in (opponent, DAVID)
                    ],
                )


def test_real_fights_give_the_same_interval_to_the_last_bit(monkeypatch):
    pairs = list(_real_pairs())
    assert len(pairs) >= 4
    for case, opponent, (theirs, davids) in pairs:
        assert stats.bootstrap_median_ratio(theirs, davids) == _interval_as_before(
            theirs, davids, monkeypatch
        ), (case, opponent)


@pytest.mark.parametrize(("seeds", "epochs"), [(3, 30), (3, 7), (2, 5), (1, 4)])
def test_odd_and_even_counts_with_ties_give_the_same_interval(seeds, epochs, monkeypatch):
    rng = np.random.default_rng(seeds * 100 + epochs)
    times = np.round(rng.lognormal(-5, 0.2, (2, seeds, epochs)), 4)  # rounded: many ties
    theirs, davids = list(times[0]), list(times[1])
    assert stats.bootstrap_median_ratio(theirs, davids) == _interval_as_before(
        theirs, davids, monkeypatch
    )


@pytest.mark.parametrize("cells", [stats._BOOTSTRAP_CELLS, 50_000])  # one chunk; several
def test_davids_medians_remembered_across_opponents_change_no_interval(cells, monkeypatch):
    """Each case's opponents in turn against David: his side is resampled once, not four times,
    and every interval is the one computed with nothing remembered."""
    monkeypatch.setattr(stats, "_BOOTSTRAP_CELLS", cells)
    monkeypatch.setattr(stats, "_REMEMBERED", {})
    computed = []
    resample = stats._resampled_medians

    def counted(table, chosen, rng):
        computed.append(table.shape)
        return resample(table, chosen, rng)

    monkeypatch.setattr(stats, "_resampled_medians", counted)
    [(_, _, (theirs, davids))] = [p for p in _real_pairs() if p[0] == "moons"]
    # Four opponents: the real one's epoch times, and three others timed slower or faster.
    opponents = [[times * factor for times in theirs] for factor in (1.0, 1.3, 0.7, 2.0)]
    intervals = [stats.bootstrap_median_ratio(times, davids) for times in opponents]
    chunks = len(computed) // 5
    assert chunks >= (1 if cells == stats._BOOTSTRAP_CELLS else 2)
    assert len(computed) == 5 * chunks  # 4 opponents' sides and David's once, per chunk
    for times, interval in zip(opponents, intervals, strict=True):
        with monkeypatch.context() as patch:
            patch.setattr(stats, "_REMEMBERED", {})
            assert stats.bootstrap_median_ratio(times, davids) == interval
