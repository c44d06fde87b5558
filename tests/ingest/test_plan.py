"""The import pipeline on realistic files: what is stored, what is refused, history and revert.

Every test imports into a fresh database (catalogue, no figures) and reads the result back
through core.analytics.metrics or the tables; every refusal checks that the database is unchanged.
"""

from __future__ import annotations

import datetime as dt
import time
import unicodedata

import openpyxl
import pytest
import sqlalchemy as sa

from core.access import audit
from core.access.permissions import Account, PermissionDenied
from core.analytics import metrics
from core.ingest.apply import ImportRefused, ImportResult, apply_import
from core.ingest.history import RevertRefused, revert_upload, upload_history
from core.ingest.limits import MSG_CORRUPT, MSG_EMPTY_FILE, MSG_EMPTY_WORKBOOK, MSG_PASSWORD
from core.ingest.plan import ImportPlan, plan_import
from core.storage.db import audit_log, figures, quotas, replaced_figures, uploads
from tests.workbooks import (
    BINH_SON_COMMUNES,
    SheetSpec,
    binh_son_rows,
    binh_son_xlsx,
    csv_bytes,
    fixture,
    lying_zip,
    national_communes_xlsx,
    national_provinces_xlsx,
    phu_luc_01_rows,
    phu_luc_01_xlsx,
    synthetic_figures,
    xlsx,
    zip_bomb,
)

pytestmark = pytest.mark.postgres

TODAY = dt.date(2024, 12, 31)
DAY = dt.date(2024, 1, 25)
ADMIN = Account("quan_tri", "admin", None)
BINH_SON, QUANG_NGAI, QUANG_TRI = "524", "51", "45"


# ------------------------------------------------------------------------------ helpers


def plan_of(engine, data: bytes, name: str, **options) -> ImportPlan:
    with engine.connect() as conn:
        return plan_import(conn, data, name, today=TODAY, **options)


def import_file(engine, data: bytes, name: str, account: Account = ADMIN,
                **options) -> ImportResult:
    with engine.begin() as conn:
        plan = plan_import(conn, data, name, today=TODAY, **options)
        assert plan.can_apply, (plan.errors, plan.questions)
        return apply_import(conn, plan, account)


def apply(engine, plan: ImportPlan, account: Account) -> ImportResult:
    with engine.begin() as conn:
        return apply_import(conn, plan, account)


def revert(engine, upload_id: int, account: Account) -> dict:
    with engine.begin() as conn:
        return revert_upload(conn, upload_id, account)


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.scalar(sa.select(sa.func.count()).select_from(t))
                for t in (figures, replaced_figures, quotas, uploads)}


def stored(engine, unit: str, grp: str = "btxh", day: dt.date = DAY) -> tuple:
    with engine.connect() as conn:
        row = conn.execute(sa.select(figures.c.total, figures.c.accounts, figures.c.cashless)
                           .where(figures.c.unit_code == unit, figures.c.grp == grp,
                                  figures.c.report_date == day)).first()
    return tuple(row) if row else None


def refused_entries(engine, action: str = audit.UPLOAD) -> list[dict]:
    with engine.connect() as conn:
        frame = audit.query(conn, action=action, ok=False)
    return frame.to_dict("records")


def binh_son_variant(changes: dict[str, tuple[int, int]], title_date: str = "25/01/2024"
                     ) -> bytes:
    """Seed 003's table with some communes' (total, paid) changed; totals and rates follow."""
    communes = [(name, *changes.get(name, (total, paid))) for name, total, paid, _ in
                BINH_SON_COMMUNES]
    rows = binh_son_rows()
    rows[4] = [f"(Số liệu tính đến ngày {title_date})"] + [None] * 4
    total = sum(c[1] for c in communes)
    paid = sum(c[2] for c in communes)
    rows[8] = [None, "Tổng cộng", total, paid, _rate(paid, total)]
    for i, (name, t, p) in enumerate(communes):
        rows[9 + i] = [i + 1, name, t, p, _rate(p, t)]
    return xlsx(SheetSpec("BTXH", rows))


def _rate(part: int, whole: int) -> str:
    return f"{part / whole * 100:.2f}".replace(".", ",") + "%"


def progress_table(*data_rows, title=("UBND HUYỆN BÌNH SƠN",
                                      "BÁO CÁO CHI TRẢ BẢO TRỢ XÃ HỘI QUA TÀI KHOẢN",
                                      "(Số liệu tính đến ngày 25/01/2024)"),
                   header=None) -> bytes:
    header = header or ["TT", "Xã, thị trấn", "Tổng số đối tượng", "Số đã có tài khoản",
                        "Số đã chi trả qua tài khoản", "Tỷ lệ (%)"]
    return xlsx(SheetSpec("BC", [[t] for t in title] + [header] + [list(r) for r in data_rows]))


