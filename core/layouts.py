"""Understand one report sheet without a fixed template: header, columns, groups, date, rows.

Offices lay out the same report in many ways: title rows, one to three header rows with
merged bands per beneficiary group, an index row ("A, B, 1, 2, $6=2+3+4+5$"), total rows
anywhere, signature blocks underneath. This module reads what the sheet says and nothing
more: unit names stay text (the resolver maps them later), the stated rate is kept only to be
checked against the counts, and anything doubtful becomes a `Problem` rather than a guess.

Matching works on folded text (lower case, no diacritics, đ → d, punctuation as spaces), so
"Tỷ lệ", "TỈ LỆ", "Tỷ lệ (%)", NFD text and old/new tone placement (ủy / uỷ) compare equal.
Header vocabularies live in the pattern tables below, tried in order.

Use:
    report = parse_report(read_sheets(data, name), name, date=None, kind="auto")  (ingest.sheets)
    report.kind             "progress" | "quota" | "national"
    report.report_date      with report.date_source "argument" | "title" | "file_name" | None
    report.year             quotas only: from "Quý 1/2024", the title, or the date
    report.parent_hint      "Huyện Bình Sơn" from "UBND HUYỆN BÌNH SƠN", for the resolver
    report.columns          what each column was understood to be (Column), for the UI
    report.rows / .totals   ParsedRow: unit text, codes and names by level, values by
                            (group, field); totals carry their label
    report.problems         Problem(row_number, "error" | "warning", message_vi)
Progress fields: total, accounts, cashless, rate (a percentage, only to check), proxy_paid,
cash_at_home, id_verified, id_pending, id_problem. Quota fields: base_total, q1..q4 (the
quarters' increments as stated), year_total, year_share_pct. Groups: ncc, btxh, ngheo, all.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from core.ingest.reading import Reading
from core.ingest.vocabulary import (
    ACCOUNT_RATE_RE,
    CASHLESS_RE,
    FIELD_RES,
    GROUP_RES,
    NOT_A_FIGURE,
    fields_named,
    fold,
    group_of_text,
    key,
)
from core.ingest.vocabulary import fold_char as _fold_char
from core.spreadsheets import Sheet

# --- vocabulary ------------------------------------------------------------------------------

KINDS = ("progress", "quota", "national")
GROUPS = ("ncc", "btxh", "ngheo")
ALL_GROUPS = "all"
GROUP_LABELS = {
    "ncc": "Người có công",
    "btxh": "Bảo trợ xã hội",
    "ngheo": "Hộ nghèo, hộ cận nghèo",
    ALL_GROUPS: "Tất cả nhóm",
}
PROGRESS_FIELDS = (
    "total", "accounts", "cashless", "rate",
    "proxy_paid", "cash_at_home", "id_verified", "id_pending", "id_problem",
)
QUOTA_FIELDS = ("base_total", "q1", "q2", "q3", "q4", "year_total", "year_share_pct")
PERCENT_FIELDS = frozenset({"rate", "year_share_pct"})
FIELD_LABELS = {
    "total": "Tổng số đối tượng",
    "accounts": "Số đã có tài khoản",
    "cashless": "Số đã chi trả qua tài khoản",
    "rate": "Tỷ lệ (%)",
    "proxy_paid": "Chi qua tài khoản người được ủy quyền",
    "cash_at_home": "Chi tiền mặt tại nhà (bất khả kháng)",
    "id_verified": "Đã xác thực",
    "id_pending": "Chờ xác thực",
    "id_problem": "Không có CCCD, lệch thông tin, không tìm thấy",
    "base_total": "Tổng số đối tượng (cơ sở giao chỉ tiêu)",
    "q1": "Chỉ tiêu quý 1",
    "q2": "Chỉ tiêu quý 2",
    "q3": "Chỉ tiêu quý 3",
    "q4": "Chỉ tiêu quý 4",
    "year_total": "Chỉ tiêu cả năm",
    "year_share_pct": "Tỷ lệ % đạt được cả năm",
}
LEVEL_LABELS = {1: "tỉnh", 2: "huyện", 3: "xã"}
CODE_WIDTH = {1: 2, 2: 3, 3: 5}  # as core.units.CODE_WIDTH, the official zero-padded widths

# Columns whose leaf says this are notes, never figures, whatever the band above them says.
IGNORED_COLUMN_PATTERN = (
    r"\bghi chu\b|\bnguyen nhan\b|\bly do\b|\bde xuat\b|\bkien nghi\b|\bdien thoai\b"
    r"|\bho (va )?ten\b|\bnguoi phu trach\b|\bchuc vu\b|\bdia chi\b|\bdon vi tinh\b|^dvt$"
)
ORDER_PATTERN = r"^(s ?t ?t|so tt|t ?t|thu tu|so thu tu)$"
# A column naming the group on each row, for tables with one row per unit and group.
GROUP_COLUMN_PATTERN = r"^((nhom|loai) )?doi tuong( chinh sach| huong| asxh)?$|^nhom$"
# Unit columns are made of these words only ("Xã, phường, thị trấn", "Tỉnh/Thành phố",
# "Tên đơn vị", "Mã huyện"); the level comes from which words appear.
_UNIT_WORD = (
    r"(?:tinh|thanh pho|tp|tw|trung uong|truc thuoc|thuoc|huyen|quan|thi xa|tx|xa|phuong"
    r"|thi tran|tt|don vi|dvhc|dv|dia phuong|dia ban|hanh chinh|cap|ten|so|va|hoac)"
)
UNIT_LABEL_PATTERN = rf"^(?:ma )?{_UNIT_WORD}(?: {_UNIT_WORD})*$"
CODE_LABEL_PATTERN = r"^ma\b"
# Subtotals of a block of units: a cluster, an area, a region ("Cụm phía Bắc", "Khu vực 1").
SUBTOTAL_ROW_PATTERN = r"^(cum|khu vuc|vung|tieu vung|mien|cong cum|cong khu vuc)\b"
TOTAL_ROW_PATTERN = (
    r"^(tong cong|tong so|tong|cong|cong (toan|huyen|tinh|xa)\b.*|toan (tinh|huyen|quoc|thanh pho"
    r"|thi xa|xa|phuong|thi tran|nganh)\b.*|ca nuoc|tong toan\b.*)$"
)
STOP_ROW_PATTERN = (
    r"^(nguoi lap|nguoi bao cao|can bo lap|tm |t m |kt |ghi chu|noi nhan|chu tich|pho chu tich"
    r"|thu truong|giam doc|pho giam doc|truong phong|pho truong phong|lanh dao|xac nhan|ky ten"
    r"|ke toan|chanh van phong)|\bngay( \d+)? thang( \d+)? nam\b"
)
SECTION_ORDER_PATTERN = r"^(?=[ivxlc]+$)[ivxlc]{1,6}$|^[a-e]$"
INDEX_TOKEN_PATTERN = (
    r"^\(?\$?\s*[A-Za-z0-9]{1,3}(\s*[=+\-*/x:]\s*\(?[A-Za-z0-9]{1,3}\)?)*\s*\$?\)?$"
)
# Dashes mean "none"; Excel error values (a rate dividing by a zero total) in CSV exports too.
EMPTY_MARKS = frozenset({"-", "–", "—", "…", "...", "--", "#DIV/0!", "#N/A", "#VALUE!", "#REF!",
                         "#NAME?", "#NUM!", "#NULL!"})

HEADER_SCAN_ROWS = 60
MAX_HEADER_ROWS = 4
MIN_RATE_TOLERANCE = 0.1  # percentage points

MSG_NO_TABLE = (
    "Không tìm thấy bảng số liệu trong tệp: cần một dòng tiêu đề có cột tên đơn vị (như "
    "“Tên địa phương”, “Đơn vị”, “Xã, phường, thị trấn”) và các cột số liệu (như “Tổng số "
    "đối tượng”, “Số đối tượng đã chi trả qua tài khoản”, “Tỷ lệ (%)”); hãy kiểm tra lại tệp."
)


def _compile(patterns: Sequence[tuple[str, str]]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((name, re.compile(p)) for name, p in patterns)


_FIELD_RES = FIELD_RES
_GROUP_RES = GROUP_RES
_ACCOUNT_RATE_RE = ACCOUNT_RATE_RE
_IGNORED_RE = re.compile(IGNORED_COLUMN_PATTERN)
_ORDER_RE = re.compile(ORDER_PATTERN)
_GROUP_COLUMN_RE = re.compile(GROUP_COLUMN_PATTERN)
_UNIT_LABEL_RE = re.compile(UNIT_LABEL_PATTERN)
_CODE_LABEL_RE = re.compile(CODE_LABEL_PATTERN)
_TOTAL_ROW_RE = re.compile(TOTAL_ROW_PATTERN)
_SUBTOTAL_ROW_RE = re.compile(SUBTOTAL_ROW_PATTERN)
_STOP_ROW_RE = re.compile(STOP_ROW_PATTERN)
_SECTION_RE = re.compile(SECTION_ORDER_PATTERN)
_INDEX_TOKEN_RE = re.compile(INDEX_TOKEN_PATTERN)
_YEAR_RE = re.compile(r"\b(20\d\d)\b")

# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """What one spreadsheet column was understood to hold, for the "what was understood" view.

    role: "figure" (group and field set), "name" / "code" (level set: 1 province,
    2 district, 3 commune, 0 not said), "order", "group" (the group is named on each row),
    or "ignored" (shown as not understood).
    """

    index: int
    letter: str
    header: str
    role: str
    group: str | None = None
    field: str | None = None
    level: int | None = None
    matched: str | None = None
    source: str = "detected"  # "detected", or "set" by a person (or a saved reading)


@dataclass(slots=True)
class ParsedRow:
    """One data row (or a total row, then `label` holds its wording).

    codes and hierarchy are keyed by level (1 province, 2 district, 3 commune; 0 for a code
    column that does not say its level). values are keyed by (group, field); rates and
    year_share_pct are percentages (60.22 for 60,22%).
    """

    row_number: int
    unit_text: str
    codes: dict[int, str] = field(default_factory=dict)
    hierarchy: dict[int, str] = field(default_factory=dict)
    values: dict[tuple[str, str], float | int | None] = field(default_factory=dict)
    level: int | None = None
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a report. `rule` names the check (the same names as the rules in
    core/validation.py where both stages check the same thing), so callers never have to
    recognise a problem by its wording."""

    row_number: int | None
    severity: str  # "error" | "warning"
    message_vi: str
    column: int | None = None
    rule: str | None = None


