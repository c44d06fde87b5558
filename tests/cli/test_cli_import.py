"""`python -m core import`: the contract end to end (the first test in a subprocess, the rest
through core.cli.main, see tests/cli/test_cli.py), on SQLite and PostgreSQL.

Exit 0 and a Vietnamese summary per file on success; exit 2, the problems on stderr and
nothing written on failure; --dry-run never writes.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from core.storage import db
from core.storage.db import figures, quotas, uploads
from tests.cli.test_cli import run_cli
from tests.workbooks import SheetSpec, binh_son_rows, binh_son_xlsx, phu_luc_01_xlsx, xlsx

pytestmark = pytest.mark.postgres


@pytest.fixture
def url(databases) -> str:
    """A fresh, prepared database without figures (imports must not mix with the demo)."""
    return databases.new_engine().url.render_as_string(hide_password=False)


@pytest.fixture
def files(tmp_path):
    def write(name: str, data: bytes) -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    return write


def table_counts(url: str) -> dict[str, int]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: conn.scalar(sa.select(sa.func.count()).select_from(t))
                    for t in (figures, quotas, uploads)}
    finally:
        engine.dispose()


def test_import_prints_a_summary_and_stores_the_figures(url, files):
    path = files("binh_son.xlsx", binh_son_xlsx())
    result = run_cli(url, "import", path, in_process=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "binh_son.xlsx: Báo cáo tiến độ; ngày 25/01/2024 (theo tiêu đề); đơn vị cấp trên "
        "Huyện Bình Sơn (theo tiêu đề); nhóm Bảo trợ xã hội; 22 đơn vị, 22 dòng số liệu: "
        "22 thêm mới, 0 thay thế, 0 giữ nguyên; 0 cảnh báo. Đã nhập (lần tải lên số 1).")
    if url.startswith("sqlite"):  # the process left at once, yet closed its connections:
        assert not os.path.exists(sa.engine.make_url(url).database + "-wal")  # WAL folded in
    assert table_counts(url)["figures"] == 22
    lagging = run_cli(url, "ranking", "--unit", "524", "--date", "2024-01-25", "--group",
                      "btxh", "--json")
    assert '"rate_pct": 60.22' in lagging.stdout


def test_dry_run_writes_nothing(url, files, monkeypatch):
    from core.ingest import workbook

    taken = []
    original = workbook._take_ahead
    monkeypatch.setattr(workbook, "_take_ahead", lambda *a: taken.append(original(*a))
                        or taken[-1])
    path = files("binh_son.xlsx", binh_son_xlsx())
    result = run_cli(url, "import", path, "--dry-run")
    assert result.returncode == 0, result.stderr
    # The file was handed to its reading child before the import loaded, and that read used.
    assert len(taken) == 1 and taken[0] is not None and workbook._ahead is None
    assert "Chạy thử: chưa ghi gì." in result.stdout
    assert table_counts(url) == {"figures": 0, "quotas": 0, "uploads": 0}


def test_several_files_each_in_its_own_transaction(url, files):
    good = files("binh_son.xlsx", binh_son_xlsx())
    quota = files("phu_luc_01.xlsx", phu_luc_01_xlsx())
    bad = files("hong.xlsx", binh_son_xlsx()[:2000])
    result = run_cli(url, "import", good, bad, quota)
    assert result.returncode == 2
    assert "binh_son.xlsx: Báo cáo tiến độ" in result.stdout
    assert "phu_luc_01.xlsx: Chỉ tiêu (Phụ lục 01); năm 2024; đơn vị cấp trên Tỉnh Quảng Trị" \
        in result.stdout
    assert "Cảnh báo: Dòng 17: “Huyện ĐaKông” được hiểu là Huyện Đa Krông" in result.stdout
    assert "hong.xlsx: không nhập được, chưa ghi gì." in result.stderr
    assert "Tệp bị hỏng" in result.stderr
    assert result.stderr.strip().endswith("Lỗi: 1/3 tệp không nhập được: hong.xlsx.")
    assert "Traceback" not in result.stderr
    assert table_counts(url) == {"figures": 22, "quotas": 72, "uploads": 2}


def test_problems_go_to_stderr_with_exit_2_and_nothing_is_written(url, files):
    rows = binh_son_rows()
    rows[16][3] = 700  # Xã Bình Trị: 700 paid of 626
    path = files("loi.xlsx", xlsx(SheetSpec("BTXH", rows)))
    result = run_cli(url, "import", path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Lỗi: Dòng 17 (Xã Bình Trị, Bảo trợ xã hội): số đã chi trả qua tài khoản (700) " \
           "lớn hơn tổng số đối tượng (626)." in result.stderr
    assert table_counts(url) == {"figures": 0, "quotas": 0, "uploads": 0}


def test_missing_date_asks_for_date_and_the_option_answers(url, files):
    rows = binh_son_rows()
    rows[4] = ["(Số liệu tính đến ngày …/…/2024)"] + [None] * 4
    path = files("binh_son.xlsx", xlsx(SheetSpec("BTXH", rows)))
    result = run_cli(url, "import", path)
    assert result.returncode == 2
    assert "Cần bổ sung: Không tìm thấy ngày số liệu" in result.stderr
    assert "(dùng --date YYYY-MM-DD)" in result.stderr
    answered = run_cli(url, "import", path, "--date", "2024-01-26")
    assert answered.returncode == 0, answered.stderr
    assert "ngày 26/01/2024 (theo ngày đã nhập)" in answered.stdout


def test_unit_and_kind_options(url, files):
    rows = binh_son_rows()
    rows[0][0] = "ỦY BAN NHÂN DÂN"  # the title no longer names the district
    path = files("bc.xlsx", xlsx(SheetSpec("BTXH", rows)))
    result = run_cli(url, "import", path, "--unit", "H. Bình Sơn", "--kind", "progress",
                      "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "đơn vị cấp trên Huyện Bình Sơn (theo đơn vị đã chọn)" in result.stdout
    wrong = run_cli(url, "import", path, "--kind", "bao_cao")
    assert wrong.returncode == 2 and "--kind" in wrong.stderr


def test_missing_file_and_reimport(url, files):
    missing = run_cli(url, "import", "/khong/co/tep.xlsx")
    assert missing.returncode == 2
    assert "Không đọc được tệp “/khong/co/tep.xlsx”: không có tệp này" in missing.stderr
    assert "No such file" not in missing.stderr  # the system's English words stay out
    folder = run_cli(url, "import", os.path.dirname(files("x.xlsx", b"x")))
    assert folder.returncode == 2 and "đây là một thư mục" in folder.stderr
    path = files("binh_son.xlsx", binh_son_xlsx())
    assert run_cli(url, "import", path).returncode == 0
    again = run_cli(url, "import", path)
    assert again.returncode == 0, again.stderr
    assert "0 thêm mới, 0 thay thế, 22 giữ nguyên" in again.stdout
    assert "Cảnh báo: Tệp này đã được nhập ngày" in again.stdout
    assert table_counts(url)["figures"] == 22


def test_file_over_the_size_limit(url, files, monkeypatch):
    monkeypatch.setenv("ASXH_MAX_UPLOAD_MB", "0.005")
    path = files("binh_son.xlsx", binh_son_xlsx())
    result = run_cli(url, "import", path)
    assert result.returncode == 2
    assert "Tệp quá lớn" in result.stderr
    assert table_counts(url)["uploads"] == 0