# ------------------------------------------------------------------- seed files, stored


def test_binh_son_communes_imported_and_read_back_with_metrics(empty_engine):
    result = import_file(empty_engine, binh_son_xlsx(), "binh_son.xlsx")
    assert (result.kind, result.report_date, result.parent_code) == ("progress", DAY, BINH_SON)
    assert (result.rows, result.inserted, result.replaced, result.unchanged) == (22, 22, 0, 0)
    with empty_engine.connect() as conn:
        district = metrics.figures_as_of(conn, [BINH_SON], DAY, "btxh").loc[BINH_SON]
        assert (district["total"], district["cashless"]) == (12105, 1049)
        assert round(district["rate_pct"], 2) == 8.67
        table = metrics.ranking(conn, DAY, "btxh", BINH_SON).set_index("name")
    assert round(table.loc["Xã Bình Trị", "rate_pct"], 2) == 60.22
    assert round(table.loc["Thị trấn Châu Ổ", "rate_pct"], 2) == 39
    assert round(table.loc["Xã Bình Trung", "rate_pct"], 2) == 0.77
    assert stored(empty_engine, "21040") == (600, None, 234)


def test_the_plan_says_what_was_understood_and_writes_nothing(empty_engine):
    before = counts(empty_engine)
    plan = plan_of(empty_engine, binh_son_xlsx(), "binh_son.xlsx")
    assert counts(empty_engine) == before
    assert (plan.kind, plan.report_date, plan.date_source) == ("progress", DAY, "title")
    assert (plan.parent_code, plan.parent_source) == (BINH_SON, "title")
    assert plan.groups == ["btxh"] and plan.problems == [] and plan.questions == []
    assert plan.can_apply and plan.row_count == 22
    assert list(plan.figures.columns) == ["unit_code", "grp", "report_date", "total", "accounts",
                                          "cashless", "proxy_paid", "cash_at_home",
                                          "id_verified", "id_pending", "id_problem"]
    preview = plan.preview.set_index("row_number")
    assert preview.loc[9, "status"] == "total"
    assert tuple(preview.loc[10, ["unit_text", "unit_code", "status"]]) == (
        "Thị trấn Châu Ổ", "21040", "ok")
    assert preview.loc[17, "btxh:rate"] == 60.22


def test_seed_001_quota_file_gives_the_province_its_first_quarter(empty_engine):
    result = import_file(empty_engine, phu_luc_01_xlsx(), "phu_luc_01.xlsx")
    assert (result.kind, result.parent_code, result.rows) == ("quota", QUANG_TRI, 72)
    with empty_engine.connect() as conn:
        table = metrics.attainment(conn, QUANG_TRI, DAY)
    province = table[table["level"] == "self"].set_index("group")
    assert province.loc["ncc", "quota_to_date"] == 530
    assert province.loc["ncc", "quota_year"] == 5385
    assert province.loc["btxh", "quota_to_date"] == 1297
    assert province.loc["btxh", "quota_year"] == 13519
    dakrong = table[(table["code"] == "467") & (table["group"] == "ncc")].iloc[0]
    assert (dakrong["name"], dakrong["quota_year"]) == ("Huyện Đa Krông", 146)


def test_quota_file_with_an_approximate_name_says_so(empty_engine):
    plan = plan_of(empty_engine, phu_luc_01_xlsx(), "phu_luc_01.xlsx")
    [warning] = plan.warnings
    assert warning.row_number == 17
    assert "“Huyện ĐaKông” được hiểu là Huyện Đa Krông (mã 467)" in warning.message_vi
    assert plan.preview.set_index("row_number").loc[17, "status"] == "approximate"


def test_quota_total_row_not_matching_blocks_the_file(empty_engine):
    rows = phu_luc_01_rows(text_numbers=False)
    rows[18][3] = 531  # Tổng cộng, ncc quarter 1 (530 in the document)
    before = counts(empty_engine)
    plan = plan_of(empty_engine, xlsx(SheetSpec("PL01", rows)), "pl01.xlsx")
    assert not plan.can_apply
    [error] = plan.errors
    assert error.row_number == 19
    assert "chỉ tiêu quý 1, Người có công ghi 531 nhưng cộng các dòng được 530" in \
        error.message_vi
    with pytest.raises(ImportRefused):
        apply(empty_engine, plan, ADMIN)
    assert counts(empty_engine) == before


