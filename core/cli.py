"""Command line: `python -m core ...`.

A stable contract for scripts: `--json` prints a list of objects on stdout; a user error prints
one Vietnamese line on stderr and exits with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import sys
from collections.abc import Callable, Sequence

import pandas as pd
from sqlalchemy.engine import Engine

from core import formatting as fmt
from core.access import auth
from core.access.permissions import Account
from core.analytics import metrics
from core.catalogue.units import by_code
from core.demo import bootstrap
from core.demo import dataset as demo
from core.errors import UserError
from core.ingest import refusals
from core.ingest.apply import ImportResult, apply_import
from core.ingest.model import DATE_SOURCE_LABELS, PARENT_SOURCE_LABELS
from core.ingest.plan import ImportPlan, plan_import, saved_notice
from core.ingest.reading import ALL_SHEETS, Reading, parse_map
from core.storage import db
from core.vocabulary import ALL_GROUPS, GROUP_LABELS, GROUPS, KIND_LABELS, REASON_LABELS

EXIT_USER_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports mistakes in Vietnamese through UserError."""

    _TRANSLATIONS: Sequence[tuple[str, str]] = (
        (r"the following arguments are required: (.*)", "Thiếu tham số bắt buộc: {0}."),
        (r"unrecognized arguments: (.*)", "Tham số không nhận ra: {0}."),
        (r"argument (\S+): invalid choice: '?([^' ]*)'? \(choose from (.*)\)",
         "Tham số {0}: giá trị \"{1}\" không hợp lệ; chọn một trong: {2}."),
        (r"argument (\S+): expected one argument", "Tham số {0} cần một giá trị."),
        (r"argument (\S+): invalid (\S+) value: '(.*)'",
         "Tham số {0}: giá trị \"{2}\" không hợp lệ."),
    )

    # argparse's own words in --help, in the order they appear.
    _HELP_WORDS: Sequence[tuple[str, str]] = (
        ("usage: ", "Cách dùng: "),
        ("positional arguments:", "Tham số:"),
        ("options:", "Tùy chọn:"),
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help="Hiện hướng dẫn này rồi thoát.")

    def format_usage(self) -> str:
        return self._vietnamese(super().format_usage())

    def format_help(self) -> str:
        return self._vietnamese(super().format_help())

    def _vietnamese(self, text: str) -> str:
        for english, vietnamese in self._HELP_WORDS:
            text = re.sub(rf"(?m)^{re.escape(english)}", vietnamese, text)
        return text

    def error(self, message: str):  # type: ignore[override]
        for pattern, template in self._TRANSLATIONS:
            match = re.fullmatch(pattern, message)
            if match:
                raise UserError(template.format(*match.groups()).replace("'", ""))
        raise UserError(f"Lệnh không hợp lệ: {message}. Xem hướng dẫn: python -m core --help")


def _date(text: str) -> dt.date:
    try:
        return fmt.parse_date(text)
    except ValueError:
        raise UserError(f"Ngày \"{text}\" không hợp lệ; dùng dạng YYYY-MM-DD "
                        f"(ví dụ 2024-01-25).") from None


