"""Numbers as Vietnamese offices type them: 1.049, 8,67%, 0,6022, dashes for none."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.ingest.vocabulary import (
    EMPTY_MARKS,
)

# --- numbers -------------------------------------------------------------------------------

_PLAIN_INT = re.compile(r"^[+-]?\d+$")


_DOT_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+$")


_COMMA_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+$")


_COMMA_DECIMAL = re.compile(r"^[+-]?\d*,\d+$")


_DOT_DECIMAL = re.compile(r"^[+-]?\d*\.\d+$")


_VN_FULL = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+,\d+$")


_EN_FULL = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+\.\d+$")


@dataclass(frozen=True, slots=True)
class Number:
    value: float | int
    decimals: int      # digits after the decimal separator as written
    is_text: bool
    has_percent_sign: bool


def parse_number(cell: object, *, percent: bool = False) -> Number | None:
    """A cell as a number, reading Vietnamese text ("1.912", "60,22%", "8,67").

    Raises ValueError for text that is not a number ("abc", "12,5 người"). Returns None for
    an empty cell or a dash. For a percent field one separator is always the decimal one
    ("12.105" is 12,105%); for counts a dot before exactly three digits groups thousands.
    """
    if cell is None:
        return None
    if isinstance(cell, bool):
        raise ValueError(cell)
    if isinstance(cell, int):
        return Number(cell, 0, False, False)
    if isinstance(cell, float):
        return Number(cell, _float_decimals(cell), False, False)
    if not isinstance(cell, str):
        raise ValueError(cell)
    text = cell.replace(" ", "").replace("\u202f", "").replace("\xa0", "")
    if not text or text in EMPTY_MARKS:
        return None
    has_percent = text.endswith("%")
    text = text.rstrip("%").strip()
    value, decimals = _parse_number_text(text, percent)
    return Number(value, decimals, True, has_percent)


def _parse_number_text(text: str, percent: bool) -> tuple[float | int, int]:
    if _PLAIN_INT.match(text):
        return int(text), 0
    if _VN_FULL.match(text):
        whole, frac = text.split(",")
        return float(whole.replace(".", "") + "." + frac), len(frac)
    if _EN_FULL.match(text):
        whole, frac = text.split(".")
        return float(whole.replace(",", "") + "." + frac), len(frac)
    if not percent and _DOT_THOUSANDS.match(text):
        return int(text.replace(".", "")), 0
    if not percent and _COMMA_THOUSANDS.match(text):
        return int(text.replace(",", "")), 0
    if _COMMA_DECIMAL.match(text):
        return float(text.replace(",", ".")), len(text.split(",")[1])
    if _DOT_DECIMAL.match(text):
        return float(text), len(text.split(".")[1])
    raise ValueError(text)


def _float_decimals(value: float) -> int:
    text = repr(value)
    if "e" in text or "." not in text:
        return 0 if "e" not in text else 10
    return len(text.split(".")[1].rstrip("0"))


def vi_number(value: float | int | None, decimals: int = 2) -> str:
    """1049 -> "1.049", 8.6744 -> "8,67": the way the reports write numbers, for messages."""
    if value is None:
        return "–"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    text = f"{value:,.{decimals}f}".rstrip("0").rstrip(".")
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
