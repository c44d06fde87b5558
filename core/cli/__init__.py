"""Command line: `python -m core ...`.

A stable contract for scripts: `--json` prints a list of objects on stdout; a user error prints
one Vietnamese line on stderr and exits with status 2, never a traceback.

This module holds the parser and the dispatch; each command lives in a module of this package
(setup, importing, reports, exporting, users) imported only when that command runs, so that
`python -m core import` never loads the exports, the analytics or the password hashing.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import sys
from collections.abc import Sequence

from core.access.permissions import ROLES
from core.cli.common import date_arg as _date
from core.errors import UserError
from core.vocabulary import ALL_GROUPS, GROUPS

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
    p.add_argument("--role", required=True, choices=ROLES)
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


# Each command's home: module of this package and function, imported when the command runs.
COMMANDS: dict[str, tuple[str, str]] = {
    "init-db": ("setup", "cmd_init_db"), "demo": ("setup", "cmd_demo"),
    "ranking": ("reports", "cmd_ranking"), "attainment": ("reports", "cmd_attainment"),
    "lagging": ("reports", "cmd_lagging"), "trend": ("reports", "cmd_trend"),
    "timeliness": ("reports", "cmd_timeliness"), "user": ("users", "cmd_user"),
    "import": ("importing", "cmd_import"), "export": ("exporting", "cmd_export"),
    "bench": ("exporting", "cmd_bench"),
}


def _command(name: str):
    module, function = COMMANDS[name]
    return getattr(importlib.import_module(f"core.cli.{module}"), function)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command == "import" and args.files:
            from core.cli import upload_file  # before the import's libraries load

            upload_file.read_ahead(args.files[0])
        result = _command(args.command)(args)
        if result is not None:
            if getattr(args, "json", False):
                json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
                sys.stdout.write("\n")
            else:
                from core.cli.reports import print_table

                print_table(result)
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
