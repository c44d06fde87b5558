"""Understanding report sheets: real layouts from the seeds, then one test per layout feature."""

from __future__ import annotations

import datetime as dt
import time
import unicodedata

import pytest

from core.ingest.files import read_sheets
from core.ingest.limits import SpreadsheetError
from core.ingest.model import MSG_NO_TABLE, ParsedReport
from core.ingest.numbers import parse_number
from core.ingest.sheets import parse_report
from core.ingest.titles import date_from_file_name
from tests.workbooks import (
    BINH_SON_COMMUNES,
    PHU_LUC_01_DISTRICTS,
    PHU_LUC_01_TOTAL,
    SheetSpec,
    binh_son_rows,
    binh_son_xlsx,
    csv_bytes,
    fixture,
    national_communes_xlsx,
    national_provinces_xlsx,
    phu_luc_01_rows,
    phu_luc_01_xlsx,
    synthetic_figures,
    xlsx,
)

QUOTA_KEYS = ("base_total", "q1", "q2", "q3", "q4", "year_total", "year_share_pct")


def parse_rows(rows, file_name="bao_cao.xlsx", merges=(), **options) -> ParsedReport:
    data = xlsx(SheetSpec("Báo cáo", rows, merges))
    return parse_report(read_sheets(data, file_name), file_name, **options)


def parse_csv(rows, file_name="bao_cao.csv", **options) -> ParsedReport:
    return parse_report(read_sheets(csv_bytes(rows), file_name), file_name, **options)


def simple_table(*data_rows, header=None, title=("BÁO CÁO TIẾN ĐỘ",)) -> list[list[object]]:
    """Title, one header row (TT, Đơn vị, total, accounts, cashless, rate) and data rows."""
    header = header or ["TT", "Đơn vị", "Tổng số đối tượng", "Số đã có TK",
                        "Số chi qua TK", "Tỷ lệ (%)"]
    return [[t] for t in title] + [header] + [list(r) for r in data_rows]


def by_unit(report: ParsedReport) -> dict[str, dict]:
    return {row.unit_text: row.values for row in report.rows}


def messages(report: ParsedReport, severity: str | None = None) -> list[str]:
    return [p.message_vi for p in report.problems if severity in (None, p.severity)]


def quota_values(values: tuple) -> dict:
    numbers = values[1:]
    expected = {}
    for offset, group in ((0, "ncc"), (7, "btxh")):
        for i, field_name in enumerate(QUOTA_KEYS):
            value = numbers[offset + i]
            expected[(group, field_name)] = value * 100 if field_name == "year_share_pct" else value
    return expected


# --- seed 001: Phụ lục 01 quotas ---------------------------------------------------------

PHU_LUC_01_SOURCES = {
    "xlsx merged, text numbers": lambda: (phu_luc_01_xlsx(), "phu_luc_01.xlsx"),
    "xlsx without merges": lambda: (phu_luc_01_xlsx(merged=False), "phu_luc_01.xlsx"),
    "xls by LibreOffice": lambda: (fixture("phu_luc_01.xls"), "phu_luc_01.xls"),
    "ods by LibreOffice": lambda: (fixture("phu_luc_01.ods"), "phu_luc_01.ods"),
    "csv": lambda: (csv_bytes(phu_luc_01_rows()), "phu_luc_01.csv"),
}


@pytest.mark.parametrize("source", PHU_LUC_01_SOURCES)
def test_seed_001_quota_table_is_read_exactly(source):
    data, name = PHU_LUC_01_SOURCES[source]()
    report = parse_report(read_sheets(data, name), name)
    assert report.kind == "quota"
    assert report.year == 2024
    assert report.header_rows == (6, 8)
    assert report.problems == []
    dong_ha = report.rows[0]
    assert dong_ha.row_number == 10 and dong_ha.unit_text == "Thành phố Đông Hà"
    assert dong_ha.values[("ncc", "q1")] == 96
    assert dong_ha.values[("ncc", "base_total")] == 1912
    assert [r.unit_text for r in report.rows] == [d[0] for d in PHU_LUC_01_DISTRICTS]
    for row, district in zip(report.rows, PHU_LUC_01_DISTRICTS, strict=True):
        assert row.values == pytest.approx(quota_values(district)), row.unit_text
    [total] = report.totals
    assert total.label == "Tổng cộng" and total.row_number == 19
    ncc = [total.values[("ncc", q)] for q in ("q1", "q2", "q3", "q4", "year_total")]
    assert ncc == [530, 1193, 1488, 2174, 5385]
    assert total.values[("ncc", "year_share_pct")] == 32
    assert total.values[("btxh", "year_total")] == 13519
    assert total.values == pytest.approx(quota_values(PHU_LUC_01_TOTAL))


def test_seed_001_columns_say_what_was_understood():
    report = parse_report(read_sheets(phu_luc_01_xlsx(), "pl01.xlsx"), "pl01.xlsx")
    understood = {c.letter: (c.role, c.group, c.field) for c in report.columns}
    assert understood["A"] == ("order", None, None)
    assert understood["B"] == ("name", None, None)
    assert understood["C"] == ("figure", "ncc", "base_total")
    assert understood["D"] == ("figure", "ncc", "q1")
    assert understood["H"] == ("figure", "ncc", "year_total")
    assert understood["I"] == ("figure", "ncc", "year_share_pct")
    assert understood["J"] == ("figure", "btxh", "base_total")
    assert understood["P"] == ("figure", "btxh", "year_share_pct")
    column_d = report.columns[3]
    assert column_d.matched == "Quý 1/2024"
    assert column_d.header.startswith("Người có công đang hưởng trợ cấp hàng tháng / ")
    assert report.figure_columns[2] == ("ncc", "base_total")
    assert report.groups == ["ncc", "btxh"]


