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
    numerator: Sequence[np.ndarray],
    denominator: Sequence[np.ndarray],
    confidence: float = CONFIDENCE,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> tuple[float, float]:
    """Two-stage (cluster) percentile bootstrap of median(numerator) / median(denominator).

    Each side is a list of groups, one per seed, paired: seed k's numerator and denominator were
    timed together. Stage 1 resamples the seeds, the same ones for both sides; stage 2 resamples
    the values within each chosen seed; the statistic is the ratio of the pooled medians. Epoch
    times within a seed share that seed's conditions, so they are not independent draws:
    resampling whole seeds carries the seed-to-seed spread into the interval, where resampling
    pooled epochs would make it too narrow. A fixed seed renders the same interval twice.
    """
    if len(numerator) != len(denominator) or not numerator:
        raise ValueError("need the same, non-zero number of groups on both sides")
    rng = np.random.default_rng(seed)
    groups = len(numerator)
    ratios = np.empty(resamples)
    for index in range(resamples):
        chosen = rng.integers(0, groups, groups)
        top = np.concatenate([_resampled(numerator[k], rng) for k in chosen])
        bottom = np.concatenate([_resampled(denominator[k], rng) for k in chosen])
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios[index] = np.median(top) / np.median(bottom)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(ratios, [tail, 100 - tail])
    return float(low), float(high)


def _resampled(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return values[rng.integers(0, values.size, values.size)]


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
