"""The text of a CSV file as Vietnamese offices save it, whatever its encoding.

Excel offers several "CSV" and "text" formats and the one a clerk picks decides the bytes:
"CSV UTF-8" (UTF-8 with a BOM), "Unicode Text" (UTF-16 LE with a BOM, tab separated), plain
"CSV" (the Windows code page: Windows-1258 on Vietnamese Windows, Windows-1252 on English
Windows) and exports of other programs (UTF-8 without BOM). Windows-1258 writes most
Vietnamese letters as a base letter plus a combining tone mark ("ế" is "ê" + U+0301), so the
text is normalised to NFC.

A byte string decodes without error in several single-byte code pages, so decoding is not
proof: each candidate (a BOM's encoding alone; else UTF-8, Windows-1258, Windows-1252, a
UTF-8 text garbled once through Windows-1252, and what charset-normalizer proposes) is
decoded and its text judged as Vietnamese (`vietnamese_score`: letters of the Vietnamese
alphabet in well-formed syllables and common words of these reports score; letters from
other alphabets, stray combining marks, capitals inside a word and mojibake such as "Ã´" or
"Ä‘" cost). The best wins; if even the best reads as garbage (an old TCVN3 or VNI font
encoding, a damaged file) the file is refused with `MSG_UNDECODABLE` rather than stored with
misspelt names.

API: decode_text(data) -> Decoded(text, encoding); UndecodableText (a ValueError whose str is
the Vietnamese message); vietnamese_score(text) -> float.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from core.ingest.calamine_child import clean_text
from core.ingest.limits import (
    DEFAULT_MAX_CELLS,
    MSG_CORRUPT,
    MSG_TOO_MANY_CELLS_DENSE,
    MSG_UNDECODABLE,
    SpreadsheetError,
    _vi_int,
)
from core.ingest.model import Sheet

# Text judged: the start of the file is enough to tell encodings apart, and keeps a 20 MB
# file's check short.
SAMPLE_CHARS = 200_000
# charset-normalizer proposals tried besides our own candidates (it is slower on big files,
# so it looks at the sample only).
DETECTOR_PROPOSALS = 3
DETECTOR_SAMPLE_BYTES = 256 * 1024

_VOWELS = "aăâeêioôơuưy"
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_LETTER_MARKS = "\u0306\u0302\u031b"  # breve (ă), circumflex (â ê ô), horn (ơ ư)


def _vietnamese_alphabet() -> frozenset[str]:
    letters = set("abcdefghijklmnopqrstuvwxyzđ")
    for vowel in _VOWELS:
        letters.add(vowel)
        for tone in _TONES:
            letters.add(unicodedata.normalize("NFC", vowel + tone))
    return frozenset(letters | {c.upper() for c in letters})


VIETNAMESE_LETTERS = _vietnamese_alphabet()
_TONED = frozenset(c for c in VIETNAMESE_LETTERS
                   if any(m in _TONES for m in unicodedata.normalize("NFD", c)))
# Letters only Vietnamese uses (no Western code page has them): strong evidence.
_DISTINCTIVE = frozenset(c for c in VIETNAMESE_LETTERS
                         if c in "đĐăĂơƠưƯ" or "\u1ea0" <= c <= "\u1ef9")
# Words of these reports (after NFC, lower case); finding them is strong evidence.
_COMMON_WORDS_TEXT = (
    "tên đơn vị tổng số đối tượng đã chi trả qua tài khoản tỷ tỉ lệ xã huyện tỉnh phường "
    "thị trấn thành phố người có công hộ nghèo cận bảo trợ hội nhóm ngày năm báo cáo tiền "
    "mặt ngân hàng xác thực chờ họ và sinh định danh căn cước hình thức ghi chú quận")
COMMON_WORDS = frozenset(_COMMON_WORDS_TEXT.split())
# Pieces that UTF-8 Vietnamese shows when read as Windows-1252: "Ã´" (ô), "Ä‘" (đ), "á»" ...
_MOJIBAKE = re.compile("Ã[\u0080-\u00bf]|Ä[\u0080-\u00bf‘’]|Æ[°¡]|á[»º¹]|Â[\u00a0-\u00bf]")
# A word: letters, with any combining marks left over after NFC (they are judged too).
_WORD = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")


class UndecodableText(ValueError):
    """The bytes are no text we can read as Vietnamese; str() is the uploader's message."""


@dataclass(frozen=True)
class Decoded:
    text: str  # NFC
    encoding: str  # Python's codec name: "utf-8", "utf-16", "cp1258", "cp1252", ...


