"""Which sheets of a workbook are read, and the date each one is about.

One table is the common case: the sheet with the largest recognisable table is read and the
other tables are named. A workbook with one sheet per day ("22.01", "23-1", "Ngày 24", or a
date in each sheet's title) is read whole: every dated sheet becomes its own report on its
own date, and undated extra sheets are named and skipped. A date given for the file that
contradicts a sheet's own date is an error, never a relabel. A person may choose the sheets
and set each sheet's date (`Reading.sheets`, `Reading.sheet_dates`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

from core.ingest.columns import finalize_columns, group_hints
from core.ingest.detect import Layout, find_layout
from core.ingest.limits import SpreadsheetError
from core.ingest.model import (
    MSG_NO_TABLE,
    Column,
    ParsedReport,
    ParsedRow,
    Problem,
    Sheet,
    column_letter,
)
from core.ingest.reading import ALL_SHEETS, Reading
from core.ingest.rows import RowReader, check_row, resolve_percents
from core.ingest.titles import (
    date_from_file_name,
    date_from_title,
    hint_level,
    title_date_cells,
    title_lines,
    title_phrases,
    unit_hints_from_title,
    valid_date,
    year_from,
)
from core.text import key
from core.vocabulary import KINDS

_TITLE_YEAR_RE = re.compile(r"\bnam (20\d\d)\b")
_NAME_DATE_RES = (
    re.compile(r"^(?:ngay |bc |bao cao |so lieu |sl |n )?(\d{1,2}) (\d{1,2})(?: (\d{2}|\d{4}))?$"),
    re.compile(r"^(?:ngay|n) ?(\d{1,2})$"),
)


@dataclass
class WorkbookReport:
    """The reports a workbook yields (one per sheet read) and what was left aside."""

    reports: list[ParsedReport]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (sheet, why, Vietnamese)
    problems: list[Problem] = field(default_factory=list)  # about the workbook as a whole
    tables: list[str] = field(default_factory=list)  # every sheet holding a table

    @property
    def multi_day(self) -> bool:
        return len(self.reports) > 1


def sheet_name_date(name: str, context: dt.date | None) -> dt.date | None:
    """"22.01" → 22/01 of the context's year; "Ngày 24" → the 24th of its month."""
    text = key(name)
    match = _NAME_DATE_RES[0].match(text)
    if match:
        day, month = int(match.group(1)), int(match.group(2))
        year_text = match.group(3)
        if year_text:
            year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        elif context is not None:
            year = context.year
        else:
            return None
        return valid_date(year, month, day)
    match = _NAME_DATE_RES[1].match(text)
    if match and context is not None and context.day != 1:
        return valid_date(context.year, context.month, int(match.group(1)))
    return None


def parse_workbook(sheets: list[Sheet], file_name: str = "", *, date: dt.date | None = None,
                   kind: str = "auto", reading: Reading | None = None) -> WorkbookReport:
    """Read the workbook's table sheet(s) with the reading; SpreadsheetError when none holds
    a table."""
    if kind != "auto" and kind not in KINDS:
        raise ValueError(f"unknown report kind {kind!r}")
    reading = reading or Reading()
    parsed: list[tuple[Sheet, ParsedReport]] = []
    hidden = {s.name: s.hidden_content() for s in sheets}
    for sheet in sheets:
        sheet = sheet.without_hidden()  # hidden rows and columns are never read
        layout = find_layout(sheet, reading)
        if layout is not None:
            parsed.append((sheet, parse_sheet(sheet, layout, "", None, kind, reading)))
    if not parsed:
        raise SpreadsheetError(MSG_NO_TABLE)
    context = _context_date(date, parsed, file_name)
    own = {s.name: _own_date(s.name, r, context) for s, r in parsed}
    result = WorkbookReport([], tables=[s.name for s, _ in parsed])
    chosen = _choose(parsed, own, reading, result)
    for sheet, report in chosen:
        _date_report(report, own[sheet.name], reading, date, file_name, len(chosen) > 1,
                     result)
    result.reports = [r for _, r in chosen]
    result.problems += [p for s, _ in chosen if (p := _hidden_note(s.name, *hidden[s.name]))]
    return result


