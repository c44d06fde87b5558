"""Beneficiary lists, one row per person: counted per commune and group, nothing personal kept.

The lists are built here as offices send them (Phụ lục 2 as .xlsx with a two-row header, a
MIS POSASOFT export as CSV, a DC01-style list grouped under commune rows), with names, ID
numbers, dates of birth and account numbers that must not be found anywhere afterwards: not
in the database file, its tables, the audit trail, the plan's messages and preview, the CLI's
output, or the temporary directory.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.access import audit
from core.access.permissions import Account
from core.ingest.apply import apply_import
from core.ingest.files import read_sheets
from core.ingest.persons import count_person_lists, is_person_list
from core.ingest.plan import ImportPlan, plan_import
from core.text import fold
from tests.workbooks import SheetSpec, csv_bytes, xlsx

TODAY = dt.date(2024, 12, 31)
ADMIN = Account("quan_tri", "admin", None)
BINH_TRI, BINH_THANH = "21061", "21046"

TITLE = [["UBND HUYỆN BÌNH SƠN"],
         ["DANH SÁCH ĐỐI TƯỢNG HƯỞNG CHÍNH SÁCH AN SINH XÃ HỘI (Phụ lục 2)"],
         ["(Số liệu đến ngày 25/01/2024)"],
         [None]]
# name, birth, ID, commune, group, payment, account, bank, verification
PEOPLE = [
    ("Nguyễn Thị Hoa Mai", "12/03/1948", "051148012345", "Xã Bình Trị", "Người có công",
     "Qua tài khoản", "100867204455", "Agribank", "Đã xác thực"),
    ("Trần Văn Khải", "02/09/1951", "051051077120", "Xã Bình Trị", "Thân nhân liệt sĩ",
     "Tiền mặt", None, None, "Chờ xác thực"),
    ("Lê Thị Sáu", "30/04/1939", "051139033221", "Xã Bình Trị", "Người cao tuổi",
     "Chuyển khoản", "0451000123987", "Vietcombank", "Đã xác thực"),
    ("Phạm Văn Tư", "15/08/1975", "051075098765", "Xã Bình Trị", "Người khuyết tật",
     "Tiền mặt", "3601205566778", "BIDV", "Không tìm thấy"),
    ("Võ Thị Năm", "01/01/1980", "051180043434", "Xã Bình Trị", "Hộ nghèo",
     "Tiền mặt", None, None, "Sai lệch thông tin"),
    ("Đặng Văn Sơn", "19/05/1944", "051044011122", "Xã Bình Thạnh", "Bảo trợ xã hội",
     "Qua tài khoản", "7100099887766", "BIDV", "Chờ xác thực"),
    ("Huỳnh Thị Lan", "07/07/1957", "051157066655", "Xã Bình Thạnh", "Bảo trợ xã hội",
     "Tiền mặt", None, None, "Đã xác thực"),
    ("Bùi Văn Hùng", "23/11/1990", "051090055544", "Xã Bình Thạnh", "Hộ cận nghèo",
     "Qua tài khoản", "1903 5566 7788 99", "Techcombank", "Đã xác thực"),
    ("Ngô Thị Bé", "10/10/1960", "051160012121", None, "Người cao tuổi",
     "Tiền mặt", None, None, "Chờ xác thực"),  # no commune: not counted, said so
]
SIGNER = "Phạm Thị Tường Vi"  # the clerk who signs the list: a person too
# (unit, group) -> total, accounts, cashless, verified, pending, problem
EXPECTED = {
    (BINH_TRI, "ncc"): (2, 1, 1, 1, 1, 0),
    (BINH_TRI, "btxh"): (2, 2, 1, 1, 0, 1),
    (BINH_TRI, "ngheo"): (1, 0, 0, 0, 0, 1),
    (BINH_THANH, "btxh"): (2, 1, 1, 1, 1, 0),
    (BINH_THANH, "ngheo"): (1, 1, 1, 1, 0, 0),
}
FIELDS = ["total", "accounts", "cashless", "id_verified", "id_pending", "id_problem"]


def personal_strings() -> list[str]:
    """Every personal value of the lists, as written and folded (no diacritics)."""
    found = [SIGNER, fold(SIGNER)]
    for name, birth, id_number, *_, account, _bank, _state in PEOPLE:
        found += [name, fold(name), name.upper(), birth, id_number]
        if account:
            found += [account, account.replace(" ", "")]
    return found


def phu_luc_2_xlsx() -> bytes:
    header = [["STT", "Họ và tên", "Ngày sinh", "Số CCCD/Số định danh cá nhân",
               "Xã/Phường/Thị trấn", "Nhóm đối tượng", "Hình thức chi trả",
               "Tài khoản nhận trợ cấp", None, "Trạng thái xác thực"],
              [None] * 7 + ["Số tài khoản", "Ngân hàng", None]]
    body = [[n, *person] for n, person in enumerate(PEOPLE, start=1)]
    footer = [[None, "Tổng cộng"], [None], [None, "Người lập biểu", None, None, None,
                                            "KT. CHỦ TỊCH"], [None, SIGNER]]
    merges = [f"{c}5:{c}6" for c in "ABCDEFGJ"] + ["H5:I5"]
    return xlsx(SheetSpec("Phu luc 2", TITLE + header + body + footer, merges))


def posasoft_csv() -> bytes:
    header = ["STT", "Họ tên", "Năm sinh", "Số định danh", "Mã xã", "Tên xã", "Loại đối tượng",
              "Phương thức nhận", "STK", "Ngân hàng", "Kết quả xác thực"]
    codes = {"Xã Bình Trị": BINH_TRI, "Xã Bình Thạnh": BINH_THANH, None: None}
    body = [[n, name, birth, id_number, codes[commune], commune, group, payment, account,
             bank, state]
            for n, (name, birth, id_number, commune, group, payment, account, bank, state)
            in enumerate(PEOPLE, start=1)]
    return csv_bytes([*TITLE, header, *body], ";")


def expected_sheet_counts(sheet) -> dict[tuple[str, str], tuple[int, ...]]:
    """(commune, group) -> counts read back from the counted sheet."""
    rows = sheet.rows
    header_index = next(i for i, r in enumerate(rows) if r and r[0] == "STT")
    header = rows[header_index]
    found = {}
    for row in rows[header_index + 1:]:
        record = dict(zip(header, row, strict=True))
        found[(record["Xã, phường, thị trấn"], record["Nhóm đối tượng"])] = tuple(
            record[h] for h in header[3:])
    return found


# ------------------------------------------------------------------------------ counting


def test_a_phu_luc_2_list_is_recognised_and_counted_per_commune_and_group():
    sheets = read_sheets(phu_luc_2_xlsx(), "ds.xlsx")
    assert is_person_list(sheets[0])
    counted, summary = count_person_lists(sheets)
    assert (summary.people, summary.units) == (8, 5)
    assert summary.warnings == ["1 người trong danh sách không ghi xã/phường nên không được "
                                "đếm vào xã nào."]
    assert "đã đếm 8 người" in summary.notice_vi()
    assert "không lưu thông tin cá nhân nào" in summary.notice_vi()
    assert expected_sheet_counts(counted[0]) == {
        ("Xã Bình Trị", "Người có công"): (2, 1, 1, 1, 1, 0),
        ("Xã Bình Trị", "Bảo trợ xã hội"): (2, 2, 1, 1, 0, 1),
        ("Xã Bình Trị", "Hộ nghèo, hộ cận nghèo"): (1, 0, 0, 0, 0, 1),
        ("Xã Bình Thạnh", "Bảo trợ xã hội"): (2, 1, 1, 1, 1, 0),
        ("Xã Bình Thạnh", "Hộ nghèo, hộ cận nghèo"): (1, 1, 1, 1, 0, 0),
    }
    cells = repr(counted[0].rows)
    assert not [s for s in personal_strings() if s in cells]


def test_a_summary_report_is_not_taken_for_a_list_of_people():
    summary = [["TT", "Xã, thị trấn", "Tổng số đối tượng", "Số đã chi trả qua tài khoản"],
               [1, "Xã Bình Trị", 626, 377]]
    sheets = read_sheets(xlsx(SheetSpec("BC", summary)), "bc.xlsx")
    assert not is_person_list(sheets[0])
    assert count_person_lists(sheets) == (sheets, None)


def test_a_list_grouped_under_commune_rows_with_a_yes_no_account_column():
    """DC01-style: no commune column, the commune named on a row above its people."""
    rows = [*TITLE,
            ["TT", "Họ và tên", "Số CMND/CCCD", "Đối tượng", "Có tài khoản",
             "Hình thức nhận", "Xác thực"],
            ["I", "Xã Bình Trị"],
            [1, "Nguyễn Văn Một", "051000000001", "BTXH", "x", "Tiền mặt", "Đã xác thực"],
            [2, "Nguyễn Văn Hai", "051000000002", "BTXH", "x", "Không dùng tiền mặt", "Chờ"],
            ["II", "Xã Bình Thạnh"],
            [1, "Nguyễn Văn Ba", "051000000003", "BTXH", None, "Tiền mặt", "Đã xác thực"]]
    counted, summary = count_person_lists(read_sheets(xlsx(SheetSpec("DS", rows)), "ds.xlsx"))
    assert summary.people == 3
    assert expected_sheet_counts(counted[0]) == {
        ("Xã Bình Trị", "Bảo trợ xã hội"): (2, 2, 1, 1, 1, 0),
        ("Xã Bình Thạnh", "Bảo trợ xã hội"): (1, 0, 0, 1, 0, 0),
    }


# ------------------------------------------------------------- the import, and privacy


def _plan(engine, data: bytes, name: str) -> ImportPlan:
    with engine.connect() as conn:
        return plan_import(conn, data, name, today=TODAY)


def _stored(engine) -> dict[tuple[str, str], tuple[int, ...]]:
    from core.storage.db import figures

    with engine.connect() as conn:
        rows = conn.execute(sa.select(figures.c.unit_code, figures.c.grp,
                                      *[figures.c[f] for f in FIELDS])).all()
    return {(r[0], r[1]): tuple(r[2:]) for r in rows}


def _every_stored_text(engine) -> str:
    """Every row of every table, as text (the whole database's content)."""
    metadata = sa.MetaData()
    metadata.reflect(engine)
    parts = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            parts += [repr(tuple(r)) for r in conn.execute(sa.select(table))]
    return "\n".join(parts)


def _sqlite_file_bytes(engine) -> bytes:
    if engine.dialect.name != "sqlite":
        return b""
    path = Path(engine.url.database)
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def _leaks(text: str, raw: bytes = b"") -> list[str]:
    return [s for s in personal_strings()
            if s in text or s.encode("utf-8") in raw or s.encode("utf-16-le") in raw]


@pytest.mark.postgres
def test_a_list_imports_as_counts_and_leaves_no_personal_data_anywhere(empty_engine, tmp_path):
    plan = _plan(empty_engine, phu_luc_2_xlsx(), "phu_luc_2_binh_son.xlsx")
    assert plan.can_apply, (plan.errors, plan.questions)
    assert (plan.kind, plan.report_date, plan.parent_code) == ("progress",
                                                               dt.date(2024, 1, 25), "524")
    assert plan.persons is not None and plan.persons.people == 8
    shown = "\n".join([*(p.message_vi for p in plan.problems), plan.preview.to_csv(),
                       repr(plan.report.title), repr(plan.report.columns)])
    assert "không ghi xã/phường" in shown
    assert _leaks(shown) == []
    with empty_engine.begin() as conn:
        apply_import(conn, plan, ADMIN)
    assert _stored(empty_engine) == EXPECTED

    # The same people again, exported by MIS POSASOFT, through the CLI in its own process,
    # with a temporary directory of its own to look into afterwards.
    csv_path = tmp_path / "posasoft_binh_son.csv"
    csv_path.write_bytes(posasoft_csv())
    temp_dir = tmp_path / "tmp"
    temp_dir.mkdir()
    env = {**os.environ, "TMPDIR": str(temp_dir), "TEMP": str(temp_dir), "TMP": str(temp_dir),
           "ASXH_DATABASE_URL": empty_engine.url.render_as_string(hide_password=False)}
    env.pop("ASXH_DEBUG", None)
    xlsx_path = tmp_path / "phu_luc_2_lan_2.xlsx"  # read by the child process, by pipes
    xlsx_path.write_bytes(phu_luc_2_xlsx())
    result = subprocess.run([sys.executable, "-m", "core", "import", str(csv_path),
                             str(xlsx_path)], env=env, capture_output=True, text=True,
                            timeout=600)  # a hang guard
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("đã đếm 8 người") == 2
    assert "không lưu thông tin cá nhân nào" in result.stdout
    assert _leaks(result.stdout + result.stderr) == []
    assert sorted(p.name for p in temp_dir.rglob("*")) == []
    assert _stored(empty_engine) == EXPECTED  # the same counts: nothing new, nothing lost

    with empty_engine.connect() as conn:
        trail = audit.query(conn, action=audit.UPLOAD)
    assert trail["detail"].map(lambda d: d.get("people")).tolist() == [8, 8, 8]
    assert _leaks(trail.to_csv()) == []
    assert _leaks(_every_stored_text(empty_engine), _sqlite_file_bytes(empty_engine)) == []


@pytest.mark.postgres
def test_a_refused_list_leaves_no_personal_data_in_the_audit(empty_engine, tmp_path):
    """A list whose date is nowhere: refused by the CLI (audited), still nothing personal."""
    header = ["STT", "Họ tên", "Số định danh", "Xã", "Nhóm đối tượng", "Hình thức chi trả",
              "Số tài khoản"]
    body = [[n, p[0], p[2], p[3], p[4], p[5], p[6]] for n, p in enumerate(PEOPLE, start=1)]
    path = tmp_path / "danh_sach.csv"
    path.write_bytes(csv_bytes([header, *body], ","))
    env = {**os.environ,
           "ASXH_DATABASE_URL": empty_engine.url.render_as_string(hide_password=False)}
    result = subprocess.run([sys.executable, "-m", "core", "import", str(path)], env=env,
                            capture_output=True, text=True, timeout=600)  # a hang guard
    assert result.returncode == 2
    assert "ngày" in result.stderr and "đã đếm 8 người" in result.stderr
    with empty_engine.connect() as conn:
        trail = audit.query(conn, action=audit.UPLOAD)
    assert trail["ok"].tolist() == [False]
    detail = trail["detail"][0]
    assert (detail["size"], detail["via"]) == (path.stat().st_size, "cli")
    assert _leaks(trail.to_csv() + result.stdout + result.stderr) == []
    assert _leaks(_every_stored_text(empty_engine), _sqlite_file_bytes(empty_engine)) == []


def test_one_list_per_sheet_is_counted_together():
    header = ["STT", "Họ và tên", "Số CCCD", "Nhóm đối tượng", "Hình thức chi trả",
              "Số tài khoản"]
    trị = [[1, "Nguyễn Văn Một", "051000000001", "BTXH", "Qua tài khoản", "123456789"],
           [2, "Nguyễn Văn Hai", "051000000002", "BTXH", "Tiền mặt", None]]
    thạnh = [[1, "Nguyễn Văn Ba", "051000000003", "Người có công", "Tiền mặt", None]]
    data = xlsx(SheetSpec("Bình Trị", [["UBND XÃ BÌNH TRỊ"], header, *trị]),
                SheetSpec("Bình Thạnh", [["UBND XÃ BÌNH THẠNH"], header, *thạnh]))
    counted, summary = count_person_lists(read_sheets(data, "ds.xlsx"))
    assert (summary.sheet_names, summary.people, summary.units) == (
        ["Bình Trị", "Bình Thạnh"], 3, 2)
    assert summary.notice_vi().startswith("Các trang tính «Bình Trị», «Bình Thạnh» là danh "
                                          "sách từng người: đã đếm 3 người")
    assert [s.name for s in counted] == ["Bình Trị", "Bình Thạnh"]
    assert "Nguyễn" not in repr([s.rows for s in counted])


@pytest.mark.postgres
def test_a_list_with_commune_codes_only_is_matched_by_code(empty_engine):
    header = ["STT", "Họ tên", "Số định danh", "Mã xã", "Loại đối tượng", "Phương thức nhận",
              "STK", "Kết quả xác thực"]
    body = [[1, "Nguyễn Văn Một", "051000000001", "21061", "NCC", "ATM", "123456789",
             "Đã xác thực"],
            [2, "Nguyễn Văn Hai", "051000000002", "21046", "NCC", "Tiền mặt", None,
             "Chờ xác thực"]]
    plan = _plan(empty_engine, csv_bytes([header, *body], ","), "posasoft_25012024.csv")
    assert plan.can_apply, (plan.errors, plan.questions)
    assert _rows(plan) == {(BINH_TRI, "ncc"): (1, 1, 1, 1, 0, 0),
                           (BINH_THANH, "ncc"): (1, 0, 0, 0, 1, 0)}


def _rows(plan) -> dict[tuple[str, str], tuple[int, ...]]:
    return {(r["unit_code"], r["grp"]): tuple(int(r[f]) for f in FIELDS)
            for r in plan.figures.to_dict("records")}