def decode_text(data: bytes) -> Decoded:
    """The file's text in its most plausible encoding; UndecodableText if none reads."""
    if data.startswith(codecs.BOM_UTF8):
        return _decoded_or_refused(data[len(codecs.BOM_UTF8):], "utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decoded_or_refused(data, "utf-16")
    candidates: dict[str, str] = {}
    for encoding in ("utf-8", "cp1258", "cp1252"):
        text = _decode(data, encoding)
        if text is not None:
            candidates[encoding] = text
    utf8 = candidates.get("utf-8")
    if utf8 is not None and _MOJIBAKE.search(utf8[:SAMPLE_CHARS]):
        repaired = _repair_double_encoding(utf8)
        if repaired is not None:
            candidates["utf-8 (cp1252)"] = repaired
    for encoding in _detector_proposals(data):
        if encoding not in candidates:
            text = _decode(data, encoding)
            if text is not None:
                candidates[encoding] = text
    if not candidates:
        raise UndecodableText(MSG_UNDECODABLE)
    # Order breaks ties: UTF-8 first, then the code pages of Vietnamese and English Windows.
    scored = [(vietnamese_score(text[:SAMPLE_CHARS]), -order, encoding)
              for order, (encoding, text) in enumerate(candidates.items())]
    score, _, encoding = max(scored)
    text = candidates[encoding]
    if not readable(text[:SAMPLE_CHARS]):
        raise UndecodableText(MSG_UNDECODABLE)
    return Decoded(text, encoding)


def _decoded_or_refused(data: bytes, encoding: str) -> Decoded:
    text = _decode(data, encoding)
    if text is None or not readable(text[:SAMPLE_CHARS]):
        raise UndecodableText(MSG_UNDECODABLE)
    return Decoded(text, encoding)


def _decode(data: bytes, encoding: str) -> str | None:
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    if "\x00" in text:
        return None
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _repair_double_encoding(text: str) -> str | None:
    """UTF-8 bytes once read as Windows-1252 and saved again as UTF-8, put back. Windows
    reads the five bytes Windows-1252 leaves undefined (0x81, 0x8D...) as U+0081..."""
    raw = bytearray()
    for char in text:
        try:
            raw += char.encode("cp1252")
        except UnicodeEncodeError:
            if ord(char) > 0xFF:
                return None
            raw.append(ord(char))
    try:
        return unicodedata.normalize("NFC", raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None


def _detector_proposals(data: bytes) -> list[str]:
    from charset_normalizer import from_bytes

    sample = data[:DETECTOR_SAMPLE_BYTES]
    try:
        matches = from_bytes(sample, explain=False)
    except Exception:  # the detector is a hint; its failure only removes a candidate
        return []
    return [m.encoding for m in list(matches)[:DETECTOR_PROPOSALS]]


# --- judging text as Vietnamese -------------------------------------------------------------


def _word_verdict(word: str) -> int:
    """+2 a common report word, +1 a well-formed Vietnamese word with non-ASCII letters,
    0 a plain ASCII word, -3 a word no Vietnamese writer produces."""
    if word.isascii():
        return 0
    lower = word.lower()
    if lower in COMMON_WORDS:
        return 2
    if any(unicodedata.combining(c) for c in word):
        return -3  # a tone mark left over after NFC: it sat on no vowel
    if any(c not in VIETNAMESE_LETTERS for c in word):
        return -3  # ð, Þ, å, ñ, ï, Ø...: another alphabet
    if sum(c in _TONED for c in lower) > 1:
        return -3  # a syllable carries one tone
    if any(c.isupper() for c in word[1:]) and not word.isupper():
        return -3  # "TôÒng": a capital inside a word
    return 1 if any(c in _DISTINCTIVE or c in _TONED for c in word) else 0


def vietnamese_score(text: str) -> float:
    """How much `text` reads as Vietnamese: positive for well-formed Vietnamese, negative
    for mojibake; 0 for plain ASCII (it reads the same in every candidate)."""
    score = sum(_word_verdict(w) for w in _WORD.findall(text))
    return score - 3 * len(_MOJIBAKE.findall(text))


def readable(text: str) -> bool:
    """False when the text is mostly words no Vietnamese (or English) writer produces."""
    verdicts = [_word_verdict(w) for w in _WORD.findall(text) if not w.isascii()]
    bad = sum(v < 0 for v in verdicts) + len(_MOJIBAKE.findall(text))
    return bad < 3 or bad <= 0.2 * len(verdicts)


# --- CSV files -----------------------------------------------------------------------------

# --- CSV ---------------------------------------------------------------------------------

_CSV_SEPARATORS = (";", ",", "\t")


def _read_csv(data: bytes, max_cells: int = DEFAULT_MAX_CELLS) -> list[Sheet]:
    text = _decode_csv(data)
    separator = sniff_separator(text)
    cells = text.count(separator) + text.count("\n")  # at least the fields, quoted or not
    if cells > max_cells:
        raise SpreadsheetError(MSG_TOO_MANY_CELLS_DENSE.format(
            cells=_vi_int(max_cells), limit=_vi_int(max_cells)))
    try:
        raw = list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
    except csv.Error as exc:
        raise SpreadsheetError(MSG_CORRUPT) from exc
    width = max((len(r) for r in raw), default=0)
    rows = [[clean_text(v) or None for v in r] + [None] * (width - len(r)) for r in raw]
    return [Sheet("CSV", rows, None, True, "csv")]


def _decode_csv(data: bytes) -> str:
    """The text in whichever encoding offices save CSV in (core.ingest.text decides)."""
    try:
        return decode_text(data).text
    except UndecodableText as exc:
        raise SpreadsheetError(str(exc)) from exc


def sniff_separator(text: str, sample_lines: int = 30) -> str:
    """Pick the separator giving the most lines with the same number (> 1) of fields."""
    lines = [ln for ln in text.splitlines()[: sample_lines * 2] if ln.strip()][:sample_lines]
    best, best_score = ",", (-1, -1)
    for separator in _CSV_SEPARATORS:
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=separator)]
        except csv.Error:
            continue
        if not counts:
            continue
        width, lines_with_width = Counter(counts).most_common(1)[0]
        score = (lines_with_width if width > 1 else 0, width)
        if score > best_score:
            best, best_score = separator, score
    return best