def _hidden_note(sheet: str, rows: list[int], cols: list[int]) -> Problem | None:
    """Say which hidden rows and columns holding values were left unread."""
    if not rows and not cols:
        return None

    def listed(items: list[str]) -> str:
        return ", ".join(items[:8]) + (", …" if len(items) > 8 else "")

    parts = []
    if cols:
        parts.append(f"{len(cols)} cột ẩn ({listed([column_letter(c) for c in cols])})")
    if rows:
        parts.append(f"{len(rows)} dòng ẩn ({listed([str(r + 1) for r in rows])})")
    return Problem(None, "warning", (
        f"Trang tính «{sheet}»: không đọc {' và '.join(parts)}, như khi xem trong Excel. Nếu "
        "cần số liệu ở đó, hãy bỏ ẩn rồi tải lên lại."), rule="hidden_cells")


def _context_date(date: dt.date | None, parsed: list[tuple[Sheet, ParsedReport]],
                  file_name: str) -> dt.date | None:
    """A date that gives sheet names like "22.01" their year: the file's date, a title's,
    the file name's."""
    if date is not None:
        return date
    for _, report in parsed:
        if report.report_date is not None:
            return report.report_date
    found = date_from_file_name(file_name)
    if found is not None:
        return found
    for _, report in parsed:  # "NĂM 2024" in a title gives the year (not the month)
        match = _TITLE_YEAR_RE.search(key(report.title))
        if match:
            return dt.date(int(match.group(1)), 1, 1)
    return None


def _own_date(name: str, report: ParsedReport, context: dt.date | None
              ) -> tuple[dt.date, str] | None:
    from_name = sheet_name_date(name, context)
    if from_name is not None:
        return from_name, "sheet"
    if report.report_date is not None:
        return report.report_date, "title"
    return None


def _choose(parsed: list[tuple[Sheet, ParsedReport]], own: dict, reading: Reading,
            result: WorkbookReport) -> list[tuple[Sheet, ParsedReport]]:
    if reading.sheets is not None:
        wanted = set(reading.sheets)
        chosen = [(s, r) for s, r in parsed if ALL_SHEETS in wanted or s.name in wanted]
        names = {s.name for s, _ in chosen}
        result.skipped = [(s.name, "không được chọn") for s, _ in parsed
                          if s.name not in names and s.visible]
        if not chosen:
            raise SpreadsheetError("Không có trang tính nào được chọn chứa bảng số liệu; hãy "
                                   "chọn trong các trang: "
                                   + ", ".join(f"«{s.name}»" for s, _ in parsed) + ".")
        return chosen
    visible = [(s, r) for s, r in parsed if s.visible and r.rows]
    for source in ("sheet", "title"):  # dated by their names first, else by their titles
        dated = [(s, r) for s, r in visible
                 if own[s.name] is not None and own[s.name][1] == source]
        days = {own[s.name][0] for s, _ in dated}
        if len(dated) >= 2 and len(days) == len(dated):
            names = {s.name for s, _ in dated}
            result.skipped = [(s.name, "không ghi ngày" if source == "title"
                               or own[s.name] is None else "không ghi ngày ở tên trang")
                              for s, _ in visible if s.name not in names]
            return sorted(dated, key=lambda p: own[p[0].name][0])
    best = max(parsed, key=lambda p: _table_score(*p))
    result.skipped = [(s.name, "chỉ nhập một bảng") for s, _ in parsed if s is not best[0]]
    return [best]


def _table_score(sheet: Sheet, report: ParsedReport) -> tuple[bool, bool, int]:
    figures = len(report.figure_columns)
    return (sheet.visible, bool(report.rows), (len(report.rows) + len(report.totals)) * figures)


