import datetime as dt

import pandas as pd
import pytest

from core import formatting as fmt


def test_numbers_use_dot_thousands():
    assert fmt.number(1049) == "1.049"
    assert fmt.number(12105) == "12.105"
    assert fmt.number(64454) == "64.454"
    assert fmt.number(7) == "7"


def test_percentages_use_decimal_comma_and_drop_trailing_zeros():
    assert fmt.percent(1049 / 12105 * 100) == "8,67%"
    assert fmt.percent(4.8) == "4,8%"
    assert fmt.percent(39.0) == "39%"
    assert fmt.percent(60.2209) == "60,22%"


def test_missing_values_show_a_dash():
    assert fmt.number(None) == "–"
    assert fmt.number(pd.NA) == "–"
    assert fmt.percent(float("nan")) == "–"


def test_signed_changes():
    assert fmt.signed(30) == "+30"
    assert fmt.signed(-1200) == "−1.200"
    assert fmt.signed(0) == "0"


def test_dates():
    assert fmt.date(dt.date(2024, 1, 25)) == "25/01/2024"
    assert fmt.parse_date("2024-01-25") == dt.date(2024, 1, 25)
    assert fmt.parse_date("25/01/2024") == dt.date(2024, 1, 25)
    with pytest.raises(ValueError):
        fmt.parse_date("25.13.2024")


def test_the_quick_writing_of_numbers_is_babels_own():
    """core.formatting writes whole numbers and rates itself (speed); Babel's vi_VN rules are
    the reference, over negatives, zeros, big counts, numpy ints and rounding edges."""
    import random

    import numpy as np
    from babel.numbers import format_decimal

    rng = random.Random(7)
    counts = [0, 1, -1, 999, 1000, -1000, 1049, 10**12, -0.0, 0.0, 4500.0, np.int64(123456),
              np.int32(-5000), *(rng.randint(-10**9, 10**9) for _ in range(2000))]
    for value in counts:
        assert fmt.number(value) == format_decimal(value, format="#,##0", locale="vi_VN"), value
    rates = [0.0, -0.0, 0.004, -0.004, 0.005, 0.015, 2.675, 1.005, 99.995, 8.6744, 1234.5678,
             *(rng.uniform(-200, 200) for _ in range(2000))]
    for decimals in (0, 1, 2):
        pattern = "#,##0." + "#" * decimals if decimals else "#,##0"
        for value in rates:
            assert fmt.percent(value, decimals) == format_decimal(
                round(value, decimals), format=pattern, locale="vi_VN") + "%", value
