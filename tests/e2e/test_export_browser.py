"""The meeting files downloaded in a real browser: the button makes the file on click (a
deferred download, drawn by the server's warm renderer) and the browser saves it."""

from __future__ import annotations

import io
import unicodedata

import openpyxl
import pytest
from pptx import Presentation
from pypdf import PdfReader

from tests.e2e.conftest import wait_for_app
from tests.e2e.test_pages_browser import open_view, signed_up  # noqa: F401  (the account)

pytestmark = pytest.mark.browser


def download(page, label: str) -> bytes:
    button = page.get_by_role("button", name=label)
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=120_000) as info:
        button.click()
    path = info.value.path()
    wait_for_app(page)
    with open(path, "rb") as fh:
        return fh.read()


def test_overview_downloads_the_pdf_and_the_deck(server, page, signed_up):  # noqa: F811
    open_view(page, server, "?unit=524&date=2024-01-25", "Tải về cho cuộc họp")
    pdf = download(page, "Báo cáo PDF")
    text = unicodedata.normalize("NFC", "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert "Huyện Bình Sơn" in text and "8,67%" in text and "Xã Bình Phước" in text
    deck = Presentation(io.BytesIO(download(page, "Báo cáo trình chiếu (.pptx)")))
    assert deck.slides[0].shapes.title.text.startswith("BÁO CÁO TIẾN ĐỘ")
    form = download(page, "Biểu tổng hợp (.xlsx)")
    assert form[:2] == b"PK"


def test_lagging_list_downloads_as_excel_and_csv_made_on_click(server, page, signed_up):  # noqa: F811
    """«Xã chậm tiến độ»: the Excel and CSV are made when clicked (deferred, not while the
    page runs; tests/pages/test_export_pages.py counts that) and carry the 18 communes."""
    open_view(page, server, "xa-cham?unit=524&date=2024-01-25", "Số xã chậm tiến độ")
    book = openpyxl.load_workbook(io.BytesIO(download(page, "Tải Excel (.xlsx)")))
    cells = [str(c.value) for row in book.active.iter_rows() for c in row if c.value]
    assert "Xã Bình Phước" in cells and "Xã Bình Long" in cells
    lines = download(page, "Tải CSV").decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 18  # the header, then the 18 communes of the page's list
    assert any(line.startswith("1,") or ",Xã Bình" in line for line in lines[1:])
