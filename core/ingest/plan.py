"""The dry run: from a file's bytes to a plan of what the import would store, never writing.

Read the sheets, read them with what a person set (or a reading saved for the file's shape)
and detection for the rest, match every unit, build the frames, run every rule, and list
what must still be asked (the date, the parent, the unit of a one-unit form). A workbook
with one sheet per day gives one part per sheet, merged into one plan."""

from __future__ import annotations

import datetime as dt
import functools
import gc
import hashlib
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core import config
from core.catalogue.resolver import get_resolver
from core.errors import UserError
from core.ingest import checks as validation
from core.ingest import remembered
from core.ingest.files import read_sheets
from core.ingest.frames import (
    _figure_frames,
    _preview,
    _previous_figures,
    _problems,
    _quota_frames,
    _totals_frame,
)
from core.ingest.limits import SpreadsheetError
from core.ingest.model import (
    IMPORT_KINDS,
    ParsedReport,
    Problem,
    Question,
)
from core.ingest.persons import count_person_lists
from core.ingest.plan_model import ImportPlan
from core.ingest.reading import Reading, shape_signature
from core.ingest.sheets import WorkbookReport, parse_workbook
from core.ingest.units import _Matcher
from core.storage.db import uploads
from core.vocabulary import ALL_GROUPS, GROUPS

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
    if kind not in IMPORT_KINDS:
        raise UserError(f"Loại báo cáo “{kind}” không hợp lệ; chọn một trong: "
                        f"{', '.join(IMPORT_KINDS)}.")
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
        plan.problems = [Problem(None, "error", str(err), rule="unreadable_file")]
        return plan
    plan.reading = reading
    parts = [_plan_report(conn, plan, report, unit or reading.parent, reading.unit, today)
             for report in book.reports]
    _merge(plan, parts, book)
    if plan.persons is not None:
        plan.problems[:0] = [Problem(None, "warning", w, rule="person_list")
                             for w in plan.persons.warnings]
    plan.imported_before = _imported_before(conn, plan.sha256)
    if plan.imported_before is not None:
        plan.problems.insert(0, Problem(None, "warning", (
            f"Tệp này đã được nhập ngày {config.as_local(plan.imported_before):%d/%m/%Y}; nhập lại "
            "không tính trùng: số liệu giống hệt được giữ nguyên."), rule="imported_before"))
    return plan


def saved_notice(saved: remembered.SavedReading) -> str:
    """"Đọc theo cách đã xác nhận ngày … bởi …", on the page and in the CLI."""
    when = config.as_local(saved.confirmed_at)
    return (f"Đọc theo cách đã xác nhận ngày {when:%d/%m/%Y %H:%M} bởi {saved.confirmed_by}"
            f" (tệp «{saved.file_name}»).")


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
            "tệp” (dòng lệnh: --sheet TÊN hoặc --sheet all)."), rule="other_sheets"))
    elif book.skipped:
        for name, why in book.skipped:
            problems.append(Problem(None, "warning", (
                f"Không nhập trang tính «{name}» ({why})."), rule="sheet_skipped"))
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


def _imported_before(conn: Connection, sha256: str) -> dt.datetime | None:
    return conn.scalar(sa.select(sa.func.min(uploads.c.uploaded_at)).where(
        uploads.c.sha256 == sha256, uploads.c.status == "applied"))