def resolve_unit(text: str, level: int | None = None) -> str:
    """An official code or a name the resolver understands -> unit code."""
    from core.catalogue.resolver import get_resolver

    text = text.strip()
    if text in by_code():
        return text
    found = get_resolver().resolve(text, level=level)
    if found.status != "ok" or found.unit is None:
        raise UserError(found.message())
    return found.unit.code


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m core",
                     description="ASXH Dashboard: công cụ dòng lệnh (chi trả ASXH không dùng "
                                 "tiền mặt).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                metavar="LỆNH", title="Lệnh")

    sub.add_parser("init-db", help="Tạo hoặc nâng cấp cơ sở dữ liệu, nạp danh mục đơn vị.")
    p = sub.add_parser("demo", help="Nạp dữ liệu mẫu năm 2024 (chạy lại không nạp thêm gì).")
    p.add_argument("--reset", action="store_true", help="Xóa số liệu hiện có trước khi nạp.")
    p.add_argument("--if-empty", action="store_true",
                   help="Chỉ nạp khi cơ sở dữ liệu chưa có số liệu nào (dùng khi khởi động).")

    p = sub.add_parser("ranking", help="Xếp hạng theo tỷ lệ chi trả qua tài khoản.")
    p.add_argument("--date", type=_date)
    p.add_argument("--group", choices=[ALL_GROUPS, *GROUPS], default=ALL_GROUPS)
    p.add_argument("--unit", help="Đơn vị cha: xếp hạng các đơn vị trực thuộc.")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("attainment", help="Kết quả so với chỉ tiêu 2024 theo huyện.")
    p.add_argument("--province", required=True)
    p.add_argument("--date", type=_date)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("lagging", help="Xã chậm tiến độ.")
    p.add_argument("--unit", required=True)
    p.add_argument("--date", type=_date)
    p.add_argument("--below", type=float, help="Ngưỡng tỷ lệ (%%); mặc định: tỷ lệ chung "
                                               "của đơn vị.")
    p.add_argument("--group", choices=[ALL_GROUPS, *GROUPS], default=ALL_GROUPS)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("trend", help="Diễn biến theo ngày.")
    p.add_argument("--unit", required=True)
    p.add_argument("--group", choices=[ALL_GROUPS, *GROUPS], default=ALL_GROUPS)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("timeliness", help="Tiến độ nộp báo cáo hằng ngày: đúng hạn, trễ, "
                                          "chưa báo cáo.")
    p.add_argument("--unit", required=True, help="Đơn vị: chính nó và các đơn vị trực thuộc.")
    p.add_argument("--date", type=_date, help="Ngày báo cáo; mặc định: ngày gần nhất có số "
                                              "liệu của đơn vị (như các lệnh khác).")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("import", help="Nhập tệp báo cáo (tiến độ, chỉ tiêu, toàn quốc).")
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="Tệp .xlsx, .xls, .ods hoặc .csv; mỗi tệp nhập riêng, trọn vẹn hoặc không.")
    p.add_argument("--date", type=_date, help="Ngày số liệu (ưu tiên hơn tiêu đề, tên tệp).")
    p.add_argument("--unit", help="Đơn vị cấp trên của các đơn vị trong tệp (mã hoặc tên).")
    p.add_argument("--kind", choices=["auto", "progress", "quota", "national"], default="auto",
                   help="Loại báo cáo: tự nhận biết, tiến độ, chỉ tiêu (Phụ lục 01), toàn quốc.")
    p.add_argument("--sheet", action="append", metavar="TÊN|all",
                   help="Trang tính cần nhập (lặp lại được); all: mọi trang có bảng số liệu. "
                        "Mặc định: tự nhận biết (mọi trang ghi ngày, hoặc bảng lớn nhất).")
    p.add_argument("--map", action="append", metavar="CỘT=Ý_NGHĨA[:NHÓM]", default=[],
                   help="Sửa cách hiểu một cột (lặp lại được), ví dụ E=cashless:btxh, B=name, "
                        "H=ignored. Ý nghĩa: total, accounts, cashless, rate, …; name, code, "
                        "order, group, ignored. Nhóm: ncc, btxh, ngheo, all.")
    p.add_argument("--group", choices=["ncc", "btxh", "ngheo", "all"],
                   help="Nhóm đối tượng của cả tệp (cho các cột không ghi nhóm).")
    p.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra, không ghi gì.")

    p = sub.add_parser("export", help="Xuất tệp mang về sau cuộc họp: báo cáo trình chiếu "
                                      "(.pptx), báo cáo PDF, biểu tổng hợp (.xlsx).")
    p.add_argument("kind", choices=["briefing", "pdf", "form"], metavar="LOẠI",
                   help="briefing: báo cáo trình chiếu 16:9; pdf: cùng nội dung, khổ A4 ngang; "
                        "form: biểu tổng hợp gửi cấp trên (huyện theo xã, tỉnh theo huyện).")
    p.add_argument("--unit", required=True, help="Đơn vị (mã hoặc tên).")
    p.add_argument("--date", type=_date, help="Ngày số liệu; mặc định: ngày báo cáo gần nhất.")
    p.add_argument("--group", choices=[ALL_GROUPS, *GROUPS], default=ALL_GROUPS,
                   help="Nhóm đối tượng của báo cáo (biểu tổng hợp luôn có mọi nhóm).")
    p.add_argument("--out", required=True, metavar="TỆP", help="Tệp sẽ ghi ra.")

    p = sub.add_parser("bench", help="Đo hiệu năng trên dữ liệu tổng hợp (CSDL tạm, không "
                                     "đụng tới CSDL đang dùng); xem bench/run.py.")
    from bench import run as bench_run

    bench_run.add_arguments(p)

    user = sub.add_parser("user", help="Quản lý người dùng.")
    user_sub = user.add_subparsers(dest="user_command", required=True, parser_class=_Parser,
                                   metavar="LỆNH", title="Lệnh")
    p = user_sub.add_parser("add", help="Thêm người dùng.")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=auth.ROLES)
    p.add_argument("--unit")
    p.add_argument("--password-stdin", action="store_true", required=True)
    p = user_sub.add_parser("reset-password",
                            help="Đặt lại mật khẩu (và mở khóa) một người dùng.")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true", required=True)
    _describe_options(parser)
    return parser


