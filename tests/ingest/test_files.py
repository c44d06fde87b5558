"""Reading uploaded bytes into sheets: every format, and every kind of bad file."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile

import openpyxl
import pytest
from PIL import Image

from core.ingest.files import detect_format, read_sheets
from core.ingest.limits import (
    MSG_CORRUPT,
    MSG_CSV_ENCODING,
    MSG_EMPTY_FILE,
    MSG_EMPTY_WORKBOOK,
    MSG_HTML,
    MSG_PASSWORD,
    SpreadsheetError,
)
from core.ingest.text import sniff_separator
from tests.workbooks import (
    SheetSpec,
    binh_son_xlsx,
    csv_bytes,
    far_cells_xlsx,
    fixture,
    lying_zip,
    phu_luc_01_xlsx,
    xlsx,
    zip_bomb,
)

VIETNAMESE_LETTERS = "ảạấầẩậắằẳặẻẹếềểệỉịỏọốồổộớờởợủụứừửựỷỵđ"


def refusal(data: bytes, file_name: str = "bao_cao.xlsx", **limits) -> str:
    with pytest.raises(SpreadsheetError) as caught:
        read_sheets(data, file_name, **limits)
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert "\n" not in message and "Traceback" not in message
    assert any(ch in VIETNAMESE_LETTERS for ch in message.lower()), message
    return message


# --- formats -----------------------------------------------------------------------------


def test_xlsx_cells_come_back_as_plain_python_values():
    nfd = unicodedata.normalize("NFD", "Xã Bình Trị")
    data = xlsx(SheetSpec("BC", [
        ["  Tên đơn vị  ", "Số", "Tỷ lệ", "Ngày", "Mã"],
        [nfd, 1912.0, 0.6022, dt.datetime(2024, 1, 25), "00001"],
        [None, "1.912", "", None, None],
    ]))
    [sheet] = read_sheets(data, "bc.xlsx")
    assert sheet.name == "BC"
    assert sheet.rows[0][0] == "Tên đơn vị"
    assert sheet.rows[1][0] == "Xã Bình Trị"  # NFD arrives composed
    assert sheet.rows[1][1] == 1912 and type(sheet.rows[1][1]) is int
    assert sheet.rows[1][2] == 0.6022
    assert sheet.rows[1][3] in (dt.datetime(2024, 1, 25), dt.date(2024, 1, 25))
    assert sheet.rows[1][4] == "00001"
    assert sheet.rows[2] == [None, "1.912", None, None, None]


def test_xlsx_merged_ranges_are_reported_zero_based_inclusive():
    [sheet] = read_sheets(phu_luc_01_xlsx(), "pl01.xlsx")
    assert (5, 2, 5, 8) in sheet.merged  # "Người có công" over C6:I6
    assert (5, 0, 7, 0) in sheet.merged  # "TT" down A6:A8


def test_rows_keep_their_spreadsheet_numbers_when_the_table_starts_lower():
    workbook = openpyxl.Workbook()
    workbook.active["C5"] = "Đơn vị"
    buffer = io.BytesIO()
    workbook.save(buffer)
    [sheet] = read_sheets(buffer.getvalue(), "x.xlsx")
    assert sheet.rows[4][2] == "Đơn vị"


def test_format_comes_from_the_content_not_the_extension():
    data = binh_son_xlsx()
    for name in ("bao_cao.csv", "bao_cao.xls", "bao_cao", "bao_cao.xlsm"):
        [sheet] = read_sheets(data, name)
        assert sheet.source_format == "xlsx"
    assert detect_format(fixture("binh_son.xls")) == "xls"
    assert detect_format(fixture("binh_son.ods")) == "ods"
    assert detect_format("Đơn vị;Tổng số\n".encode()) == "csv"


def test_xls_made_by_libreoffice_is_read_with_its_merges():
    [sheet] = read_sheets(fixture("phu_luc_01.xls"), "pl01.xls")
    assert sheet.source_format == "xls"
    assert sheet.rows[9][:4] == [1, "Thành phố Đông Hà", 1912, 96]
    assert (5, 2, 5, 8) in sheet.merged


def test_ods_made_by_libreoffice_is_read_without_merge_information():
    [sheet] = read_sheets(fixture("phu_luc_01.ods"), "pl01.ods")
    assert sheet.source_format == "ods"
    assert sheet.merged is None
    assert sheet.rows[5][2] == "Người có công đang hưởng trợ cấp hàng tháng"
    assert sheet.rows[5][3] is None  # a merged band shows in its first cell only
    assert sheet.rows[9][:4] == [1, "Thành phố Đông Hà", 1912, 96]


def test_hidden_sheets_are_marked():
    data = xlsx(SheetSpec("Bìa", [["Báo cáo"]]), SheetSpec("Ẩn", [["x"]], hidden=True))
    sheets = read_sheets(data, "x.xlsx")
    assert [(s.name, s.visible) for s in sheets] == [("Bìa", True), ("Ẩn", False)]


@pytest.mark.parametrize("separator", [";", ",", "\t"])
@pytest.mark.parametrize("bom", [True, False])
def test_csv_in_utf8_with_any_usual_separator(separator, bom):
    rows = [["TT", "Xã, thị trấn", "Tổng số", "Tỷ lệ (%)"],
            [1, "Xã Bình Trị", "1.912", "60,22%"]]
    [sheet] = read_sheets(csv_bytes(rows, separator, bom), "bc.csv")
    assert sheet.rows == [["TT", "Xã, thị trấn", "Tổng số", "Tỷ lệ (%)"],
                          ["1", "Xã Bình Trị", "1.912", "60,22%"]]
    assert sheet.merged is None


def test_csv_in_utf16_as_excel_saves_unicode_text():
    text = "TT\tĐơn vị\r\n1\tXã Bình Trị\r\n"
    [sheet] = read_sheets(text.encode("utf-16"), "bc.txt")
    assert sheet.rows == [["TT", "Đơn vị"], ["1", "Xã Bình Trị"]]


def test_separator_sniffing_ignores_commas_inside_quotes():
    assert sniff_separator('TT;"Xã, phường";Tỷ lệ\n1;"Bình Trị";"60,22"\n') == ";"
    assert sniff_separator('TT,"Xã; phường",Tỷ lệ\n1,Bình Trị,"60,22"\n') == ","


# --- hostile input -------------------------------------------------------------------------


def test_file_over_the_size_limit_is_refused_before_reading():
    message = refusal(b"PK\x03\x04" + bytes(20 * 1024 * 1024))
    assert "quá lớn" in message and "20 MB" in message
    assert "quá lớn" in refusal(binh_son_xlsx(), max_bytes=1000)


def test_zip_bomb_is_refused_from_the_directory_without_decompressing(monkeypatch):
    bomb = zip_bomb(210 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024  # a small upload...

    def no_decompression(*args, **kwargs):
        raise AssertionError("a member was opened: the bomb was not refused from the directory")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_decompression)
    monkeypatch.setattr(zipfile.ZipFile, "read", no_decompression)
    message = refusal(bomb)
    assert "giải nén ra quá lớn" in message  # ...that would inflate past 200 MB


def test_zip_member_lying_about_its_size_is_refused():
    liar = lying_zip(real_bytes=5 * 1024 * 1024, declared_bytes=1000)
    message = refusal(liar, max_unzipped_bytes=1024 * 1024)
    assert message in (MSG_CORRUPT, ) or "giải nén ra quá lớn" in message


def test_honest_zip_over_the_budget_is_refused_while_streaming():
    bomb = zip_bomb(3 * 1024 * 1024)
    assert "giải nén ra quá lớn" in refusal(bomb, max_unzipped_bytes=1024 * 1024)


@pytest.mark.parametrize("name", ["binh_son.xlsx", "binh_son.xls", "binh_son.ods"])
def test_truncated_file_is_reported_as_damaged(name):
    data = binh_son_xlsx() if name.endswith("xlsx") else fixture(name)
    assert refusal(data[: len(data) // 2], name) == MSG_CORRUPT


def test_garbage_behind_a_zip_signature_is_reported_as_damaged():
    assert refusal(b"PK\x03\x04" + bytes(range(256)) * 10) == MSG_CORRUPT


def test_corrupt_member_inside_a_valid_zip_is_reported_as_damaged():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<not really a workbook")
    assert refusal(buffer.getvalue()) == MSG_CORRUPT


def test_password_protected_xlsx_is_refused_with_what_to_do():
    # Made by tests/fixtures/make_office_files.py: Excel-style agile encryption in OLE2.
    message = refusal(fixture("protected.xlsx"))
    assert message == MSG_PASSWORD
    assert "mật khẩu" in message


def test_empty_file_is_refused():
    assert refusal(b"") == MSG_EMPTY_FILE


def test_workbook_without_any_value_is_refused():
    workbook = openpyxl.Workbook()
    workbook.create_sheet("Sheet2")
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert refusal(buffer.getvalue()) == MSG_EMPTY_WORKBOOK
    assert refusal(b";;;\r\n\r\n", "x.csv") == MSG_EMPTY_WORKBOOK


def test_png_renamed_to_xlsx_is_not_a_spreadsheet():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    message = refusal(buffer.getvalue(), "bao_cao.xlsx")
    assert "không phải bảng tính" in message and "PNG" in message


def test_pdf_renamed_to_xlsx_is_not_a_spreadsheet():
    message = refusal(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "bao_cao.xlsx")
    assert "không phải bảng tính" in message and "PDF" in message


def test_word_document_is_not_a_spreadsheet():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert "Word" in refusal(buffer.getvalue(), "bao_cao.xlsx")


def test_html_table_saved_as_xls_is_explained():
    page = "<html><body><table><tr><td>Đơn vị</td></tr></table></body></html>"
    assert refusal(page.encode(), "bao_cao.xls") == MSG_HTML


def test_other_binary_is_not_a_spreadsheet():
    assert "không phải bảng tính" in refusal(bytes(range(256)) * 4, "x.xlsx")


def test_csv_in_windows_1258_is_read_and_its_letters_composed():
    legacy_csv = "Đơn vi\u0323;Tô\u0309ng sô\u0301\n1;2\n".encode("cp1258")  # Windows-1258
    [sheet] = read_sheets(legacy_csv, "bc.csv")
    assert sheet.rows[0] == ["Đơn vị", "Tổng số"]


def test_csv_in_an_old_font_encoding_is_refused_with_how_to_save_it():
    vni_csv = "Ñôn vò;Toång soá ñoái töôïng\nQuaûng Trò;3\n".encode("cp1252")  # VNI
    assert refusal(vni_csv, "bc.csv") == MSG_CSV_ENCODING


def test_cells_without_a_position_are_bounded_by_their_rows():
    data = far_cells_xlsx([(1, 16_384, "x"), (1_048_576, 1, "y")],
                          b'<c r="A1048576"', b"<c")  # position left implicit
    assert "trải quá rộng" in refusal(data)


def test_xls_that_would_abort_the_reader_is_refused_and_we_survive():
    # A byte-mutated copy of binh_son.xls (found by fuzzing): calamine 0.9.1 tries to allocate
    # 131 GB for it and the Rust runtime aborts the process, so .xls is read in a child.
    assert refusal(fixture("xls_huge_allocation.xls"), "bc.xls") == MSG_CORRUPT


def test_xlsx_claiming_billions_of_shared_strings_is_refused_and_we_survive():
    # calamine 0.9.1 preallocates the claimed 4,000,000,000 strings (96 GB) and aborts.
    assert refusal(fixture("sst_count_bomb.xlsx")) == MSG_CORRUPT


def test_stray_cell_far_from_the_table_is_refused_instead_of_exhausting_memory():
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Đơn vị"
    workbook.active.cell(row=1_048_576, column=16_384, value="x")
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert "trải quá rộng" in refusal(buffer.getvalue())


# --- the reading child process ---------------------------------------------------------


def _idle_reading_children() -> list[int]:
    """This process's children that run the workbook reader (Linux /proc)."""
    import os
    from pathlib import Path

    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and b"worker_main" in command and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def test_every_file_gets_a_fresh_child_and_one_waits_ready_for_the_next():
    from core.ingest import workbook as spreadsheets

    good = binh_son_xlsx()
    first = read_sheets(good)
    assert "giải nén ra quá lớn" in refusal(zip_bomb(3 * 1024 * 1024),
                                            max_unzipped_bytes=1024 * 1024)
    again = read_sheets(good)
    assert [s.rows for s in again] == [s.rows for s in first]
    # The refused file's child was stopped; only the spare for the next upload is left.
    assert _idle_reading_children() == [spreadsheets._spare.pid]