def test_seed_001_has_no_date_but_the_file_name_may_give_one():
    report = parse_report(read_sheets(phu_luc_01_xlsx(), "x"), "PL01_chi_tieu.xlsx")
    assert (report.report_date, report.date_source) == (None, None)
    report = parse_report(read_sheets(phu_luc_01_xlsx(), "x"), "PL01_2024-01-05.xlsx")
    assert (report.report_date, report.date_source) == (dt.date(2024, 1, 5), "file_name")


# --- seed 003: Bình Sơn btxh by commune --------------------------------------------------

BINH_SON_SOURCES = {
    "xlsx": lambda: (binh_son_xlsx(), "binh_son.xlsx"),
    "xls by LibreOffice": lambda: (fixture("binh_son.xls"), "binh_son.xls"),
    "ods by LibreOffice": lambda: (fixture("binh_son.ods"), "binh_son.ods"),
    "csv": lambda: (csv_bytes(binh_son_rows()), "binh_son.csv"),
}


@pytest.mark.parametrize("source", BINH_SON_SOURCES)
def test_seed_003_binh_son_btxh_by_commune(source):
    data, name = BINH_SON_SOURCES[source]()
    report = parse_report(read_sheets(data, name), name)
    assert report.kind == "progress"
    assert report.report_date == dt.date(2024, 1, 25) and report.date_source == "title"
    assert report.parent_hint == "Huyện Bình Sơn"
    assert report.groups == ["btxh"]  # from the title: the columns have no band
    assert report.problems == []
    [total] = report.totals
    assert total.row_number == 9
    assert total.values == {("btxh", "total"): 12105, ("btxh", "cashless"): 1049,
                            ("btxh", "rate"): 8.67}
    units = by_unit(report)
    assert list(units) == [c[0] for c in BINH_SON_COMMUNES]  # signature names not included
    assert units["Xã Bình Trị"][("btxh", "rate")] == 60.22
    assert units["Thị trấn Châu Ổ"][("btxh", "rate")] == 39
    assert units["Xã Bình Thanh"][("btxh", "rate")] == 24.36
    assert units["Xã Bình Long"][("btxh", "rate")] == 1.15
    assert units["Xã Bình Trung"][("btxh", "rate")] == 0.77
    not_started = [u for u, v in units.items() if v[("btxh", "cashless")] == 0]
    assert set(not_started) == {"Xã Bình Châu", "Xã Bình Mỹ", "Xã Bình Phước", "Xã Bình An"}
    assert sum(v[("btxh", "total")] for v in units.values()) == 12105
    assert report.rows[0].hierarchy == {3: "Thị trấn Châu Ổ"} and report.rows[0].level == 3


# --- national files ----------------------------------------------------------------------


def test_national_table_of_provinces():
    report = parse_report(read_sheets(national_provinces_xlsx(), "tq.xlsx"), "tq.xlsx")
    assert report.kind == "national"
    assert len(report.rows) == 63
    assert report.report_date == dt.date(2024, 1, 23)
    assert report.groups == ["ncc", "btxh", "ngheo", "all"]
    understood = {c.letter: (c.group, c.field) for c in report.columns if c.role == "figure"}
    assert understood["C"] == ("ncc", "total")  # the band names the field, the leaf the group
    assert understood["K"] == ("ngheo", "cashless")
    assert understood["L"] == ("all", "rate")
    quang_nam = by_unit(report)["Tỉnh Quảng Nam"]
    assert quang_nam[("all", "rate")] == 4.8
    assert quang_nam[("btxh", "cashless")] == 1440
    [total] = report.totals
    assert total.label == "Toàn quốc" and total.row_number == 6
    assert report.problems == []


def test_national_table_recognised_from_province_names_under_a_plain_header():
    rows = simple_table(
        *[[i, name, 100, 50, 10, 10] for i, name in enumerate(
            ["Hà Nội", "TP. Hồ Chí Minh", "Quảng Nam", "Quảng Trị", "Bình Phước",
             "Quảng Ngãi"], start=1)],
        title=("BÁO CÁO TIẾN ĐỘ",))
    assert parse_rows(rows).kind == "national"
    assert parse_rows(rows, kind="progress").kind == "progress"


def test_national_table_recognised_from_the_title():
    rows = simple_table([1, "Hà Giang", 100, 50, 10, 10],
                        title=("TIẾN ĐỘ CHI TRẢ CỦA CÁC TỈNH, THÀNH PHỐ",))
    assert parse_rows(rows).kind == "national"


@pytest.fixture(scope="module")
def every_commune() -> bytes:
    return national_communes_xlsx()


def test_national_every_commune_file_parses(every_commune):
    started = time.perf_counter()
    report = parse_report(read_sheets(every_commune, "xa.xlsx"), "xa.xlsx")
    elapsed = time.perf_counter() - started
    print(f"\nnational file, 10,051 communes x 3 groups: read + parse {elapsed:.2f} s")
    assert len(report.rows) == 10051
    assert report.kind == "progress"
    assert report.report_date == dt.date(2024, 3, 31)
    assert report.problems == []