@dataclass(slots=True)
class ParsedReport:
    kind: str
    sheet_name: str
    title: str
    report_date: dt.date | None
    date_source: str | None  # "argument" | "title" | "file_name" | None
    year: int | None
    parent_hint: str | None
    columns: list[Column]
    rows: list[ParsedRow]
    totals: list[ParsedRow]
    problems: list[Problem]
    header_rows: tuple[int, int]  # 1-based, inclusive
    other_table_sheets: list[str] = field(default_factory=list)
    single_unit: bool = False  # one unit, one row per group (a commune's daily form)
    unit_hint: str | None = None  # that unit, as the title or the reading names it
    group_source: str | None = None  # where unbanded figures' group came from
    headers: list[tuple[str, str]] = field(default_factory=list)  # (letter, header) detected

    @property
    def figure_columns(self) -> dict[int, tuple[str, str]]:
        return {c.index: (c.group, c.field) for c in self.columns if c.role == "figure"}

    @property
    def groups(self) -> list[str]:
        """Groups the figures belong to, from the rows (a group column names them there)."""
        found = {g for row in (*self.rows, *self.totals) for g, _ in row.values}
        if not found:
            found = {c.group for c in self.columns if c.role == "figure"}
        return [g for g in (*GROUPS, ALL_GROUPS) if g in found]

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


# --- text folding ----------------------------------------------------------------------------


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- numbers -------------------------------------------------------------------------------

_PLAIN_INT = re.compile(r"^[+-]?\d+$")
_DOT_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+$")
_COMMA_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+$")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d*,\d+$")
_DOT_DECIMAL = re.compile(r"^[+-]?\d*\.\d+$")
_VN_FULL = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+,\d+$")
_EN_FULL = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+\.\d+$")


@dataclass(frozen=True, slots=True)
class _Number:
    value: float | int
    decimals: int      # digits after the decimal separator as written
    is_text: bool
    has_percent_sign: bool


def parse_number(cell: object, *, percent: bool = False) -> _Number | None:
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
        return _Number(cell, 0, False, False)
    if isinstance(cell, float):
        return _Number(cell, _float_decimals(cell), False, False)
    if not isinstance(cell, str):
        raise ValueError(cell)
    text = cell.replace(" ", "").replace("\u202f", "").replace("\xa0", "")
    if not text or text in EMPTY_MARKS:
        return None
    has_percent = text.endswith("%")
    text = text.rstrip("%").strip()
    value, decimals = _parse_number_text(text, percent)
    return _Number(value, decimals, True, has_percent)


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


# --- header analysis -----------------------------------------------------------------------


@dataclass(slots=True)
class _Layout:
    """Where the table sits in a sheet and what its columns mean."""

    grid: list[list[object]]  # merged ranges filled in, for labels and unit names
    header_start: int  # 0-based
    header_end: int
    data_start: int
    columns: list[Column]
    headers: list[tuple[str, str]] = field(default_factory=list)  # as detected
    single_unit: bool = False