def test_national_file_of_63_provinces(empty_engine):
    result = import_file(empty_engine, national_provinces_xlsx(), "toan_quoc.xlsx")
    assert (result.kind, result.parent_code, result.rows) == ("national", None, 63 * 3)
    with empty_engine.connect() as conn:
        table = metrics.ranking(conn, dt.date(2024, 1, 23)).set_index("code")
    assert len(table) == 63
    assert (table.loc["49", "rank"], round(table.loc["49", "rate_pct"], 2)) == (58, 4.8)


def test_national_file_with_every_commune_by_code_imports(empty_engine):
    data = national_communes_xlsx()
    started = time.perf_counter()
    with empty_engine.begin() as conn:
        plan = plan_import(conn, data, "xa_toan_quoc.xlsx", today=TODAY)
        planned = time.perf_counter()
        result = apply_import(conn, plan, ADMIN)
    done = time.perf_counter()
    print(f"\nnational file, 10,051 communes x 3 groups: plan {planned - started:.2f} s, "
          f"apply {done - planned:.2f} s")
    assert plan.problems == [] and plan.questions == []
    assert (result.rows, result.inserted) == (10051 * 3, 10051 * 3)
    assert stored(empty_engine, "00004", "btxh", dt.date(2024, 3, 31)) == \
        synthetic_figures("00004", 1)


def test_decomposed_unicode_names_import_like_composed_ones(empty_engine):
    rows = [[unicodedata.normalize("NFD", v) if isinstance(v, str) else v for v in row]
            for row in binh_son_rows()]
    assert rows[9][1] != "Thị trấn Châu Ổ"
    result = import_file(empty_engine, xlsx(SheetSpec("BTXH", rows)), "binh_son_nfd.xlsx")
    assert (result.parent_code, result.inserted) == (BINH_SON, 22)
    assert stored(empty_engine, "21061") == (626, None, 377)  # Xã Bình Trị


@pytest.mark.parametrize(("name", "data"), [
    ("binh_son.xls", lambda: fixture("binh_son.xls")),
    ("binh_son.ods", lambda: fixture("binh_son.ods")),
    ("binh_son.csv", lambda: csv_bytes(binh_son_rows())),
])
def test_office_and_csv_copies_of_the_seed_003_file(empty_engine, name, data):
    result = import_file(empty_engine, data(), name)
    assert (result.parent_code, result.inserted) == (BINH_SON, 22)
    assert stored(empty_engine, "21061") == (626, None, 377)


@pytest.mark.parametrize("name", ["phu_luc_01.xls", "phu_luc_01.ods"])
def test_office_copies_of_the_seed_001_quota_file(empty_engine, name):
    result = import_file(empty_engine, fixture(name), name)
    assert (result.kind, result.parent_code, result.inserted) == ("quota", QUANG_TRI, 72)


def test_merged_headers_without_merge_information_and_text_numbers(empty_engine):
    result = import_file(empty_engine, phu_luc_01_xlsx(text_numbers=True, merged=False),
                         "pl01.xlsx")
    assert result.inserted == 72
    with empty_engine.connect() as conn:
        q1 = conn.scalar(sa.select(quotas.c["count"]).where(
            quotas.c.unit_code == "461", quotas.c.grp == "btxh", quotas.c.quarter == 1))
    assert q1 == 163


def test_hierarchy_columns_without_codes(empty_engine):
    header = ["Tỉnh", "Huyện", "Xã", "Tổng số đối tượng", "Số đã chi trả qua tài khoản"]
    data = progress_table(
        ["Quảng Ngãi", "Bình Sơn", "Bình Trị", 626, 377],
        [None, None, "Bình An", 430, 0],
        [None, "Sơn Tịnh", "Tịnh Hà", 300, 30],
        ["Quảng Trị", "Cam Lộ", "Cam Thành", 200, 20],
        title=("BÁO CÁO BẢO TRỢ XÃ HỘI (Số liệu tính đến ngày 25/01/2024)",), header=header)
    plan = plan_of(empty_engine, data, "tong_hop.xlsx")
    assert plan.problems == [] and plan.questions == []
    assert plan.parent_code is None
    assert list(plan.preview["unit_code"]) == ["21061", "21064", "21220", "19612"]


def test_code_column_identifies_rows_whatever_the_names(empty_engine):
    header = ["STT", "Mã xã", "Tên xã", "Tổng số đối tượng", "Số đã chi trả qua tài khoản"]
    data = progress_table([1, "21061", "Bình Trị (xã)", 626, 377],
                          [2, 21064, "An", 430, 0], header=header)
    result = import_file(empty_engine, data, "ma_xa.xlsx")
    assert result.parent_code == BINH_SON and result.inserted == 2
    assert stored(empty_engine, "21064") == (430, None, 0)


