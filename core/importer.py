"""The import pipeline: from an uploaded file's bytes to stored figures or quotas.

Two steps, so that people see what the dashboard understood before anything changes:

1. `plan_import` is a dry run (like DHIS2's): read, understand the layout, resolve every unit
   in memory, build the frames that would be stored, run every validation rule, and list
   what must be asked (the report date, the parent unit). It never writes.
2. `apply_import` writes one plan in the caller's transaction, all or nothing, after the
   permission check; it refuses a plan with errors or open questions.

`revert_upload` undoes an upload and restores what it replaced; `upload_history` lists the
uploads a user may see. Every apply, refusal and revert is audited.

Re-importing is harmless: identical rows are left alone by `store.write_figures` (and by
`_write_quotas` here), and a file imported before is recognised by its SHA-256.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core import audit, config, rollups, store, validation
from core.db import ALL_GROUPS, COUNT_FIELDS, GROUPS, figures, quotas, replaced_figures, uploads
from core.errors import UserError
from core.ingest import remembered
from core.ingest.persons import PersonCount, count_person_lists
from core.ingest.reading import Reading, shape_signature
from core.ingest.sheets import WorkbookReport, parse_workbook
from core.layouts import (
    GROUP_LABELS,
    LEVEL_LABELS,
    PERCENT_FIELDS,
    ParsedReport,
    ParsedRow,
    Problem,
)
from core.permissions import Account, PermissionDenied, can_upload, can_view, check_upload
from core.resolver import Resolution, Resolver, get_resolver, parse_name
from core.spreadsheets import SpreadsheetError, read_sheets
from core.units import COMMUNE, DISTRICT, PROVINCE, Unit, by_code

KINDS = ("auto", "progress", "quota", "national")
KIND_LABELS = {"progress": "Báo cáo tiến độ", "quota": "Chỉ tiêu (Phụ lục 01)",
               "national": "Báo cáo toàn quốc (theo tỉnh)", "demo": "Dữ liệu mẫu"}
DATE_SOURCE_LABELS = {"argument": "ngày đã nhập", "title": "tiêu đề", "file_name": "tên tệp",
                      "sheet": "tên trang tính", "set": "ngày đã chọn cho trang tính"}
PARENT_SOURCE_LABELS = {"argument": "đơn vị đã chọn", "title": "tiêu đề",
                        "names": "tên các đơn vị trong bảng", "rows": "mã/cột đơn vị trong bảng"}
STATUS_LABELS = {"ok": "Khớp", "approximate": "Gần đúng", "unknown": "Không tìm thấy",
                 "ambiguous": "Trùng tên", "total": "Dòng tổng"}
UPLOAD_STATUS_LABELS = {"applied": "Đã nhập", "reverted": "Đã hoàn tác"}
QUARTERS = ("q1", "q2", "q3", "q4")
HISTORY_LIMIT = 200



class ImportRefused(UserError):
    """A plan that cannot be applied: errors in the file, or questions still open."""


class RevertRefused(UserError):
    """An upload that cannot be reverted now; the message says why and what to do."""


@dataclass(frozen=True)
class Question:
    """Something the file does not say and a person must: key "date", "year" or "parent"."""

    key: str
    message_vi: str
    candidates: tuple[str, ...] = ()  # unit codes to choose from, for "parent"


@dataclass
class ImportPlan:
    """What a file would change, and why not yet (problems, questions). Never written."""

    file_name: str
    sha256: str
    size: int
    kind: str | None = None
    report_date: dt.date | None = None
    date_source: str | None = None
    year: int | None = None
    parent_code: str | None = None
    parent_source: str | None = None
    groups: list[str] = field(default_factory=list)
    report: ParsedReport | None = None
    figures: pd.DataFrame = field(default_factory=pd.DataFrame)
    quotas: pd.DataFrame = field(default_factory=pd.DataFrame)
    problems: list[Problem] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    imported_before: dt.datetime | None = None
    persons: PersonCount | None = None  # a list of people, counted (core.ingest.persons)
    make_preview: Callable[[], pd.DataFrame] | None = field(default=None, repr=False,
                                                           compare=False)
    reading: Reading = field(default_factory=Reading)  # what was set (by a person or saved)
    saved: remembered.SavedReading | None = None  # the saved reading applied, if any
    signature: str | None = None  # the file's shape, for remembering its reading
    uploader_unit: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    parts: list[ImportPlan] = field(default_factory=list)  # one per sheet read
    skipped_sheets: list[tuple[str, str]] = field(default_factory=list)
    table_sheets: list[str] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)  # groups whose cashless count is derived

    @functools.cached_property
    def preview(self) -> pd.DataFrame:
        """One line per file row with its unit, values and problems: built when first
        looked at (the upload page does; the CLI and scripted imports never do, and for a
        national file it is a tenth of a second)."""
        return self.make_preview() if self.make_preview is not None else pd.DataFrame()

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    @property
    def can_apply(self) -> bool:
        return not self.errors and not self.questions and self.row_count > 0

    @property
    def row_count(self) -> int:
        """Records that would be stored: figures per unit and group, or quota quarters."""
        frame = self.quotas if self.kind == "quota" else self.figures
        return len(frame)

    @property
    def unit_codes(self) -> list[str]:
        frame = self.quotas if self.kind == "quota" else self.figures
        if frame.empty:
            return []
        return sorted(frame["unit_code"].dropna().unique().tolist())

    @property
    def upload_unit(self) -> str | None:
        """The unit an upload is filed under: the parent, or the one unit of the file."""
        if self.parent_code is not None:
            return self.parent_code
        codes = self.unit_codes
        return codes[0] if len(codes) == 1 else None


@dataclass(frozen=True)
class ImportResult:
    upload_id: int
    kind: str
    report_date: dt.date | None
    parent_code: str | None
    rows: int
    inserted: int
    replaced: int
    unchanged: int
    warnings: int


# ------------------------------------------------------------------------------ dry run

_Call = TypeVar("_Call", bound=Callable)


def _cycle_collector_paused(function: _Call) -> _Call:
    """Run without Python's cycle collector: a national file makes hundreds of thousands of
    small objects (cells, rows, records) that form no cycles, and the collector walked every
    live object of the server again and again meanwhile (a third of an import's time).
    Reference counting still frees everything; the collector resumes afterwards."""

    @functools.wraps(function)
    def paused(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused  # type: ignore[return-value]


@_cycle_collector_paused
def plan_import(conn: Connection, data: bytes, file_name: str, *, date: dt.date | None = None,
                unit: str | None = None, kind: str = "auto",
                today: dt.date | None = None, reading: Reading | None = None,
                uploader_unit: str | None = None, use_saved: bool = True) -> ImportPlan:
    """Everything the import would do, without writing; problems and questions included.

    `unit` names the parent unit (code or name, as the CLI's --unit; for a one-unit form,
    the unit itself); it wins over the title. `reading` is what a person set about the file
    (sheets, dates, column meanings, group, parent, unit); the detector fills the rest, and
    a reading confirmed earlier for the same file shape from `uploader_unit` fills what the
    person left unset (`use_saved`). A file that cannot be read becomes a plan with one
    error, never an exception.
    """
    if kind not in KINDS:
        raise UserError(f"Loại báo cáo “{kind}” không hợp lệ; chọn một trong: "
                        f"{', '.join(KINDS)}.")
    plan = ImportPlan(file_name, hashlib.sha256(data).hexdigest(), len(data),
                      uploader_unit=uploader_unit)
    reading = reading or Reading()
    try:
        sheets = read_sheets(data, file_name, max_bytes=config.upload_limit_bytes())
        sheets, plan.persons = count_person_lists(sheets)  # people counted, never kept
        book = parse_workbook(sheets, file_name, date=date, kind=kind, reading=reading)
        plan.headers = book.reports[0].headers
        plan.signature = shape_signature(plan.headers, uploader_unit)
        saved = remembered.find(conn, plan.signature) if use_saved else None
        if saved is not None and not saved.reading.is_empty():
            reading = reading.over(saved.reading)
            book = parse_workbook(sheets, file_name, date=date, kind=kind, reading=reading)
            plan.saved = saved
    except SpreadsheetError as err:
        plan.problems = [Problem(None, "error", str(err))]
        return plan
    plan.reading = reading
    parts = [_plan_report(conn, plan, report, unit or reading.parent, reading.unit, today)
             for report in book.reports]
    _merge(plan, parts, book)
    if plan.persons is not None:
        plan.problems[:0] = [Problem(None, "warning", w) for w in plan.persons.warnings]
    plan.imported_before = _imported_before(conn, plan.sha256)
    if plan.imported_before is not None:
        plan.problems.insert(0, Problem(None, "warning", (
            f"Tệp này đã được nhập ngày {_local(plan.imported_before):%d/%m/%Y}; nhập lại "
            "không tính trùng: số liệu giống hệt được giữ nguyên.")))
    return plan


def saved_notice(saved: remembered.SavedReading) -> str:
    """"Đọc theo cách đã xác nhận ngày … bởi …", on the page and in the CLI."""
    return (f"Đọc theo cách đã xác nhận ngày {_local(saved.confirmed_at):%d/%m/%Y %H:%M} bởi "
            f"{saved.confirmed_by} (tệp «{saved.file_name}»).")


def _plan_report(conn: Connection, outer: ImportPlan, report: ParsedReport, unit: str | None,
                 single_unit: str | None, today: dt.date | None) -> ImportPlan:
    """One sheet's plan: its units matched, its frames built, every rule run."""
    plan = ImportPlan(outer.file_name, outer.sha256, outer.size)
    _describe(plan, report)
    matches = _Matcher(get_resolver(), report, plan)
    matches.find_parent(unit, single_unit)
    matches.resolve_rows()
    _ask_what_is_missing(plan, matches)
    if plan.kind == "quota":
        plan.quotas, checked = _quota_frames(report, matches, plan.year)
    else:
        plan.figures, checked = _figure_frames(report, matches, plan)
    ctx = validation.Context(today=today or validation.today(),
                             previous=_previous_figures(conn, plan),
                             totals=_totals_frame(report))
    plan.problems = _problems(report, checked, ctx, plan, matches)
    plan.make_preview = functools.partial(_preview, report, matches, plan.problems)
    return plan


def _merge(plan: ImportPlan, parts: list[ImportPlan], book: WorkbookReport) -> None:
    """The sheets' plans as one: all written in one transaction, or none."""
    first, several = parts[0], len(parts) > 1
    plan.parts = parts
    plan.report = first.report
    plan.kind = first.kind
    plan.year = first.year
    plan.parent_code, plan.parent_source = first.parent_code, first.parent_source
    dates = [p.report_date for p in parts if p.report_date is not None]
    plan.report_date = max(dates) if several and dates else first.report_date
    plan.date_source = first.date_source
    plan.groups = [g for g in (*GROUPS, ALL_GROUPS) if any(g in p.groups for p in parts)]
    plan.derived = sorted({g for p in parts for g in p.derived})
    plan.figures = _concat([p.figures for p in parts])
    plan.quotas = _concat([p.quotas for p in parts])
    plan.skipped_sheets = book.skipped
    plan.table_sheets = book.tables
    problems = list(book.problems)
    if book.skipped and not several:
        others = ", ".join(f"«{name}»" for name, _ in book.skipped)
        problems.append(Problem(None, "warning", (
            f"Tệp có bảng số liệu ở nhiều trang tính; chỉ trang tính «{first.report.sheet_name}» "
            f"được nhập, không nhập {others}. Nếu cần, hãy chọn trang tính ở mục “Cách đọc "
            "tệp” (dòng lệnh: --sheet TÊN hoặc --sheet all).")))
    elif book.skipped:
        for name, why in book.skipped:
            problems.append(Problem(None, "warning", (
                f"Không nhập trang tính «{name}» ({why}).")))
    questions: dict[tuple[str, str], Question] = {}
    for part in parts:
        where = f"Trang tính «{part.report.sheet_name}»: " if several else ""
        problems += [replace(p, message_vi=where + p.message_vi) if where else p
                     for p in part.problems]
        for question in part.questions:
            if several and question.key == "date":
                question = replace(question, message_vi=where + question.message_vi)
            questions.setdefault((question.key, question.message_vi), question)
    plan.problems = validation.sort_problems(problems) if several else problems
    plan.questions = list(questions.values())
    if several:
        plan.make_preview = functools.partial(_previews, parts)
    else:
        plan.make_preview = first.make_preview


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame()
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _previews(parts: list[ImportPlan]) -> pd.DataFrame:
    frames = [p.preview.assign(sheet=p.report.sheet_name) for p in parts]
    return pd.concat(frames, ignore_index=True)


def _describe(plan: ImportPlan, report: ParsedReport) -> None:
    plan.report = report
    plan.kind = report.kind
    plan.report_date = report.report_date
    plan.date_source = report.date_source
    plan.year = report.year
    plan.groups = [g for g in report.groups]


@dataclass
class _Match:
    """A file row's unit: status "ok", "approximate", "unknown" or "ambiguous"."""

    status: str
    unit: Unit | None
    message: str = ""
    candidates: tuple[Unit, ...] = ()


class _Matcher:
    """Finds the file's parent unit and every row's unit, in memory.

    Codes first (Mã tỉnh/huyện/xã), then hierarchy columns (Tỉnh | Huyện | Xã, resolved top
    down), then names under the parent. Resolutions are cached: a national file repeats each
    province and district name thousands of times.
    """

    def __init__(self, resolver: Resolver, report: ParsedReport, plan: ImportPlan) -> None:
        self.resolver = resolver
        self.report = report
        self.plan = plan
        self.parent: Unit | None = None
        self.parent_question: Question | None = None
        self.parent_candidates: tuple[Unit, ...] = ()
        self.by_row: dict[int, _Match] = {}
        self._cache: dict[tuple[str, str | None, int | None], Resolution] = {}

    # -- parent ---------------------------------------------------------------------------

    def find_parent(self, unit: str | None, single_unit: str | None = None) -> None:
        if self.plan.kind == "national":
            return
        if self.report.single_unit and self._own_unit(single_unit or unit):
            return
        if unit is not None and unit.strip():
            self._parent_from_argument(unit.strip())
            return
        if self._identified_without_parent():
            return
        hint = self.report.parent_hint
        if hint:
            found = self.resolver.resolve(hint)
            if found.ok and found.unit is not None and found.unit.level < COMMUNE:
                self._set_parent(found.unit, "title")
                return
            self.parent_candidates = found.candidates
        named = self._parent_from_names()
        if named is not None:
            self._set_parent(named, "names")

    def _parent_from_argument(self, text: str) -> None:
        code = text if text in by_code() else None
        found = None if code else self.resolver.resolve(text)
        if code is None and (found is None or not found.ok or found.unit is None):
            message = found.message() if found else f"Không tìm thấy đơn vị “{text}”."
            self.parent_candidates = found.candidates if found else ()
            self.parent_question = Question(
                "parent", f"Đơn vị cấp trên: {message}",
                tuple(u.code for u in self.parent_candidates))
            return
        self._set_parent(by_code()[code] if code else found.unit, "argument")

    def _own_unit(self, text: str | None) -> bool:
        """A one-unit form (a commune's daily report): the unit named (by a person, or the
        CLI's --unit when it names a commune) is the row's unit, its district the parent."""
        if not text or not text.strip() or not self.report.rows:
            return False
        text = text.strip()
        unit = by_code().get(text)
        if unit is None:
            found = self.resolver.resolve(text)
            unit = found.unit if found.ok else None
        if unit is None or unit.level != COMMUNE:
            return False
        row = self.report.rows[0]
        row.codes, row.unit_text, row.level = {COMMUNE: unit.code}, unit.name, COMMUNE
        self._set_parent(by_code()[unit.parent_code], "argument")
        return True

    def _set_parent(self, unit: Unit, source: str) -> None:
        self.parent = unit
        self.plan.parent_code = unit.code
        self.plan.parent_source = source

    def _identified_without_parent(self) -> bool:
        """Rows carrying a code or the whole hierarchy down from the province need no parent."""
        rows = self.report.rows
        return bool(rows) and all(self._code_of(r) is not None or 1 in r.hierarchy
                                  for r in rows)

    def _parent_from_names(self) -> Unit | None:
        names = [r.unit_text for r in self.report.rows if r.unit_text]
        if not names:
            return None
        candidates = {u.code for u in self.parent_candidates}
        for level in self._name_levels(names):
            found = self.resolver.common_parent(names, level)
            if found is not None and (not candidates or found.code in candidates):
                return found
        return None

    def _name_levels(self, names: Sequence[str]) -> list[int]:
        """The level of the rows: from the column header, else from the names' prefixes."""
        levels = {r.level for r in self.report.rows if r.level} - {PROVINCE}
        if levels:
            return sorted(levels, reverse=True)
        votes: dict[int, int] = {}
        for name in names:
            parsed = parse_name(name).levels
            if parsed and len(parsed) == 1:
                level = next(iter(parsed))
                votes[level] = votes.get(level, 0) + 1
        if votes:
            top = max(votes, key=votes.get)
            if top > PROVINCE:
                return [top]
        return [COMMUNE, DISTRICT]

    # -- rows -----------------------------------------------------------------------------

    def resolve_rows(self) -> None:
        level = PROVINCE if self.plan.kind == "national" else None
        for row in self.report.rows:
            self.by_row[row.row_number] = self._match(row, level)
        if self.parent is None and self.plan.kind != "national":
            self._parent_from_rows()

    def _match(self, row: ParsedRow, level: int | None) -> _Match:
        code = self._code_of(row)
        if code is not None:
            return self._by_code(row, *code)
        if len(row.hierarchy) > 1 or (row.hierarchy and min(row.hierarchy) == PROVINCE
                                      and self.parent is None):
            return self._by_hierarchy(row)
        row_level = level or (row.level if row.level else None)
        return self._by_name(row.unit_text, self.parent, row_level)

    @staticmethod
    def _code_of(row: ParsedRow) -> tuple[str, int] | None:
        if not row.codes:
            return None
        level = max(row.codes)
        return row.codes[level], level

    def _by_code(self, row: ParsedRow, code: str, level: int) -> _Match:
        unit = self.resolver.resolve_code(code, level or None)
        if unit is None:
            what = f"Mã {LEVEL_LABELS.get(level, 'đơn vị')}"
            return _Match("unknown", None, f"{what} “{code}” ({row.unit_text or '–'}) không "
                                           "có trong danh mục đơn vị hành chính 2024.")
        return self._within_parent(unit)

    def _by_hierarchy(self, row: ParsedRow) -> _Match:
        scope = self.parent if min(row.hierarchy) > PROVINCE else None
        found: Resolution | None = None
        for level in sorted(row.hierarchy):
            if scope is not None and level <= scope.level:
                continue  # the parent already says where this row is
            found = self._resolve(row.hierarchy[level], scope.code if scope else None, level)
            if not found.ok or found.unit is None:
                return self._from_resolution(found)
            scope = found.unit
        if found is None:  # every level named is at or above the parent
            return self._by_name(row.unit_text, self.parent, row.level or None)
        return self._from_resolution(found)

    def _by_name(self, text: str, parent: Unit | None, level: int | None) -> _Match:
        return self._from_resolution(self._resolve(text, parent.code if parent else None,
                                                   level))

    def _resolve(self, text: str, parent: str | None, level: int | None) -> Resolution:
        key = (text, parent, level)
        found = self._cache.get(key)
        if found is None:
            found = self.resolver.resolve(text, parent=parent, level=level)
            self._cache[key] = found
        return found

    def _from_resolution(self, found: Resolution) -> _Match:
        if found.ok and found.unit is not None:
            match = self._within_parent(found.unit)
            if match.status == "ok" and found.approximate:
                match.status = "approximate"
            return match
        return _Match(found.status, None, found.message(), found.candidates)

    def _within_parent(self, unit: Unit) -> _Match:
        parent = self.parent
        if parent is not None and not _is_below(unit, parent):
            return _Match("unknown", None, (
                f"{self.resolver.describe(unit)} không thuộc {parent.name} (đơn vị cấp trên "
                f"theo {PARENT_SOURCE_LABELS[self.plan.parent_source or 'argument']})."))
        return _Match("ok", unit)

    def _parent_from_rows(self) -> None:
        """Without a parent from the argument, title or names: the one unit all rows share."""
        units = [m.unit for m in self.by_row.values() if m.unit is not None]
        if not units:
            return
        parents = {u.parent_code for u in units}
        if len(parents) == 1 and None not in parents:
            self._set_parent(by_code()[parents.pop()], "rows")
            return
        provinces = {u.province_code for u in units}
        if len(provinces) == 1 and all(u.level > PROVINCE for u in units):
            self._set_parent(by_code()[provinces.pop()], "rows")

    @property
    def unresolved(self) -> list[int]:
        return [n for n, m in self.by_row.items() if m.unit is None]


def _is_below(unit: Unit, parent: Unit) -> bool:
    """unit lies strictly below parent in the hierarchy."""
    if unit.code == parent.code:
        return False
    if parent.level == PROVINCE:
        return unit.province_code == parent.code
    code = unit.parent_code
    while code is not None:
        if code == parent.code:
            return True
        code = by_code()[code].parent_code
    return False


def _ask_what_is_missing(plan: ImportPlan, matches: _Matcher) -> None:
    questions: list[Question] = []
    if plan.kind == "quota":
        if plan.year is None:
            questions.append(Question("year", "Không tìm thấy năm của chỉ tiêu trong tiêu đề "
                                              "hay tên tệp; hãy nhập ngày (năm) của chỉ tiêu."))
    elif plan.report_date is None:
        questions.append(Question("date", "Không tìm thấy ngày số liệu trong tiêu đề hay tên "
                                          "tệp; hãy nhập ngày báo cáo (số liệu tính đến ngày)."))
    report = matches.report
    if report.single_unit and (not report.rows or matches.unresolved):
        named = f" (tiêu đề ghi “{report.unit_hint}”)" if report.unit_hint else ""
        questions.append(Question("unit", (
            "Tệp là biểu của một đơn vị (mỗi dòng một nhóm đối tượng) nhưng không xác định "
            f"được đơn vị đó{named}; hãy chọn đơn vị của biểu (dòng lệnh: --unit).")))
    if any(q.key == "unit" for q in questions):
        pass  # the form's unit brings its parent
    elif matches.parent_question is not None:
        questions.append(matches.parent_question)
    elif (plan.kind != "national" and matches.parent is None and matches.unresolved):
        questions.append(Question(
            "parent", "Không xác định được đơn vị cấp trên (huyện hoặc tỉnh) của các đơn vị "
                      "trong tệp; hãy chọn đơn vị cấp trên.",
            tuple(u.code for u in matches.parent_candidates)))
    plan.questions = questions


# ------------------------------------------------------------------------------ frames

_CHECK_COLUMNS = ["row_number", "unit_name", "level", "unit_status", "unit_message"]


def _row_columns(row: ParsedRow, match: _Match) -> dict:
    unit = match.unit
    return {
        "unit_code": unit.code if unit else None,
        "row_number": row.row_number,
        "unit_name": row.unit_text or (unit.name if unit else ""),
        "level": unit.level if unit else (row.level or None),
        "unit_status": match.status,
        "unit_message": match.message,
    }


def _figure_frames(report: ParsedReport, matches: _Matcher,
                   plan: ImportPlan) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(figures to store, the same rows with unresolved units, for the checks).

    Built column by column: a national file has 30,000 unit-group records.
    """
    fields_by_group = _fields_by_group(report)
    plan.derived = _derive_from_rates(report, fields_by_group)
    for group in plan.derived:
        fields_by_group[group].add("cashless")
        plan.problems.append(Problem(None, "warning", (
            f"Bảng không có cột số đã chi trả qua tài khoản cho nhóm {GROUP_LABELS[group]}, "
            "chỉ có tổng số và tỷ lệ: số này được tính bằng tổng số × tỷ lệ (làm tròn) và "
            "được lưu là số suy ra từ tỷ lệ."), rule="derived_from_rate"))
    stored = [g for g, fields in fields_by_group.items() if fields & set(COUNT_FIELDS)]
    rate_all = ALL_GROUPS not in stored and "rate" in fields_by_group.get(ALL_GROUPS, set())
    plan.problems.extend(_missing_columns(fields_by_group, stored))
    rows = report.rows
    values = [row.values for row in rows]
    base = pd.DataFrame([_row_columns(row, matches.by_row[row.row_number]) for row in rows],
                        columns=[*_CHECK_COLUMNS, "unit_code"])
    base = base.assign(
        rate_all_stated=[v.get((ALL_GROUPS, "rate")) for v in values] if rate_all else None,
        position=range(len(rows)))
    parts = []
    for order, group in enumerate(stored):  # one frame per group, then file order again
        part = base.assign(grp=group, group_order=order,
                           **{f: [v.get((group, f)) for v in values] for f in COUNT_FIELDS},
                           rate_stated=[v.get((group, "rate")) for v in values])
        parts.append(part[part[list(COUNT_FIELDS)].notna().any(axis=1)])
    columns = [*_CHECK_COLUMNS, "unit_code", "grp", *COUNT_FIELDS, "rate_stated",
               "rate_all_stated"]
    checked = (pd.concat(parts, ignore_index=True)
               .sort_values(["position", "group_order"], kind="stable")[columns]
               .reset_index(drop=True) if parts else pd.DataFrame(columns=columns))
    checked.insert(2, "report_date", plan.report_date)
    for column in COUNT_FIELDS:
        checked[column] = pd.to_numeric(checked[column]).astype("Int64")
    for column in ("rate_stated", "rate_all_stated"):
        checked[column] = pd.to_numeric(checked[column]).astype("Float64")
    for column in ("row_number", "level"):
        checked[column] = pd.to_numeric(checked[column]).astype("Int64")
    to_store = checked[checked["unit_code"].notna()][store.FIGURE_COLUMNS].reset_index(drop=True)
    return to_store, checked


def _derive_from_rates(report: ParsedReport, fields_by_group: dict[str, set[str]]
                       ) -> list[str]:
    """A table stating the total and the rate but no cashless count keeps what it states:
    the count is derived (total × rate, rounded) and marked so; the groups derived."""
    derived = [g for g, fields in fields_by_group.items()
               if {"total", "rate"} <= fields and "cashless" not in fields]
    for group in derived:
        for row in (*report.rows, *report.totals):
            total, rate = row.values.get((group, "total")), row.values.get((group, "rate"))
            if total is not None and rate is not None:
                row.values[(group, "cashless")] = int(total * rate / 100 + 0.5)
    return derived


def _fields_by_group(report: ParsedReport) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for column in report.columns:
        if column.role == "figure" and column.group and column.field:
            found.setdefault(column.group, set()).add(column.field)
    for row in (*report.rows, *report.totals):
        for group, field_name in row.values:
            found.setdefault(group, set()).add(field_name)
    order = [*GROUP_LABELS]
    return dict(sorted(found.items(), key=lambda kv: order.index(kv[0])
                       if kv[0] in order else len(order)))


def _missing_columns(fields_by_group: dict[str, set[str]], stored: list[str]) -> list[Problem]:
    """A group whose counts lack the total or the cashless column cannot be stored at all:
    one message for the file rather than one per row."""
    problems = []
    needed = {"total": "“Tổng số đối tượng”", "cashless": "“Số đã chi trả qua tài khoản”"}
    for group in stored:
        absent = [label for f, label in needed.items() if f not in fields_by_group[group]]
        if absent:
            problems.append(Problem(None, "error", (
                f"Bảng không có cột {' và '.join(absent)} cho nhóm "
                f"{GROUP_LABELS.get(group, group)}: cần cả tổng số đối tượng và số đã chi trả "
                "qua tài khoản (tỷ lệ được tính lại từ hai số này).")))
    if not stored:
        problems.append(Problem(None, "error", (
            "Bảng không có cột số liệu nào lưu được (tổng số đối tượng, số đã có tài khoản, "
            "số đã chi trả qua tài khoản); hãy kiểm tra dòng tiêu đề của bảng.")))
    return problems


def _quota_frames(report: ParsedReport, matches: _Matcher,
                  year: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Quarterly increments per unit and group, as Phụ lục 01 gives and store.write_quotas
    keeps them."""
    records = []
    for row in report.rows:
        base = _row_columns(row, matches.by_row[row.row_number])
        for group in {g for g, f in row.values if f in QUARTERS}:
            for quarter, field_name in enumerate(QUARTERS, start=1):
                count = row.values.get((group, field_name))
                if count is not None:
                    records.append({**base, "grp": group, "year": year, "quarter": quarter,
                                    "count": count})
    columns = ["unit_code", "grp", "year", "quarter", "count", *_CHECK_COLUMNS]
    checked = pd.DataFrame(records, columns=columns)
    for column in ("count", "year", "quarter"):
        checked[column] = pd.to_numeric(checked[column]).astype("Int64")
    checked["row_number"] = checked["row_number"].astype("Int64")
    checked["level"] = pd.to_numeric(checked["level"]).astype("Int64")
    checked = checked.sort_values(["row_number", "grp", "quarter"], kind="stable")
    to_store = checked[checked["unit_code"].notna()][
        ["unit_code", "grp", "year", "quarter", "count"]].reset_index(drop=True)
    return to_store, checked.reset_index(drop=True)


def _totals_frame(report: ParsedReport) -> pd.DataFrame:
    records = [
        {"row_number": t.row_number, "label": t.label or t.unit_text, "grp": group,
         "field": field_name, "value": value}
        for t in report.totals for (group, field_name), value in t.values.items()
        if value is not None and field_name not in PERCENT_FIELDS
    ]
    return pd.DataFrame(records, columns=["row_number", "label", "grp", "field", "value"])


def _previous_figures(conn: Connection, plan: ImportPlan) -> pd.DataFrame | None:
    """Each unit's latest stored report before the new one, for the cumulative check (of
    the groups the file has: a national file's communes never report "all" themselves)."""
    if plan.kind == "quota" or plan.figures.empty or plan.report_date is None:
        return None
    day = plan.report_date - dt.timedelta(days=1)
    return store.own_figures_as_of(conn, plan.unit_codes, day,
                                   groups=sorted(set(plan.figures["grp"])))


def _problems(report: ParsedReport, checked: pd.DataFrame, ctx: validation.Context,
              plan: ImportPlan, matches: _Matcher) -> list[Problem]:
    """Layout problems (minus those validation re-checks) and every validation rule."""
    kind = plan.kind or "progress"
    layout = report.problems
    cell_errors = {p.row_number for p in layout if p.severity == "error" and p.column is not None}
    others = [r.name for r in validation.RULES if r.name != "missing_counts"]
    found = validation.run(checked, ctx, kind=kind, rules=others)
    if kind != "quota":
        # A cell already reported as not a number would only be reported again as missing.
        keep = checked[~checked["row_number"].isin(cell_errors)]
        found += validation.run(keep, ctx, kind=kind, rules=["missing_counts"])
    if not report.rows:
        found.append(Problem(None, "error", (
            "Bảng không có dòng số liệu nào của đơn vị; hãy kiểm tra tệp có đúng là báo cáo "
            "cần tải lên.")))
    return validation.sort_problems([*plan.problems, *layout, *found])


def _imported_before(conn: Connection, sha256: str) -> dt.datetime | None:
    return conn.scalar(sa.select(sa.func.min(uploads.c.uploaded_at)).where(
        uploads.c.sha256 == sha256, uploads.c.status == "applied"))


def _local(value: dt.datetime | str) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return audit.as_local(value)


def _preview(report: ParsedReport, matches: _Matcher, problems: list[Problem]) -> pd.DataFrame:
    """One line per file row (units and total rows) with its unit, values and problems."""
    by_row: dict[int, list[Problem]] = {}
    for problem in problems:
        if problem.row_number is not None:
            by_row.setdefault(problem.row_number, []).append(problem)
    value_keys = [k for k in _ordered_value_keys(report)]
    records = []
    for row in sorted([*report.rows, *report.totals], key=lambda r: r.row_number):
        match = matches.by_row.get(row.row_number)
        found = by_row.get(row.row_number, [])
        unit = match.unit if match else None
        record = {
            "row_number": row.row_number,
            "unit_text": row.label or row.unit_text,
            "unit_code": unit.code if unit else None,
            "unit_name": unit.name if unit else None,
            "status": match.status if match else "total",
            "severity": ("error" if any(p.severity == "error" for p in found)
                         else "warning" if found else None),
            "problems": " · ".join(p.message_vi for p in found),
        }
        for value_key in value_keys:
            record[f"{value_key[0]}:{value_key[1]}"] = row.values.get(value_key)
        records.append(record)
    columns = ["row_number", "unit_text", "unit_code", "unit_name", "status", "severity",
               "problems", *[f"{g}:{f}" for g, f in value_keys]]
    return pd.DataFrame(records, columns=columns)


def _ordered_value_keys(report: ParsedReport) -> list[tuple[str, str]]:
    seen: dict[tuple[str, str], None] = {}
    for column in report.columns:
        if column.role == "figure" and column.group and column.field:
            seen[(column.group, column.field)] = None
    for row in (*report.rows, *report.totals):
        for value_key in row.values:
            seen.setdefault(value_key, None)
    return list(seen)


# -------------------------------------------------------------------------------- apply


@_cycle_collector_paused
def apply_import(conn: Connection, plan: ImportPlan, account: Account) -> ImportResult:
    """Write a plan in the caller's transaction: all or nothing, audited.

    Refused (ImportRefused or PermissionDenied, recorded in the audit log in a transaction of
    its own) when the plan has errors or open questions, or touches a unit outside the
    account's reach; then nothing is written.
    """
    try:
        _check_applicable(plan)
        check_upload(account, plan.unit_codes)
    except UserError as err:
        audit.record_refusal(conn.engine, account.username, audit.UPLOAD, plan.file_name,
                             {**_audit_detail(plan), "reason": str(err)})
        raise
    upload_id = store.create_upload(
        conn, file_name=plan.file_name[:255], sha256=plan.sha256, kind=plan.kind or "progress",
        uploaded_by=account.username, report_date=plan.report_date,
        unit_code=plan.upload_unit)
    try:
        if plan.kind == "quota":
            written, replaced_quotas = _write_quotas(conn, plan.quotas, upload_id)
        else:
            written, replaced_quotas = store.write_figures(conn, plan.figures, upload_id), []
    except sa.exc.IntegrityError:  # the caller's transaction rolls back with this error
        raise ImportRefused(
            f"Tệp {plan.file_name} chưa được nhập: cùng lúc đó có người khác vừa nhập số liệu "
            "của cùng đơn vị và ngày. Hãy tải lên lại để xem số liệu mới nhất.") from None
    result = ImportResult(upload_id, plan.kind or "progress", plan.report_date,
                          plan.parent_code, plan.row_count, written.inserted, written.replaced,
                          written.unchanged, len(plan.warnings))
    summary = {**_audit_detail(plan), "inserted": written.inserted,
               "replaced": written.replaced, "unchanged": written.unchanged}
    if plan.signature and not plan.reading.remembered().is_empty():
        remembered.save(conn, plan.signature, plan.reading, unit_code=plan.uploader_unit,
                        file_name=plan.file_name, headers=plan.headers,
                        username=account.username)
        summary["reading"] = "saved" if plan.saved is None else "applied"
    if replaced_quotas:
        summary["replaced_quotas"] = replaced_quotas
    conn.execute(uploads.update().where(uploads.c.id == upload_id).values(
        row_count=plan.row_count, summary=json.dumps(summary, ensure_ascii=False,
                                                     default=str)))
    audit.record(conn, account.username, audit.UPLOAD, plan.file_name,
                 {k: v for k, v in summary.items() if k != "replaced_quotas"}
                 | {"upload_id": upload_id})
    return result


def _check_applicable(plan: ImportPlan) -> None:
    if plan.errors:
        first = plan.errors[0].message_vi
        more = f" (và {len(plan.errors) - 1} lỗi khác)" if len(plan.errors) > 1 else ""
        raise ImportRefused(f"Tệp {plan.file_name} có lỗi nên chưa được nhập: {first}{more}")
    if plan.questions:
        raise ImportRefused(f"Tệp {plan.file_name} chưa được nhập: "
                            f"{plan.questions[0].message_vi}")
    if plan.row_count == 0:
        raise ImportRefused(f"Tệp {plan.file_name} không có số liệu nào để nhập.")


def _audit_detail(plan: ImportPlan) -> dict:
    detail = {
        "kind": plan.kind, "report_date": plan.report_date, "year": plan.year,
        "unit": plan.upload_unit, "rows": plan.row_count, "sha256": plan.sha256,
        "warnings": len(plan.warnings), "errors": len(plan.errors),
        "date_source": plan.date_source, "parent_source": plan.parent_source,
        "sheet": plan.report.sheet_name if plan.report else None, "size": plan.size,
        **({"people": plan.persons.people} if plan.persons is not None else {}),
    }
    if plan.derived:
        detail["derived_from_rate"] = {g: "cashless" for g in plan.derived}
    if len(plan.parts) > 1:
        detail["sheets"] = {p.report.sheet_name: p.report_date for p in plan.parts}
    return detail


_QUOTA_KEY = ["unit_code", "grp", "year", "quarter"]


def _write_quotas(conn: Connection, frame: pd.DataFrame,
                  upload_id: int) -> tuple[store.WriteResult, list[list]]:
    """Quotas through store.write_quotas, identical ones left alone (a re-import changes
    nothing); the quotas replaced are returned so that a revert can restore them (the
    schema has no replaced_quotas table, so they are kept in the upload's summary)."""
    existing = _stored_quotas(conn, frame)
    merged = frame.merge(existing, on=_QUOTA_KEY, how="left", suffixes=("", "_old"))
    is_new = merged["count_old"].isna()
    same = ~is_new & (merged["count"].astype("Int64") == merged["count_old"].astype("Int64"))
    changed = ~is_new & ~same
    replaced = [[r["unit_code"], r["grp"], int(r["year"]), int(r["quarter"]),
                 int(r["count_old"]), int(r["upload_id_old"])]
                for r in merged[changed].to_dict("records")]
    store.write_quotas(conn, frame[(is_new | changed).to_numpy()], upload_id)
    return store.WriteResult(int(is_new.sum()), int(changed.sum()), int(same.sum())), replaced


def _stored_quotas(conn: Connection, frame: pd.DataFrame) -> pd.DataFrame:
    columns = [*_QUOTA_KEY, "count_old", "upload_id_old"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    years = sorted({int(y) for y in frame["year"]})
    rows = conn.execute(sa.select(
        quotas.c.unit_code, quotas.c.grp, quotas.c.year, quotas.c.quarter,
        quotas.c["count"].label("count_old"), quotas.c.upload_id.label("upload_id_old"),
    ).where(quotas.c.unit_code.in_(sorted(set(frame["unit_code"]))),
            quotas.c.year.in_(years))).mappings().all()
    stored = pd.DataFrame(rows, columns=columns)
    return stored.astype({"year": "Int64", "quarter": "Int64"})


# ------------------------------------------------------------------------------- revert


def revert_upload(conn: Connection, upload_id: int, account: Account) -> dict:
    """Undo an upload: delete its rows, restore what it replaced, mark it "reverted".

    Refused while a later upload has replaced some of its rows (revert that one first:
    otherwise the later figures would be lost or the earlier ones restored over them).
    Audited, refusals included. Returns counts {"removed", "restored"}.
    """
    try:
        upload = _upload(conn, upload_id)
        _check_revert(conn, upload, account)
    except UserError as err:
        audit.record_refusal(conn.engine, account.username, audit.REVERT,
                             f"#{upload_id}", {"reason": str(err)})
        raise
    if upload["kind"] == "quota":
        removed, restored = _revert_quotas(conn, upload)
    else:
        removed, restored = _revert_figures(conn, upload_id)
    conn.execute(uploads.update().where(uploads.c.id == upload_id).values(status="reverted"))
    audit.record(conn, account.username, audit.REVERT, upload["file_name"],
                 {"upload_id": upload_id, "kind": upload["kind"], "removed": removed,
                  "restored": restored})
    return {"removed": removed, "restored": restored}


def _upload(conn: Connection, upload_id: int) -> dict:
    row = conn.execute(sa.select(uploads).where(uploads.c.id == upload_id)).mappings().first()
    if row is None:
        raise RevertRefused(f"Không có lần tải lên số {upload_id}.")
    return dict(row)


def _check_revert(conn: Connection, upload: dict, account: Account) -> None:
    if not can_upload(account):
        raise PermissionDenied("Tài khoản vai trò lãnh đạo (leader) chỉ được xem, không được "
                               "hoàn tác tải lên.")
    if upload["status"] != "applied":
        raise RevertRefused(f"Lần tải lên số {upload['id']} ({upload['file_name']}) đã được "
                            "hoàn tác trước đó.")
    if upload["kind"] == "demo":
        raise RevertRefused("Dữ liệu mẫu không hoàn tác từng phần được; để xóa, dùng lệnh "
                            "python -m core demo --reset hoặc nhờ quản trị viên.")
    later = _later_replacing(conn, upload)
    if later is not None:
        raise RevertRefused(
            f"Không hoàn tác được lần tải lên số {upload['id']} ({upload['file_name']}): lần "
            f"tải lên số {later['id']} ({later['file_name']}, lúc "
            f"{_local(later['uploaded_at']):%d/%m/%Y %H:%M}) đã thay thế một phần số liệu của "
            "lần này. Hãy hoàn tác lần đó trước.")
    if account.role != "admin":
        outside = sorted({c for c in _touched_units(conn, upload) if not can_view(account, c)})
        if outside:
            names = ", ".join(by_code()[c].name for c in outside[:10])
            more = f" và {len(outside) - 10} đơn vị khác" if len(outside) > 10 else ""
            raise PermissionDenied(
                f"Lần tải lên này có số liệu của đơn vị ngoài phạm vi được giao: {names}{more}. "
                "Chỉ quản trị viên hoặc cán bộ cấp trên được hoàn tác.")


def _later_replacing(conn: Connection, upload: dict) -> dict | None:
    """A still-applied upload that replaced rows of this one."""
    if upload["kind"] == "quota":
        for other in conn.execute(sa.select(uploads).where(
                uploads.c.kind == "quota", uploads.c.status == "applied",
                uploads.c.id > upload["id"]).order_by(uploads.c.id)).mappings():
            replaced = _summary(other).get("replaced_quotas", [])
            if any(r[5] == upload["id"] for r in replaced):
                return dict(other)
        return None
    row = conn.execute(
        sa.select(uploads).where(
            uploads.c.id.in_(sa.select(replaced_figures.c.replaced_by).where(
                replaced_figures.c.upload_id == upload["id"])),
            uploads.c.status == "applied").order_by(uploads.c.id).limit(1)
    ).mappings().first()
    return dict(row) if row else None


def _touched_units(conn: Connection, upload: dict) -> set[str]:
    if upload["kind"] == "quota":
        table, column = quotas, quotas.c.upload_id
        codes = set(conn.scalars(sa.select(table.c.unit_code).distinct().where(
            column == upload["id"])))
        return codes | {r[0] for r in _summary(upload).get("replaced_quotas", [])}
    codes = set(conn.scalars(sa.select(figures.c.unit_code).distinct().where(
        figures.c.upload_id == upload["id"])))
    codes |= set(conn.scalars(sa.select(replaced_figures.c.unit_code).distinct().where(
        replaced_figures.c.replaced_by == upload["id"])))
    return codes


def _revert_figures(conn: Connection, upload_id: int) -> tuple[int, int]:
    touched = _touched_reports(conn, upload_id)
    removed = conn.execute(figures.delete().where(figures.c.upload_id == upload_id)).rowcount
    columns = [*store.FIGURE_COLUMNS, "upload_id"]
    mine = replaced_figures.c.replaced_by == upload_id
    # Counted apart: drivers do not all report a row count for INSERT ... SELECT.
    restored = conn.scalar(sa.select(sa.func.count()).select_from(replaced_figures).where(mine))
    conn.execute(figures.insert().from_select(
        columns, sa.select(*[replaced_figures.c[c] for c in columns]).where(mine)))
    conn.execute(replaced_figures.delete().where(replaced_figures.c.replaced_by == upload_id))
    if touched:
        rollups.refresh(conn, touched, min(touched.values()))
    return int(removed or 0), int(restored or 0)


def _touched_reports(conn: Connection, upload_id: int) -> dict[str, dt.date]:
    """Units whose reports a revert removes or restores, with the first date of each (the
    roll-ups above them change from there on)."""
    found: dict[str, dt.date] = {}
    for table, column in ((figures, figures.c.upload_id),
                          (replaced_figures, replaced_figures.c.replaced_by)):
        rows = conn.execute(sa.select(table.c.unit_code, sa.func.min(table.c.report_date))
                            .where(column == upload_id).group_by(table.c.unit_code))
        for code, day in rows:
            day = _as_date(day)
            found[code] = min(day, found.get(code, day))
    return found


def _revert_quotas(conn: Connection, upload: dict) -> tuple[int, int]:
    removed = conn.execute(quotas.delete().where(quotas.c.upload_id == upload["id"])).rowcount
    replaced = _summary(upload).get("replaced_quotas", [])
    if replaced:
        conn.execute(quotas.insert(), [
            {"unit_code": u, "grp": g, "year": y, "quarter": q, "count": n, "upload_id": src}
            for u, g, y, q, n, src in replaced])
    return int(removed or 0), len(replaced)


def _summary(upload) -> dict:
    try:
        value = json.loads(upload["summary"] or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# ------------------------------------------------------------------------------ history


def _history_note(summary: dict) -> str:
    """What a reader of the history should know about how the figures were read."""
    notes = []
    derived = summary.get("derived_from_rate") or {}
    if derived:
        groups = ", ".join(GROUP_LABELS.get(g, g) for g in derived)
        notes.append(f"số chi trả qua tài khoản suy ra từ tỷ lệ ({groups})")
    sheets = summary.get("sheets") or {}
    if sheets:
        notes.append(f"{len(sheets)} trang tính, mỗi trang một ngày")
    if summary.get("reading") in ("saved", "applied"):
        notes.append("cách đọc đã sửa" if summary["reading"] == "saved"
                     else "đọc theo cách đã ghi nhớ")
    return "; ".join(notes)

HISTORY_COLUMNS = ["id", "file_name", "kind", "report_date", "unit_code", "unit_name",
                   "uploaded_by", "uploaded_at", "status", "row_count", "inserted", "replaced",
                   "unchanged", "warnings", "note", "can_revert"]


def upload_history(conn: Connection, *, account: Account | None = None,
                   limit: int = HISTORY_LIMIT) -> pd.DataFrame:
    """Uploads newest first, those the account may see: an admin all of them; others their
    own and those filed under a unit within their reach. uploaded_at is local time.

    can_revert says whether to offer the action; revert_upload checks again, row by row.
    """
    query = sa.select(uploads).order_by(uploads.c.id.desc())
    if account is not None and account.role != "admin":
        query = query.where(sa.or_(uploads.c.uploaded_by == account.username,
                                   uploads.c.unit_code.is_not(None)))
    records = []
    for row in conn.execute(query).mappings():
        if account is not None and not _may_see(account, row):
            continue
        summary = _summary(row)
        records.append({
            "id": row["id"], "file_name": row["file_name"], "kind": row["kind"],
            "report_date": _as_date(row["report_date"]), "unit_code": row["unit_code"],
            "unit_name": by_code()[row["unit_code"]].name if row["unit_code"] else None,
            "uploaded_by": row["uploaded_by"], "uploaded_at": _local(row["uploaded_at"]),
            "status": row["status"], "row_count": row["row_count"],
            "inserted": summary.get("inserted"), "replaced": summary.get("replaced"),
            "unchanged": summary.get("unchanged"), "warnings": summary.get("warnings"),
            "note": _history_note(summary),
            "can_revert": _may_revert(account, row),
        })
        if len(records) >= limit:
            break
    return pd.DataFrame(records, columns=HISTORY_COLUMNS)


def _as_date(value) -> dt.date | None:
    """SQLite may hand back dates as ISO text."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _may_see(account: Account, row) -> bool:
    if account.role == "admin" or row["uploaded_by"] == account.username:
        return True
    return row["unit_code"] is not None and can_view(account, row["unit_code"])


def _may_revert(account: Account | None, row) -> bool:
    if row["status"] != "applied" or row["kind"] == "demo":
        return False
    if account is None or account.role == "admin":
        return True
    return (can_upload(account) and row["unit_code"] is not None
            and can_view(account, row["unit_code"]))