def test_national_every_commune_file_keeps_codes_and_carries_names_down(every_commune):
    from core.catalogue.units import by_code

    report = parse_report(read_sheets(every_commune, "xa.xlsx"), "xa.xlsx")
    first, second = report.rows[0], report.rows[1]
    assert first.codes == {1: "01", 2: "001", 3: "00001"}
    assert first.hierarchy == {1: "Thành phố Hà Nội", 2: "Quận Ba Đình", 3: "Phường Phúc Xá"}
    assert second.codes[3] == "00004"
    assert second.hierarchy[1] == "Thành phố Hà Nội"  # blank in the sheet: carried down
    assert second.hierarchy[2] == "Quận Ba Đình"
    catalogue = by_code()
    for row in report.rows[::997]:
        commune = catalogue[row.codes[3]]
        assert row.unit_text == commune.name and row.level == 3
        assert row.hierarchy[2] == catalogue[row.codes[2]].name
        for g, group in enumerate(("ncc", "btxh", "ngheo")):
            total, accounts, cashless = synthetic_figures(commune.code, g)
            assert row.values[(group, "total")] == total
            assert row.values[(group, "accounts")] == accounts
            assert row.values[(group, "cashless")] == cashless
            assert row.values[(group, "rate")] == pytest.approx(
                round(cashless / total, 4) * 100)


# --- layout features ---------------------------------------------------------------------


