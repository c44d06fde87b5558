"""What the import reads a sheet into: columns, rows, problems, the parsed report, and the words
of the import's own steps (the shared names of groups, fields and levels are in core.vocabulary)."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

from core.vocabulary import ALL_GROUPS, GROUPS

MSG_NO_TABLE = (
    "Không tìm thấy bảng số liệu trong tệp: cần một dòng tiêu đề có cột tên đơn vị (như "
    "“Tên địa phương”, “Đơn vị”, “Xã, phường, thị trấn”) và các cột số liệu (như “Tổng số "
    "đối tượng”, “Số đối tượng đã chi trả qua tài khoản”, “Tỷ lệ (%)”); hãy kiểm tra lại tệp."
)


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
@dataclass(frozen=True)
class Question:
    """Something the file does not say and a person must: key "date", "year" or "parent"."""

    key: str
    message_vi: str
    candidates: tuple[str, ...] = ()  # unit codes to choose from, for "parent"


# --- the import's words --------------------------------------------------------------------

IMPORT_KINDS = ("auto", "progress", "quota", "national")




DATE_SOURCE_LABELS = {"argument": "ngày đã nhập", "title": "tiêu đề", "file_name": "tên tệp",
                      "sheet": "tên trang tính", "set": "ngày đã chọn cho trang tính"}


PARENT_SOURCE_LABELS = {"argument": "đơn vị đã chọn", "title": "tiêu đề",
                        "names": "tên các đơn vị trong bảng", "rows": "mã/cột đơn vị trong bảng"}


STATUS_LABELS = {"ok": "Khớp", "approximate": "Gần đúng", "unknown": "Không tìm thấy",
                 "ambiguous": "Trùng tên", "total": "Dòng tổng"}


UPLOAD_STATUS_LABELS = {"applied": "Đã nhập", "reverted": "Đã hoàn tác"}




HISTORY_LIMIT = 200






# --- a sheet as read -----------------------------------------------------------------------

@dataclass(slots=True)
class Sheet:
    """One sheet as a dense grid; row i is spreadsheet row i + 1, column j is column j + 1.

    `merged` lists merged ranges as (first_row, first_col, last_row, last_col), 0-based and
    inclusive; None when the format does not tell (ODS, CSV), so layouts must cope without.
    `hidden_rows` and `hidden_columns` are the 0-based rows and columns the office program
    hides (hidden, collapsed into an outline or filtered out), within the grid; known for
    xlsx, xlsm and ods, empty for other formats.
    """

    name: str
    rows: list[list[object]]
    merged: list[tuple[int, int, int, int]] | None = None
    visible: bool = True
    source_format: str = ""
    hidden_rows: frozenset[int] = frozenset()
    hidden_columns: frozenset[int] = frozenset()

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def is_empty(self) -> bool:
        return not any(v is not None for row in self.rows for v in row)

    def hidden_content(self) -> tuple[list[int], list[int]]:
        """The hidden rows and the hidden columns that hold a value, sorted (0-based)."""
        rows = [r for r in sorted(self.hidden_rows)
                if r < len(self.rows) and any(v is not None for v in self.rows[r])]
        cols = [c for c in sorted(self.hidden_columns)
                if any(c < len(row) and row[c] is not None for row in self.rows)]
        return rows, cols

    def without_hidden(self) -> Sheet:
        """The sheet as a person sees it: hidden rows and columns blanked.

        A merged range is cut into its visible pieces, each holding the range's value, so a
        band over hidden and visible columns still labels the visible ones and never the
        hidden ones.
        """
        if not self.hidden_rows and not self.hidden_columns:
            return self
        rows_hidden, cols_hidden = self.hidden_rows, self.hidden_columns
        rows = [[None] * len(row) if r in rows_hidden else
                [None if c in cols_hidden else v for c, v in enumerate(row)]
                for r, row in enumerate(self.rows)]
        merged = None
        if self.merged is not None:
            merged = []
            sorted_rows, sorted_cols = sorted(rows_hidden), sorted(cols_hidden)
            for r0, c0, r1, c1 in self.merged:
                value = self.rows[r0][c0] if r0 < len(self.rows) and c0 < len(self.rows[r0]) \
                    else None
                for a, b in _visible_runs(r0, r1, sorted_rows):
                    for c, d in _visible_runs(c0, c1, sorted_cols):
                        merged.append((a, c, b, d))
                        if a < len(rows) and c < len(rows[a]):
                            rows[a][c] = value
        return Sheet(self.name, rows, merged, self.visible, self.source_format)


def _visible_runs(first: int, last: int, hidden: list[int]) -> list[tuple[int, int]]:
    """The runs of consecutive indexes from first to last (inclusive) not in `hidden` (sorted)."""
    runs: list[tuple[int, int]] = []
    start = first
    for i in hidden[bisect.bisect_left(hidden, first):bisect.bisect_right(hidden, last)]:
        if i > start:
            runs.append((start, i - 1))
        start = i + 1
    if start <= last:
        runs.append((start, last))
    return runs