def test_unknown_code_is_an_error_with_its_row(empty_engine):
    header = ["STT", "Mã xã", "Tên xã", "Tổng số đối tượng", "Số đã chi trả qua tài khoản"]
    data = progress_table([1, "21061", "Bình Trị", 626, 377], [2, "99999", "Bình Xa", 10, 1],
                          header=header)
    [error] = plan_of(empty_engine, data, "ma_xa.xlsx").errors
    assert error.row_number == 6
    assert error.message_vi == ("Dòng 6: Mã xã “99999” (Bình Xa) không có trong danh mục đơn "
                                "vị hành chính 2024.")


# ----------------------------------------------------------- dates, parents, questions


def test_report_date_comes_from_the_argument_then_the_title_then_the_file_name(empty_engine):
    assert plan_of(empty_engine, binh_son_xlsx(), "bc_2024-01-20.xlsx").report_date == DAY
    plan = plan_of(empty_engine, binh_son_xlsx(), "x.xlsx", date=dt.date(2024, 1, 26))
    assert (plan.report_date, plan.date_source) == (dt.date(2024, 1, 26), "argument")
    undated = binh_son_variant({}, title_date="…/…/2024")
    plan = plan_of(empty_engine, undated, "bc_20-01-2024.xlsx")
    assert (plan.report_date, plan.date_source) == (dt.date(2024, 1, 20), "file_name")


def test_missing_date_is_asked_and_nothing_can_be_written(empty_engine):
    plan = plan_of(empty_engine, binh_son_variant({}, title_date="…/…/2024"), "bao_cao.xlsx")
    assert [q.key for q in plan.questions] == ["date"]
    assert not plan.can_apply
    with pytest.raises(ImportRefused, match="ngày"):
        apply(empty_engine, plan, ADMIN)
    assert counts(empty_engine)["figures"] == 0
    answered = plan_of(empty_engine, binh_son_variant({}, title_date="…/…/2024"),
                       "bao_cao.xlsx", date=DAY)
    assert answered.can_apply


def test_parent_from_the_names_when_the_title_has_none(empty_engine):
    data = progress_table([1, "Bình Trị", 626, 0, 377, None], [2, "Bình An", 430, 0, 0, None],
                          [3, "Bình Châu", 1050, 0, 0, None],
                          title=("BÁO CÁO (Số liệu tính đến ngày 25/01/2024)",))
    plan = plan_of(empty_engine, data, "bc.xlsx")
    assert (plan.parent_code, plan.parent_source) == (BINH_SON, "names")


def test_ambiguous_names_without_a_parent_ask_for_it(empty_engine):
    data = progress_table([1, "Bình Minh", 100, 0, 10, None],
                          title=("BÁO CÁO (Số liệu tính đến ngày 25/01/2024)",))
    plan = plan_of(empty_engine, data, "bc.xlsx")
    assert "parent" in [q.key for q in plan.questions]
    assert any("khớp với" in p.message_vi for p in plan.errors)
    answered = plan_of(empty_engine, data, "bc.xlsx", unit="H. Bình Sơn")
    assert (answered.parent_code, answered.parent_source) == (BINH_SON, "argument")
    assert list(answered.preview["unit_code"]) == ["21085"]
    assert answered.errors == [] and answered.can_apply


def test_unknown_parent_argument_is_asked_again(empty_engine):
    plan = plan_of(empty_engine, binh_son_xlsx(), "bc.xlsx", unit="Huyện Không Có")
    [question] = plan.questions
    assert question.key == "parent" and "Không tìm thấy" in question.message_vi


def test_rows_outside_the_given_parent_are_errors(empty_engine):
    header = ["STT", "Mã xã", "Tên xã", "Tổng số đối tượng", "Số đã chi trả qua tài khoản"]
    data = progress_table([1, "21061", "Bình Trị", 626, 377], [2, "19612", "Cam Thành", 10, 1],
                          header=header)
    [error] = plan_of(empty_engine, data, "bc.xlsx", unit=BINH_SON).errors
    assert error.row_number == 6 and "không thuộc Huyện Bình Sơn" in error.message_vi


# -------------------------------------------------------------------- validation, blocked


