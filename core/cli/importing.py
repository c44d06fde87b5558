"""`import`: each file planned and written in its own transaction, as the web upload does."""

from __future__ import annotations

import os
import sys

from sqlalchemy.engine import Engine

from core import formatting as fmt
from core.access.permissions import Account, cli_actor
from core.catalogue.units import by_code
from core.cli import upload_file
from core.cli.common import engine
from core.errors import UserError
from core.ingest import refusals
from core.ingest.apply import ImportResult, apply_import
from core.ingest.model import DATE_SOURCE_LABELS, PARENT_SOURCE_LABELS
from core.ingest.plan import ImportPlan, plan_import, saved_notice
from core.ingest.reading import ALL_SHEETS, Reading, parse_map
from core.vocabulary import ALL_GROUPS, GROUP_LABELS, KIND_LABELS


def cmd_import(args) -> None:
    """Each file is planned and written in its own transaction; a summary per file on
    stdout, the problems of a file that cannot be imported on stderr. Acts as the local
    operator (auth.cli_actor): whoever has the server's shell already has the database."""
    prepared = engine()
    account = cli_actor()
    failed = [path for path in args.files if not _import_one(prepared, path, args, account)]
    if failed:
        raise UserError(f"{len(failed)}/{len(args.files)} tệp không nhập được: "
                        f"{', '.join(os.path.basename(f) for f in failed)}.")


def _import_one(engine: Engine, path: str, args, account: Account) -> bool:
    """Plan and apply one file; a refusal is printed and (unless a dry run) audited."""
    name = os.path.basename(path)
    try:
        data = upload_file.read_upload(path)
    except UserError as err:
        print(f"{name}: {err}", file=sys.stderr)
        if not args.dry_run:
            refusals.record_file_refusal(
                engine, account.username, name, size=upload_file.size_of(path),
                sha256=refusals.file_digest(path), reason=str(err), via=refusals.CLI)
        return False
    try:
        with engine.begin() as conn:
            plan = plan_import(conn, data, name, date=args.date, unit=args.unit,
                                        kind=args.kind, reading=_reading(args))
            result = None
            if plan.can_apply and not args.dry_run:
                result = apply_import(conn, plan, account)
    except UserError as err:  # apply_import audits its own refusals
        print(f"{name}: {err}", file=sys.stderr)
        return False
    if not plan.can_apply:
        _print_refusal(name, plan)
        if not args.dry_run:  # audited once the plan's transaction is over
            refusals.record_plan_refusal(engine, account.username, plan, refusals.CLI)
        return False
    print(_import_summary(name, plan, result))
    if plan.saved is not None:
        print(f"  {saved_notice(plan.saved)}")
    if len(plan.parts) > 1:
        for part in plan.parts:
            print(f"  Trang tính «{part.report.sheet_name}»: ngày {fmt.date(part.report_date)}, "
                  f"{fmt.number(part.row_count)} dòng số liệu.")
    if plan.persons is not None:
        print(f"  {plan.persons.notice_vi()}")
    for problem in plan.warnings:
        print(f"  Cảnh báo: {problem.message_vi}")
    return True


def _reading(args) -> Reading:
    """What the command line sets about the file; the rest is detected."""
    sheets = None
    if args.sheet:
        sheets = tuple(ALL_SHEETS if s.strip().lower() == "all" else s for s in args.sheet)
    columns = dict(parse_map(text) for text in args.map)
    return Reading(sheets=sheets, columns=columns, group=args.group)


_QUESTION_HINTS = {"date": "dùng --date YYYY-MM-DD", "year": "dùng --date YYYY-MM-DD",
                   "parent": "dùng --unit ĐƠN_VỊ", "unit": "dùng --unit XÃ"}


def _print_refusal(name: str, plan: ImportPlan) -> None:
    print(f"{name}: không nhập được, chưa ghi gì.", file=sys.stderr)
    if plan.persons is not None:
        print(f"  {plan.persons.notice_vi()}", file=sys.stderr)
    for question in plan.questions:
        hint = f" ({_QUESTION_HINTS[question.key]})" if question.key in _QUESTION_HINTS else ""
        print(f"  Cần bổ sung: {question.message_vi}{hint}", file=sys.stderr)
        for code in question.candidates:
            print(f"    - {code} {by_code()[code].name}", file=sys.stderr)
    for problem in plan.problems:
        label = "Lỗi" if problem.severity == "error" else "Cảnh báo"
        print(f"  {label}: {problem.message_vi}", file=sys.stderr)
    if not plan.problems and not plan.questions and plan.row_count == 0:
        print("  Lỗi: tệp không có số liệu nào để nhập.", file=sys.stderr)


def _import_summary(name: str, plan: ImportPlan,
                    result: ImportResult | None) -> str:
    parts = [KIND_LABELS.get(plan.kind or "", plan.kind or "")]
    if plan.kind == "quota":
        parts.append(f"năm {plan.year}")
    if plan.report_date is not None:
        source = DATE_SOURCE_LABELS.get(plan.date_source or "", "")
        parts.append(f"ngày {fmt.date(plan.report_date)} (theo {source})")
    if plan.parent_code is not None:
        source = PARENT_SOURCE_LABELS.get(plan.parent_source or "", "")
        parts.append(f"đơn vị cấp trên {by_code()[plan.parent_code].name} (theo {source})")
    groups = [GROUP_LABELS.get(g, g) for g in plan.groups if g != ALL_GROUPS]
    if groups:
        parts.append(f"nhóm {', '.join(groups)}")
    units = len(plan.unit_codes)
    line = f"{name}: {'; '.join(parts)}; {fmt.number(units)} đơn vị, " \
           f"{fmt.number(plan.row_count)} dòng số liệu"
    if result is None:
        return f"{line}; {fmt.number(len(plan.warnings))} cảnh báo. Chạy thử: chưa ghi gì."
    return (f"{line}: {fmt.number(result.inserted)} thêm mới, {fmt.number(result.replaced)} "
            f"thay thế, {fmt.number(result.unchanged)} giữ nguyên; "
            f"{fmt.number(result.warnings)} cảnh báo. Đã nhập (lần tải lên số "
            f"{result.upload_id}).")