def find_layout(sheet: Sheet, reading: Reading | None = None) -> _Layout | None:
    """Locate the header block and classify its columns; None when no table is recognisable.

    A column a person gave a meaning to (`reading.columns`) takes it; the others are detected.
    """
    grid = fill_merged(sheet.rows, sheet.merged)
    start = _find_header_start(grid)
    if start is None:
        return None
    end = _find_header_end(grid, start)
    start = _extend_header_upwards(grid, start)
    header = _header_block(grid, start, end)
    data_start = end + 1
    if data_start < len(grid) and _is_index_row(grid[data_start]):
        data_start += 1
    labels = _column_labels(header)
    detected = _classify_columns(labels)
    headers = [(c.letter, c.header) for c in detected]
    columns = _apply_meanings(detected, reading)
    if not any(c.role == "figure" for c in columns):
        return None
    single_unit = False
    if not any(c.role in ("name", "code") for c in columns):
        found = _adopt_text_column(columns, grid, data_start)
        if found is None:
            return None
        columns, single_unit = found
    return _Layout(grid, start, end, data_start, columns, headers, single_unit)


def _apply_meanings(columns: list[Column], reading: Reading | None) -> list[Column]:
    if reading is None or not reading.columns:
        return columns
    result = []
    for column in columns:
        meaning = reading.columns.get(column.letter)
        if meaning is None:
            result.append(column)
            continue
        result.append(Column(column.index, column.letter, column.header, meaning.role,
                             meaning.group, meaning.field, meaning.level,
                             matched=column.matched, source="set"))
    return result


