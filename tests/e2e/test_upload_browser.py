"""A clerk's upload in a real browser (Debian chromium): a file the detector misreads is
corrected in the page, confirmed, and the next file of the same shape imports with no
question. On a server and database of its own (the upload writes figures)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from core.storage.db import figures, saved_readings, uploads
from tests.e2e.conftest import screenshot, wait_for_app
from tests.e2e.test_pages_browser import login
from tests.pages.test_upload_page import misread_xlsx

pytestmark = pytest.mark.browser


def choose(page, label: str, option: str) -> None:
    """Pick in a select box as a person does: open it, type, take the first match."""
    box = page.get_by_label(label, exact=True)
    box.click()
    page.keyboard.type(option)
    page.get_by_role("option").filter(has_text=option).first.click()
    wait_for_app(page)


def upload(page, tmp_path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    # After an import the file box is replaced by an empty one; wait for the old to go.
    page.wait_for_function("() => document.querySelectorAll('input[type=file]').length == 1",
                           timeout=30_000)
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_text("Cách đọc tệp").first.wait_for(timeout=60_000)
    wait_for_app(page)


def open_upload_page(browser, server):
    """A clerk's 1280×720 screen, signed in, on «Tải lên báo cáo» by the navigation."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="vi-VN")
    page = context.new_page()
    page.goto(server.url)
    login(page, server)
    page.get_by_role("link", name="Tải lên báo cáo").first.click()
    page.get_by_text("Chọn tệp báo cáo").first.wait_for(timeout=30_000)
    wait_for_app(page)
    return context, page


def test_correct_a_column_confirm_then_the_same_shape_needs_no_question(
        upload_server, browser, tmp_path):
    server, engine = upload_server
    context, page = open_upload_page(browser, server)

    upload(page, tmp_path, "bc_25.xlsx", misread_xlsx())
    confirm = page.get_by_role("button", name="Xác nhận nhập số liệu")
    expect(confirm).to_be_disabled()
    choose(page, "Cột", "E · Số ĐT nhận tiền")
    choose(page, "Được hiểu là", "Số đã chi trả qua tài khoản")
    page.get_by_role("button", name="Áp dụng").click()
    page.get_by_text("Đã sửa: cột E").first.wait_for(timeout=30_000)
    wait_for_app(page)
    expect(confirm).to_be_enabled()
    screenshot(page, "upload_corrected")
    confirm.click()
    page.get_by_text("Đã nhập tệp «bc_25.xlsx»").first.wait_for(timeout=60_000)

    upload(page, tmp_path, "bc_26.xlsx", misread_xlsx(26, (320, 130)))
    page.get_by_text("Đọc theo cách đã xác nhận ngày").first.wait_for(timeout=30_000)
    expect(confirm).to_be_enabled()
    screenshot(page, "upload_remembered")
    confirm.click()
    page.get_by_text("Đã nhập tệp «bc_26.xlsx»").first.wait_for(timeout=60_000)
    context.close()

    with engine.connect() as conn:
        paid = {name: sorted(conn.scalars(sa.select(figures.c.cashless).join(
            uploads, uploads.c.id == figures.c.upload_id).where(
            uploads.c.file_name == name)).all()) for name in ("bc_25.xlsx", "bc_26.xlsx")}
        kept = conn.scalar(sa.select(sa.func.count()).select_from(saved_readings))
    assert paid == {"bc_25.xlsx": [117, 301], "bc_26.xlsx": [130, 320]}
    assert kept == 1