# Names and help of the options several commands share, where a command gives none itself.
_OPTION_TEXTS: dict[str, tuple[str | None, str]] = {
    "unit": ("ĐƠN_VỊ", "Đơn vị (mã hoặc tên)."),
    "province": ("TỈNH", "Tỉnh (mã hoặc tên)."),
    "date": ("NGÀY", "Ngày số liệu (YYYY-MM-DD hoặc dd/mm/yyyy); mặc định: ngày gần nhất có "
                     "số liệu."),
    "group": ("NHÓM", "Nhóm đối tượng: all (tất cả), ncc (người có công), btxh (bảo trợ xã "
                      "hội), ngheo (hộ nghèo, cận nghèo); mặc định: all."),
    "json": (None, "In kết quả dạng JSON (tên trường giữ nguyên, dùng cho script)."),
    "below": ("PHẦN_TRĂM", "Ngưỡng tỷ lệ (%); mặc định: tỷ lệ chung của đơn vị."),
    "username": ("TÊN", "Tên đăng nhập."),
    "role": ("VAI_TRÒ", "Vai trò: admin (quản trị), leader (lãnh đạo), staff (cán bộ)."),
    "password_stdin": (None, "Đọc mật khẩu từ đầu vào chuẩn (một dòng)."),
    "scales": ("QUY_MÔ", ""), "runs": ("SỐ_LẦN", ""), "cold_runs": ("SỐ_LẦN", ""),
    "backends": ("CSDL", ""),
}


