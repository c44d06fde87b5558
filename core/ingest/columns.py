"""Every figure column's final meaning: the group stated once (set, a column, the title, the
sheet name), quota fields, and two columns with one meaning settled by the data or asked."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from core.ingest.detect import Layout
from core.ingest.model import Column, Problem
from core.ingest.numbers import parse_number
from core.ingest.reading import Reading
from core.ingest.vocabulary import (
    GROUP_RES,
    fields_named,
    group_of_text,
)
from core.vocabulary import ALL_GROUPS, FIELD_LABELS, GROUP_LABELS, QUOTA_FIELDS


def finalize_columns(
    columns: list[Column], groups: _GroupHints, kind: str, header_row: int,
    layout: Layout | None = None,
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
    columns: list[Column], header_row: int, layout: Layout | None
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
    columns: list[Column], layout: Layout | None
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


def _sample_numbers(layout: Layout, indexes: list[int], limit: int = 2000
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
    found = [g for g, p in GROUP_RES if p.search(title_key)]
    return found[0] if len(found) == 1 else None


def group_hints(reading: Reading | None, title_key: str, sheet_name: str) -> _GroupHints:
    return _GroupHints(file=reading.group if reading else None,
                       title=_title_group(title_key), sheet=group_of_text(sheet_name))
