"""Vietnamese text folded for comparison: the one place diacritics are taken off.

`fold` and `key` are what the import matches report wordings with ("Tỷ lệ", "TỈ LỆ" and
"Tỷ lệ (%)" meet), `strip_marks` what the catalogue's ASCII name keys and the exports' ASCII
file names are made of. Base layer: imports nothing from the project.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=8192)
def fold_char(char: str) -> str:
    """One character lower case without diacritics (đ → d)."""
    if char in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", char)[0].lower()
    return base if len(base) == 1 else char


def fold(text: str) -> str:
    """Lower case without diacritics; one character per character of the NFC text."""
    text = unicodedata.normalize("NFC", text)
    if text.isascii():
        return text.lower()
    return "".join(map(fold_char, text))


@lru_cache(maxsize=65536)
def key(text: str) -> str:
    """Folded text with punctuation as single spaces: the form all patterns match against."""
    return " ".join(re.sub(r"[^a-z0-9%]+", " ", fold(text)).split())


def strip_marks(text: str) -> str:
    """The text without its combining marks (tones, circumflex, breve, horn), đ → d and
    Đ → D; case kept."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in plain if not unicodedata.combining(ch))


def slug(text: str) -> str:
    """ASCII words joined by hyphens, for file names: "Huyện Bình Sơn" → "huyen-binh-son"."""
    return re.sub(r"[^a-z0-9]+", "-", strip_marks(text).lower()).strip("-")
