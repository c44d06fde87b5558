"""The reading of office files as people write them: each habit with a workbook built here,
imported into a fresh database (catalogue, no figures) and read back from the tables.

Covers: a group stated once, the commune's one-unit form, one sheet per day, a person's
corrections (core.ingest.reading), readings remembered per file shape, and the CLI's
--sheet / --map / --group.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
import sqlalchemy as sa

from core.access.permissions import Account
from core.errors import UserError
from core.ingest import remembered
from core.ingest.apply import ImportRefused, apply_import
from core.ingest.history import upload_history
from core.ingest.plan import ImportPlan, plan_import, saved_notice
from core.ingest.reading import ALL_SHEETS, ColumnMeaning, Reading, parse_map, shape_signature
from core.ingest.sheets import sheet_name_date
from core.storage.db import figures, saved_readings, uploads
from tests.workbooks import SheetSpec, xlsx

pytestmark = pytest.mark.postgres

TODAY = dt.date(2024, 12, 31)
ADMIN = Account("quan_tri", "admin", None)
CLERK = Account("can_bo_binh_son", "staff", "524")
BINH_SON = "524"
CAM_LAC, CAM_XUYEN = "18748", "446"


def plan_of(engine, data: bytes, name: str, **options) -> ImportPlan:
    with engine.connect() as conn:
        return plan_import(conn, data, name, today=TODAY, **options)


def import_plan(engine, data: bytes, name: str, account: Account = ADMIN, **options):
    with engine.begin() as conn:
        plan = plan_import(conn, data, name, today=TODAY, **options)
        assert plan.can_apply, (plan.errors, plan.questions)
        return plan, apply_import(conn, plan, account)


def stored(engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(
            figures.c.unit_code, figures.c.grp, figures.c.report_date, figures.c.total,
            figures.c.accounts, figures.c.cashless).order_by(
            figures.c.report_date, figures.c.unit_code, figures.c.grp)).all()
    return [tuple(r) for r in rows]


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(table))


# --- a group stated once ---------------------------------------------------------------------

def district_rows(first_header: str, title: str) -> list[list[object]]:
    return [
        ["UBND HUYỆN BÌNH SƠN"],
        [title],
        ["(Số liệu tính đến ngày 25/01/2024)"],
        ["TT", "Xã, thị trấn", first_header, "Số đã có tài khoản",
         "Số đã chi trả qua tài khoản", "Tỷ lệ (%)"],
        [1, "Xã Bình Trị", 500, 400, 301, "60,2%"],
        [2, "Thị trấn Châu Ổ", 300, 200, 117, "39%"],
        [None, "Tổng cộng", 800, 600, 418, None],
    ]


def test_a_group_named_by_one_column_covers_the_columns_that_name_none(empty_engine):
    data = xlsx(SheetSpec("Sheet1", district_rows(
        "Tổng số đối tượng BTXH", "BÁO CÁO CHI TRẢ TRỢ CẤP BẢO TRỢ XÃ HỘI")))
    plan, result = import_plan(empty_engine, data, "binh_son.xlsx")
    assert plan.groups == ["btxh"]
    assert {c.group for c in plan.report.columns if c.role == "figure"} == {"btxh"}
    assert sorted((r[1], r[2], r[3], r[4], r[5]) for r in stored(empty_engine)) == [
        ("btxh", dt.date(2024, 1, 25), 300, 200, 117),
        ("btxh", dt.date(2024, 1, 25), 500, 400, 301)]
    assert result.inserted == 2


def test_a_group_named_only_by_the_sheet_name(empty_engine):
    data = xlsx(SheetSpec("BTXH", district_rows("Tổng số đối tượng", "BÁO CÁO CHI TRẢ")))
    plan = plan_of(empty_engine, data, "bc.xlsx")
    assert plan.groups == ["btxh"] and plan.can_apply
    assert plan.report.group_source == "sheet"


def test_a_group_set_for_the_whole_file_wins_over_detection(empty_engine):
    data = xlsx(SheetSpec("Sheet1", district_rows("Tổng số đối tượng", "BÁO CÁO CHI TRẢ")))
    plan = plan_of(empty_engine, data, "bc.xlsx", reading=Reading(group="ncc"))
    assert plan.groups == ["ncc"] and plan.can_apply
    assert set(plan.figures["grp"]) == {"ncc"}


# --- the commune's daily form (Phụ lục 3): one unit, one row per group ------------------------

def commune_form_rows(authority: str = "UBND XÃ CẨM LẠC") -> list[list[object]]:
    return [
        ["UBND HUYỆN CẨM XUYÊN", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        [authority, None, None, "Độc lập - Tự do - Hạnh phúc"],
        ["PHỤ LỤC 3: BÁO CÁO TIẾN ĐỘ CHI TRẢ KHÔNG DÙNG TIỀN MẶT"],
        ["(Số liệu đến ngày 26/01/2024)"],
        ["TT", "Nhóm đối tượng", "Tổng số đối tượng", "Số đã có tài khoản",
         "Số đã chi trả qua tài khoản"],
        [1, "Người có công", 151, 40, 12],
        [2, "Hộ nghèo, hộ cận nghèo", 437, 90, 30],
        [3, "Bảo trợ xã hội", 334, 120, 45],
        [None, "Tổng cộng", 922, 250, 87],
        [None, "Người lập biểu", None, "CHỦ TỊCH"],
    ]


def test_commune_form_group_rows_are_one_commune_named_in_the_title(empty_engine):
    data = xlsx(SheetSpec("PL3", commune_form_rows()))
    plan, _ = import_plan(empty_engine, data, "pl3_cam_lac.xlsx")
    assert plan.report.single_unit
    assert plan.unit_codes == [CAM_LAC] and plan.parent_code == CAM_XUYEN
    rows = {(r[0], r[1]): r[3:] for r in stored(empty_engine)}
    assert rows[(CAM_LAC, "ncc")] == (151, 40, 12)
    assert rows[(CAM_LAC, "ngheo")] == (437, 90, 30)
    assert rows[(CAM_LAC, "btxh")] == (334, 120, 45)
    assert rows[(CAM_LAC, "all")] == (922, 250, 87)


def test_commune_form_from_the_police_header_or_the_unit_argument(empty_engine):
    police = xlsx(SheetSpec("PL3", commune_form_rows("CÔNG AN XÃ CẨM LẠC")))
    assert plan_of(empty_engine, police, "pl3.xlsx").unit_codes == [CAM_LAC]
    rows = commune_form_rows()
    rows[0][0], rows[1][0] = None, None  # no unit in the title: ask, or take --unit
    nameless = xlsx(SheetSpec("PL3", rows))
    asked = plan_of(empty_engine, nameless, "pl3.xlsx")
    assert not asked.can_apply and [q.key for q in asked.questions] == ["unit"]
    assert plan_of(empty_engine, nameless, "pl3.xlsx", unit="Xã Cẩm Lạc").unit_codes == [
        CAM_LAC]
    assert plan_of(empty_engine, nameless, "pl3.xlsx",
                   reading=Reading(unit=CAM_LAC)).unit_codes == [CAM_LAC]


# --- one sheet per day -----------------------------------------------------------------------

def day_rows(paid: int) -> list[list[object]]:
    return [
        ["UBND HUYỆN BÌNH SƠN"],
        ["BÁO CÁO CHI TRẢ TRỢ CẤP BẢO TRỢ XÃ HỘI NĂM 2024"],
        [None],
        ["TT", "Xã, thị trấn", "Tổng số đối tượng", "Số đã chi trả qua tài khoản"],
        [1, "Xã Bình Trị", 500, paid],
        [2, "Thị trấn Châu Ổ", 300, paid // 2],
    ]


def days_workbook(extra: bool = False) -> bytes:
    sheets = [SheetSpec("22.01", day_rows(100)),
              SheetSpec("23-1", day_rows(120)),
              SheetSpec("Ngày 24.01", day_rows(150))]
    if extra:
        sheets.append(SheetSpec("Tổng hợp", day_rows(999)))
    return xlsx(*sheets)


def test_sheet_names_are_dates():
    context = dt.date(2024, 1, 20)
    assert sheet_name_date("22.01", context) == dt.date(2024, 1, 22)
    assert sheet_name_date("23-1", context) == dt.date(2024, 1, 23)
    assert sheet_name_date("Ngày 24", context) == dt.date(2024, 1, 24)
    assert sheet_name_date("24.01.2024", None) == dt.date(2024, 1, 24)
    assert sheet_name_date("Tổng hợp", context) is None
    assert sheet_name_date("22.01", None) is None  # no year: never a guess


def test_each_dated_sheet_is_its_own_report_in_one_upload(empty_engine):
    plan, result = import_plan(empty_engine, days_workbook(extra=True), "tuan_4.xlsx")
    assert [(p.report.sheet_name, p.report_date) for p in plan.parts] == [
        ("22.01", dt.date(2024, 1, 22)), ("23-1", dt.date(2024, 1, 23)),
        ("Ngày 24.01", dt.date(2024, 1, 24))]
    assert any("Tổng hợp" in p.message_vi and "không ghi ngày" in p.message_vi
               for p in plan.warnings)
    paid = sorted((r[2], r[5]) for r in stored(empty_engine))
    assert [p for d, p in paid if d == dt.date(2024, 1, 22)] == [50, 100]
    assert [p for d, p in paid if d == dt.date(2024, 1, 24)] == [75, 150]
    assert result.inserted == 6 and count(empty_engine, uploads) == 1


def test_a_date_that_contradicts_a_sheet_is_an_error_never_a_relabel(empty_engine):
    plan = plan_of(empty_engine, days_workbook(), "tuan_4.xlsx", date=dt.date(2024, 1, 24))
    assert not plan.can_apply
    conflicts = [p for p in plan.errors if p.rule == "date_conflict"]
    assert {p.message_vi.split("»")[0] for p in conflicts} == {
        "Trang tính «22.01", "Trang tính «23-1"}
    with pytest.raises(ImportRefused), empty_engine.begin() as conn:
        apply_import(conn, plan, ADMIN)
    assert stored(empty_engine) == []


def test_choosing_one_sheet_with_its_date(empty_engine):
    plan = plan_of(empty_engine, days_workbook(), "tuan_4.xlsx",
                   reading=Reading(sheets=("23-1",)))
    assert len(plan.parts) == 1 and plan.report_date == dt.date(2024, 1, 23)
    assert plan.can_apply
    corrected = plan_of(empty_engine, days_workbook(), "tuan_4.xlsx",
                        reading=Reading(sheets=("23-1",),
                                        sheet_dates={"23-1": dt.date(2024, 1, 25)}))
    assert corrected.report_date == dt.date(2024, 1, 25) and corrected.date_source == "set"


# --- a person's corrections, remembered per shape ----------------------------------------------

def misread_rows() -> list[list[object]]:
    # "Số ĐT nhận tiền" is not a wording of any figure: the detector cannot read column E.
    return [
        ["UBND HUYỆN BÌNH SƠN"],
        ["BÁO CÁO CHI TRẢ TRỢ CẤP BẢO TRỢ XÃ HỘI (đến ngày 25/01/2024)"],
        ["TT", "Xã, thị trấn", "Tổng số đối tượng", "Số đã có tài khoản", "Số ĐT nhận tiền"],
        [1, "Xã Bình Trị", 500, 400, 301],
        [2, "Thị trấn Châu Ổ", 300, 200, 117],
    ]


def test_a_corrected_column_is_read_and_remembered_for_the_next_file(empty_engine):
    data = xlsx(SheetSpec("Sheet1", misread_rows()))
    first = plan_of(empty_engine, data, "bc_25.xlsx", uploader_unit=BINH_SON)
    assert not first.can_apply  # no cashless column: asked to correct
    fix = Reading(columns={"E": ColumnMeaning("figure", "cashless")})
    plan, _ = import_plan(empty_engine, data, "bc_25.xlsx", account=CLERK, reading=fix,
                          uploader_unit=BINH_SON)
    assert [c.source for c in plan.report.columns if c.letter == "E"] == ["set"]
    assert sorted(r[5] for r in stored(empty_engine)) == [117, 301]
    assert count(empty_engine, saved_readings) == 1

    rows = misread_rows()
    rows[1][0] = "BÁO CÁO CHI TRẢ TRỢ CẤP BẢO TRỢ XÃ HỘI (đến ngày 26/01/2024)"
    rows[3][4], rows[4][4] = 320, 130
    again = plan_of(empty_engine, xlsx(SheetSpec("Sheet1", rows)), "bc_26.xlsx",
                    uploader_unit=BINH_SON)
    assert again.can_apply and again.saved is not None
    assert again.saved.confirmed_by == CLERK.username
    assert saved_notice(again.saved).startswith("Đọc theo cách đã xác nhận ngày ")
    assert sorted(again.figures["cashless"].tolist()) == [130, 320]
    # another unit's upload of the same shape is not read that way
    assert plan_of(empty_engine, xlsx(SheetSpec("Sheet1", rows)), "bc.xlsx",
                   uploader_unit="51").saved is None
    with empty_engine.begin() as conn:
        assert remembered.forget(conn, again.signature)
    assert plan_of(empty_engine, xlsx(SheetSpec("Sheet1", rows)), "bc_26.xlsx",
                   uploader_unit=BINH_SON).saved is None


def test_reading_round_trips_and_the_cli_words():
    reading = Reading(sheets=(ALL_SHEETS,), sheet_dates={"22.01": dt.date(2024, 1, 22)},
                      columns={"E": ColumnMeaning("figure", "cashless", "btxh"),
                               "B": ColumnMeaning("name", level=3)},
                      group="btxh", parent="524")
    assert Reading.from_json(reading.to_json()) == reading
    assert reading.remembered().sheet_dates == {}  # a day's date is never remembered
    assert parse_map("e=cashless:btxh") == ("E", ColumnMeaning("figure", "cashless", "btxh"))
    assert parse_map("B=name:xa") == ("B", ColumnMeaning("name", level=3))
    assert parse_map("H=ignored") == ("H", ColumnMeaning("ignored"))
    for wrong in ("E", "E=", "E=cashless:abc", "1=total", "E=lương"):
        with pytest.raises(UserError, match="--map"):
            parse_map(wrong)


def test_shape_signature_ignores_dates_in_headers_but_not_the_unit():
    a = shape_signature([("C", "Lũy kế đến 22/01"), ("D", "Số đã chi trả qua TK")], "524")
    b = shape_signature([("C", "LŨY KẾ ĐẾN 23/01"), ("D", "Số đã chi trả qua TK")], "524")
    assert a == b
    assert a != shape_signature([("C", "Lũy kế đến 22/01"), ("D", "Số đã chi trả qua TK")],
                                "51")
    assert a != shape_signature([("C", "Tổng số"), ("D", "Số đã chi trả qua TK")], "524")


# --- the command line -------------------------------------------------------------------------

def run_cli(url: str, *args: str) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "core", "import", *args],
                          capture_output=True, text=True,
                          env={**os.environ, "ASXH_DATABASE_URL": url}, timeout=300)


def test_cli_map_sheet_and_group(databases, tmp_path):
    engine = databases.new_engine()
    url = engine.url.render_as_string(hide_password=False)
    misread = tmp_path / "bc_25.xlsx"
    misread.write_bytes(xlsx(SheetSpec("Sheet1", misread_rows())))
    refused = run_cli(url, str(misread))
    assert refused.returncode == 2 and "Số đã chi trả qua tài khoản" in refused.stderr
    done = run_cli(url, str(misread), "--map", "E=cashless")
    assert done.returncode == 0, done.stderr
    again = run_cli(url, str(misread), "--dry-run")  # the same shape, read as confirmed
    assert again.returncode == 0 and "Đọc theo cách đã xác nhận ngày" in again.stdout

    days = tmp_path / "tuan_4.xlsx"
    days.write_bytes(days_workbook())
    one = run_cli(url, str(days), "--sheet", "22.01", "--dry-run", "--group", "ncc")
    assert one.returncode == 0, one.stderr
    assert "ngày 22/01/2024" in one.stdout and "nhóm Người có công" in one.stdout
    wrong = run_cli(url, str(days), "--date", "2024-01-24")
    assert wrong.returncode == 2 and "khác ngày đã nhập 24/01/2024" in wrong.stderr
    bad = run_cli(url, str(days), "--map", "E")
    assert bad.returncode == 2 and "--map" in bad.stderr


def test_saved_readings_are_listed_for_the_administrator(empty_engine):
    data = xlsx(SheetSpec("Sheet1", misread_rows()))
    fix = Reading(columns={"E": ColumnMeaning("figure", "cashless")})
    import_plan(empty_engine, data, "bc_25.xlsx", account=CLERK, reading=fix,
                uploader_unit=BINH_SON)
    with empty_engine.connect() as conn:
        listed = remembered.listing(conn)
    assert listed[["file_name", "unit_code", "confirmed_by"]].values.tolist() == [
        ["bc_25.xlsx", BINH_SON, CLERK.username]]
    assert "Số ĐT nhận tiền" in listed["headers"][0]
    assert listed["reading"][0].columns == fix.columns


# --- a total and a rate, no cashless count ---------------------------------------------------

def test_a_table_with_total_and_rate_only_keeps_what_it_states(empty_engine):
    data = xlsx(SheetSpec("Sheet1", [
        ["UBND HUYỆN BÌNH SƠN"],
        ["KẾT QUẢ CHI TRẢ BẢO TRỢ XÃ HỘI QUA TÀI KHOẢN (đến ngày 25/01/2024)"],
        ["TT", "Xã, thị trấn", "Tổng số đối tượng", "Tỷ lệ chi trả qua tài khoản (%)"],
        [1, "Xã Bình Trị", 1233, "60,22%"],
        [2, "Thị trấn Châu Ổ", 300, "39%"],
    ]))
    plan, _ = import_plan(empty_engine, data, "ty_le.xlsx")
    assert plan.derived == ["btxh"]
    assert [p.rule for p in plan.warnings] == ["derived_from_rate"]
    assert sorted((r[3], r[5]) for r in stored(empty_engine)) == [(300, 117), (1233, 743)]
    with empty_engine.connect() as conn:
        summary = conn.scalar(sa.select(uploads.c.summary))
    assert '"derived_from_rate": {"btxh": "cashless"}' in summary
    with empty_engine.connect() as conn:
        history = upload_history(conn, account=ADMIN)
    assert history["note"].tolist() == [
        "số chi trả qua tài khoản suy ra từ tỷ lệ (Bảo trợ xã hội)"]


# --- subtotals and dates as offices write them -------------------------------------------------

def test_cluster_subtotals_above_their_communes_are_not_units(empty_engine):
    data = xlsx(SheetSpec("BTXH", [
        ["UBND HUYỆN BÌNH SƠN"],
        ["BÁO CÁO CHI TRẢ BẢO TRỢ XÃ HỘI QUA TÀI KHOẢN ĐẾN NGÀY 26/01/2024"],
        ["TT", "Xã, thị trấn", "Tổng số đối tượng", "Số đã chi trả qua tài khoản"],
        ["I", "Cụm phía Bắc", 2133, 1120], [1, "Bình Trị", 1233, 800],
        [2, "Bình Thanh", 900, 320],
        ["II", "Cụm phía Nam", 870, 12], [3, "Bình Long", 870, 12],
        [None, "Tổng cộng", 3003, 1132],
    ]))
    plan = plan_of(empty_engine, data, "cum.xlsx")
    assert plan.can_apply, plan.errors
    assert len(plan.unit_codes) == 3
    assert [t.label for t in plan.report.totals] == ["Cụm phía Bắc", "Cụm phía Nam",
                                                     "Tổng cộng"]
    wrong = xlsx(SheetSpec("BTXH", [
        ["UBND HUYỆN BÌNH SƠN"], ["BÁO CÁO ĐẾN NGÀY 26/01/2024"],
        ["TT", "Xã, thị trấn", "Tổng số đối tượng", "Số đã chi trả qua tài khoản"],
        ["I", "Cụm phía Bắc", 2000, 1120], [1, "Bình Trị", 1233, 800],
        [2, "Bình Thanh", 900, 320]]))
    assert [p.rule for p in plan_of(empty_engine, wrong, "cum.xlsx").errors] == [
        "total_row_mismatch"]


def test_days_dated_by_their_titles_and_a_summary_sheet_named_as_skipped(empty_engine):
    def day(d: int, paid: int) -> list[list[object]]:
        return [["UBND HUYỆN BÌNH SƠN"],
                [f"TIẾN ĐỘ CHI TRẢ BTXH QUA TÀI KHOẢN NGÀY {d}/01/2024"],
                ["TT", "Xã", "Tổng số ĐT", "Số chi trả qua TK"],
                [1, "Bình Trị", 1233, paid], [2, "Bình Thanh", 800, paid // 3]]
    data = xlsx(SheetSpec("Sheet1", day(22, 700)), SheetSpec("Sheet2", day(23, 720)))
    plan = plan_of(empty_engine, data, "tuan.xlsx")
    assert [(p.report.sheet_name, p.report_date, p.date_source) for p in plan.parts] == [
        ("Sheet1", dt.date(2024, 1, 22), "title"), ("Sheet2", dt.date(2024, 1, 23), "title")]
    named = xlsx(SheetSpec("22.01", day(22, 700)), SheetSpec("23.01", day(23, 720)),
                 SheetSpec("Tổng hợp", day(23, 1)))
    plan = plan_of(empty_engine, named, "tuan.xlsx")
    assert [p.report.sheet_name for p in plan.parts] == ["22.01", "23.01"]
    assert [p.message_vi for p in plan.warnings if "Tổng hợp" in p.message_vi] == [
        "Không nhập trang tính «Tổng hợp» (không ghi ngày ở tên trang)."]
