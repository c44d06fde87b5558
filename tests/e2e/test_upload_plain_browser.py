"""File content on the upload page is plain text in a real browser (Debian chromium): a unit
name holding a link, bare addresses and markdown is shown as typed, never as a live link; a
list of people says what was counted. On a server and database of their own."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_upload_browser import open_upload_page, upload
from tests.ingest.test_persons import PEOPLE, phu_luc_2_xlsx
from tests.workbooks import binh_son_rows, csv_text, encode_cp1258

pytestmark = pytest.mark.browser

TRAP = "Xã [bấm](http://evil.example/a) **đậm** www.evil.example ai@evil.example"


def test_file_content_is_plain_text_and_lists_are_only_counted(upload_server, browser,
                                                                tmp_path):
    plain_server, _ = upload_server
    context, page = open_upload_page(browser, plain_server)

    rows = binh_son_rows()
    rows[9][1] = TRAP  # a commune's name cell, as a clerk (or a prank) typed it
    upload(page, tmp_path, "binh_son_1258.csv", encode_cp1258(csv_text(rows, ";")))
    main = page.locator("[data-testid='stMain']")
    main.get_by_text("bấm", exact=False).first.wait_for(timeout=30_000)
    assert main.locator("a[href*='evil'], a[href^='mailto']").count() == 0
    shown = main.inner_text().replace("\u2060", "")
    assert TRAP in shown  # as typed: brackets, asterisks and addresses are text
    assert "Huyện Bình Sơn" in shown  # the Windows-1258 file read with its letters
    main.get_by_text("bấm", exact=False).first.scroll_into_view_if_needed()
    screenshot(page, "upload_plain_text")

    upload(page, tmp_path, "phu_luc_2.xlsx", phu_luc_2_xlsx())
    page.get_by_text("đã đếm 8 người", exact=False).first.wait_for(timeout=30_000)
    text = main.inner_text()
    assert "không lưu thông tin cá nhân nào" in text
    assert not [p[0] for p in PEOPLE if p[0] in text]
    page.get_by_text("đã đếm 8 người", exact=False).first.scroll_into_view_if_needed()
    screenshot(page, "upload_person_list")
    context.close()