def _date_report(report: ParsedReport, own: tuple[dt.date, str] | None, reading: Reading,
                 date: dt.date | None, file_name: str, several: bool,
                 result: WorkbookReport) -> None:
    """Set the report's date: a person's for this sheet; else the file's date unless it
    contradicts the sheet's own; else the sheet's own; else the file name's (one sheet)."""
    if report.sheet_name in reading.sheet_dates:
        _set_date(report, reading.sheet_dates[report.sheet_name], "set")
    elif date is not None:
        if own is not None and own[0] != date and (several or own[1] == "sheet"):
            where = "tên" if own[1] == "sheet" else "tiêu đề"
            result.problems.append(Problem(None, "error", (
                f"Trang tính «{report.sheet_name}» ghi ngày {own[0]:%d/%m/%Y} ở {where} "
                f"trang, khác ngày đã nhập {date:%d/%m/%Y}: số liệu không được gán sang ngày "
                "khác. Hãy bỏ ngày đã nhập, hoặc chọn đúng trang tính (dòng lệnh: --sheet), "
                "hoặc sửa ngày của trang tính ở mục “Cách đọc tệp”."), rule="date_conflict"))
            _set_date(report, own[0], own[1])
        else:
            _set_date(report, date, "argument")
    elif own is not None:
        _set_date(report, own[0], own[1])
    elif not several:
        found = date_from_file_name(file_name)
        _set_date(report, found, "file_name" if found else None)
    else:
        _set_date(report, None, None)


def _set_date(report: ParsedReport, day: dt.date | None, source: str | None) -> None:
    report.report_date = day
    report.date_source = source
    if report.kind == "quota" and report.year is None and day is not None:
        report.year = day.year


def parse_report(sheets: list[Sheet], file_name: str = "", *, date: dt.date | None = None,
                 kind: str = "auto", sheet_name: str | None = None,
                 reading: Reading | None = None) -> ParsedReport:
    """The first (or only) report of a workbook, the others named in
    `other_table_sheets`; `sheet_name` forces one sheet."""
    reading = reading or Reading()
    if sheet_name is not None:
        reading = Reading(sheets=(sheet_name,), columns=reading.columns, group=reading.group,
                          unit=reading.unit, parent=reading.parent)
    found = parse_workbook(sheets, file_name, date=date, kind=kind, reading=reading)
    report = found.reports[0]
    report.other_table_sheets = [name for name in found.tables if name != report.sheet_name]
    return report


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
    from core.catalogue.units import catalogue
    from core.vocabulary import PROVINCE

    return frozenset(key(u.short_name) for u in catalogue() if u.level == PROVINCE)


# --- entry point -------------------------------------------------------------------------


def parse_sheet(
    sheet: Sheet, layout: Layout, file_name: str, date: dt.date | None, kind: str,
    reading: Reading | None = None,
) -> ParsedReport:
    """One sheet's table, read with what `reading` sets and detection for the rest."""
    lines = title_lines(layout.grid, layout.header_start)
    title_key = key(" ".join(lines))
    header_row = layout.header_start + 1
    provisional = kind if kind != "auto" else (
        "quota" if _detect_kind(layout.columns, [], "") == "quota" else "progress")
    groups = group_hints(reading, title_key, sheet.name)
    columns, problems = finalize_columns(layout.columns, groups, provisional, header_row,
                                          layout)
    hints = unit_hints_from_title(title_phrases(layout.grid, layout.header_start))
    parent_hint = hints[0] if hints else None
    unit_hint = None
    if layout.single_unit:
        unit_hint = reading.unit if reading and reading.unit else next(
            (h for h in hints if hint_level(h) == 3), None)
        above = [h for h in hints if hint_level(h) != 3]
        parent_hint = above[0] if above else None
    reader = RowReader(sheet, layout, columns, single_unit=unit_hint if layout.single_unit
                        else None)
    reader.read()
    resolve_percents(reader.percents)
    problems += reader.problems
    for row in (*reader.rows, *reader.totals):
        problems += check_row(row)
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
    date: dt.date | None, lines: list[str], layout: Layout, file_name: str
) -> tuple[dt.date | None, str | None]:
    """The argument, else the title, else the file name; never a guess."""
    if date is not None:
        return date, "argument"
    found = date_from_title(lines)
    if found is None:
        cells = title_date_cells(layout.grid, layout.header_start)
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
    year = year_from(columns, lines)
    if year is None and report_date is not None:
        return report_date.year
    return year