def test_every_problem_is_listed_with_its_row_and_unit_and_nothing_is_written(empty_engine):
    data = progress_table(
        ["", "Tổng cộng", 2000, None, 700, None],
        [1, "Thị trấn Châu Ổ", 600, 700, 234, "39%"],       # accounts above the total
        [2, "Xã Bình Trị", 626, None, 377, "50%"],          # rate disagrees with counts
        [3, "Xã Kim Đồng", 100, None, 10, None],            # unknown unit
        [4, "Xã Bình An", 430, None, -5, None],              # negative count
        [5, "TT Châu Ổ", 600, None, 234, None],             # the same unit twice
        [6, "Xã Bình Hải", 520, None, 600, None],           # cashless above the total
    )
    before = counts(empty_engine)
    plan = plan_of(empty_engine, data, "loi.xlsx")
    by_row = {}
    for problem in plan.errors:
        by_row.setdefault(problem.row_number, []).append(problem.message_vi)
    assert any("Thị trấn Châu Ổ" in m and "số đã có tài khoản (700) lớn hơn" in m
               for m in by_row[6])
    assert any("tỷ lệ ghi 50% nhưng 377/626 = 60,22%" in m for m in by_row[7])
    assert any('Không tìm thấy đơn vị "Xã Kim Đồng" thuộc Huyện Bình Sơn' in m
               for m in by_row[8])
    assert any("số âm" in m for m in by_row[9])
    assert any("Thị trấn Châu Ổ đã có ở dòng 6" in m for m in by_row[10])
    assert any("Xã Bình Hải" in m and "(600) lớn hơn tổng số đối tượng (520)" in m
               for m in by_row[11])
    assert any("tổng số đối tượng, Bảo trợ xã hội ghi 2.000 nhưng cộng các dòng" in m
               for m in by_row[5])
    assert not plan.can_apply
    with pytest.raises(ImportRefused, match="có lỗi nên chưa được nhập"):
        apply(empty_engine, plan, ADMIN)
    assert counts(empty_engine) == before
    [entry] = refused_entries(empty_engine)
    assert entry["target"] == "loi.xlsx" and "lỗi" in entry["detail"]["reason"]


def test_a_date_in_the_future_blocks_the_file(empty_engine):
    plan = plan_of(empty_engine, binh_son_xlsx(), "bc.xlsx", date=dt.date(2025, 1, 2))
    [error] = plan.errors
    assert "Ngày báo cáo 02/01/2025 ở tương lai" in error.message_vi


def test_a_falling_cumulative_count_is_a_warning_and_allowed(empty_engine):
    import_file(empty_engine, binh_son_xlsx(), "bs_25.xlsx")
    later = binh_son_variant({"Xã Bình Trị": (626, 370)}, title_date="26/01/2024")
    plan = plan_of(empty_engine, later, "bs_26.xlsx")
    [warning] = plan.warnings
    assert warning.row_number == 17 and warning.severity == "warning"
    assert "Xã Bình Trị" in warning.message_vi and "giảm từ 377 (báo cáo ngày 25/01/2024) " \
        "xuống 370" in warning.message_vi
    assert plan.can_apply
    result = import_file(empty_engine, later, "bs_26.xlsx")
    assert (result.inserted, result.warnings) == (22, 1)


# ------------------------------------------------------------------------- hostile files