def test_a_spare_child_that_died_is_replaced_and_the_file_still_read():
    from core.ingest import workbook as spreadsheets

    good = binh_son_xlsx()
    read_sheets(good)
    spreadsheets._spare.kill()
    spreadsheets._spare.wait()
    assert read_sheets(good)[0].rows == read_sheets(good)[0].rows
    assert spreadsheets._spare.poll() is None


def test_a_read_started_ahead_is_the_one_read_sheets_uses_for_the_same_bytes():
    from core.ingest import workbook as spreadsheets
    from core.ingest.files import read_ahead

    good = binh_son_xlsx()
    expected = [s.rows for s in read_sheets(bytes(good))]
    read_ahead(good)
    child = spreadsheets._ahead[3]  # already reading (a small file may even be done)
    assert [s.rows for s in read_sheets(good)] == expected
    assert spreadsheets._ahead is None and child.returncode == 0  # used and finished


def test_a_read_started_ahead_for_other_bytes_is_ended_unused():
    from core.ingest import workbook as spreadsheets
    from core.ingest.files import read_ahead

    good, other = binh_son_xlsx(), phu_luc_01_xlsx()
    read_ahead(good)
    child = spreadsheets._ahead[3]
    sheets = read_sheets(other)  # not the bytes given ahead: read by a child of its own
    assert [s.rows for s in sheets] == [s.rows for s in read_sheets(phu_luc_01_xlsx())]
    assert spreadsheets._ahead is None and child.returncode is not None
    assert child.pid not in _idle_reading_children()
    # What the first checks refuse is not read ahead; read_sheets still refuses it.
    read_ahead(b"<html><table><tr><td>1</td></tr></table></html>")
    read_ahead(zip_bomb(3 * 1024 * 1024), max_unzipped_bytes=1024 * 1024)
    assert spreadsheets._ahead is None
    assert "giải nén ra quá lớn" in refusal(zip_bomb(3 * 1024 * 1024),
                                            max_unzipped_bytes=1024 * 1024)
