"""Reading a table's rows below its header: units, codes and the hierarchy carried down, one
row per group, total and subtotal rows, stop rows, stated percentages on their scale."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.ingest.detect import Layout, is_blank, is_index_row
from core.ingest.model import Column, ParsedRow, Problem, Sheet
from core.ingest.numbers import Number, parse_number, vi_number
from core.ingest.vocabulary import SECTION_RE, STOP_ROW_RE, SUBTOTAL_ROW_RE, TOTAL_ROW_RE, row_group
from core.text import fold_char as _fold_char
from core.text import key
from core.vocabulary import ALL_GROUPS, CODE_WIDTH, FIELD_LABELS, GROUP_LABELS, PERCENT_FIELDS

MIN_RATE_TOLERANCE = 0.1  # percentage points


# --- data rows -------------------------------------------------------------------------------


@dataclass(slots=True)
class _PendingPercent:
    """A stated percentage whose scale (0.6022 or 60.22) is decided once the column is read."""

    row: ParsedRow
    key: tuple[str, str]
    number: Number


@dataclass(slots=True)
class RowReader:
    """Reads data rows below the header; keeps the hierarchy carried down from above."""

    sheet: Sheet
    layout: Layout
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
            if is_blank(filled):
                continue
            has_figures = any(i < len(raw) and raw[i] is not None for i, *_ in self.figures)
            if not self._has_numbers(raw) and self._is_stop_row(filled):
                break
            if not has_figures and (is_index_row(filled) or self._is_section_row(filled)):
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
                self._skipped_without_unit(number)
            return
        self._read_values(row, raw)
        if has_figures:
            for pending in self.waiting:
                self.problems.append(Problem(pending.row_number, "warning", (
                    f"Dòng {pending.row_number} ({pending.unit_text}): chưa có số liệu."),
                    rule="row_without_figures"))
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
        group = row_group(group_text)
        if group is None:
            if has_figures:
                self.problems.append(Problem(number, "warning", (
                    f"Dòng {number}: không rõ nhóm đối tượng “{group_text or ''}”; "
                    "dòng này được bỏ qua."), rule="unknown_group"))
            return
        target = self._grouped_target(number, filled)
        if target is None:
            if has_figures:
                self._skipped_without_unit(number)
            return
        self._read_values(target, raw, group)
        self.last = target

    def _skipped_without_unit(self, number: int) -> None:
        self.problems.append(Problem(number, "warning", (
            f"Dòng {number} có số liệu nhưng không có tên hoặc mã đơn vị; "
            "dòng này được bỏ qua."), rule="row_without_unit"))

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
        return any(STOP_ROW_RE.search(key(t)) for t in texts)

    def _is_section_row(self, row: list[object]) -> bool:
        if self.order_column is None or self.order_column >= len(row):
            return False
        value = row[self.order_column]
        return isinstance(value, str) and bool(SECTION_RE.match(key(value)))

    def _total_label(self, row: list[object]) -> str | None:
        for index in self.label_columns:
            value = row[index] if index < len(row) else None
            if (isinstance(value, str) and value and _fold_char(value[0]) in "tc"
                    and TOTAL_ROW_RE.match(key(value))):
                return value
        return None

    def _subtotal_label(self, row: list[object]) -> str | None:
        """A block's subtotal: a row with figures naming a cluster or an area."""
        for index in self.label_columns:
            value = row[index] if index < len(row) else None
            if isinstance(value, str) and SUBTOTAL_ROW_RE.match(key(value)):
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

    def _count(self, row: ParsedRow, column: Column, found: Number, cell: object) -> int | None:
        if found.has_percent_sign or not float(found.value).is_integer():
            self._cell_error(row, column, f"“{_show(cell)}” không phải số nguyên.")
            return None
        if found.value < 0:
            self._cell_error(row, column, f"số âm ({vi_number(found.value)}).")
            return None
        return int(found.value)

    def _cell_error(self, row: ParsedRow, column: Column, what: str) -> None:
        where = f"Dòng {row.row_number}, cột {column.letter} ({_column_label(column)})"
        self.problems.append(Problem(row.row_number, "error", f"{where}: {what}", column.index,
                                     rule="unreadable_count"))


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


def resolve_percents(pending: list[_PendingPercent]) -> None:
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


def _percent_reading(number: Number, fraction: bool) -> tuple[float, int]:
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


def check_row(row: ParsedRow) -> list[Problem]:
    """What only the file's layout can tell: quarters that do not add up to the year (every
    other check of figures is a rule of core.ingest.checks, run on the plan's frames)."""
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
