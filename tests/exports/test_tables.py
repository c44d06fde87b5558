"""The lagging-communes list as .xlsx and CSV, opened the way a reader would open them."""

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from core.analytics import metrics, status
from core.exports import tables as exports

DAY = dt.date(2024, 1, 25)


@pytest.fixture(scope="module")
def binh_son_list(demo_engine):
    with demo_engine.connect() as conn:
        threshold = metrics.lag_threshold(conn, "524", DAY)
        return metrics.lagging(conn, "524", DAY), threshold


def _sheet(table, threshold):
    data = exports.lagging_xlsx(table, unit="524", as_of=DAY, threshold=threshold,
                                group_label="Tất cả nhóm", source="«Dữ liệu mẫu (demo)»")
    return load_workbook(io.BytesIO(data)).active


def test_workbook_has_title_date_header_and_every_commune(binh_son_list):
    table, threshold = binh_son_list
    ws = _sheet(table, threshold)
    assert ws["A1"].value == "DANH SÁCH XÃ CHẬM TIẾN ĐỘ"
    assert ws["A1"].font.bold
    assert ws["A2"].value == "Tính đến ngày 25/01/2024"
    assert "Huyện Bình Sơn, Tỉnh Quảng Ngãi" in ws["A3"].value
    assert "dưới 8,67%" in ws["A3"].value
    header = [c.value for c in ws[5]]
    assert header == list(exports.HEADERS)
    assert ws["A5"].font.bold and ws["A5"].fill.fgColor.rgb.endswith("1F3A5F")
    names = [ws.cell(row=r, column=3).value for r in range(6, 6 + 18)]
    assert len(set(names)) == 18
    assert names[:4] == ["Xã Bình An", "Xã Bình Châu", "Xã Bình Mỹ", "Xã Bình Phước"]
    assert ws.cell(row=6 + 18, column=1).value is None  # nothing after the 18th commune
    assert ws.cell(row=6 + 19, column=1).value == (
        "Tổng cộng: 18 xã (4 chưa triển khai, 14 dưới ngưỡng)")
    assert ws.freeze_panes == "A6"
    assert ws.column_dimensions["C"].width >= 20


def test_numbers_are_numbers_with_vietnamese_friendly_formats(binh_son_list):
    table, threshold = binh_son_list
    ws = _sheet(table, threshold)
    rows = {ws.cell(row=r, column=3).value: r for r in range(6, 24)}
    long_row = rows["Xã Bình Long"]
    assert ws.cell(row=long_row, column=5).value == 522
    assert ws.cell(row=long_row, column=5).number_format == "#,##0"
    assert ws.cell(row=long_row, column=6).value == 6
    rate = ws.cell(row=long_row, column=7)
    assert rate.value == pytest.approx(6 / 522)
    assert rate.number_format == "0.00%"
    assert ws.cell(row=long_row, column=8).value == "Dưới ngưỡng"
    day = ws.cell(row=long_row, column=9)
    assert day.value.date() == DAY and day.number_format == "dd/mm/yyyy"
    assert ws.cell(row=rows["Xã Bình An"], column=8).value == "Chưa triển khai"


def test_csv_round_trip_with_bom(binh_son_list):
    table, _ = binh_son_list
    data = exports.lagging_csv(table)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 18
    by_name = {r["Xã/phường/thị trấn"]: r for r in rows}
    assert by_name["Xã Bình Long"]["Tỷ lệ (%)"] == "1.15"
    assert by_name["Xã Bình Long"]["Tổng số đối tượng"] == "522"
    assert by_name["Xã Bình Trung"]["Tỷ lệ (%)"] == "0.77"
    assert by_name["Xã Bình Châu"]["Tình trạng"] == "Chưa triển khai"
    assert by_name["Xã Bình Châu"]["Báo cáo gần nhất"] == "25/01/2024"
    assert {r["Thuộc huyện"] for r in rows} == {"Huyện Bình Sơn"}


def test_empty_list_and_file_names(binh_son_list):
    table, threshold = binh_son_list
    ws = _sheet(table.iloc[:0], threshold)
    assert ws.cell(row=7, column=1).value == "Tổng cộng: 0 xã"
    assert exports.lagging_csv(table.iloc[:0]).decode("utf-8-sig").count("\n") == 1
    assert exports.file_name("524", DAY, "xlsx") == (
        "xa-cham-tien-do_huyen-binh-son_2024-01-25.xlsx")


def test_each_commune_row_is_filled_with_its_rates_light(binh_son_list):
    """Red behind, amber at risk (core.analytics.status): the same colours as the page and the deck;
    the header is neutral, never red."""
    table, threshold = binh_son_list
    thresholds = status.RateThresholds(red_below=0.5, green_from=15.0)
    data = exports.lagging_xlsx(table, unit="524", as_of=DAY, threshold=threshold,
                                group_label="Tất cả nhóm", thresholds=thresholds)
    ws = load_workbook(io.BytesIO(data)).active
    by_name = {ws.cell(row=r, column=3).value: r for r in range(6, 6 + len(table))}
    red = status.LIGHT_FILLS[status.RED].lstrip("#").upper()
    amber = status.LIGHT_FILLS[status.AMBER].lstrip("#").upper()
    assert ws.cell(row=by_name["Xã Bình Châu"], column=7).fill.fgColor.rgb.endswith(red)  # 0%
    assert ws.cell(row=by_name["Xã Bình Hòa"], column=7).fill.fgColor.rgb.endswith(red)  # 0,49%
    assert ws.cell(row=by_name["Xã Bình Long"], column=8).fill.fgColor.rgb.endswith(amber)
    assert not ws["A5"].fill.fgColor.rgb.endswith(red)
