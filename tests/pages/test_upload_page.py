"""The upload page through the real Streamlit script (AppTest, no browser): drop a file, see
what was understood, confirm; answer a missing date; problems block; history and revert."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from core.access import audit, auth
from core.access.permissions import Account
from core.storage.db import figures, uploads
from tests.workbooks import SheetSpec, binh_son_rows, binh_son_xlsx, phu_luc_01_xlsx, xlsx

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "tai_len.py")
PASSWORD = "Mật khẩu đủ dài 2024"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def engine(databases, monkeypatch):
    """A database of its own per test (the page would load the demo into an empty one)."""
    engine = databases.new_engine(demo=True)
    monkeypatch.setenv("ASXH_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return engine


def user(engine, role: str, unit: str | None) -> Account:
    name = f"u_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        auth.create_user(conn, name, PASSWORD, role, unit)
    return Account(name, role, unit)


def open_page(account: Account) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.session_state["account"] = account
    at.session_state["last_activity"] = time.time()
    at.run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, data, XLSX)).run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> dict[str, str]:
    """The cards saying what was understood: {label: value}."""
    cards = {}
    for element in at.markdown:
        lines = element.value.replace("\\", "").split("  \n")
        if lines[0].startswith(":gray[") and len(lines) > 1 and lines[1].startswith("**"):
            cards[lines[0][6:-1]] = lines[1].strip("*")
    return cards


def texts(at: AppTest, kind: str) -> list[str]:
    return [e.value.replace("\\", "") for e in getattr(at, kind)]


def table_with(at: AppTest, column: str):
    """The shown table holding `column` (the preview has "problems", the history
    "file_name"), as the DataFrame behind its Styler."""
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert frames, f"no table with {column}"
    return frames[0]


def binh_son_cashless(engine, code: str = "21061") -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.select(figures.c.cashless).where(
            figures.c.unit_code == code, figures.c.grp == "btxh",
            figures.c.report_date == "2024-01-25"))


def test_upload_preview_and_confirm(engine):
    admin = user(engine, "admin", None)
    at = open_page(admin)
    assert [t.value for t in at.title] == ["Tải lên báo cáo"]
    assert {b.label for b in at.get("download_button")} >= {
        "Mẫu báo cáo tiến độ theo xã", "Mẫu giao chỉ tiêu (Phụ lục 01)"}

    upload(at, "binh_son.xlsx", binh_son_xlsx())
    assert shown(at) == {"Loại báo cáo": "Báo cáo tiến độ", "Ngày số liệu": "25/01/2024",
                         "Đơn vị cấp trên": "Huyện Bình Sơn", "Số đơn vị": "22"}
    by_row = table_with(at, "problems").set_index("row_number")
    assert by_row.loc["17", "unit_name"] == "Xã Bình Trị"
    assert by_row.loc["17", "unit_code"] == "21061"
    assert by_row.loc["17", "status_label"] == "Khớp"
    assert by_row.loc["9", "status_label"] == "Dòng tổng"
    assert not at.button(key="upload_confirm").disabled
    with engine.connect() as conn:
        uploads_before = conn.scalar(sa.select(sa.func.count()).select_from(uploads))

    at.button(key="upload_confirm").click().run()
    assert not at.exception, at.exception
    [message] = texts(at, "success")
    assert message.startswith("Đã nhập tệp «binh_son.xlsx» (Báo cáo tiến độ, ngày 25/01/2024): ")
    assert "0 dòng thêm mới, 22 dòng thay thế, 0 dòng giữ nguyên" in message
    assert binh_son_cashless(engine) == 377
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(uploads)) == uploads_before + 1
        entry = audit.query(conn, action=audit.UPLOAD).iloc[0]
    assert (entry["username"], entry["target"], entry["ok"]) == (admin.username,
                                                                 "binh_son.xlsx", True)
    assert at.file_uploader[0].value is None  # the file box is empty again
    history = table_with(at, "file_name")
    assert history.iloc[0]["file_name"] == "binh_son.xlsx"
    assert history.iloc[0]["status_label"] == "Đã nhập"


def test_missing_date_is_asked_then_answered(engine):
    rows = binh_son_rows()
    rows[4] = ["(Số liệu tính đến ngày …/…/2024)"] + [None] * 4
    at = upload(open_page(user(engine, "admin", None)), "bao_cao.xlsx",
                xlsx(SheetSpec("BTXH", rows)))
    assert any(t.startswith("**Cần bổ sung:** Không tìm thấy ngày số liệu") for t in
               texts(at, "info"))
    assert at.button(key="upload_confirm").disabled
    at.date_input(key="upload_date").set_value(dt.date(2024, 1, 25)).run()
    assert not at.exception, at.exception
    assert shown(at)["Ngày số liệu"] == "25/01/2024"
    assert not at.button(key="upload_confirm").disabled


def test_problems_are_highlighted_and_block_the_import(engine):
    rows = binh_son_rows()
    rows[16][3] = 700  # Xã Bình Trị: 700 paid of 626
    at = upload(open_page(user(engine, "admin", None)), "loi.xlsx",
                xlsx(SheetSpec("BTXH", rows)))
    assert any(e.startswith("**") and "lỗi" in e for e in texts(at, "error"))
    assert at.button(key="upload_confirm").disabled
    problem = table_with(at, "problems").set_index("row_number").loc["17", "problems"]
    assert "số đã chi trả qua tài khoản (700) lớn hơn tổng số đối tượng (626)" in problem


def test_staff_outside_the_file_units_is_refused_before_confirming(engine):
    before = binh_son_cashless(engine)
    staff = user(engine, "staff", "524")
    at = upload(open_page(staff), "pl01.xlsx", phu_luc_01_xlsx())
    assert shown(at)["Đơn vị cấp trên"] == "Tỉnh Quảng Trị"
    assert at.button(key="upload_confirm").disabled  # said before, not after, confirming
    [message] = texts(at, "error")
    assert "ngoài phạm vi được giao" in message and "Thành phố Đông Hà" in message
    at.run()  # a rerun does not audit the same refusal twice
    assert binh_son_cashless(engine) == before
    with engine.connect() as conn:
        refused = audit.query(conn, action=audit.UPLOAD, ok=False)
    assert list(refused["username"]) == [staff.username]


def test_history_and_revert(engine):
    admin = user(engine, "admin", None)
    before = binh_son_cashless(engine)
    at = upload(open_page(admin), "binh_son.xlsx", binh_son_xlsx())
    at.button(key="upload_confirm").click().run()
    assert binh_son_cashless(engine) == 377
    with engine.connect() as conn:
        newest = conn.scalar(sa.select(sa.func.max(uploads.c.id)))
    choice = at.selectbox(key="revert_choice")
    assert choice.value == newest
    [submit] = [b for b in at.button if b.label == "Hoàn tác"]
    submit.click().run()
    assert not at.exception, at.exception
    assert any(t.startswith(f"Đã hoàn tác lần tải lên số {newest}") for t in texts(at, "success"))
    assert binh_son_cashless(engine) == before
    with engine.connect() as conn:
        status = conn.scalar(sa.select(uploads.c.status).where(uploads.c.id == newest))
    assert status == "reverted"


def misread_xlsx(day: int = 25, paid: tuple[int, int] = (301, 117)) -> bytes:
    """Column E's header ("Số ĐT nhận tiền") names no figure: the detector misreads it."""
    return xlsx(SheetSpec("Sheet1", [
        ["UBND HUYỆN BÌNH SƠN"],
        [f"BÁO CÁO CHI TRẢ TRỢ CẤP BẢO TRỢ XÃ HỘI (đến ngày {day}/01/2024)"],
        ["TT", "Xã, thị trấn", "Tổng số đối tượng", "Số đã có tài khoản", "Số ĐT nhận tiền"],
        [1, "Xã Bình Trị", 500, 400, paid[0]],
        [2, "Thị trấn Châu Ổ", 300, 200, paid[1]],
    ]))


