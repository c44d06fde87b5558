"""Vietnamese number and date formats: 1.049, 8,67%, 25/01/2024.

Babel holds the locale rules; these wrappers fix the choices the dashboard makes everywhere.
"""

from __future__ import annotations

import datetime as dt
import math

from babel.numbers import format_decimal

LOCALE = "vi_VN"


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(math.isnan(value))
    except TypeError:
        return str(value) in ("<NA>", "NaT")


# Whole numbers and already-rounded rates, the bulk of every table, are written by Python's
# own grouping with the separators swapped (what Babel writes for vi_VN, checked by
# tests/test_formatting.py), at a tenth of Babel's cost: a year's daily table is thousands of
# cells on each run. Anything else goes to Babel.
_SWAP = str.maketrans(",.", ".,")
_PLAIN_LIMIT = 10 ** 15


def _whole(value) -> int | None:
    """The value as an int when it is a whole number of a plain kind, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and value != 0:  # Babel writes -0
        return int(value)
    if hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iu":  # numpy ints
        return int(value)
    return None


def number(value, decimals: int = 0) -> str:
    """1049 -> "1.049"; missing -> "–"."""
    if _missing(value):
        return "–"
    whole = _whole(value) if decimals == 0 else None
    if whole is not None and abs(whole) < _PLAIN_LIMIT:
        return f"{whole:,}".translate(_SWAP)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def percent(value, decimals: int = 2) -> str:
    """8.6744 -> "8,67%"; 4.8 -> "4,8%"; 39.0 -> "39%": trailing zeros dropped, as the
    documents write them."""
    if _missing(value):
        return "–"
    rounded = round(float(value), decimals)
    if abs(rounded) < _PLAIN_LIMIT and rounded != 0:
        text = f"{rounded:,.{decimals}f}"
        if decimals:
            text = text.rstrip("0").rstrip(".")
        return text.translate(_SWAP) + "%"
    pattern = "#,##0." + "#" * decimals if decimals else "#,##0"
    return format_decimal(rounded, format=pattern, locale=LOCALE) + "%"


def signed(value) -> str:
    """+30 / −12 / 0, for changes."""
    if _missing(value):
        return "–"
    return ("+" if value > 0 else "−" if value < 0 else "") + number(abs(value))


def date(value: dt.date | None) -> str:
    return "–" if value is None or _missing(value) else value.strftime("%d/%m/%Y")


def parse_date(text: str) -> dt.date:
    """Accept 2024-01-25 and 25/01/2024; raise ValueError otherwise."""
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)
