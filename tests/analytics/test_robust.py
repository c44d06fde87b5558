"""Robust statistics of the data-quality rules (core.analytics.robust)."""

import warnings

import numpy as np
import pytest

from core.analytics import quality, robust


def test_modified_z_score_and_its_zero_mad_fallback():
    baseline = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 2.0, 2.0, 2.0, 7.0],
                         [3.0, 3.0, 3.0, 3.0, 3.0]])
    scores = robust.modified_z(np.array([10.0, 12.0, 9.0]), baseline)
    assert scores[0] == pytest.approx(0.6745 * (10 - 3) / 1)            # MAD = 1
    assert scores[1] == pytest.approx((12 - 2) / (1.253314 * 1.0))      # MAD 0, MeanAD 1
    assert np.isnan(scores[2])                                          # nothing varies


def test_row_medians_are_numpys_nanmedian():
    rng = np.random.default_rng(3)
    for width in (1, 2, 5, quality.WINDOW):
        values = rng.normal(size=(500, width)) * 100
        values[rng.random(values.shape) < 0.4] = np.nan
        values[0] = np.nan  # a row without any value: NaN, as numpy gives (with a warning)
        values[1] = 7.0
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = np.nanmedian(values, axis=1)
        assert np.array_equal(robust.row_nanmedian(values), expected, equal_nan=True)