def correct_column(at: AppTest, letter: str, meaning: str) -> AppTest:
    at.selectbox(key="reading_letter").set_value(letter)
    at.selectbox(key="reading_meaning").set_value(meaning)
    [apply] = [b for b in at.button if b.label == "Áp dụng"]
    apply.click().run()
    assert not at.exception, at.exception
    return at


def test_correcting_a_column_in_the_page_then_the_same_shape_needs_no_question(engine):
    clerk = user(engine, "staff", "524")
    at = upload(open_page(clerk), "bc_25.xlsx", misread_xlsx())
    assert at.button(key="upload_confirm").disabled  # no cashless column yet
    at = correct_column(at, "E", "figure:cashless")
    assert not at.button(key="upload_confirm").disabled
    assert any("cột E: Số đã chi trả qua tài khoản" in c.value for c in at.caption)
    at.button(key="upload_confirm").click().run()
    assert not at.exception, at.exception
    with engine.connect() as conn:
        paid = sorted(conn.scalars(sa.select(figures.c.cashless).join(
            uploads, uploads.c.id == figures.c.upload_id).where(
            uploads.c.file_name == "bc_25.xlsx",
            figures.c.report_date == dt.date(2024, 1, 25))).all())
    assert paid == [117, 301]

    at = upload(at, "bc_26.xlsx", misread_xlsx(26, (320, 130)))
    assert any("Đọc theo cách đã xác nhận ngày" in i.value for i in at.info)
    assert not at.button(key="upload_confirm").disabled
    at.button(key="reading_forget").click().run()
    assert not at.exception, at.exception
    assert not any("Đọc theo cách đã xác nhận" in i.value for i in at.info)
    assert at.button(key="upload_confirm").disabled

