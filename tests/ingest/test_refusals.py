"""Refused uploads: each one in the audit trail (who, file, size, SHA-256, reason), a sheet
of a million cells refused for its size, and file content shown as plain text on the page."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from core.access import audit
from core.ingest.files import read_sheets
from core.ingest.limits import DEFAULT_MAX_CELLS, SpreadsheetError
from core.ingest.plan import plan_import
from core.storage.db import figures, uploads
from tests.ingest.test_persons import phu_luc_2_xlsx
from tests.pages.test_upload_page import engine as engine  # noqa: F401, PLC0414 (fixture)
from tests.pages.test_upload_page import open_page, texts, upload, user
from tests.workbooks import binh_son_rows, csv_bytes, dense_xlsx
from ui.access import WORD_JOINER

pytestmark = pytest.mark.postgres

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def run_import(url: str, *args: str, limit_mb: str | None = None):
    env = {**os.environ, "ASXH_DATABASE_URL": url}
    env.pop("ASXH_DEBUG", None)
    if limit_mb is not None:
        env["ASXH_MAX_UPLOAD_MB"] = limit_mb
    return subprocess.run([sys.executable, "-m", "core", "import", *args], env=env,
                          capture_output=True, text=True, timeout=600)  # a hang guard


def refusals(engine) -> list[dict]:
    with engine.connect() as conn:
        trail = audit.query(conn, action=audit.UPLOAD, ok=False)
    return trail.to_dict("records")


def written(engine) -> int:
    with engine.connect() as conn:
        return sum(conn.scalar(sa.select(sa.func.count()).select_from(t))
                   for t in (figures, uploads))


@pytest.mark.parametrize(("name", "data", "limit_mb", "reason"), [
    ("bao_cao.xlsx", PDF, None, "không phải bảng tính"),
    ("bao_cao.csv", csv_bytes(binh_son_rows()), "0.001", "Tệp quá lớn"),
    ("bao_cao_25012024.csv", csv_bytes([["Ghi chú"], ["chỉ có chữ"]]), None,
     "Không tìm thấy bảng số liệu"),
], ids=["not-a-spreadsheet", "too-big", "no-table"])
def test_every_refusal_of_the_cli_is_audited(empty_engine, tmp_path, name, data, limit_mb,
                                             reason):
    path = tmp_path / name
    path.write_bytes(data)
    url = empty_engine.url.render_as_string(hide_password=False)
    result = run_import(url, str(path), limit_mb=limit_mb)
    assert result.returncode == 2
    assert reason in result.stderr
    [entry] = refusals(empty_engine)
    assert entry["username"].startswith("cli:") and entry["target"] == name
    detail = entry["detail"]
    assert detail["size"] == len(data)
    assert detail["sha256"] == hashlib.sha256(data).hexdigest()
    assert reason in detail["reason"] and detail["via"] == "cli"
    assert written(empty_engine) == 0
    assert "Lý do: " in audit.describe(detail) and "SHA-256: " in audit.describe(detail)


def test_a_dry_run_writes_nothing_not_even_its_refusal(empty_engine, tmp_path):
    path = tmp_path / "bao_cao.xlsx"
    path.write_bytes(PDF)
    result = run_import(empty_engine.url.render_as_string(hide_password=False), str(path),
                        "--dry-run")
    assert result.returncode == 2
    assert refusals(empty_engine) == []


@pytest.mark.parametrize("dimension", [True, False], ids=["as-excel-writes", "no-extent"])
def test_a_sheet_of_a_million_cells_is_refused_for_its_size(empty_engine, dimension):
    data = dense_xlsx(DEFAULT_MAX_CELLS // 20 + 500, 20, dimension)  # just over the limit
    with pytest.raises(SpreadsheetError) as caught:
        read_sheets(data, "to.xlsx")
    message = str(caught.value)
    assert message.startswith("Trang tính quá lớn: đã có hơn ")
    assert "vượt giới hạn 1.000.000 ô" in message
    with empty_engine.connect() as conn:
        plan = plan_import(conn, data, "to.xlsx")
    assert [p.message_vi for p in plan.errors] == [message]


def test_a_csv_of_a_million_cells_is_refused_for_its_size():
    row = ";".join(["1"] * 50) + "\n"
    with pytest.raises(SpreadsheetError, match="vượt giới hạn 1.000.000 ô"):
        read_sheets(("TT;Đơn vị\n" + row * 21_000).encode(), "to.csv")


def test_a_sheet_under_the_limit_is_still_read(empty_engine):
    [sheet] = read_sheets(dense_xlsx(1_000, 20), "nho.xlsx")  # its <dimension> is honest
    assert (len(sheet.rows), sheet.width, sheet.rows[-1][-1]) == (1_000, 20, 1_019)


# ----------------------------------------------------------------------------- the page


def test_the_page_audits_a_refused_file_once(engine):  # noqa: F811
    clerk = user(engine, "staff", "524")
    at = open_page(clerk)
    upload(at, "bao_cao.xlsx", PDF)
    assert any("không phải bảng tính" in t for t in texts(at, "markdown"))
    at.run()  # another click: the same file is not audited again
    [entry] = refusals(engine)
    assert (entry["username"], entry["target"]) == (clerk.username, "bao_cao.xlsx")
    assert entry["detail"]["via"] == "upload_page"
    assert entry["detail"]["sha256"] == hashlib.sha256(PDF).hexdigest()


def test_file_content_on_the_page_is_plain_text(engine):  # noqa: F811
    """A unit name holding a link, a bare address and markdown is shown as typed."""
    rows = binh_son_rows()
    trap = "Xã [bấm](http://evil.vn) **đậm** www.evil.vn"
    rows[9][1] = trap
    at = open_page(user(engine, "admin", None))
    upload(at, "binh_son.csv", csv_bytes(rows))
    problems = [e.value for e in at.markdown if "bấm" in e.value]
    assert problems, texts(at, "markdown")
    for value in problems:
        assert "](http" not in value and "**đậm**" not in value
        assert f"http{WORD_JOINER}" in value and f"www{WORD_JOINER}" in value
        assert value.replace("\\", "").replace(WORD_JOINER, "").count(trap) >= 1


def test_the_page_says_how_many_people_a_list_counted(engine):  # noqa: F811
    at = open_page(user(engine, "staff", "524"))
    upload(at, "phu_luc_2.xlsx", phu_luc_2_xlsx())
    [notice] = [t for t in texts(at, "info") if "danh sách từng người" in t]
    assert "đã đếm 8 người, gộp thành 5 dòng theo xã và nhóm đối tượng" in notice
    assert "không lưu thông tin cá nhân nào" in notice
    assert not at.button(key="upload_confirm").disabled