def _workbook_without_values() -> bytes:
    import io

    workbook = openpyxl.Workbook()
    workbook.create_sheet("Sheet2")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HOSTILE = {
    "zip bomb": (lambda: zip_bomb(210 * 1024 * 1024), "giải nén ra quá lớn"),
    "zip lying about its size": (lambda: lying_zip(real_bytes=300 * 1024 * 1024,
                                                   declared_bytes=1000), None),
    "truncated xlsx": (lambda: binh_son_xlsx()[:3000], MSG_CORRUPT),
    "truncated xls": (lambda: fixture("binh_son.xls")[:4000], MSG_CORRUPT),
    "truncated ods": (lambda: fixture("binh_son.ods")[:3000], MSG_CORRUPT),
    "garbage behind a zip signature": (lambda: b"PK\x03\x04" + bytes(range(256)) * 10,
                                       MSG_CORRUPT),
    "password protected": (lambda: fixture("protected.xlsx"), MSG_PASSWORD),
    "empty file": (lambda: b"", MSG_EMPTY_FILE),
    "workbook without values": (_workbook_without_values, MSG_EMPTY_WORKBOOK),
    "sheet with no table": (lambda: xlsx(SheetSpec("Công văn", [
        ["UBND HUYỆN BÌNH SƠN"], ["Về việc đẩy mạnh chi trả không dùng tiền mặt"],
        ["Đề nghị các xã khẩn trương triển khai."]])), "Không tìm thấy bảng số liệu"),
    "shared-strings bomb": (lambda: fixture("sst_count_bomb.xlsx"), MSG_CORRUPT),
    "pdf renamed": (lambda: b"%PDF-1.7\n" + bytes(2000), "không phải bảng tính"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_file_is_one_clear_message_and_the_database_is_unchanged(empty_engine, case):
    make, expected = HOSTILE[case]
    import_file(empty_engine, binh_son_xlsx(), "truoc.xlsx")
    before = counts(empty_engine)
    plan = plan_of(empty_engine, make(), "bao_cao.xlsx")
    [error] = plan.problems
    assert error.severity == "error" and error.row_number is None
    assert "\n" not in error.message_vi
    if expected is not None:
        assert expected in error.message_vi
    else:
        assert "quá lớn" in error.message_vi or error.message_vi == MSG_CORRUPT
    assert not plan.can_apply and plan.kind is None
    with pytest.raises(ImportRefused):
        apply(empty_engine, plan, ADMIN)
    assert counts(empty_engine) == before


def test_file_over_the_configured_size_limit(empty_engine, monkeypatch):
    monkeypatch.setenv("ASXH_MAX_UPLOAD_MB", "0.005")
    before = counts(empty_engine)
    [error] = plan_of(empty_engine, binh_son_xlsx(), "bs.xlsx").problems
    assert "Tệp quá lớn" in error.message_vi
    assert counts(empty_engine) == before


# -------------------------------------------------------------------------- permissions


def test_staff_of_another_district_is_refused_the_whole_file(empty_engine):
    staff = Account("can_bo_binh_son", "staff", BINH_SON)
    before = counts(empty_engine)
    with empty_engine.begin() as conn:
        plan = plan_import(conn, phu_luc_01_xlsx(), "pl01.xlsx", today=TODAY)
        assert plan.can_apply
        with pytest.raises(PermissionDenied) as refused:
            apply_import(conn, plan, staff)
    message = str(refused.value)
    assert "Thành phố Đông Hà" in message and "Huyện Hướng Hóa" in message
    assert "Toàn bộ tệp không được nhập" in message
    assert counts(empty_engine) == before
    [entry] = refused_entries(empty_engine)
    assert entry["username"] == "can_bo_binh_son" and entry["target"] == "pl01.xlsx"


def test_staff_imports_their_own_district(empty_engine):
    staff = Account("can_bo_binh_son", "staff", BINH_SON)
    result = import_file(empty_engine, binh_son_xlsx(), "bs.xlsx", account=staff)
    assert result.inserted == 22
    with empty_engine.connect() as conn:
        entry = audit.query(conn, action=audit.UPLOAD).iloc[0]
        assert (entry["username"], entry["ok"]) == ("can_bo_binh_son", True)
        assert entry["detail"]["upload_id"] == result.upload_id
        uploaded_by = conn.scalar(sa.select(uploads.c.uploaded_by))
    assert uploaded_by == "can_bo_binh_son"


def test_leaders_cannot_import(empty_engine):
    with empty_engine.begin() as conn:
        plan = plan_import(conn, binh_son_xlsx(), "bs.xlsx", today=TODAY)
        with pytest.raises(PermissionDenied, match="chỉ được xem"):
            apply_import(conn, plan, Account("lanh_dao", "leader", QUANG_NGAI))
    assert counts(empty_engine)["figures"] == 0


# ---------------------------------------------------------- re-import, replace, revert


def test_reimporting_the_same_file_is_harmless_and_recognised(empty_engine):
    data = binh_son_xlsx()  # built once: openpyxl stamps the time into each workbook
    first = import_file(empty_engine, data, "bs.xlsx")
    plan = plan_of(empty_engine, data, "bs (1).xlsx")
    [warning] = plan.warnings
    assert warning.message_vi.startswith("Tệp này đã được nhập ngày ")
    second = import_file(empty_engine, data, "bs (1).xlsx")
    assert (second.inserted, second.replaced, second.unchanged) == (0, 0, 22)
    assert counts(empty_engine)["figures"] == 22
    with empty_engine.connect() as conn:
        owners = set(conn.scalars(sa.select(figures.c.upload_id)))
    assert owners == {first.upload_id}  # unchanged rows keep their first upload


def test_same_figures_in_another_file_are_not_counted_twice(empty_engine):
    import_file(empty_engine, binh_son_xlsx(), "bs.xlsx")
    again = import_file(empty_engine, csv_bytes(binh_son_rows()), "bs.csv")
    assert (again.inserted, again.unchanged) == (0, 22)
    with empty_engine.connect() as conn:
        district = metrics.figures_as_of(conn, [BINH_SON], DAY, "btxh").loc[BINH_SON]
    assert (district["total"], district["cashless"]) == (12105, 1049)


def test_new_report_replaces_and_revert_restores(empty_engine):
    first = import_file(empty_engine, binh_son_xlsx(), "bs.xlsx")
    corrected = binh_son_variant({"Xã Bình An": (430, 25), "Xã Bình Mỹ": (580, 12)})
    second = import_file(empty_engine, corrected, "bs_sua.xlsx")
    assert (second.inserted, second.replaced, second.unchanged) == (0, 2, 20)
    assert stored(empty_engine, "21064") == (430, None, 25)
    assert counts(empty_engine)["replaced_figures"] == 2

    with pytest.raises(RevertRefused, match="hoàn tác lần đó trước"):
        revert(empty_engine, first.upload_id, ADMIN)
    assert len(refused_entries(empty_engine, audit.REVERT)) == 1

    with empty_engine.begin() as conn:
        done = revert_upload(conn, second.upload_id, ADMIN)
    assert done == {"removed": 2, "restored": 2}
    assert stored(empty_engine, "21064") == (430, None, 0)
    assert counts(empty_engine)["figures"] == 22
    assert counts(empty_engine)["replaced_figures"] == 0
    with empty_engine.connect() as conn:
        history = upload_history(conn, account=ADMIN).set_index("id")
        district = metrics.figures_as_of(conn, [BINH_SON], DAY, "btxh").loc[BINH_SON]
    assert history.loc[second.upload_id, "status"] == "reverted"
    assert not history.loc[second.upload_id, "can_revert"]
    assert district["cashless"] == 1049

    with empty_engine.begin() as conn:
        revert_upload(conn, first.upload_id, ADMIN)
    assert counts(empty_engine)["figures"] == 0
    with pytest.raises(RevertRefused, match="đã được hoàn tác"):
        revert(empty_engine, first.upload_id, ADMIN)
    with empty_engine.connect() as conn:
        reverts = audit.query(conn, action=audit.REVERT, ok=True)
    assert len(reverts) == 2


def test_quota_replace_and_revert_restores_the_earlier_quotas(empty_engine):
    first = import_file(empty_engine, phu_luc_01_xlsx(), "pl01.xlsx")
    rows = phu_luc_01_rows(text_numbers=False)
    rows[9][3], rows[9][7] = 100, 960    # Đông Hà ncc Q1 96 -> 100, year 956 -> 960
    rows[18][3], rows[18][7] = 534, 5389  # and the total row with them
    rows[9][8] = rows[18][8] = None       # the shares are left out
    second = import_file(empty_engine, xlsx(SheetSpec("PL01", rows)), "pl01_sua.xlsx")
    assert (second.inserted, second.replaced, second.unchanged) == (0, 1, 71)

    def dong_ha_q1() -> int:
        with empty_engine.connect() as conn:
            return conn.scalar(sa.select(quotas.c["count"]).where(
                quotas.c.unit_code == "461", quotas.c.grp == "ncc", quotas.c.quarter == 1))

    assert dong_ha_q1() == 100
    with pytest.raises(RevertRefused):
        revert(empty_engine, first.upload_id, ADMIN)
    with empty_engine.begin() as conn:
        assert revert_upload(conn, second.upload_id, ADMIN) == {"removed": 1,
                                                                         "restored": 1}
    assert dong_ha_q1() == 96
    assert counts(empty_engine)["quotas"] == 72


def test_staff_cannot_revert_another_district_upload(empty_engine):
    result = import_file(empty_engine, phu_luc_01_xlsx(), "pl01.xlsx")
    staff = Account("can_bo_binh_son", "staff", BINH_SON)
    with pytest.raises(PermissionDenied, match="ngoài phạm vi"):
        revert(empty_engine, result.upload_id, staff)
    assert counts(empty_engine)["quotas"] == 72


def test_demo_data_is_not_reverted_piecemeal(databases):
    engine = databases.new_engine(demo=True)
    with engine.connect() as conn:
        demo_upload = conn.scalar(sa.select(sa.func.min(uploads.c.id)))
        history = upload_history(conn, account=ADMIN)
    assert not history["can_revert"].any()
    with pytest.raises(RevertRefused, match="Dữ liệu mẫu"):
        revert(engine, demo_upload, ADMIN)


def test_import_over_the_demo_data_replaces_the_day(databases):
    engine = databases.new_engine(demo=True)
    before = counts(engine)
    result = import_file(engine, binh_son_xlsx(), "bs.xlsx")
    assert result.inserted + result.replaced + result.unchanged == 22
    assert counts(engine)["figures"] == before["figures"] + result.inserted
    with engine.connect() as conn:
        district = metrics.figures_as_of(conn, [BINH_SON], DAY, "btxh").loc[BINH_SON]
    assert (district["total"], district["cashless"]) == (12105, 1049)


def test_history_shows_each_user_what_they_may_see(empty_engine):
    staff = Account("can_bo_binh_son", "staff", BINH_SON)
    import_file(empty_engine, phu_luc_01_xlsx(), "pl01.xlsx")
    mine = import_file(empty_engine, binh_son_xlsx(), "bs.xlsx", account=staff)
    import_file(empty_engine, national_provinces_xlsx(), "tq.xlsx")
    with empty_engine.connect() as conn:
        everything = upload_history(conn, account=ADMIN)
        own = upload_history(conn, account=staff)
        province = upload_history(conn, account=Account("t", "staff", QUANG_NGAI))
    assert list(everything["file_name"]) == ["tq.xlsx", "bs.xlsx", "pl01.xlsx"]
    assert list(own["file_name"]) == ["bs.xlsx"] and own["can_revert"].all()
    assert list(province["file_name"]) == ["bs.xlsx"]
    row = everything.set_index("id").loc[mine.upload_id]
    assert (row["kind"], row["unit_name"], row["uploaded_by"], row["status"]) == (
        "progress", "Huyện Bình Sơn", "can_bo_binh_son", "applied")
    assert (row["row_count"], row["inserted"]) == (22, 22)
    assert row["uploaded_at"].utcoffset() == dt.timedelta(hours=7)


def test_audit_log_keeps_each_applied_upload(empty_engine):
    result = import_file(empty_engine, binh_son_xlsx(), "bs.xlsx")
    with empty_engine.connect() as conn:
        entries = conn.execute(sa.select(audit_log.c.action, audit_log.c.target,
                                         audit_log.c.ok)).all()
    assert [tuple(e) for e in entries] == [(audit.UPLOAD, "bs.xlsx", True)]
    assert result.upload_id == 1


def test_only_the_main_table_of_a_workbook_is_imported_and_the_others_are_named(empty_engine):
    data = xlsx(SheetSpec("BTXH", binh_son_rows()), SheetSpec("Tuần trước", [
        ["BÁO CÁO CHI TRẢ BẢO TRỢ XÃ HỘI QUA TÀI KHOẢN"],
        ["TT", "Xã, thị trấn", "Tổng số đối tượng", "Số đã chi trả qua tài khoản"],
        [1, "Xã Bình Trị", 600, 300]]))
    plan = plan_of(empty_engine, data, "bs.xlsx")
    [warning] = plan.warnings
    assert warning.message_vi.startswith("Tệp có bảng số liệu ở nhiều trang tính; chỉ trang "
                                         "tính «BTXH» được nhập, không nhập «Tuần trước».")
    assert plan.can_apply and plan.row_count == 22


def test_one_row_per_unit_and_group_with_merged_names(empty_engine):
    rows = [
        ["UBND HUYỆN CẨM XUYÊN"], ["BÁO CÁO TIẾN ĐỘ (Số liệu tính đến ngày 25/01/2024)"],
        ["STT", "Xã, phường, thị trấn", "Nhóm đối tượng", "Tổng số đối tượng",
         "Số đã có tài khoản", "Số đã chi trả qua tài khoản"],
        [1, "Xã Cẩm Lạc", "Người có công", 151, 20, 10],
        [None, None, "Bảo trợ xã hội", 334, 30, 12],
        [None, None, "Hộ nghèo, hộ cận nghèo", 437, 40, 15],
        [2, "Xã Cẩm Minh", "Người có công", 100, 10, 5],
        [None, None, "Bảo trợ xã hội", 200, 20, 6],
        ["Tổng cộng", None, "Người có công", 251, 30, 15],
        [None, None, "Bảo trợ xã hội", 534, 50, 18],
    ]
    data = xlsx(SheetSpec("BC", rows, ("A4:A6", "B4:B6", "A7:A8", "B7:B8", "A9:B10")))
    result = import_file(empty_engine, data, "cam_xuyen.xlsx")
    assert (result.parent_code, result.inserted) == ("446", 5)
    assert stored(empty_engine, "18748", "ngheo") == (437, 40, 15)  # Cẩm Lạc, seed 002
    assert stored(empty_engine, "18751", "btxh") == (200, 20, 6)


def test_rates_as_excel_percent_fractions_are_checked_not_stored(empty_engine):
    data = xlsx(SheetSpec("BC", [
        ["UBND HUYỆN BÌNH SƠN"], ["BÁO CÁO BẢO TRỢ XÃ HỘI (Số liệu tính đến ngày 25/01/2024)"],
        ["TT", "Xã, thị trấn", "Tổng số đối tượng", "Số đã chi trả qua tài khoản", "Tỷ lệ"],
        [1, "Xã Bình Trị", 626, 377, 0.6022], [2, "Xã Bình Trung", 519, 4, 0.0077],
        [3, "Xã Bình Long", 522, 6, 0.5]], percent_cells=("E4:E6",)))
    plan = plan_of(empty_engine, data, "bs.xlsx")
    [error] = plan.errors
    assert error.row_number == 6 and "tỷ lệ ghi 50% nhưng 6/522 = 1,15%" in error.message_vi
    assert "rate" not in plan.figures.columns
