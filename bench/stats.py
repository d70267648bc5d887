"""Every statistic the harness decides with, once each, with its formula and when it is valid.

scipy.stats is imported inside the functions: it takes about a second to load, and `bench list`
or a resumed run that judges nothing should not pay for it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .defaults import CONFIDENCE

BOOTSTRAP_RESAMPLES = 2_000
# Caps the resample matrix (rows x pool size) so long runs bootstrap in chunks, not in one
# multi-gigabyte array.
_BOOTSTRAP_CELLS = 2_000_000


def wilson_interval(
    successes: int, trials: int, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Wilson score interval of a proportion k/n.

    (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n), p = k/n. Unlike the Wald
    interval it stays inside [0, 1] and keeps a width at 0/n and n/n, so it is valid for any
    n >= 1; it treats the n test predictions as independent trials.
    """
    from scipy.stats import binomtest

    if trials < 1 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials and trials >= 1, got {successes}/{trials}")
    ci = binomtest(int(successes), int(trials)).proportion_ci(
        confidence_level=confidence, method="wilson"
    )
    return float(ci.low), float(ci.high)


def t_interval(values: Sequence[float], confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Student's t interval of a mean: mean -+ t(n-1) s / sqrt(n).

    Valid for n >= 2 independent values from a roughly normal population (means or
    differences over seeds); with 2-5 seeds it is honest where a bootstrap is far too eager.
    For paired samples pass their differences.
    """
    from scipy.stats import t

    values = np.asarray(values, dtype=np.float64)
    if values.size < 2:
        raise ValueError(f"a t-interval needs at least 2 values, got {values.size}")
    half = t.ppf(0.5 + confidence / 2, values.size - 1) * values.std(ddof=1)
    half /= math.sqrt(values.size)
    return float(values.mean() - half), float(values.mean() + half)


def t_half_width(values: Sequence[float], confidence: float = CONFIDENCE) -> float:
    """Half the width of the t interval of the mean; 0 for fewer than two values."""
    if len(values) < 2:
        return 0.0
    low, high = t_interval(values, confidence)
    return (high - low) / 2


def bootstrap_median_ratio(
    numerator: np.ndarray,
    denominator: np.ndarray,
    confidence: float = CONFIDENCE,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of median(numerator) / median(denominator).

    Each pool is resampled on its own, with replacement, `resamples` times (a fixed seed, so a
    report renders the same interval twice). It treats the pooled values as independent draws.
    """
    rng = np.random.default_rng(seed)
    chunk = max(1, _BOOTSTRAP_CELLS // max(numerator.size, denominator.size))
    ratios = []
    for start in range(0, resamples, chunk):
        rows = min(chunk, resamples - start)
        # Denominator first: the order of draws is part of what a fixed seed reproduces.
        bottom = np.median(
            denominator[rng.integers(0, denominator.size, (rows, denominator.size))], axis=1
        )
        top = np.median(numerator[rng.integers(0, numerator.size, (rows, numerator.size))], axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios.append(top / bottom)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(np.concatenate(ratios), [tail, 100 - tail])
    return float(low), float(high)


def mann_whitney_p(x: Sequence[float], y: Sequence[float], alternative: str) -> float:
    """Mann-Whitney U test p-value that x is stochastically 'greater' or 'less' than y.

    Rank-based, so one wild timing cannot dominate; exact for small samples (scipy's default),
    so p can never go below smallest_mann_whitney_p(len(x), len(y)).
    """
    from scipy.stats import mannwhitneyu

    return float(mannwhitneyu(x, y, alternative=alternative).pvalue)


def smallest_mann_whitney_p(n_x: int, n_y: int) -> float:
    """The smallest one-sided p the exact test can give: 1 / C(n_x + n_y, n_x) (3 vs 3: 0.05)."""
    return 1.0 / math.comb(n_x + n_y, n_x)
