"""Hidden rows and columns are not read: what a person sees in the office program is imported.

Offices keep last week's figures in a hidden column beside this week's, under the same
header, and hide stale or draft rows. The workbooks are real xlsx files written by openpyxl
(the way Excel writes hidden columns and rows: <col hidden="1">, <row hidden="1">) and ODS
files written as LibreOffice writes them (table:visibility="collapse" / "filter").
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from xml.sax.saxutils import escape

import openpyxl
import pytest

from core.ingest.files import read_sheets
from core.ingest.model import Sheet
from core.ingest.plan import ImportPlan, plan_import
from tests.workbooks import BINH_SON_COMMUNES

DAY = dt.date(2024, 1, 25)
BINH_SON = "524"
HEADER = ["TT", "Xã, thị trấn", "Tổng số đối tượng đang hưởng trợ cấp hàng tháng",
          "Số đối tượng đã chi trả qua tài khoản", "Số đối tượng đã chi trả qua tài khoản",
          "Tỷ lệ (%)"]
LAST_WEEK = {name: paid // 2 for name, _, paid, _ in BINH_SON_COMMUNES}
STALE_ROW = ["", "Xã Bình Trị", 626, 100, 100, "15,97%"]  # a draft row left in, hidden


def _binh_son_with_last_week(hide: bool) -> bytes:
    """Bình Sơn's btxh table with last week's cashless counts in column D, hidden, left of
    this week's in E under the same header, and a stale row for Xã Bình Trị, hidden."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "BTXH"
    sheet.append(["BÁO CÁO KẾT QUẢ CHI TRẢ TRỢ CẤP BẢO TRỢ XÃ HỘI QUA TÀI KHOẢN"])
    sheet.append(["(Số liệu tính đến ngày 25/01/2024)"])
    sheet.append(["", "", "", "Tuần trước"])
    sheet.append(HEADER)
    for number, (name, total, paid, rate) in enumerate(BINH_SON_COMMUNES, start=1):
        sheet.append([number, name, total, LAST_WEEK[name], paid, rate])
        if name == "Xã Bình Trị":
            sheet.append(STALE_ROW)
            stale_row = sheet.max_row
    if hide:
        sheet.column_dimensions["D"].hidden = True
        sheet.row_dimensions[3].hidden = True
        sheet.row_dimensions[stale_row].hidden = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _plan(engine, data: bytes) -> ImportPlan:
    with engine.connect() as conn:
        return plan_import(conn, data, "binh_son.xlsx", date=DAY, unit=BINH_SON,
                                    today=dt.date(2024, 12, 31))


@pytest.mark.postgres
def test_the_visible_current_figures_are_planned_not_the_hidden_ones(empty_engine):
    plan = _plan(empty_engine, _binh_son_with_last_week(hide=True))

    assert plan.can_apply, (plan.errors, plan.questions)
    frame = plan.figures.set_index("unit_code")
    assert len(frame) == len(BINH_SON_COMMUNES)  # the hidden stale row is no data row
    by_name = {name: paid for name, _, paid, _ in BINH_SON_COMMUNES}
    assert int(frame["cashless"].sum()) == sum(by_name.values()) == 1049
    binh_tri = plan.figures[plan.figures["unit_code"] == _code("Xã Bình Trị")].iloc[0]
    assert (binh_tri["total"], binh_tri["cashless"]) == (626, 377)
    # The person is told what was left unread, and it does not block the import.
    [note] = [p for p in plan.warnings if "ẩn" in p.message_vi]
    assert note.message_vi.startswith(
        "Trang tính «BTXH»: không đọc 1 cột ẩn (D) và 2 dòng ẩn (3, 13)")


@pytest.mark.postgres
def test_the_same_file_unhidden_is_not_read_the_same_way(empty_engine):
    """The control: the hidden parts are what changes the reading, nothing else."""
    plan = _plan(empty_engine, _binh_son_with_last_week(hide=False))

    planned = None if plan.figures.empty else sorted(plan.figures["cashless"].tolist())
    visible = sorted(paid for _, _, paid, _ in BINH_SON_COMMUNES)
    assert not plan.can_apply or planned != visible


def _code(name: str) -> str:
    from core.catalogue.resolver import get_resolver

    return get_resolver().resolve(name, parent=BINH_SON).unit.code


# --- reading -----------------------------------------------------------------------------