def _describe_options(parser: argparse.ArgumentParser) -> None:
    """Vietnamese placeholders (ĐƠN_VỊ, NGÀY) and help for options left without them, in
    every subcommand."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _describe_options(child)
            continue
        metavar, text = _OPTION_TEXTS.get(action.dest, (None, ""))
        if action.metavar is None and metavar and (action.nargs != 0):
            action.metavar = metavar
        if action.help is None and text:
            action.help = text


# ------------------------------------------------------------------------------- commands

def _engine() -> Engine:
    engine = db.get_engine()
    bootstrap.prepare(engine, demo_if_empty=False)
    return engine


def cmd_init_db(args) -> None:
    engine = db.get_engine()
    bootstrap.prepare(engine, demo_if_empty=False)
    print(f"Cơ sở dữ liệu sẵn sàng (phiên bản lược đồ {db.current_revision(engine)}), "
          f"{fmt.number(len(by_code()))} đơn vị hành chính.")


def cmd_demo(args) -> None:
    """Load the demo with a progress bar on stderr (`make run` does this before the server
    starts, so that no visitor waits for it)."""
    from core.storage import store

    engine = _engine()
    with engine.begin() as conn:
        if args.if_empty and not args.reset and store.has_figures(conn):
            print("Cơ sở dữ liệu đã có số liệu: không nạp dữ liệu mẫu.")
            return
        if not args.reset and demo.is_demo_loaded(conn):
            print("Dữ liệu mẫu đã có trong cơ sở dữ liệu: không nạp thêm gì "
                  "(dùng --reset để nạp lại từ đầu).")
            return
        with _progress_bar("Nạp dữ liệu mẫu") as report:
            summary = demo.load_demo(conn, reset=args.reset, progress=report)
    print(f"Đã nạp dữ liệu mẫu: {fmt.number(summary.figures)} dòng số liệu, "
          f"{fmt.number(summary.quotas)} chỉ tiêu quý.")


@contextlib.contextmanager
def _progress_bar(label: str):
    """A terminal progress bar (click's, on stderr) fed with fractions from 0 to 1."""
    import click

    with click.progressbar(length=100, label=label, file=sys.stderr, width=30,
                           show_eta=False) as bar:
        def report(fraction: float, step: str) -> None:
            bar.label = f"{label}: {step}".ljust(len(label) + 24)
            bar.update(max(0, round(fraction * 100) - bar.pos))
        yield report


def cmd_ranking(args) -> list[dict]:
    parent = resolve_unit(args.unit) if args.unit else None
    with _engine().connect() as conn:
        table = metrics.ranking(conn, args.date, args.group, parent)
    return _records(table, ["rank", "code", "name", "total", "accounts", "cashless",
                            "rate_pct"])


def cmd_attainment(args) -> list[dict]:
    province = resolve_unit(args.province, level=1)
    with _engine().connect() as conn:
        table = metrics.attainment(conn, province, args.date)
    return _records(table, ["code", "name", "group", "total", "cashless", "quota_to_date",
                            "quota_year", "attainment_pct", "year_attainment_pct"])


def cmd_lagging(args) -> list[dict]:
    unit = resolve_unit(args.unit)
    with _engine().connect() as conn:
        table = metrics.lagging(conn, unit, args.date, args.below, args.group)
    return _records(table, ["code", "name", "parent", "total", "cashless", "rate_pct",
                            "reason"])


def cmd_trend(args) -> list[dict]:
    unit = resolve_unit(args.unit)
    with _engine().connect() as conn:
        table = metrics.trend(conn, unit, args.group)
    return _records(table, ["date", "total", "accounts", "cashless", "rate_pct",
                            "new_cashless", "target_cashless"])


def cmd_user(args) -> None:
    """Accounts from the server's shell (audited as `cli:<os user>`): the way in for the
    first administrator, and back in when the last one has forgotten the password."""
    password = sys.stdin.readline().rstrip("\r\n")
    if args.user_command == "reset-password":
        with _engine().begin() as conn:
            auth.reset_password(conn, auth.cli_actor(), args.username, password)
        print(f"Đã đặt lại mật khẩu cho {args.username}.")
        return
    unit = resolve_unit(args.unit) if args.unit else None
    with _engine().begin() as conn:
        auth.add_user(conn, auth.cli_actor(), args.username, password, args.role, unit,
                      via="cli")
    print(f"Đã tạo người dùng {args.username} ({args.role}).")


def cmd_import(args) -> None:
    """Each file is planned and written in its own transaction; a summary per file on
    stdout, the problems of a file that cannot be imported on stderr. Acts as the local
    operator (auth.cli_actor): whoever has the server's shell already has the database."""
    engine = _engine()
    account = auth.cli_actor()
    failed = [path for path in args.files if not _import_one(engine, path, args, account)]
    if failed:
        raise UserError(f"{len(failed)}/{len(args.files)} tệp không nhập được: "
                        f"{', '.join(os.path.basename(f) for f in failed)}.")


def _import_one(engine: Engine, path: str, args, account: Account) -> bool:
    """Plan and apply one file; a refusal is printed and (unless a dry run) audited."""
    name = os.path.basename(path)
    try:
        data = _read_upload(path)
    except UserError as err:
        print(f"{name}: {err}", file=sys.stderr)
        if not args.dry_run:
            refusals.record_file_refusal(
                engine, account.username, name, size=_size_of(path),
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


def _size_of(path: str) -> int | None:
    try:
        return os.path.getsize(path)
    except OSError:
        return None


def _read_upload(path: str) -> bytes:
    from core import config
    from core.ingest.limits import MB, MSG_TOO_BIG

    try:
        size = os.path.getsize(path)
        limit = config.upload_limit_bytes()
        if size > limit:
            raise UserError(MSG_TOO_BIG.format(size=f"{size / MB:.0f}",
                                               limit=f"{limit / MB:.0f}"))
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as err:
        raise UserError(f"Không đọc được tệp “{path}”: {err.strerror or err}.") from None


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


def _records(table: pd.DataFrame, columns: list[str]) -> list[dict]:
    return [{c: _json_value(c, row[c]) for c in columns} for row in table.to_dict("records")]


def _json_value(column: str, value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if column.endswith("_pct"):
        return round(float(value), 2)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) or hasattr(value, "__int__"):
        return int(value) if float(value).is_integer() and column != "rate_pct" else float(value)
    return value


COMMANDS: dict[str, Callable] = {
    "init-db": cmd_init_db, "demo": cmd_demo, "ranking": cmd_ranking,
    "attainment": cmd_attainment, "lagging": cmd_lagging, "trend": cmd_trend, "user": cmd_user,
}


COMMANDS["import"] = cmd_import


def cmd_timeliness(args) -> list[dict]:
    """Per expected unit: deadline and arrival as ISO local times (+07:00), status
    on_time | late | missing."""
    from core.analytics import timeliness
    from core.ingest.checks import today

    unit = resolve_unit(args.unit)
    with _engine().connect() as conn:
        day = args.date or metrics.latest_date(conn, unit) or today()
        table = timeliness.timeliness(conn, unit, day)
    return [{"code": r["code"], "name": r["name"], "level": int(r["level"]),
             "deadline": r["deadline"].isoformat(),
             "received_at": None if pd.isna(r["received_at"]) else r["received_at"].isoformat(),
             "status": r["status"]} for r in table.to_dict("records")]


COMMANDS["timeliness"] = cmd_timeliness


def cmd_export(args) -> None:
    """Write the briefing deck, its PDF or the report form to --out; one line on success."""
    import errno

    from core.exports import meeting

    unit = resolve_unit(args.unit)
    folder = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(folder):  # say so before spending seconds on the charts
        raise UserError(f"Không ghi được tệp “{args.out}”: thư mục “{folder}” không tồn tại.")
    produced = meeting.produce(_engine(), args.kind, unit, args.date, args.group)
    try:
        with open(args.out, "wb") as fh:
            fh.write(produced.data)
    except OSError as err:
        reason = {errno.EACCES: "không có quyền ghi", errno.EISDIR: "đó là một thư mục",
                  errno.ENOSPC: "hết chỗ trên đĩa"}.get(err.errno, "lỗi hệ điều hành")
        raise UserError(f"Không ghi được tệp “{args.out}”: {reason}.") from None
    size = len(produced.data) / 1024
    print(f"Đã ghi {meeting.LABELS[args.kind]} của {by_code()[unit].name}, số liệu tính đến "
          f"ngày {fmt.date(produced.as_of)}: {args.out} ({fmt.number(size)} KB).")


COMMANDS["export"] = cmd_export


def cmd_bench(args) -> None:
    """bench/run.py with the same options; its Markdown tables go to stdout."""
    from bench import run

    run.run(args)


COMMANDS["bench"] = cmd_bench


# Column headers and values of the human-readable tables (the JSON keeps the keys).
TABLE_HEADERS = {
    "rank": "Hạng", "code": "Mã", "name": "Đơn vị", "parent": "Thuộc", "group": "Nhóm",
    "date": "Ngày", "total": "Tổng số", "accounts": "Có tài khoản",
    "cashless": "Chi trả qua TK", "rate_pct": "Tỷ lệ", "new_cashless": "Tăng trong ngày",
    "target_cashless": "Chỉ tiêu", "quota_to_date": "Chỉ tiêu đến quý",
    "quota_year": "Chỉ tiêu năm", "attainment_pct": "Đạt (quý)",
    "year_attainment_pct": "Đạt (năm)", "reason": "Lý do", "level": "Cấp",
    "deadline": "Hạn nộp", "received_at": "Nhận lúc", "status": "Tình trạng",
}


def _cell(key: str, value) -> str:
    from core.analytics.timeliness import STATUS_LABELS
    from core.vocabulary import LEVEL_NAMES

    if value is None:
        return "–"
    if key.endswith("_pct"):
        return fmt.percent(value)
    if key in ("deadline", "received_at"):
        moment = dt.datetime.fromisoformat(value)
        return f"{moment:%H:%M} {fmt.date(moment.date())}"
    if key == "date":
        return fmt.date(dt.date.fromisoformat(value))
    if key == "level":
        return LEVEL_NAMES.get(value, str(value))
    labels = {"status": STATUS_LABELS, "reason": REASON_LABELS,
              "group": GROUP_LABELS}.get(key)
    if labels is not None:
        return labels.get(value, value)
    if isinstance(value, int) and key != "rank":
        return fmt.number(value)
    return str(value)


def _print_table(records: list[dict]) -> None:
    """Human-readable table with Vietnamese headers, labels and number and date formats
    (when --json is not given)."""
    if not records:
        print("Không có số liệu.")
        return
    shown = [{TABLE_HEADERS.get(k, k): _cell(k, v) for k, v in r.items()} for r in records]
    print(pd.DataFrame(shown).to_string(index=False))


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        result = COMMANDS[args.command](args)
        if result is not None:
            if getattr(args, "json", False):
                json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
                sys.stdout.write("\n")
            else:
                _print_table(result)
        return 0
    except UserError as err:
        print(f"Lỗi: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:  # output piped into `head`: nothing is wrong
        sys.stderr.close()
        return 0
    except Exception as err:  # an internal fault: say so plainly, keep details for debugging
        if os.environ.get("ASXH_DEBUG"):
            raise
        print(f"Lỗi hệ thống ({type(err).__name__}). Không có dữ liệu nào bị ghi dở; chạy lại "
              f"với ASXH_DEBUG=1 để xem chi tiết.", file=sys.stderr)
        return 1
