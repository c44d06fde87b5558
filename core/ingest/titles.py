"""What a sheet's title says: its lines, the report date, the units named by an authority
line ("UBND HUYỆN BÌNH SƠN"), the quota year; the date in a file name."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence

from core.ingest.model import Column
from core.ingest.vocabulary import YEAR_RE
from core.text import fold, key
from core.vocabulary import QUOTA_FIELDS

# --- title: text, date, year, parent unit -----------------------------------------------------

_TITLE_DATE_RES = (
    re.compile(r"\bden (?:het )?(?:[a-z0-9]+ ){0,2}?ngay (\d{1,2}) (\d{1,2}) (\d{4})\b"),
    re.compile(r"\b(?:tinh )?den (?:het )?(\d{1,2}) (\d{1,2}) (\d{4})\b"),
    re.compile(r"\bngay bao cao (\d{1,2}) (\d{1,2}) (\d{4})\b"),
    re.compile(r"\bngay (\d{1,2}) thang (\d{1,2}) nam (\d{4})\b"),
    # "TIẾN ĐỘ NGÀY 22/01/2024", but not a dispatch's date ("Công văn số 271 ngày 19/01")
    re.compile(r"^(?!.*\b(?:cong van|cv|van ban|quyet dinh|qd|ke hoach|thong bao|chi thi"
               r"|nghi quyet|so \d+)\b).*?\bngay (\d{1,2}) (\d{1,2}) (\d{4})\b"),
)


_FILE_DATE_RES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<!\d)(20\d\d)[-_.](\d{1,2})[-_.](\d{1,2})(?!\d)"), "ymd"),
    (re.compile(r"(?<!\d)(\d{1,2})[-_.](\d{1,2})[-_.](20\d\d)(?!\d)"), "dmy"),
    (re.compile(r"(?<!\d)(\d{2})(\d{2})(20\d\d)(?!\d)"), "dmy"),
    (re.compile(r"(?<!\d)(20\d\d)(\d{2})(\d{2})(?!\d)"), "ymd"),
)


def title_lines(grid: list[list[object]], header_start: int) -> list[str]:
    """Texts above the header, row by row and line by line, each once."""
    lines: list[str] = []
    for r in range(header_start):
        for value in grid[r]:
            if isinstance(value, str):
                for line in value.split("\n"):
                    line = " ".join(line.split())
                    if line and line not in lines:
                        lines.append(line)
    return lines


def title_phrases(grid: list[list[object]], header_start: int) -> list[str]:
    """Title cells as single lines, where the unit's name is looked for: a cell reading
    "ỦY BAN NHÂN DÂN" is joined to the cell below it, the next line of that block."""
    phrases: list[str] = []
    for r in range(header_start):
        for c, value in enumerate(grid[r]):
            if isinstance(value, str):
                text = " ".join(_joined_authority(grid, r, c, value, header_start).split())
                if text not in phrases:
                    phrases.append(text)
    return phrases


def _joined_authority(
    grid: list[list[object]], r: int, c: int, value: str, header_start: int
) -> str:
    if not re.search(r"(ubnd|uy ban nhan dan)$", key(value)):
        return value
    for below in range(r + 1, min(r + 3, header_start)):
        cell = grid[below][c] if c < len(grid[below]) else None
        if isinstance(cell, str) and cell != value:
            return f"{value} {cell}"
    return value


def title_date_cells(grid: list[list[object]], header_start: int) -> list[dt.date]:
    found = []
    for r in range(header_start):
        for value in grid[r]:
            if isinstance(value, dt.datetime):
                found.append(value.date())
            elif isinstance(value, dt.date):
                found.append(value)
    return found


def date_from_title(lines: Sequence[str]) -> dt.date | None:
    for pattern in _TITLE_DATE_RES:
        for line in lines:
            for match in pattern.finditer(key(line)):
                day, month, year = (int(g) for g in match.groups())
                found = valid_date(year, month, day)
                if found:
                    return found
    return None


def date_from_file_name(file_name: str) -> dt.date | None:
    name = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    for pattern, order in _FILE_DATE_RES:
        for match in pattern.finditer(name):
            a, b, c = (int(g) for g in match.groups())
            found = valid_date(a, b, c) if order == "ymd" else valid_date(c, b, a)
            if found:
                return found
    return None


def valid_date(year: int, month: int, day: int) -> dt.date | None:
    if not 2000 <= year <= 2099:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


_LEVEL_WORD_RE = re.compile(
    r"(?<![a-z])(tinh|thanh pho|tp|huyen|quan|thi xa|tx|xa|phuong|thi tran)\.?\s+(?=\S)"
)


_NAME_STOP_WORDS = frozenset({
    "tinh", "den", "ngay", "nam", "thang", "ve", "trong", "theo", "tai", "qua", "cua", "va",
    "doi", "voi", "tu", "bao", "cao", "nhu", "dat", "la", "co", "hoi", "chu", "nghia",
    "giai", "doan", "ky", "luc", "so", "dong", "thuong",
})


_AUTHORITY_RE = re.compile(r"\b(ubnd|uy ban nhan dan|dia ban|phong|so|cong an)\b")


def parent_hint_from_title(lines: Sequence[str]) -> str | None:
    """"UBND HUYỆN BÌNH SƠN" -> "Huyện Bình Sơn": text for the resolver, not a resolved unit.

    Lines naming an authority (UBND, Sở, Phòng, Công an, "trên địa bàn") are tried.
    """
    hints = unit_hints_from_title(lines)
    return hints[0] if hints else None


def unit_hints_from_title(lines: Sequence[str]) -> list[str]:
    """Every unit an authority line of the title names, in order ("UBND HUYỆN CẨM XUYÊN",
    then "UBND XÃ CẨM LẠC")."""
    hints: list[str] = []
    for line in lines:
        if not _AUTHORITY_RE.search(key(line)):
            continue
        hint = _unit_phrase(unicodedata.normalize("NFC", line))
        if hint and hint not in hints:
            hints.append(hint)
    return hints


def hint_level(hint: str) -> int:
    """3 for a commune, ward or town's name; 0 where the prefix does not tell."""
    text_key = key(hint)
    if text_key.startswith(("xa ", "phuong ", "thi tran ")):
        return 3
    if text_key.startswith(("huyen ", "quan ", "thi xa ", "tx ")):
        return 2
    return 1 if text_key.startswith("tinh ") else 0


