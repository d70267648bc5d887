"""Every statistic the harness decides with, once each, with its formula and when it is valid.

scipy.stats is imported inside the functions: it takes about a second to load, and `bench list`
or a resumed run that judges nothing should not pay for it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from bench.defaults import CONFIDENCE

BOOTSTRAP_RESAMPLES = 2_000
_BOOTSTRAP_CELLS = 4_000_000  # values drawn at once: bounds the memory of one chunk


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


def wilson_bounds(
    rate: float, trials: np.ndarray, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson interval of one proportion at many numbers of trials at once (closed form).

    The formula of wilson_interval, vectorised over n: for asking how the interval of a rate
    would narrow with more trials, where calling scipy once per n would take seconds.
    """
    from scipy.stats import norm

    n = np.asarray(trials, dtype=np.float64)
    z = norm.ppf(0.5 + confidence / 2)
    centre = (rate + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(rate * (1 - rate) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


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
    top, bottom = _padded(numerator), _padded(denominator)
    # Resamples in chunks: each is (rows, seeds, values) and must stay small in memory.
    chunk = max(1, _BOOTSTRAP_CELLS // (groups * max(top.shape[1], bottom.shape[1])))
    ratios = []
    for start in range(0, resamples, chunk):
        rows = min(chunk, resamples - start)
        chosen = rng.integers(0, groups, (rows, groups))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios.append(
                _resampled_medians(top, chosen, rng) / _remembered_medians(bottom, chosen, rng)
            )
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


def _padded(groups: Sequence[np.ndarray]) -> np.ndarray:
    """Groups of unequal sizes as rows of one array, padded with NaN."""
    table = np.full((len(groups), max(len(g) for g in groups)), np.nan)
    for row, values in enumerate(groups):
        table[row, : len(values)] = values
    return table


# The last few denominators resampled: a case's verdicts put David's epochs in the denominator
# against each opponent in turn, with the same seed, the same chosen seeds and (opponents timed
# over as many epochs) the same generator state, so his medians come out the same each time.
_REMEMBERED: dict[tuple[bytes, ...], tuple[np.ndarray, dict]] = {}


def _remembered_medians(
    table: np.ndarray, chosen: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """_resampled_medians, computed once per table, chosen seeds and generator state; the
    generator is left where computing them would have left it."""
    key = (
        table.tobytes(),
        str(table.shape).encode(),
        chosen.tobytes(),
        str(chosen.shape).encode(),
        repr(rng.bit_generator.state).encode(),
    )
    if key in _REMEMBERED:
        medians, state = _REMEMBERED[key]
        rng.bit_generator.state = state
        return medians.copy()
    medians = _resampled_medians(table, chosen, rng)
    if len(_REMEMBERED) >= 8:
        _REMEMBERED.pop(next(iter(_REMEMBERED)))
    _REMEMBERED[key] = (medians.copy(), rng.bit_generator.state)
    return medians


def _resampled_medians(
    table: np.ndarray, chosen: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """For each row of chosen seeds, the median of every chosen seed's values, resampled."""
    sizes = np.sum(~np.isnan(table), axis=1)[chosen]  # (rows, seeds)
    width = table.shape[1]
    picks = (rng.random((*chosen.shape, width)) * sizes[..., None]).astype(np.intp)
    # A seed with fewer values contributes only as many: drop the draws past its size.
    short = np.arange(width) >= sizes[..., None]
    if not short.any():  # seeds of equal length (the usual case): the same medians, sooner
        return _medians_by_rank(table, chosen[..., None] * width + picks)
    values = table[chosen[..., None], picks]
    values[short] = np.nan
    return np.nanmedian(values.reshape(len(chosen), -1), axis=1)


def _medians_by_rank(table: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Per row of drawn cells of the table, the median of their values: exactly np.median's.

    Every drawn value is one of the table's few cells, so each row is sorted as the cells' ranks
    in small unsigned integers (numpy radix-sorts 8- and 16-bit integers: several times faster
    than partitioning the floats), and the middle rank(s) read back as values; two middle values
    are averaged as np.median does, (a + b) / 2.
    """
    flat = table.ravel()
    order = np.argsort(flat, kind="stable")
    small = np.uint8 if flat.size <= 2**8 else np.uint16 if flat.size <= 2**16 else np.intp
    rank = np.empty(flat.size, dtype=small)
    rank[order] = np.arange(flat.size)
    ranked = np.sort(rank[cells].reshape(len(cells), -1), axis=1, kind="stable")
    ordered, middle = flat[order], ranked.shape[1] // 2
    if ranked.shape[1] % 2:
        return ordered[ranked[:, middle]]
    return (ordered[ranked[:, middle - 1]] + ordered[ranked[:, middle]]) / 2


def slope_interval(
    x: Sequence[float], y: Sequence[float], confidence: float = CONFIDENCE
) -> tuple[float, float, float]:
    """Least-squares slope of y on x with its t interval: (slope, low, high).

    slope -+ t(n-2) * SE(slope), SE from the residuals (scipy.stats.linregress). Valid for n >= 3
    points scattered independently about a straight line; on log-log axes the slope is the
    growth exponent of y in x.
    """
    from scipy.stats import linregress, t

    if len(x) < 3 or len(set(x)) < 2:
        raise ValueError(f"a slope interval needs at least 3 points over 2 x values, got {len(x)}")
    fit = linregress(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    half = t.ppf(0.5 + confidence / 2, len(x) - 2) * fit.stderr
    return float(fit.slope), float(fit.slope - half), float(fit.slope + half)
