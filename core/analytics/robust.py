"""Robust statistics for the data-quality rules: medians and modified z-scores that a few
wild values or gaps (NaN) do not move. Pure numpy; core.analytics.quality's unusual_jump uses
them."""

from __future__ import annotations

import numpy as np


def row_nanmedian(values: np.ndarray) -> np.ndarray:
    """np.nanmedian(values, axis=1) by one sort (NaN sorts last): numpy takes a masked-array
    path for short rows, several times slower on a province's tens of thousands of rows."""
    if values.size == 0:
        return np.full(len(values), np.nan)
    counts = (~np.isnan(values)).sum(axis=1)
    ordered = np.sort(values, axis=1)
    rows = np.arange(len(values))
    low = ordered[rows, np.maximum((counts - 1) // 2, 0)]
    high = ordered[rows, np.maximum(counts // 2, 0)]
    return np.where(counts > 0, (low + high) / 2, np.nan)


def modified_z(change: np.ndarray, baseline: np.ndarray,
               median: np.ndarray | None = None) -> np.ndarray:
    """Modified z-scores of `change` (n,) against rows of `baseline` (n, k), NaN gaps allowed
    (every row needs at least one value); `median`: the rows' medians, when already known.

    M = 0.6745 (x - median) / MAD. Where the MAD is 0 (more than half the baseline equal),
    the mean absolute deviation stands in: M = (x - median) / (1.253314 MeanAD). Where both
    are 0 (a perfectly flat history) the score is undefined (NaN): see unusual_jump.
    """
    if median is None:
        median = row_nanmedian(baseline)
    deviation = np.abs(baseline - median[:, None])
    mad = row_nanmedian(deviation)
    mean_ad = np.nanmean(deviation, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mad > 0, 0.6745 * (change - median) / mad,
                        np.where(mean_ad > 0, (change - median) / (1.253314 * mean_ad),
                                 np.nan))
