"""Report forms for the level above, opened with openpyxl (title, date line, merged group
bands, index row, totals, Vietnamese number formats) and imported back through the importer
to the very same figures."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from core.access.permissions import Account
from core.analytics import metrics
from core.catalogue.units import child_codes
from core.errors import UserError
from core.exports import forms
from core.ingest.apply import apply_import
from core.ingest.plan import ImportPlan, plan_import
from core.vocabulary import COUNT_FIELDS, GROUPS
from tests.helpers import put_figures

pytestmark = pytest.mark.postgres

ADMIN = Account("quan_tri", "admin", None)
DAY = dt.date(2024, 1, 25)


def build(engine, unit: str, day: dt.date | None = DAY) -> bytes:
    with engine.connect() as conn:
        return forms.build(conn, unit, day)


def sheet_of(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def find_row(ws, first_cell) -> int:
    return next(r[0].row for r in ws.iter_rows() if r[0].value == first_cell)


def merged(ws) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


def import_into(engine, data: bytes, name: str = "bieu.xlsx") -> ImportPlan:
    with engine.begin() as conn:
        plan = plan_import(conn, data, name, today=dt.date(2024, 12, 31))
        assert plan.can_apply, (plan.problems, plan.questions)
        apply_import(conn, plan, ADMIN)
    return plan


def figures_by_group(engine, codes: list[str], day: dt.date) -> dict:
    with engine.connect() as conn:
        return {g: metrics.figures_as_of(conn, codes, day, g)[list(COUNT_FIELDS)].sort_index()
                for g in GROUPS}


@pytest.fixture(scope="module")
def binh_son(demo_engine) -> bytes:
    return build(demo_engine, "524")


@pytest.fixture(scope="module")
def quang_tri(demo_engine) -> bytes:
    return build(demo_engine, "45")


def test_district_form_title_date_bands_and_index_row(binh_son):
    ws = sheet_of(binh_son)
    assert ws.title == "Tổng hợp"
    assert ws["A1"].value == "UBND HUYỆN BÌNH SƠN"
    assert ws["A3"].value == forms.TITLE
    assert ws["A4"].value == "CỦA CÁC XÃ, PHƯỜNG, THỊ TRẤN THUỘC HUYỆN BÌNH SƠN"
    assert ws["A5"].value == "(Số liệu tính đến ngày 25/01/2024)"
    header = find_row(ws, "STT")
    assert [ws.cell(header, c).value for c in (1, 2, 3)] == ["STT", "Mã xã",
                                                              "Xã, phường, thị trấn"]
    # Bình Sơn's communes report btxh only: one band, the identity checks after the rate.
    assert ws.cell(header, 4).value == "Bảo trợ xã hội"
    fields = [ws.cell(header + 1, c).value for c in range(4, ws.max_column + 1)]
    assert fields[:4] == ["Tổng số đối tượng", "Số đã có tài khoản",
                          "Số đã chi trả qua tài khoản", "Tỷ lệ (%)"]
    assert f"D{header}:{openpyxl.utils.get_column_letter(3 + len(fields))}{header}" in merged(ws)
    assert {f"A{header}:A{header + 1}", f"C{header}:C{header + 1}"} <= merged(ws)
    index = [ws.cell(header + 2, c).value for c in range(1, 8)]
    assert index == ["A", "B", "C", "1", "2", "3", "4=3/1"]


def test_district_form_rows_totals_and_number_formats(binh_son):
    ws = sheet_of(binh_son)
    first = find_row(ws, "STT") + 3
    rows = {r[1].value: r for r in ws.iter_rows(min_row=first) if isinstance(r[0].value, int)}
    assert set(rows) == set(child_codes("524"))  # every commune reported: 22 rows
    assert [r[0].value for r in rows.values()] == list(range(1, 23))
    binh_tri = rows["21061"]
    assert binh_tri[2].value == "Xã Bình Trị"
    assert (binh_tri[3].value, binh_tri[5].value) == (724, 436)
    assert binh_tri[6].value == pytest.approx(436 / 724)
    total = ws[find_row(ws, "Tổng cộng")]
    assert (total[3].value, total[4].value, total[5].value) == (12105, 1263, 1049)
    assert round(total[6].value * 100, 2) == 8.67
    assert [total[c].value for c in (7, 8, 9)] == [10778, 1232, 223]  # verified, pending...
    assert total[3].number_format == "#,##0" and total[6].number_format == "0.00%"
    assert binh_tri[1].number_format == "@"
    assert total[0].font.b
    assert f"A{total[0].row}:C{total[0].row}" in merged(ws)


def test_province_form_one_row_per_district_with_both_groups(quang_tri, demo_engine):
    ws = sheet_of(quang_tri)
    assert ws["A1"].value == "UBND TỈNH QUẢNG TRỊ"
    header = find_row(ws, "STT")
    assert ws.cell(header, 2).value == "Mã huyện"
    bands = [ws.cell(header, c).value for c in (4, 8)]
    assert bands == ["Người có công", "Bảo trợ xã hội"]
    assert ws.cell(header + 2, 11).value == "8=7/5"
    first = header + 3
    rows = [r for r in ws.iter_rows(min_row=first) if isinstance(r[0].value, int)]
    assert len(rows) == 9  # Cồn Cỏ has no figures: named in the note instead
    total = ws[find_row(ws, "Tổng cộng")]
    assert total[3].value == sum(r[3].value for r in rows) == 16975  # the seed's ncc
    assert total[7].value == sum(r[7].value for r in rows) == 47479
    note = next(r[0].value for r in ws.iter_rows() if str(r[0].value).startswith("Ghi chú"))
    assert "Chưa có số liệu: Huyện Cồn Cỏ." in note and "Dữ liệu mẫu" in note
    assert ws.page_setup.orientation == "landscape"


@pytest.mark.parametrize("unit", ["524", "45", "464"])
def test_form_imports_back_to_the_same_figures(demo_engine, empty_engine, unit):
    """District by commune (Bình Sơn, Vĩnh Linh) and province by district (Quảng Trị)."""
    day = dt.date(2024, 3, 5) if unit == "464" else DAY
    plan = import_into(empty_engine, build(demo_engine, unit, day))
    assert (plan.kind, plan.report_date, plan.parent_code) == ("progress", day, unit)
    assert plan.problems == []
    children = list(child_codes(unit))
    before = figures_by_group(demo_engine, children, day)
    after = figures_by_group(empty_engine, children, day)
    for group in GROUPS:
        assert before[group].equals(after[group]), group
    assert not before["btxh"].empty


def test_form_of_ungrouped_figures_imports_back(empty_engine, databases):
    put_figures(empty_engine, [("21061", "all", "2024-02-01", 1049, 900, 800),
                               ("21040", "all", "2024-02-01", 12105, 1200, 1049),
                               ("21043", "all", "2024-01-30", 100, 0, 0)])
    data = build(empty_engine, "524", dt.date(2024, 2, 1))
    ws = sheet_of(data)
    assert ws.cell(find_row(ws, "STT"), 4).value == "Chung các nhóm đối tượng"
    target = databases.new_engine()
    assert import_into(target, data).groups == ["all"]
    with target.connect() as conn:
        figs = metrics.figures_as_of(conn, ["21061", "21040", "21043"], dt.date(2024, 2, 1))
    assert figs.loc["21040", ["total", "accounts", "cashless"]].tolist() == [12105, 1200, 1049]
    assert figs.loc["21043", "cashless"] == 0


def test_form_refusals_are_vietnamese(demo_engine, empty_engine):
    with pytest.raises(UserError, match="là cấp xã"):
        build(demo_engine, "21061")
    with pytest.raises(UserError, match="Chưa có số liệu của các huyện thuộc Tỉnh Lào Cai"):
        build(demo_engine, "10")  # Lào Cai reports as a province only
    with pytest.raises(UserError, match="Chưa có số liệu nào của Huyện Bình Sơn"):
        build(empty_engine, "524", None)


def test_file_name():
    assert forms.file_name("45", DAY) == "bieu-tong-hop_tinh-quang-tri_2024-01-25.xlsx"
