"""Where a table sits in a sheet and what each column holds: the header block (titles, bands,
index rows, merged cells), each column's role, a person's meanings applied over detection."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.ingest.model import Column, Sheet, column_letter
from core.ingest.numbers import parse_number
from core.ingest.reading import Reading
from core.ingest.vocabulary import (
    ACCOUNT_RATE_RE,
    CASHLESS_RE,
    CODE_LABEL_RE,
    FIELD_RES,
    GROUP_COLUMN_RE,
    GROUP_RES,
    IGNORED_RE,
    INDEX_TOKEN_RE,
    NOT_A_FIGURE,
    ORDER_RE,
    UNIT_LABEL_RE,
    row_group,
)
from core.text import key
from core.vocabulary import ALL_GROUPS

HEADER_SCAN_ROWS = 60


MAX_HEADER_ROWS = 4


# --- header analysis -----------------------------------------------------------------------


@dataclass(slots=True)
class Layout:
    """Where the table sits in a sheet and what its columns mean."""

    grid: list[list[object]]  # merged ranges filled in, for labels and unit names
    header_start: int  # 0-based
    header_end: int
    data_start: int
    columns: list[Column]
    headers: list[tuple[str, str]] = field(default_factory=list)  # as detected
    single_unit: bool = False


def find_layout(sheet: Sheet, reading: Reading | None = None) -> Layout | None:
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
    if data_start < len(grid) and is_index_row(grid[data_start]):
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
    return Layout(grid, start, end, data_start, columns, headers, single_unit)


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
    return any(p.search(text_key) for _, p in FIELD_RES) or any(
        p.search(text_key) for _, p in GROUP_RES
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
        if is_blank(row) or is_index_row(row) or _has_number(row):
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


def is_blank(row: list[object]) -> bool:
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


def is_index_row(row: list[object]) -> bool:
    """The row of column numbers under a header: A, B, 1, 2, ..., "$6=2+3+4+5$"."""
    tokens = [v for v in row if v is not None]
    if len(tokens) < 3:
        return False
    numbers = []
    for v in tokens:
        if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 300:
            numbers.append(v)
        elif not (isinstance(v, str) and INDEX_TOKEN_RE.match(v)):
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
    if ORDER_RE.match(text_key):
        return ("order", 0)
    if IGNORED_RE.search(text_key) or not UNIT_LABEL_RE.match(text_key):
        return None
    role = "code" if CODE_LABEL_RE.match(text_key) else "name"
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
    if IGNORED_RE.search(keys[-1]):
        return Column(index, letter, header, "ignored")
    if GROUP_COLUMN_RE.match(keys[-1]):
        return Column(index, letter, header, "group", matched=parts[-1])
    found = _field_of(parts, keys)
    if found is None:
        return Column(index, letter, header, "ignored")
    field_name, matched = found
    return Column(index, letter, header, "figure", _group_of(keys), field_name, matched=matched)


def _field_of(parts: list[str], keys: list[str]) -> tuple[str, str] | None:
    """The field named by the lowest header part that names one; bands only as a fallback."""
    for depth in range(len(parts) - 1, -1, -1):
        for name, pattern in FIELD_RES:
            if pattern.search(keys[depth]):
                if name == NOT_A_FIGURE or (name == "rate" and _is_account_rate(keys[:depth + 1])):
                    return None
                return name, parts[depth]
    return None


def _is_account_rate(keys: list[str]) -> bool:
    mentions_accounts = any(ACCOUNT_RATE_RE.search(k) for k in keys)
    mentions_paid = any(CASHLESS_RE.search(k) for k in keys)
    return mentions_accounts and not mentions_paid


def _group_of(keys: list[str]) -> str | None:
    """The group named by the lowest header part naming exactly one; None if none does."""
    for text_key in reversed(keys):
        found = [g for g, p in GROUP_RES if p.search(text_key)]
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
            named_groups = {row_group(w) for w in words} - {None, ALL_GROUPS}
            plain = [w for w in words if row_group(w) is None]
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