def _unit_phrase(line: str) -> str | None:
    folded = fold(line)
    for match in _LEVEL_WORD_RE.finditer(folded):
        prefix = line[match.start(1):match.end(1)]
        if match.group(1) == "tinh" and prefix.lower() != "tỉnh":
            continue  # "tính đến ngày", not a province
        words = _name_words(line[match.end():], line.isupper() or line == line.upper())
        if words:
            phrase = f"{prefix} {' '.join(words)}"
            return phrase.title() if phrase.isupper() else phrase
    return None


def _name_words(rest: str, upper_line: bool) -> list[str]:
    words: list[str] = []
    for raw in rest.split():
        word = raw.strip(",;:()[]\"'.")
        if not word or any(ch.isdigit() for ch in word) or word in ("-", "–"):
            break
        if fold(word) in _NAME_STOP_WORDS and (upper_line or not word[0].isupper()):
            break
        if not upper_line and not word[0].isupper():
            break
        words.append(word)
        if raw != word or len(words) == 4:
            break
    return words


def year_from(columns: list[Column], title_lines: Sequence[str]) -> int | None:
    for column in columns:
        if column.role == "figure" and column.field in QUOTA_FIELDS:
            match = YEAR_RE.search(column.header)
            if match:
                return int(match.group(1))
    for line in title_lines:
        match = re.search(r"\bnam (20\d\d)\b", key(line)) or YEAR_RE.search(key(line))
        if match:
            return int(match.group(1))
    return None