def _workbook(*sheets: tuple[str, list[list[object]], list[str], list[int]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows, hidden_columns, hidden_rows in sheets:
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for letter in hidden_columns:
            sheet.column_dimensions[letter].hidden = True
        for number in hidden_rows:
            sheet.row_dimensions[number].hidden = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_hidden_rows_and_columns_of_each_xlsx_sheet_by_its_name():
    grid = [[f"{r}{c}" for c in "ABCDE"] for r in range(1, 7)]
    data = _workbook(("Tổng hợp", grid, [], []),
                     ("Tuần 3 & 4 <cũ>", grid, ["B", "D"], [2, 5]),
                     ("Số liệu", grid, ["E"], [6]))

    sheets = {s.name: s for s in read_sheets(data, "bc.xlsx")}

    assert sheets["Tổng hợp"].hidden_rows == frozenset()
    assert sheets["Tổng hợp"].hidden_columns == frozenset()
    assert sheets["Tuần 3 & 4 <cũ>"].hidden_rows == {1, 4}
    assert sheets["Tuần 3 & 4 <cũ>"].hidden_columns == {1, 3}
    assert sheets["Số liệu"].hidden_rows == {5}
    assert sheets["Số liệu"].hidden_columns == {4}


def test_a_grouped_range_of_hidden_columns_is_kept_within_the_grid():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["a", "b", "c", "d"])
    sheet.column_dimensions.group("C", "XFD", hidden=True)  # "hide everything to the right"
    buffer = io.BytesIO()
    workbook.save(buffer)

    [read] = read_sheets(buffer.getvalue(), "bc.xlsx")

    assert read.hidden_columns == {2, 3}
    assert read.without_hidden().rows == [["a", "b", None, None]]


def test_without_hidden_blanks_cells_and_cuts_merged_bands_to_their_visible_parts():
    rows = [["Bảo trợ xã hội", None, None, None],
            ["Tổng số", "Tuần trước", "Đã chi qua TK", "Tỷ lệ"],
            [10, 1, 2, 0.2],
            [99, 99, 99, 99]]
    sheet = Sheet("x", rows, [(0, 0, 0, 3)], hidden_rows=frozenset({3}),
                  hidden_columns=frozenset({1}))

    seen = sheet.without_hidden()

    assert seen.rows == [["Bảo trợ xã hội", None, "Bảo trợ xã hội", None],
                         ["Tổng số", None, "Đã chi qua TK", "Tỷ lệ"],
                         [10, None, 2, 0.2],
                         [None, None, None, None]]
    assert seen.merged == [(0, 0, 0, 0), (0, 2, 0, 3)]
    assert sheet.rows[3] == [99, 99, 99, 99]  # the sheet itself is left as read


def _ods(name: str, rows: list[list[object]], hidden_rows: set[int],
         hidden_columns: set[int]) -> bytes:
    """An ODS spreadsheet as LibreOffice writes one: a blank first row repeated, collapsed
    columns and filtered rows."""
    width = max(len(r) for r in rows)
    columns = "".join(
        '<table:table-column table:style-name="co1"'
        + (' table:visibility="collapse"' if c in hidden_columns else "") + "/>"
        for c in range(width))
    body = ('<table:table-row table:number-rows-repeated="2"><table:table-cell/>'
            "</table:table-row>")
    for r, row in enumerate(rows, start=2):
        cells = "".join(
            "<table:table-cell/>" if v is None else
            f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}'
            "</text:p></table:table-cell>" if isinstance(v, int) else
            f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p>'
            "</table:table-cell>" for v in row)
        visibility = ' table:visibility="filter"' if r in hidden_rows else ""
        body += f"<table:table-row{visibility}>{cells}</table:table-row>"
    namespaces = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                  'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
                  'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {namespaces} '
               'office:version="1.2"><office:body><office:spreadsheet>'
               f'<table:table table:name="{escape(name)}">{columns}{body}</table:table>'
               "</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
                '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type='
                '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
                'manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def test_collapsed_and_filtered_parts_of_an_ods_sheet():
    data = _ods("Tuần 3 & 4", [["Xã", "Tuần trước", "Đã chi qua TK"], ["Bình Trị", 100, 377],
                               ["Bình Trị", 90, 90], ["Bình An", 0, 0]],
                hidden_rows={4}, hidden_columns={1})

    [sheet] = read_sheets(data, "bc.ods")

    assert sheet.name == "Tuần 3 & 4"
    assert sheet.rows[2:] == [["Xã", "Tuần trước", "Đã chi qua TK"], ["Bình Trị", 100, 377],
                              ["Bình Trị", 90, 90], ["Bình An", 0, 0]]
    assert (sheet.hidden_rows, sheet.hidden_columns) == ({4}, {1})
    assert sheet.without_hidden().rows[2:] == [["Xã", None, "Đã chi qua TK"],
                                               ["Bình Trị", None, 377],
                                               [None, None, None],
                                               ["Bình An", None, 0]]


def test_hidden_tags_split_across_chunks_are_still_found():
    from core.ingest.hidden import _OdsHidden, _XlsxHidden

    xml = (b'<cols><col min="1" max="1" width="9"/><col customWidth="1" hidden="1" max="4" '
           b'min="3" width="0"/></cols><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
           b'<row spans="1:4" r="7" ht="0" hidden="true"><c r="A7"><v>2</v></c></row>'
           b'<row r="8" hidden="0"/></sheetData>')
    xlsx_hidden = _XlsxHidden()
    for i in range(0, len(xml), 7):
        xlsx_hidden.feed(xml[i:i + 7])
    xlsx_hidden.feed(b"")
    assert (xlsx_hidden.rows, xlsx_hidden.cols) == ([(6, 6)], [(2, 3)])

    ods = (b'<table:table table:name="A &amp; B"><table:table-column table:number-columns-'
           b'repeated="2"/><table:table-column table:visibility="collapse"/><table:table-row '
           b'table:number-rows-repeated="3"><table:table-cell/></table:table-row><table:table-'
           b'row table:visibility="filter" table:number-rows-repeated="2"/></table:table>'
           b'<table:table table:name="Hai"><table:table-row table:visibility="collapse"/>'
           b"</table:table>")
    ods_hidden = _OdsHidden()
    for i in range(0, len(ods), 5):
        ods_hidden.feed(ods[i:i + 5])
    assert ods_hidden.tables == {"A & B": ([(3, 4)], [(2, 2)]), "Hai": ([(0, 0)], [])}