def fill_merged(
    rows: list[list[object]], merged: list[tuple[int, int, int, int]] | None
) -> list[list[object]]:
    """Copy each merged range's value into all its cells; only touched rows are copied."""
    if not merged:
        return rows
    grid = list(rows)
    copied: set[int] = set()
    for r0, c0, r1, c1 in merged:
        if r0 >= len(grid) or c0 >= len(grid[r0]):
            continue
        value = grid[r0][c0]
        if value is None:
            continue
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            if r not in copied:
                grid[r] = list(grid[r])
                copied.add(r)
            row = grid[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                row[c] = value
    return grid


def _find_header_start(grid: list[list[object]]) -> int | None:
    """The first row naming a unit column with figure headers in it or just below it."""
    limit = min(len(grid), HEADER_SCAN_ROWS)
    for r in range(limit):
        if _row_has_unit_label(grid[r]) and _figure_labels_near(grid, r) >= 1:
            return r
    for r in range(limit):
        if _figure_labels_near(grid, r, rows=1) >= 2 and _distinct_texts(grid[r]) >= 2:
            return r
    return None


def _extend_header_upwards(grid: list[list[object]], start: int) -> int:
    """Take in band rows written above the row naming the unit columns.

    When "TT" and "Đơn vị" sit in the lowest header row, the group bands above them look
    like title lines; a row above is a band row when every text in it is a short group or
    figure label and the unit columns are empty there.
    """
    unit_columns = {c for c, v in enumerate(grid[start])
                    if isinstance(v, str) and _unit_role(key(v)) is not None}
    while start > 0 and _is_band_row(grid[start - 1], unit_columns):
        start -= 1
    return start


def _is_band_row(row: list[object], unit_columns: set[int]) -> bool:
    texts = [(c, v) for c, v in enumerate(row) if v is not None]
    if not texts or any(c in unit_columns for c, _ in texts):
        return False
    return all(isinstance(v, str) and len(v) <= 80 and _is_figure_label(key(v)) for _, v in texts)


def _row_has_unit_label(row: list[object]) -> bool:
    return any(
        isinstance(v, str) and len(v) <= 60 and _unit_role(key(v)) is not None for v in row
    )


def _figure_labels_near(grid: list[list[object]], start: int, rows: int = MAX_HEADER_ROWS) -> int:
    columns = set()
    for r in range(start, min(start + rows, len(grid))):
        for c, v in enumerate(grid[r]):
            if isinstance(v, str) and len(v) <= 200 and _is_figure_label(key(v)):
                columns.add(c)
    return len(columns)


def _is_figure_label(text_key: str) -> bool:
    return any(p.search(text_key) for _, p in _FIELD_RES) or any(
        p.search(text_key) for _, p in _GROUP_RES
    )


def _distinct_texts(row: list[object]) -> int:
    return len({v for v in row if isinstance(v, str)})


def _find_header_end(grid: list[list[object]], start: int) -> int:
    """Header rows continue until an index row, a row with numbers, or a row naming a unit."""
    unit_columns = [
        c for c, v in enumerate(grid[start])
        if isinstance(v, str) and _unit_role(key(v)) is not None
    ]
    end = start
    for r in range(start + 1, min(start + MAX_HEADER_ROWS, len(grid))):
        row = grid[r]
        if _is_blank(row) or _is_index_row(row) or _has_number(row):
            break
        if any(_is_unit_value(row, c, grid[start]) for c in unit_columns):
            break
        end = r
    return end


def _is_unit_value(row: list[object], column: int, header_row: list[object]) -> bool:
    """A text under a unit label that is neither the label itself nor another label."""
    value = row[column] if column < len(row) else None
    if not isinstance(value, str) or value == header_row[column]:
        return False
    text_key = key(value)
    return _unit_role(text_key) is None and not _is_figure_label(text_key)


def _is_blank(row: list[object]) -> bool:
    return all(v is None for v in row)


def _has_number(row: list[object]) -> bool:
    for v in row:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return True
        if isinstance(v, str) and len(v) <= 20:
            try:
                if parse_number(v) is not None:
                    return True
            except ValueError:
                continue
    return False


def _is_index_row(row: list[object]) -> bool:
    """The row of column numbers under a header: A, B, 1, 2, ..., "$6=2+3+4+5$"."""
    tokens = [v for v in row if v is not None]
    if len(tokens) < 3:
        return False
    numbers = []
    for v in tokens:
        if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 300:
            numbers.append(v)
        elif not (isinstance(v, str) and _INDEX_TOKEN_RE.match(v)):
            return False
    return all(a < b for a, b in zip(numbers, numbers[1:], strict=False))


def _header_block(grid: list[list[object]], start: int, end: int) -> list[list[object]]:
    """Header rows with band labels carried across the empty cells a merge left behind."""
    width = max(len(grid[r]) for r in range(start, end + 1))
    block = [list(grid[r]) + [None] * (width - len(grid[r])) for r in range(start, end + 1)]
    for i in range(len(block) - 1):
        _forward_fill_bands(block, i)
    return block


def _forward_fill_bands(block: list[list[object]], i: int) -> None:
    """Fill row i's empty cells from the band on their left when there are sub-headers below.

    Without merge information a band such as "Người có công" shows only in its first cell;
    a cell belongs to it while it has sub-headers below, the band's first cell has too, and
    the row above does not change band there.
    """
    row = block[i]
    below = block[i + 1:]
    current: object = None
    current_col = -1
    for c, value in enumerate(row):
        if value is not None:
            current, current_col = value, c
            continue
        if current is None or not _has_content(below, c) or not _has_content(below, current_col):
            current = None
            continue
        if i > 0 and block[i - 1][c] != block[i - 1][current_col]:
            current = None
            continue
        row[c] = current


def _has_content(rows: list[list[object]], column: int) -> bool:
    return any(r[column] is not None for r in rows)


def _column_labels(block: list[list[object]]) -> list[list[str]]:
    """Each column's header texts from top to bottom, repeated texts once."""
    labels: list[list[str]] = []
    for c in range(len(block[0])):
        parts: list[str] = []
        for row in block:
            value = row[c]
            if value is None:
                continue
            text = " ".join(str(value).split())
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        labels.append(parts)
    return labels


def _unit_role(text_key: str) -> tuple[str, int] | None:
    """("order", 0), ("code", level) or ("name", level) for a unit column label."""
    if _ORDER_RE.match(text_key):
        return ("order", 0)
    if _IGNORED_RE.search(text_key) or not _UNIT_LABEL_RE.match(text_key):
        return None
    role = "code" if _CODE_LABEL_RE.match(text_key) else "name"
    return (role, _label_level(text_key))


def _label_level(text_key: str) -> int:
    words = f" {text_key} "
    for generic in (" dia phuong ", " dia ban ", " don vi ", " hanh chinh "):
        words = words.replace(generic, " ")
    if " tinh " in words and " thuoc tinh " not in words:
        return 1
    if any(w in words for w in (" huyen ", " quan ", " thi xa ", " tx ", " thuoc tinh ")):
        return 2
    if any(w in words for w in (" xa ", " phuong ", " thi tran ")):
        return 3
    return 0


def _classify_columns(labels: list[list[str]]) -> list[Column]:
    return [_classify_column(i, parts) for i, parts in enumerate(labels)]


def _classify_column(index: int, parts: list[str]) -> Column:
    letter = column_letter(index)
    header = " / ".join(parts)
    if not parts:
        return Column(index, letter, header, "ignored")
    keys = [key(p) for p in parts]
    for part, text_key in zip(reversed(parts), reversed(keys), strict=True):
        role = _unit_role(text_key)
        if role is not None:
            return Column(index, letter, header, role[0], level=role[1], matched=part)
    if _IGNORED_RE.search(keys[-1]):
        return Column(index, letter, header, "ignored")
    if _GROUP_COLUMN_RE.match(keys[-1]):
        return Column(index, letter, header, "group", matched=parts[-1])
    found = _field_of(parts, keys)
    if found is None:
        return Column(index, letter, header, "ignored")
    field_name, matched = found
    return Column(index, letter, header, "figure", _group_of(keys), field_name, matched=matched)


def _field_of(parts: list[str], keys: list[str]) -> tuple[str, str] | None:
    """The field named by the lowest header part that names one; bands only as a fallback."""
    for depth in range(len(parts) - 1, -1, -1):
        for name, pattern in _FIELD_RES:
            if pattern.search(keys[depth]):
                if name == NOT_A_FIGURE or (name == "rate" and _is_account_rate(keys[:depth + 1])):
                    return None
                return name, parts[depth]
    return None


def _is_account_rate(keys: list[str]) -> bool:
    mentions_accounts = any(_ACCOUNT_RATE_RE.search(k) for k in keys)
    mentions_paid = any(CASHLESS_RE.search(k) for k in keys)
    return mentions_accounts and not mentions_paid


def _group_of(keys: list[str]) -> str | None:
    """The group named by the lowest header part naming exactly one; None if none does."""
    for text_key in reversed(keys):
        found = [g for g, p in _GROUP_RES if p.search(text_key)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            return ALL_GROUPS
    return None


def _adopt_text_column(
    columns: list[Column], grid: list[list[object]], data_start: int
) -> tuple[list[Column], bool] | None:
    """With no recognised unit column: a text column naming a group on each row ("Người có
    công", "Hộ nghèo, hộ cận nghèo", "Bảo trợ xã hội") makes a one-unit form (a commune's
    daily report, the unit named in the title); else the text column left of the first
    figure holds the units' names. (columns, single_unit), or None without either."""
    if any(c.role == "group" for c in columns):
        return columns, True
    first_figure = min(c.index for c in columns if c.role == "figure")
    sample = grid[data_start:data_start + 30]
    for column in reversed(columns[:first_figure]):
        if column.source == "set":
            continue
        texts = [r[column.index] for r in sample if column.index < len(r)]
        words = [v for v in texts if isinstance(v, str) and not _looks_numeric(v)]
        if len(words) >= max(1, len([v for v in texts if v is not None]) // 2):
            named_groups = {_row_group(w) for w in words} - {None, ALL_GROUPS}
            plain = [w for w in words if _row_group(w) is None]
            role = "group" if named_groups and not plain else "name"
            adopted = Column(column.index, column.letter, column.header, role,
                             level=0 if role == "name" else None)
            return [adopted if c.index == column.index else c for c in columns], role == "group"
    return None


def _looks_numeric(text: str) -> bool:
    try:
        return parse_number(text) is not None
    except ValueError:
        return False


def _finalize_columns(
    columns: list[Column], groups: _GroupHints, kind: str, header_row: int,
    layout: _Layout | None = None,
) -> tuple[list[Column], list[Problem]]:
    """Give every figure its group, rename fields for quotas, keep one column per figure.

    A group stated once applies to every figure column that names none of its own: the
    group a person set for the whole file; else the one group the columns name (a report
    whose first figure column says "BTXH" and the next ones don't), unless that group
    already has the figure (then the column is over all groups); else the title's or the
    sheet name's group; else "all". Two columns still meaning the same figure are settled by
    the data (counts must satisfy cashless ≤ accounts ≤ total, a stated rate must agree)
    or, where the data cannot tell, asked about.
    """
    named = {c.group for c in columns if c.role == "figure" and c.group}
    single = next(iter(named)) if len(named) == 1 and ALL_GROUPS not in named else None
    taken = {(c.group, c.field) for c in columns if c.role == "figure" and c.group}
    result: list[Column] = []
    for column in columns:
        if column.role != "figure":
            result.append(column)
            continue
        group = column.group if column.source == "set" else None
        group = group or groups.file or column.group
        if group is None:
            if single is not None and (single, column.field) not in taken:
                group = single
            elif named:
                group = ALL_GROUPS
            else:
                group = groups.title or groups.sheet or ALL_GROUPS
        field_name = _quota_field(column.field) if kind == "quota" else column.field
        if kind != "quota" and field_name in QUOTA_FIELDS:
            field_name = None
        if field_name is None:
            result.append(Column(column.index, column.letter, column.header, "ignored",
                                 source=column.source))
            continue
        result.append(Column(column.index, column.letter, column.header, "figure", group,
                             field_name, matched=column.matched, source=column.source))
    return _settle_duplicates(result, header_row, layout)


@dataclass(frozen=True, slots=True)
class _GroupHints:
    """Where a file states its group once: set by a person, the title, the sheet's name."""

    file: str | None = None
    title: str | None = None
    sheet: str | None = None

    @property
    def source(self) -> str | None:
        return ("set" if self.file else "title" if self.title
                else "sheet" if self.sheet else None)


COUNT_FIELDS_ORDER = ("total", "accounts", "cashless")


def _settle_duplicates(
    columns: list[Column], header_row: int, layout: _Layout | None
) -> tuple[list[Column], list[Problem]]:
    by_key: dict[tuple[str, str], list[Column]] = {}
    for column in columns:
        if column.role == "figure":
            by_key.setdefault((column.group, column.field), []).append(column)
    clashes = {k: v for k, v in by_key.items() if len(v) > 1}
    if not clashes:
        return columns, []
    problems: list[Problem] = []
    replaced: dict[int, Column] = {}
    for group in sorted({g for g, _ in clashes}):
        decided = _decide_by_data(
            [c for c in columns if c.role == "figure" and c.group == group], layout)
        if decided is not None:
            for column, field_name in decided:
                if field_name != column.field:
                    replaced[column.index] = Column(
                        column.index, column.letter, column.header,
                        "figure" if field_name else "ignored", group if field_name else None,
                        field_name, matched=column.matched, source="data")
                    problems.append(Problem(header_row, "warning", (
                        f"Cột {column.letter} ({column.header}) được hiểu là "
                        f"“{FIELD_LABELS.get(field_name, 'không dùng')}” vì chỉ cách hiểu "
                        "này khớp với số liệu (số chi trả qua tài khoản ≤ số có tài khoản "
                        "≤ tổng số, tỷ lệ khớp)."), column.index, rule="column_by_data"))
            continue
        for (g, field_name), same in clashes.items():
            if g != group:
                continue
            for later in same[1:]:  # read once, never mixed, until a person chooses
                replaced[later.index] = Column(later.index, later.letter, later.header,
                                               "ignored", matched=later.matched,
                                               source=later.source)
            letters = " và ".join(f"{c.letter} ({c.header})" for c in same)
            meaning = FIELD_LABELS.get(field_name, field_name)
            problems.append(Problem(header_row, "error", (
                f"Các cột {letters} cùng được hiểu là “{meaning}” ({GROUP_LABELS[g]}) và số "
                "liệu không cho biết cột nào đúng: hãy chọn ý nghĩa của từng cột ở mục "
                "“Cách đọc tệp” (dòng lệnh: --map CỘT=Ý_NGHĨA hoặc --map CỘT=ignored)."),
                same[1].index, rule="ambiguous_column"))
    return [replaced.get(c.index, c) for c in columns], problems


def _decide_by_data(
    columns: list[Column], layout: _Layout | None
) -> list[tuple[Column, str | None]] | None:
    """The one assignment of count fields to this group's count columns that the header
    words allow and every data row satisfies; None when none or several do."""
    if layout is None:
        return None
    counts = [c for c in columns if c.field in COUNT_FIELDS_ORDER and c.source != "set"]
    fixed = {c.field for c in columns if c.field in COUNT_FIELDS_ORDER and c.source == "set"}
    if len(counts) < 2 or len(counts) > 5:
        return None
    rate = next((c for c in columns if c.field == "rate"), None)
    options = []
    for column in counts:
        words = {f for part in column.header.split(" / ") for f in fields_named(part)}
        allowed = [f for f in COUNT_FIELDS_ORDER if f in words and f not in fixed]
        options.append(allowed or [f for f in COUNT_FIELDS_ORDER if f not in fixed])
    values = _sample_numbers(layout, [c.index for c in counts]
                             + ([rate.index] if rate else []))
    if not values:
        return None
    best: list[list[str | None]] = []
    best_used = 0
    for choice in itertools.product(*[[*o, None] for o in options]):
        used = [f for f in choice if f is not None]
        if len(used) != len(set(used)) or len(used) < best_used:
            continue
        if not _fits(dict(zip([c.index for c in counts], choice, strict=True)), rate, values):
            continue
        if len(used) > best_used:
            best, best_used = [], len(used)
        best.append(list(choice))
    if len(best) != 1:
        return None
    return list(zip(counts, best[0], strict=True))


def _sample_numbers(layout: _Layout, indexes: list[int], limit: int = 2000
                    ) -> list[dict[int, float]]:
    rows = []
    for raw in layout.grid[layout.data_start:layout.data_start + limit]:
        found: dict[int, float] = {}
        for index in indexes:
            cell = raw[index] if index < len(raw) else None
            try:
                number = parse_number(cell, percent=False)
            except ValueError:
                number = None
            if number is not None:
                found[index] = float(number.value)
        if len(found) >= 2:
            rows.append(found)
    return rows


def _fits(assigned: dict[int, str | None], rate: Column | None,
          rows: list[dict[int, float]]) -> bool:
    where = {f: i for i, f in assigned.items() if f is not None}
    for row in rows:
        total, accounts, cashless = (row.get(where[f]) if f in where else None
                                     for f in COUNT_FIELDS_ORDER)
        if total is not None and accounts is not None and accounts > total:
            return False
        if accounts is not None and cashless is not None and cashless > accounts:
            return False
        if total is not None and cashless is not None and cashless > total:
            return False
        if rate is not None and total and cashless is not None and rate.index in row:
            stated = row[rate.index]
            stated = stated * 100 if stated <= 1 and cashless / total > 0.01 else stated
            if abs(stated - cashless / total * 100) > 1:
                return False
    return True


def _quota_field(field_name: str | None) -> str | None:
    """Quota tables state the base total and the year's share; the rest keeps its name."""
    return {"total": "base_total", "rate": "year_share_pct"}.get(field_name or "", field_name)


def _title_group(title_key: str) -> str | None:
    found = [g for g, p in _GROUP_RES if p.search(title_key)]
    return found[0] if len(found) == 1 else None


def _group_hints(reading: Reading | None, title_key: str, sheet_name: str) -> _GroupHints:
    return _GroupHints(file=reading.group if reading else None,
                       title=_title_group(title_key), sheet=group_of_text(sheet_name))


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


def _title_lines(grid: list[list[object]], header_start: int) -> list[str]:
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


def _title_phrases(grid: list[list[object]], header_start: int) -> list[str]:
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


def _title_date_cells(grid: list[list[object]], header_start: int) -> list[dt.date]:
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
                found = _valid_date(year, month, day)
                if found:
                    return found
    return None


def date_from_file_name(file_name: str) -> dt.date | None:
    name = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    for pattern, order in _FILE_DATE_RES:
        for match in pattern.finditer(name):
            a, b, c = (int(g) for g in match.groups())
            found = _valid_date(a, b, c) if order == "ymd" else _valid_date(c, b, a)
            if found:
                return found
    return None


def _valid_date(year: int, month: int, day: int) -> dt.date | None:
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


def _hint_level(hint: str) -> int:
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


def _year_from(columns: list[Column], title_lines: Sequence[str]) -> int | None:
    for column in columns:
        if column.role == "figure" and column.field in QUOTA_FIELDS:
            match = _YEAR_RE.search(column.header)
            if match:
                return int(match.group(1))
    for line in title_lines:
        match = re.search(r"\bnam (20\d\d)\b", key(line)) or _YEAR_RE.search(key(line))
        if match:
            return int(match.group(1))
    return None


# --- data rows -------------------------------------------------------------------------------


@dataclass(slots=True)
class _PendingPercent:
    """A stated percentage whose scale (0.6022 or 60.22) is decided once the column is read."""

    row: ParsedRow
    key: tuple[str, str]
    number: _Number


@dataclass(slots=True)
class _RowReader:
    """Reads data rows below the header; keeps the hierarchy carried down from above."""

    sheet: Sheet
    layout: _Layout
    columns: list[Column]
    rows: list[ParsedRow] = field(default_factory=list)
    totals: list[ParsedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    percents: list[_PendingPercent] = field(default_factory=list)
    names_above: dict[int, str] = field(default_factory=dict)
    codes_above: dict[int, str] = field(default_factory=dict)
    waiting: list[ParsedRow] = field(default_factory=list)
    single_unit: str | None = None  # a one-unit form: every group row is this unit's
    figures: list[tuple[int, Column, tuple[str, str], bool]] = field(init=False)
    names: list[Column] = field(init=False)
    codes: list[Column] = field(init=False)
    label_columns: list[int] = field(init=False)
    order_column: int | None = field(init=False)
    group_column: int | None = field(init=False)
    last: ParsedRow | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        figures = [c for c in self.columns if c.role == "figure"]
        self.figures = [(c.index, c, (c.group, c.field), c.field in PERCENT_FIELDS)
                        for c in figures]
        self.names = sorted((c for c in self.columns if c.role == "name"),
                            key=lambda c: c.level or 10)
        self.codes = [c for c in self.columns if c.role == "code"]
        self.label_columns = [c.index for c in self.columns if c.role in ("order", "name", "code")]
        order = [c.index for c in self.columns if c.role == "order"]
        self.order_column = order[0] if order else None
        groups = [c.index for c in self.columns if c.role == "group"]
        self.group_column = groups[0] if groups else None

    def read(self) -> None:
        grid, raw_rows = self.layout.grid, self.sheet.rows
        for r in range(self.layout.data_start, len(grid)):
            filled, raw = grid[r], raw_rows[r]
            if _is_blank(filled):
                continue
            has_figures = any(i < len(raw) and raw[i] is not None for i, *_ in self.figures)
            if not self._has_numbers(raw) and self._is_stop_row(filled):
                break
            if not has_figures and (_is_index_row(filled) or self._is_section_row(filled)):
                continue
            self._read_row(r, filled, raw, has_figures)
        if self.group_column is not None:
            self.rows = [r for r in self.rows if any(v is not None for v in r.values.values())]

    def _read_row(self, r: int, filled: list[object], raw: list[object], has_figures: bool) -> None:
        number = r + 1
        if self.group_column is not None:
            self._read_grouped_row(number, filled, raw, has_figures)
            return
        label = self._total_label(filled) or (
            self._subtotal_label(filled) if has_figures else None)
        if label is not None:
            row = ParsedRow(number, label, label=label)
            self._read_values(row, raw)
            self.totals.append(row)
            return
        row = self._identify(number, filled)
        if row is None:
            if has_figures:
                self.problems.append(Problem(number, "warning", (
                    f"Dòng {number} có số liệu nhưng không có tên hoặc mã đơn vị; "
                    "dòng này được bỏ qua.")))
            return
        self._read_values(row, raw)
        if has_figures:
            for pending in self.waiting:
                self.problems.append(Problem(pending.row_number, "warning", (
                    f"Dòng {pending.row_number} ({pending.unit_text}): chưa có số liệu.")))
                self.rows.append(pending)
            self.waiting.clear()
            self.rows.append(row)
        else:
            self.waiting.append(row)

    def _read_grouped_row(
        self, number: int, filled: list[object], raw: list[object], has_figures: bool
    ) -> None:
        """One row per unit and group: rows of the same unit (its name merged down, repeated
        or left blank) become one ParsedRow holding every group's figures."""
        group_text = _cell_text(filled, self.group_column)  # type: ignore[arg-type]
        group = _row_group(group_text)
        if group is None:
            if has_figures:
                self.problems.append(Problem(number, "warning", (
                    f"Dòng {number}: không rõ nhóm đối tượng “{group_text or ''}”; "
                    "dòng này được bỏ qua.")))
            return
        target = self._grouped_target(number, filled)
        if target is None:
            if has_figures:
                self.problems.append(Problem(number, "warning", (
                    f"Dòng {number} có số liệu nhưng không có tên hoặc mã đơn vị; "
                    "dòng này được bỏ qua.")))
            return
        self._read_values(target, raw, group)
        self.last = target

    def _grouped_target(self, number: int, filled: list[object]) -> ParsedRow | None:
        label = self._total_label(filled)
        last = self.last
        if label is not None:
            if last is not None and last.label == label:
                return last
            total = ParsedRow(number, label, label=label)
            self.totals.append(total)
            return total
        row = self._identify(number, filled)
        if row is None and self.layout.single_unit:
            if last is None or last.label is not None:
                last = next((r for r in self.rows if r.label is None), None)
            if last is None:
                last = ParsedRow(number, self.single_unit or "", level=3)
                self.rows.append(last)
            return last
        if row is None:
            return last
        if (last is not None and last.label is None and last.unit_text == row.unit_text
                and last.codes == row.codes):
            return last
        self.rows.append(row)
        return row

    def _has_numbers(self, raw: list[object]) -> bool:
        return any(i < len(raw) and _is_number_cell(raw[i]) for i, *_ in self.figures)

    def _is_stop_row(self, row: list[object]) -> bool:
        texts = [v for v in row if isinstance(v, str)][:4]
        return any(_STOP_ROW_RE.search(key(t)) for t in texts)

    def _is_section_row(self, row: list[object]) -> bool:
        if self.order_column is None or self.order_column >= len(row):
            return False
        value = row[self.order_column]
        return isinstance(value, str) and bool(_SECTION_RE.match(key(value)))

    def _total_label(self, row: list[object]) -> str | None:
        for index in self.label_columns:
            value = row[index] if index < len(row) else None
            if (isinstance(value, str) and value and _fold_char(value[0]) in "tc"
                    and _TOTAL_ROW_RE.match(key(value))):
                return value
        return None

    def _subtotal_label(self, row: list[object]) -> str | None:
        """A block's subtotal: a row with figures naming a cluster or an area."""
        for index in self.label_columns:
            value = row[index] if index < len(row) else None
            if isinstance(value, str) and _SUBTOTAL_ROW_RE.match(key(value)):
                return value
        return None

    def _identify(self, number: int, row: list[object]) -> ParsedRow | None:
        names = {c.level or 0: _cell_text(row, c.index) for c in self.names}
        names = {level: text for level, text in names.items() if text}
        codes = self._codes(row)
        if not names and not codes:
            return None
        deepest = max([lvl for lvl in (*names, *codes) if lvl > 0], default=None)
        hierarchy = {lvl: text for lvl, text in names.items() if lvl > 0}
        if deepest is not None:
            self._carry_down(hierarchy, self.names_above, deepest)
            self._carry_down(codes, self.codes_above, deepest)
        unit_text = self._unit_text(names, hierarchy)
        return ParsedRow(number, unit_text, dict(sorted(codes.items())),
                         dict(sorted(hierarchy.items())), {}, deepest)

    def _unit_text(self, names: dict[int, str], hierarchy: dict[int, str]) -> str:
        if 0 in names:
            return names[0]
        return hierarchy[max(hierarchy)] if hierarchy else ""

    @staticmethod
    def _carry_down(found: dict[int, str], above: dict[int, str], deepest: int) -> None:
        """Fill the levels above this row's unit from earlier rows; remember this row's."""
        for level in range(1, deepest):
            if level not in found and level in above:
                found[level] = above[level]
        for level in list(above):
            if level >= deepest:
                del above[level]
        above.update({lvl: v for lvl, v in found.items() if lvl > 0})

    def _codes(self, row: list[object]) -> dict[int, str]:
        codes: dict[int, str] = {}
        for column in self.codes:
            value = row[column.index] if column.index < len(row) else None
            code = _code_text(value, column.level or 0)
            if code:
                level = column.level or _level_from_code_width(code)
                codes[level] = code
        return codes

    def _read_values(self, row: ParsedRow, raw: list[object], group: str | None = None) -> None:
        values = row.values
        for index, column, value_key, percent in self.figures:
            if group is not None:
                value_key = (group, value_key[1])
            cell = raw[index] if index < len(raw) else None
            if type(cell) is int and cell >= 0 and not percent:
                values[value_key] = cell  # the common case, kept fast for national files
                continue
            try:
                found = parse_number(cell, percent=percent)
            except ValueError:
                values[value_key] = None
                self._cell_error(row, column, f"“{_show(cell)}” không phải là số.")
                continue
            if found is None:
                values[value_key] = None
            elif percent:
                values[value_key] = None
                self.percents.append(_PendingPercent(row, value_key, found))
            else:
                values[value_key] = self._count(row, column, found, cell)

    def _count(self, row: ParsedRow, column: Column, found: _Number, cell: object) -> int | None:
        if found.has_percent_sign or not float(found.value).is_integer():
            self._cell_error(row, column, f"“{_show(cell)}” không phải số nguyên.")
            return None
        if found.value < 0:
            self._cell_error(row, column, f"số âm ({vi_number(found.value)}).")
            return None
        return int(found.value)

    def _cell_error(self, row: ParsedRow, column: Column, what: str) -> None:
        where = f"Dòng {row.row_number}, cột {column.letter} ({_column_label(column)})"
        self.problems.append(Problem(row.row_number, "error", f"{where}: {what}", column.index))


def _row_group(text: str | None) -> str | None:
    """The group a row names in a group column; a total line over the groups is "all"."""
    if not text:
        return None
    text_key = key(text)
    if _TOTAL_ROW_RE.match(text_key) or text_key in ("tat ca", "chung", "tong so doi tuong"):
        return ALL_GROUPS
    found = [g for g, p in _GROUP_RES if p.search(text_key)]
    return found[0] if len(found) == 1 else None


def _is_number_cell(cell: object) -> bool:
    try:
        return parse_number(cell) is not None
    except ValueError:
        return False


def _cell_text(row: list[object], index: int) -> str | None:
    value = row[index] if index < len(row) else None
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _code_text(value: object, level: int) -> str | None:
    """Codes stay text exactly; a code stored as a number gets its zeros back."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        return text.zfill(CODE_WIDTH[level]) if level in CODE_WIDTH else text
    text = str(value).strip()
    if _FLOAT_CODE_RE.match(text):  # "1.0" from a CSV written by a program
        return _code_text(int(float(text)), level)
    return text or None


_FLOAT_CODE_RE = re.compile(r"^\d+\.0+$")


def _level_from_code_width(code: str) -> int:
    widths = {width: level for level, width in CODE_WIDTH.items()}
    return widths.get(len(code), 0) if code.isdigit() else 0


def _column_label(column: Column) -> str:
    label = FIELD_LABELS.get(column.field or "", column.header)
    if column.group and column.group != ALL_GROUPS:
        return f"{label} – {GROUP_LABELS[column.group]}"
    return label


def _show(cell: object) -> str:
    text = str(cell)
    return text if len(text) <= 40 else text[:39] + "…"


# --- percentages and checks --------------------------------------------------------------


def _resolve_percents(pending: list[_PendingPercent]) -> None:
    """Set stated percentages, each read on the scale its column and row agree on.

    A number cell holds a fraction (0.6022, Excel's percent format) when every number cell of
    its column is at most 1; counts on the same row settle a cell that reads better the other
    way. A percent sign settles it ("60,22%", "0,77%").
    """
    by_key: dict[tuple[str, str], list[_PendingPercent]] = {}
    for item in pending:
        by_key.setdefault(item.key, []).append(item)
    for items in by_key.values():
        numbers = [abs(i.number.value) for i in items if not i.number.has_percent_sign]
        fraction = bool(numbers) and max(numbers) <= 1
        for item in items:
            value, decimals = _percent_reading(item.number, fraction)
            alt = (None if item.number.has_percent_sign
                   else _percent_reading(item.number, not fraction))
            expected = _expected_percent(item.row, item.key)
            tolerance = _tolerance(decimals)
            if (alt is not None and expected is not None
                    and abs(value - expected) > tolerance
                    and abs(alt[0] - expected) <= _tolerance(alt[1])):
                value, decimals = alt
            item.row.values[item.key] = round(value, 10)


def _percent_reading(number: _Number, fraction: bool) -> tuple[float, int]:
    if number.has_percent_sign or not fraction:
        return float(number.value), number.decimals
    return float(number.value) * 100, max(0, number.decimals - 2)


def _tolerance(decimals: int) -> float:
    """A rate written as "32%" may be off by half a point; one written "8,67" by 0.1."""
    return max(MIN_RATE_TOLERANCE, 0.5 * 10 ** -decimals)


def _expected_percent(row: ParsedRow, value_key: tuple[str, str]) -> float | None:
    group, field_name = value_key
    if field_name == "rate":
        part, whole = row.values.get((group, "cashless")), row.values.get((group, "total"))
    else:
        part, whole = row.values.get((group, "year_total")), row.values.get((group, "base_total"))
    if part is None or not whole:
        return None
    return part / whole * 100


def _check_row(row: ParsedRow) -> list[Problem]:
    """What only the file's layout can tell: quarters that do not add up to the year (every
    other check of figures is a rule of core.validation, run on the plan's frames)."""
    problems: list[Problem] = []
    who = row.label or row.unit_text or ""
    for group in sorted({g for g, f in row.values if f == "year_total"}):
        suffix = "" if group == ALL_GROUPS else f", {GROUP_LABELS[group]}"
        problems += _check_quarters(row, group, f"Dòng {row.row_number} ({who}{suffix})")
    return problems


def _check_quarters(row: ParsedRow, group: str, where: str) -> list[Problem]:
    quarters = [row.values.get((group, q)) for q in ("q1", "q2", "q3", "q4")]
    year_total = row.values.get((group, "year_total"))
    if year_total is None or any(q is None for q in quarters):
        return []
    summed = sum(quarters)  # type: ignore[arg-type]
    if summed == year_total:
        return []
    return [Problem(row.row_number, "warning", (
        f"{where}: cộng bốn quý được {vi_number(summed)} nhưng cột cả năm ghi "
        f"{vi_number(year_total)}."), rule="quarters_sum")]


# --- kind --------------------------------------------------------------------------------

_NATIONAL_TITLE_RE = re.compile(
    r"\bcac tinh\b|\btoan quoc\b|\bca nuoc\b|\b63 tinh\b|\btinh thanh pho\b"
)
_PROVINCE_PREFIX_RE = re.compile(r"^(tinh|thanh pho|tp)\s+")


def _detect_kind(columns: list[Column], rows: list[ParsedRow], title_key: str) -> str:
    fields = {c.field for c in columns if c.role == "figure"}
    if fields & {"q1", "q2", "q3", "q4", "year_total"}:
        return "quota"
    levels = {c.level for c in columns if c.role in ("name", "code")} - {0, None}
    if levels == {1}:
        return "national"
    if not levels and _NATIONAL_TITLE_RE.search(title_key):
        return "national"
    if not levels and _mostly_provinces(rows):
        return "national"
    return "progress"


def _mostly_provinces(rows: list[ParsedRow]) -> bool:
    names = [r.unit_text for r in rows if r.unit_text]
    if len(names) < 5:
        return False
    provinces = _province_keys()
    hits = sum(1 for n in names if _PROVINCE_PREFIX_RE.sub("", key(n)) in provinces)
    return hits >= 0.9 * len(names)


@lru_cache(maxsize=1)
def _province_keys() -> frozenset[str]:
    from core.units import PROVINCE, catalogue

    return frozenset(key(u.short_name) for u in catalogue() if u.level == PROVINCE)


# --- entry point -------------------------------------------------------------------------


def parse_sheet(
    sheet: Sheet, layout: _Layout, file_name: str, date: dt.date | None, kind: str,
    reading: Reading | None = None,
) -> ParsedReport:
    """One sheet's table, read with what `reading` sets and detection for the rest."""
    lines = _title_lines(layout.grid, layout.header_start)
    title_key = key(" ".join(lines))
    header_row = layout.header_start + 1
    provisional = kind if kind != "auto" else (
        "quota" if _detect_kind(layout.columns, [], "") == "quota" else "progress")
    groups = _group_hints(reading, title_key, sheet.name)
    columns, problems = _finalize_columns(layout.columns, groups, provisional, header_row,
                                          layout)
    hints = unit_hints_from_title(_title_phrases(layout.grid, layout.header_start))
    parent_hint = hints[0] if hints else None
    unit_hint = None
    if layout.single_unit:
        unit_hint = reading.unit if reading and reading.unit else next(
            (h for h in hints if _hint_level(h) == 3), None)
        above = [h for h in hints if _hint_level(h) != 3]
        parent_hint = above[0] if above else None
    reader = _RowReader(sheet, layout, columns, single_unit=unit_hint if layout.single_unit
                        else None)
    reader.read()
    _resolve_percents(reader.percents)
    problems += reader.problems
    for row in (*reader.rows, *reader.totals):
        problems += _check_row(row)
    problems.sort(key=lambda p: (p.row_number or 0, p.severity != "error"))
    report_date, date_source = _report_date(date, lines, layout, file_name)
    final_kind = kind if kind != "auto" else _detect_kind(columns, reader.rows, title_key)
    return ParsedReport(
        kind=final_kind,
        sheet_name=sheet.name,
        title="\n".join(lines),
        report_date=report_date,
        date_source=date_source,
        year=_quota_year(final_kind, columns, lines, report_date),
        parent_hint=parent_hint,
        columns=columns,
        rows=reader.rows,
        totals=reader.totals,
        problems=problems,
        header_rows=(header_row, layout.header_end + 1),
        single_unit=layout.single_unit,
        unit_hint=unit_hint,
        group_source=groups.source,
        headers=layout.headers,
    )


def _report_date(
    date: dt.date | None, lines: list[str], layout: _Layout, file_name: str
) -> tuple[dt.date | None, str | None]:
    """The argument, else the title, else the file name; never a guess."""
    if date is not None:
        return date, "argument"
    found = date_from_title(lines)
    if found is None:
        cells = _title_date_cells(layout.grid, layout.header_start)
        found = cells[0] if cells else None
    if found is not None:
        return found, "title"
    found = date_from_file_name(file_name)
    if found is not None:
        return found, "file_name"
    return None, None


def _quota_year(
    kind: str, columns: list[Column], lines: list[str], report_date: dt.date | None
) -> int | None:
    if kind != "quota":
        return None
    year = _year_from(columns, lines)
    if year is None and report_date is not None:
        return report_date.year
    return year