@pytest.mark.parametrize(("title", "hint"), [
    (["UBND HUYỆN BÌNH SƠN"], "Huyện Bình Sơn"),
    (["ỦY BAN NHÂN DÂN\nTỈNH QUẢNG TRỊ"], "Tỉnh Quảng Trị"),
    (["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG TRỊ"], "Tỉnh Quảng Trị"),
    (["UBND xã Cẩm Lạc", "Báo cáo ngày"], "xã Cẩm Lạc"),
    (["BÁO CÁO CHI TRẢ TRÊN ĐỊA BÀN HUYỆN BÌNH SƠN TÍNH ĐẾN NGÀY 25/01/2024"], "Huyện Bình Sơn"),
    (["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "BÁO CÁO TIẾN ĐỘ"], None),
])
def test_parent_unit_hint_from_the_title(title, hint):
    rows = simple_table([1, "Xã A", 10, 5, 1, 10], title=title)
    assert parse_rows(rows).parent_hint == hint


def test_title_text_is_kept_for_display():
    report = parse_rows(simple_table([1, "Xã A", 10, 5, 1, 10],
                                     title=("UBND HUYỆN BÌNH SƠN", "BÁO CÁO TIẾN ĐỘ")))
    assert report.title == "UBND HUYỆN BÌNH SƠN\nBÁO CÁO TIẾN ĐỘ"
    assert report.header_rows == (3, 3)


def test_three_group_bands_without_merge_information_are_carried_across():
    rows = [
        ["TT", "Xã, phường, thị trấn", "Người có công", None, None,
         "Bảo trợ xã hội", None, None, "Hộ nghèo, hộ cận nghèo", None, None],
        [None, None, *["Tổng số", "Đã mở tài khoản", "Chi trả không dùng tiền mặt"] * 3],
        [1, "Xã Cẩm Lạc", 151, 20, 10, 334, 30, 12, 437, 40, 15],
    ]
    report = parse_csv(rows)
    assert report.rows[0].values == {
        ("ncc", "total"): 151, ("ncc", "accounts"): 20, ("ncc", "cashless"): 10,
        ("btxh", "total"): 334, ("btxh", "accounts"): 30, ("btxh", "cashless"): 12,
        ("ngheo", "total"): 437, ("ngheo", "accounts"): 40, ("ngheo", "cashless"): 15,
    }
    assert sum(report.rows[0].values[(g, "total")] for g in ("ncc", "btxh", "ngheo")) == 922


def test_group_bands_above_the_row_naming_the_unit_columns():
    rows = [["BÁO CÁO TIẾN ĐỘ CHI TRẢ AN SINH XÃ HỘI KHÔNG DÙNG TIỀN MẶT"],
            [None, None, "Người có công", None, "Bảo trợ xã hội", None],
            ["TT", "Đơn vị", "Tổng số", "Số chi qua TK", "Tổng số", "Số chi qua TK"],
            [1, "Huyện Cam Lộ", 987, 30, 3378, 101]]
    report = parse_csv(rows)
    assert report.header_rows == (2, 3)
    assert report.title == "BÁO CÁO TIẾN ĐỘ CHI TRẢ AN SINH XÃ HỘI KHÔNG DÙNG TIỀN MẶT"
    assert report.rows[0].values == {("ncc", "total"): 987, ("ncc", "cashless"): 30,
                                     ("btxh", "total"): 3378, ("btxh", "cashless"): 101}


def test_merged_bands_in_xlsx_are_used():
    rows = [
        ["TT", "Đơn vị", "Người có công", None, "Bảo trợ xã hội", None],
        [None, None, "Tổng số", "Đã có TK", "Tổng số", "Đã có TK"],
        [1, "Huyện Cam Lộ", 987, 30, 3378, 101],
    ]
    report = parse_rows(rows, merges=("A1:A2", "B1:B2", "C1:D1", "E1:F1"))
    assert report.rows[0].values == {("ncc", "total"): 987, ("ncc", "accounts"): 30,
                                     ("btxh", "total"): 3378, ("btxh", "accounts"): 101}


@pytest.mark.parametrize("index_row", [
    ["A", "B", "1", "2", "3", "4=3/1"],
    ["A", "B", 1, 2, 3, "$4=3/1$"],
    ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"],
    ["A", "B", "1", "2", "3", "$6=2+3+4+5$"],
])
def test_index_row_under_the_header_is_skipped(index_row):
    report = parse_rows(simple_table(index_row, [1, "Xã A", 100, 50, 10, 10]))
    assert [(r.row_number, r.unit_text) for r in report.rows] == [(4, "Xã A")]
    assert report.problems == []


@pytest.mark.parametrize("label", ["TT", "STT", "Số TT", "S.T.T"])
def test_order_column_is_not_a_unit_or_a_figure(label):
    header = [label, "Đơn vị", "Tổng số đối tượng", "Số đã có TK", "Số chi qua TK", "Tỷ lệ"]
    report = parse_rows(simple_table([7, "Xã A", 100, 50, 10, 10], header=header))
    assert report.columns[0].role == "order"
    assert report.rows[0].unit_text == "Xã A"


@pytest.mark.parametrize("label", ["Tổng cộng", "TỔNG CỘNG", "Cộng", "Tổng", "Toàn tỉnh",
                                   "Toàn huyện", "Toàn quốc", "Tổng số"])
def test_total_rows_are_kept_apart(label):
    report = parse_rows(simple_table([None, label, 300, 150, 30, 10],
                                     [1, "Xã A", 100, 50, 10, 10],
                                     [2, "Xã Cộng Hòa", 200, 100, 20, 10]))
    assert [r.unit_text for r in report.rows] == ["Xã A", "Xã Cộng Hòa"]
    [total] = report.totals
    assert total.label == label and total.values[("all", "cashless")] == 30
    assert report.problems == []


def test_total_label_in_a_merged_order_and_name_cell():
    rows = simple_table([1, "Xã A", 100, 50, 10, 10], ["Tổng cộng", None, 100, 50, 10, 10])
    report = parse_rows(rows, merges=("A4:B4",))
    assert [t.row_number for t in report.totals] == [4]
    report = parse_csv(rows)  # no merge information: the label sits in the order column
    assert [t.row_number for t in report.totals] == [4]


def test_blank_rows_and_section_rows_are_skipped():
    report = parse_rows(simple_table(
        ["I", "Khu vực đồng bằng"], [1, "Xã A", 100, 50, 10, 10], [None] * 6,
        ["II", "Khu vực miền núi"], [2, "Xã B", 100, 50, 20, 20]))
    assert [(r.row_number, r.unit_text) for r in report.rows] == [(4, "Xã A"), (7, "Xã B")]
    assert report.problems == []


@pytest.mark.parametrize("stop", ["Người lập biểu", "TM. ỦY BAN NHÂN DÂN", "Ghi chú:",
                                  "KT. CHỦ TỊCH", "Bình Sơn, ngày 25 tháng 01 năm 2024"])
def test_table_ends_at_signature_blocks_and_notes(stop):
    report = parse_rows(simple_table(
        [1, "Xã A", 100, 50, 10, 10], [None] * 6, [None, stop],
        [None, "Nguyễn Văn A", 912345678, None, None, None]))
    assert [r.unit_text for r in report.rows] == ["Xã A"]
    assert report.problems == []


def test_trailing_names_without_figures_are_not_units():
    report = parse_rows(simple_table([1, "Xã A", 100, 50, 10, 10], [None] * 6,
                                     [None, "Phạm Quang Sự"]))
    assert [r.unit_text for r in report.rows] == ["Xã A"]


def test_unit_without_figures_between_others_is_kept_with_a_warning():
    report = parse_rows(simple_table([1, "Xã A", 100, 50, 10, 10], [2, "Xã B"],
                                     [3, "Xã C", 100, 50, 10, 10]))
    assert [r.unit_text for r in report.rows] == ["Xã A", "Xã B", "Xã C"]
    assert report.rows[1].values[("all", "total")] is None
    assert messages(report, "warning") == ["Dòng 4 (Xã B): chưa có số liệu."]


@pytest.mark.parametrize(("cell", "expected"), [
    (1912, 1912), (1912.0, 1912), ("1912", 1912), ("1.912", 1912), ("12.105", 12105),
    ("1.234.567", 1234567), (" 1 912 ", 1912), ("1,912", 1912), ("-", None), ("", None),
    ("#DIV/0!", None),
])
def test_counts_as_numbers_or_vietnamese_text(cell, expected):
    report = parse_rows(simple_table([1, "Xã A", cell, 5, None, None]))
    assert report.rows[0].values[("all", "total")] == expected


@pytest.mark.parametrize("rate", [0.6022, 60.22, "60,22%", "60,22", "60.22%", "60.22"])
def test_percentages_in_every_usual_form_become_a_percentage_number(rate):
    report = parse_rows(simple_table([1, "Xã Bình Trị", 626, None, 377, rate]))
    assert report.rows[0].values[("all", "rate")] == 60.22
    assert report.problems == []


def test_small_rate_typed_as_percent_among_fractions_is_read_from_the_counts():
    report = parse_rows(simple_table([1, "Xã Bình Trị", 626, None, 377, 0.6022],
                                     [2, "Xã Bình Trung", 519, None, 4, 0.77]))
    rates = [r.values[("all", "rate")] for r in report.rows]
    assert rates == [60.22, 0.77]
    assert report.problems == []


def test_rate_is_read_as_stated_and_left_to_the_checks():
    report = parse_rows(simple_table([1, "Xã A", 100, 50, 10, "50%"]))
    assert report.rows[0].values[("all", "rate")] == 50
    assert report.problems == []  # checked once, by ingest.checks (test_checks_in_plan)


@pytest.mark.parametrize(("header", "field_name"), [
    ("Tổng số đối tượng", "total"),
    ("Tổng số người có công", "total"),
    ("Tổng số đối tượng bảo trợ xã hội", "total"),
    ("Số đối tượng đang hưởng trợ cấp hàng tháng", "total"),
    ("Số đối tượng đã có tài khoản", "accounts"),
    ("Đã mở tài khoản", "accounts"),
    ("Số đã có TK", "accounts"),
    ("Số đối tượng đã chi trả qua tài khoản", "cashless"),
    ("Chi trả không dùng tiền mặt", "cashless"),
    ("Số chi qua TK", "cashless"),
    ("Tỷ lệ (%)", "rate"),
    ("Tỷ lệ %", "rate"),
    ("Tỉ lệ", "rate"),
    ("TỶ LỆ", "rate"),
    ("Số đối tượng chi trả qua tài khoản người được ủy quyền", "proxy_paid"),
    ("Chi qua tài khoản người được uỷ quyền", "proxy_paid"),
    ("Số đối tượng bất khả kháng chi trả tại nhà", "cash_at_home"),
    ("Chi trả tại nhà", "cash_at_home"),
    ("Số đã xác thực", "id_verified"),
    ("Chờ xác thực", "id_pending"),
    ("Không có CCCD, lệch thông tin, không tìm thấy", "id_problem"),
    ("Lệch thông tin", "id_problem"),
    (unicodedata.normalize("NFD", "Số đối tượng đã có tài khoản"), "accounts"),
    (unicodedata.normalize("NFD", "Tỷ lệ (%)"), "rate"),
])
def test_header_wording_variants(header, field_name):
    rows = [["TT", "Tên đơn vị", header], [1, "Xã A", 5]]
    report = parse_rows(rows)
    assert report.columns[2].role == "figure"
    assert report.columns[2].field == field_name
    assert parse_csv(rows).columns[2].field == field_name


def test_optional_figures_from_seed_003_wording():
    rows = [
        ["STT", "Xã, thị trấn", "Xác thực với CSDLQG về dân cư", None, None,
         "Chi trả qua tài khoản người được ủy quyền", "Bất khả kháng, chi trả tại nhà"],
        [None, None, "Đã xác thực", "Chờ xác thực",
         "Không có CCCD, lệch thông tin, không tìm thấy", None, None],
        [1, "Xã Bình Trị", "10.778", "1.232", 223, 12, 3],
    ]
    report = parse_rows(rows, merges=("C1:E1",))
    assert report.rows[0].values == {
        ("all", "id_verified"): 10778, ("all", "id_pending"): 1232, ("all", "id_problem"): 223,
        ("all", "proxy_paid"): 12, ("all", "cash_at_home"): 3}


def test_column_of_account_share_is_not_the_headline_rate():
    rows = [["TT", "Đơn vị", "Tổng số", "Đã có tài khoản", None, "Đã chi trả qua tài khoản", None],
            [None, None, None, "Số lượng", "Tỷ lệ", "Số lượng", "Tỷ lệ"],
            [1, "Xã A", 100, 40, 40, 10, 10]]
    report = parse_csv(rows)
    assert report.rows[0].values == {("all", "total"): 100, ("all", "accounts"): 40,
                                     ("all", "cashless"): 10, ("all", "rate"): 10}
    assert report.columns[4].role == "ignored"


@pytest.mark.parametrize("header", ["Số đối tượng chưa có tài khoản", "Số mở tài khoản trong ngày",
                                    "Chi trả bằng tiền mặt", "Số chưa chi qua tài khoản"])
def test_look_alike_columns_are_not_taken_for_figures(header):
    report = parse_rows([["TT", "Đơn vị", "Tổng số đối tượng", header], [1, "Xã A", 100, 7]])
    assert report.columns[3].role == "ignored"
    assert report.rows[0].values == {("all", "total"): 100}


def test_notes_column_is_shown_as_not_understood():
    report = parse_rows(simple_table(
        [1, "Xã A", 100, 50, 10, 10, "Chưa triển khai"],
        header=["TT", "Đơn vị", "Tổng số đối tượng", "Số đã có TK", "Số chi qua TK",
                "Tỷ lệ (%)", "Ghi chú"]))
    assert report.columns[6].role == "ignored" and report.columns[6].header == "Ghi chú"
    assert report.problems == []


def test_two_columns_with_one_meaning_are_asked_about_not_picked():
    report = parse_rows(simple_table(
        [1, "Xã A", 100, 90],
        header=["TT", "Đơn vị", "Tổng số đối tượng", "Tổng số đối tượng (cũ)"]))
    assert report.rows[0].values == {("all", "total"): 100}  # never a mixture of both
    [problem] = report.problems
    assert problem.severity == "error" and problem.rule == "ambiguous_column"
    assert "C (Tổng số đối tượng) và D (Tổng số đối tượng (cũ))" in problem.message_vi
    assert "--map" in problem.message_vi


def test_the_data_decide_between_readings_the_words_allow():
    # "có tài khoản đã chi trả" names accounts, cashless and a count of people: only one
    # reading keeps cashless <= accounts <= total on every row.
    report = parse_rows(simple_table(
        [1, "Xã A", 100, 60, 40], [2, "Xã B", 80, 50, 10],
        header=["TT", "Đơn vị", "Tổng số đối tượng", "Số đối tượng có tài khoản",
                "Số đối tượng có tài khoản đã chi trả"]))
    assert [(c.letter, c.field) for c in report.columns if c.role == "figure"] == [
        ("C", "total"), ("D", "accounts"), ("E", "cashless")]
    assert report.rows[1].values[("all", "cashless")] == 10
    assert [p.rule for p in report.problems] == ["column_by_data"]
    assert report.problems[0].severity == "warning"


@pytest.mark.parametrize(("title", "groups"), [
    ("BÁO CÁO CHI TRẢ TRỢ CẤP BẢO TRỢ XÃ HỘI QUA TÀI KHOẢN", ["btxh"]),
    ("BÁO CÁO CHI TRẢ ƯU ĐÃI NGƯỜI CÓ CÔNG", ["ncc"]),
    ("BÁO CÁO CHI TRẢ CHO HỘ NGHÈO, HỘ CẬN NGHÈO", ["ngheo"]),
    ("BÁO CÁO CHI TRẢ AN SINH XÃ HỘI KHÔNG DÙNG TIỀN MẶT", ["all"]),
    ("BÁO CÁO NGƯỜI CÓ CÔNG VÀ BẢO TRỢ XÃ HỘI", ["all"]),
])
def test_group_from_the_title_when_columns_name_none(title, groups):
    report = parse_rows(simple_table([1, "Xã A", 100, 50, 10, 10], title=(title,)))
    assert report.groups == groups


def test_group_from_the_header_words_without_bands():
    report = parse_rows(simple_table(
        [1, "Xã A", 151, 10, 334, 12],
        header=["TT", "Đơn vị", "Tổng số người có công", "Số NCC đã chi qua TK",
                "Tổng số đối tượng BTXH", "Số BTXH đã chi qua TK"]))
    assert report.rows[0].values == {("ncc", "total"): 151, ("ncc", "cashless"): 10,
                                     ("btxh", "total"): 334, ("btxh", "cashless"): 12}


def test_unbanded_columns_beside_group_bands_belong_to_all():
    rows = [["TT", "Đơn vị", "Tổng cộng", "Người có công", "Bảo trợ xã hội"],
            [None, None, "Tổng số đối tượng", "Tổng số đối tượng", "Tổng số đối tượng"],
            [1, "Xã A", 485, 151, 334]]
    assert parse_csv(rows).rows[0].values == {("all", "total"): 485, ("ncc", "total"): 151,
                                              ("btxh", "total"): 334}


@pytest.mark.parametrize(("title", "expected"), [
    ("BÁO CÁO TIẾN ĐỘ (tính đến ngày 31/3/2024)", dt.date(2024, 3, 31)),
    ("Số liệu đến ngày 25/01/2024", dt.date(2024, 1, 25)),
    ("Bình Sơn, ngày 25 tháng 01 năm 2024", dt.date(2024, 1, 25)),
    ("Số liệu tính đến 17h00 ngày 25-01-2024", dt.date(2024, 1, 25)),
    ("Tính đến hết ngày 23.01.2024", dt.date(2024, 1, 23)),
])
def test_report_date_from_the_title(title, expected):
    report = parse_rows(simple_table([1, "Xã A", 100, 50, 10, 10], title=(title,)),
                        file_name="bao_cao_2024-02-01.xlsx")
    assert (report.report_date, report.date_source) == (expected, "title")


def test_report_date_from_a_date_cell_in_the_title():
    rows = simple_table([1, "Xã A", 100, 50, 10, 10], title=("BÁO CÁO TIẾN ĐỘ", ""))
    rows[1] = ["Ngày báo cáo:", dt.date(2024, 1, 25)]
    report = parse_rows(rows, file_name="bc.xlsx")
    assert (report.report_date, report.date_source) == (dt.date(2024, 1, 25), "title")


def test_date_argument_wins_over_title_and_file_name():
    rows = simple_table([1, "Xã A", 100, 50, 10, 10], title=("Đến ngày 25/01/2024",))
    report = parse_rows(rows, file_name="2024-02-01.xlsx", date=dt.date(2024, 2, 2))
    assert (report.report_date, report.date_source) == (dt.date(2024, 2, 2), "argument")


@pytest.mark.parametrize("file_name", ["bao_cao_2024-01-25.xlsx", "BC 25-01-2024.xlsx",
                                       "tien_do_25012024.xlsx", "25.01.2024 Bình Sơn.xls",
                                       "C:\\Users\\vt\\Desktop\\20240125_bc.xlsx"])
def test_report_date_from_the_file_name(file_name):
    report = parse_rows(simple_table([1, "Xã A", 100, 50, 10, 10]), file_name=file_name)
    assert (report.report_date, report.date_source) == (dt.date(2024, 1, 25), "file_name")


def test_missing_date_is_reported_not_guessed():
    title = ("Kèm theo Công văn số 271/SLĐTBXH ngày 19/01/2024",
             "Bình Sơn, ngày  tháng 01 năm 2024")
    report = parse_rows(simple_table([1, "Xã A", 100, 50, 10, 10], title=title),
                        file_name="bao_cao_thang_1.xlsx")
    assert (report.report_date, report.date_source) == (None, None)
    assert date_from_file_name("bc_31022024.xlsx") is None  # no such day


def test_codes_stay_text_and_numeric_codes_get_their_zeros_back():
    rows = [["Mã tỉnh", "Mã huyện", "Mã xã", "Tên xã", "Tổng số đối tượng"],
            ["01", "001", "00001", "Phường Phúc Xá", 10],
            [1, 1, 4, "Phường Trúc Bạch", 20],
            [1.0, 1.0, 6.0, "Phường Vĩnh Phúc", 30]]
    report = parse_rows(rows)
    assert [r.codes for r in report.rows] == [
        {1: "01", 2: "001", 3: "00001"}, {1: "01", 2: "001", 3: "00004"},
        {1: "01", 2: "001", 3: "00006"}]
    assert [c.level for c in report.columns[:4]] == [1, 2, 3, 3]


def test_codes_written_as_decimal_text_lose_the_decimals():
    rows = [["Mã xã", "Tên xã", "Tổng số đối tượng"], ["21061.0", "Xã Bình Trị", 626]]
    assert parse_csv(rows).rows[0].codes == {3: "21061"}


def test_code_column_without_a_level_takes_it_from_the_width():
    rows = [["Mã đơn vị", "Tên đơn vị", "Tổng số đối tượng"],
            ["21061", "Bình Trị", 626], ["524", "Huyện Bình Sơn", 12105]]
    report = parse_rows(rows)
    assert [r.codes for r in report.rows] == [{3: "21061"}, {2: "524"}]


def test_hierarchy_columns_carry_names_down_and_reset_below_a_new_parent():
    rows = [["Huyện", "Xã", "Tổng số đối tượng"],
            ["Huyện Cam Lộ", "Thị trấn Cam Lộ", 10],
            [None, "Xã Cam Tuyền", 20],
            ["Huyện Gio Linh", None, 30],
            [None, "Thị trấn Gio Linh", 40]]
    report = parse_rows(rows)
    assert [(r.unit_text, r.level, r.hierarchy) for r in report.rows] == [
        ("Thị trấn Cam Lộ", 3, {2: "Huyện Cam Lộ", 3: "Thị trấn Cam Lộ"}),
        ("Xã Cam Tuyền", 3, {2: "Huyện Cam Lộ", 3: "Xã Cam Tuyền"}),
        ("Huyện Gio Linh", 2, {2: "Huyện Gio Linh"}),
        ("Thị trấn Gio Linh", 3, {2: "Huyện Gio Linh", 3: "Thị trấn Gio Linh"}),
    ]


def test_quota_year_from_the_title_when_quarters_have_none():
    rows = [["GIAO CHỈ TIÊU NĂM 2024"],
            ["TT", "Đơn vị", "Tổng số đối tượng", "Quý 1", "Quý 2", "Quý 3", "Quý 4",
             "Cả năm"],
            [1, "Huyện Cam Lộ", 987, 30, 69, 79, 118, 296]]
    report = parse_rows(rows)
    assert report.kind == "quota" and report.year == 2024
    assert report.rows[0].values == {
        ("all", "base_total"): 987, ("all", "q1"): 30, ("all", "q2"): 69, ("all", "q3"): 79,
        ("all", "q4"): 118, ("all", "year_total"): 296}


def test_quarters_not_adding_up_to_the_year_are_flagged():
    rows = [["TT", "Đơn vị", "Quý 1/2024", "Quý 2/2024", "Quý 3/2024", "Quý 4/2024",
             "Tổng số cả năm 2024"],
            [1, "Huyện Cam Lộ", 30, 69, 79, 118, 300]]
    assert messages(parse_rows(rows)) == [
        "Dòng 2 (Huyện Cam Lộ): cộng bốn quý được 296 nhưng cột cả năm ghi 300."]


def test_forced_kind_is_kept():
    report = parse_report(read_sheets(binh_son_xlsx(), "x"), "x", kind="national")
    assert report.kind == "national"
    with pytest.raises(ValueError):
        parse_report(read_sheets(binh_son_xlsx(), "x"), "x", kind="weekly")


# --- problems the layout stage can see -------------------------------------------------------


def test_text_that_is_not_a_number_is_an_error_on_its_cell():
    report = parse_rows(simple_table([1, "Xã A", "abc", 50, "12,5 người", None]))
    assert report.rows[0].values[("all", "total")] is None
    assert report.rows[0].values[("all", "accounts")] == 50
    assert messages(report, "error") == [
        "Dòng 3, cột C (Tổng số đối tượng): “abc” không phải là số.",
        "Dòng 3, cột E (Số đã chi trả qua tài khoản): “12,5 người” không phải là số.",
    ]
    assert {p.column for p in report.problems} == {2, 4}
    assert report.has_errors


def test_fractional_and_negative_counts_are_errors():
    report = parse_rows(simple_table([1, "Xã A", "12,5", -3, None, None]))
    assert messages(report, "error") == [
        "Dòng 3, cột C (Tổng số đối tượng): “12,5” không phải số nguyên.",
        "Dòng 3, cột D (Số đã có tài khoản): số âm (-3).",
    ]


def test_subtotal_rows_are_checked_against_their_own_block():
    report = parse_rows(simple_table([1, "Xã A", 100, 50, 10, None],
                                     [None, "Cộng", 100, 50, 10, None],
                                     [2, "Xã B", 200, 60, 20, None],
                                     [None, "Cộng", 200, 60, 20, None],
                                     [None, "Tổng cộng", 300, 110, 30, None]))
    assert len(report.totals) == 3
    assert report.problems == []


def test_row_with_figures_but_no_unit_is_flagged_and_skipped():
    report = parse_rows(simple_table([1, "Xã A", 100, 50, 10, 10], [2, None, 5, 1, 1, 20]))
    assert [r.unit_text for r in report.rows] == ["Xã A"]
    assert messages(report) == [
        "Dòng 4 có số liệu nhưng không có tên hoặc mã đơn vị; dòng này được bỏ qua."]


# --- sheets ------------------------------------------------------------------------------


def test_the_sheet_holding_the_table_is_chosen():
    data = xlsx(
        SheetSpec("Bìa", [["UBND HUYỆN BÌNH SƠN"], ["Báo cáo kết quả chi trả tháng 01/2024"]]),
        SheetSpec("Trống", []),
        SheetSpec("Cũ", simple_table([1, "Xã A", 1, 1, 1, 100], [2, "Xã B", 1, 1, 1, 100],
                                     [3, "Xã C", 1, 1, 1, 100]), hidden=True),
        SheetSpec("BTXH", binh_son_rows()),
    )
    report = parse_report(read_sheets(data, "x.xlsx"), "x.xlsx")
    assert report.sheet_name == "BTXH" and len(report.rows) == 22
    assert report.other_table_sheets == ["Cũ"]
    forced = parse_report(read_sheets(data, "x.xlsx"), "x.xlsx", sheet_name="Cũ")
    assert forced.sheet_name == "Cũ" and len(forced.rows) == 3


def test_sheet_with_only_prose_has_no_table():
    data = xlsx(SheetSpec("Công văn", [
        ["ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ"],
        ["V/v tăng cường thực hiện chi trả an sinh xã hội không dùng tiền mặt"],
        ["Theo báo cáo của Sở Lao động - Thương binh và Xã hội, tính đến ngày 31/12/2023, "
         "toàn tỉnh có 64.454 đối tượng chính sách an sinh xã hội đang hưởng trợ cấp."],
    ]))
    with pytest.raises(SpreadsheetError) as caught:
        parse_report(read_sheets(data, "cv.xlsx"), "cv.xlsx")
    assert str(caught.value) == MSG_NO_TABLE
    assert "Tên địa phương" in MSG_NO_TABLE and "Tỷ lệ (%)" in MSG_NO_TABLE


def test_unit_list_without_figure_columns_has_no_table():
    data = xlsx(SheetSpec("DS", [["TT", "Họ và tên", "Xã"], [1, "Nguyễn Văn A", "Bình Trị"]]))
    with pytest.raises(SpreadsheetError):
        parse_report(read_sheets(data, "ds.xlsx"), "ds.xlsx")


def test_unit_column_with_an_unusual_header_is_taken_from_its_text():
    rows = [["TT", "Nội dung", "Tổng số đối tượng", "Số chi qua TK"],
            [1, "Xã Bình Trị", 626, 377], [2, "Xã Bình Long", 522, 6]]
    report = parse_rows(rows)
    assert [r.unit_text for r in report.rows] == ["Xã Bình Trị", "Xã Bình Long"]


# --- number reading ----------------------------------------------------------------------


def test_percent_fields_read_one_separator_as_the_decimal_one():
    assert parse_number("12.105", percent=True).value == 12.105
    assert parse_number("12.105").value == 12105
    assert parse_number("1.912,5").value == 1912.5
    with pytest.raises(ValueError):
        parse_number("12,5 người")


def test_one_row_per_unit_and_group_under_a_group_column():
    rows = [
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
    merged = parse_rows(rows, merges=("A2:A4", "B2:B4", "A5:A6", "B5:B6", "A7:B8"))
    for report in (parse_csv(rows), merged):
        assert report.columns[2].role == "group"
        assert report.groups == ["ncc", "btxh", "ngheo"]
        assert [(r.row_number, r.unit_text) for r in report.rows] == [
            (2, "Xã Cẩm Lạc"), (5, "Xã Cẩm Minh")]
        assert report.rows[0].values == {
            ("ncc", "total"): 151, ("ncc", "accounts"): 20, ("ncc", "cashless"): 10,
            ("btxh", "total"): 334, ("btxh", "accounts"): 30, ("btxh", "cashless"): 12,
            ("ngheo", "total"): 437, ("ngheo", "accounts"): 40, ("ngheo", "cashless"): 15}
        [total] = report.totals
        assert total.values[("btxh", "total")] == 534
        assert report.problems == []
