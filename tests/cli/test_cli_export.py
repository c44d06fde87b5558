"""`python -m core export briefing|pdf|form --unit U --date D --out FILE`, end to end (the
PDF in a subprocess, the rest through core.cli.main, see tests/cli/test_cli.py): each file
opens with its own library; mistakes are one Vietnamese line, exit 2."""

from __future__ import annotations

import io
import subprocess
import unicodedata

import openpyxl
import pytest
from pptx import Presentation
from pypdf import PdfReader

from tests.cli.test_cli import run_cli as cli_run

pytestmark = pytest.mark.postgres


def run_cli(url: str, *args: str, in_process: bool = True) -> subprocess.CompletedProcess:
    return cli_run(url, "export", *args, in_process=in_process)


def test_briefing_deck_by_unit_name_and_vietnamese_date(demo_url, tmp_path):
    out = tmp_path / "giao-ban.pptx"
    result = run_cli(demo_url, "briefing", "--unit", "Tỉnh Quảng Nam", "--date", "23/01/2024",
                     "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Đã ghi báo cáo trình chiếu của Tỉnh Quảng Nam, số liệu "
                                    "tính đến ngày 23/01/2024: ")
    assert result.stdout.count("\n") == 1 and result.stderr == ""
    deck = Presentation(str(out))
    titles = [next(s.text_frame.text for s in slide.shapes if s.has_text_frame)
              for slide in deck.slides]
    # Quảng Nam's districts, quotas and communes are in the demo: the deck has their slides.
    assert titles[2] == "Xếp hạng toàn quốc · 63 tỉnh, thành phố"
    assert titles[4:6] == ["Xếp hạng các huyện của Tỉnh Quảng Nam",
                           "Kết quả so với chỉ tiêu đến hết quý 1 theo đơn vị"]
    assert titles[6].startswith("Xã chậm tiến độ (1/")
    headline = "\n".join(s.text_frame.text for s in deck.slides[1].shapes if s.has_text_frame)
    assert "4,8%" in headline and "58/63" in headline


def test_pdf_of_a_district(demo_url, tmp_path):
    out = tmp_path / "binh-son.pdf"
    result = run_cli(demo_url, "pdf", "--unit", "524", "--date", "2024-01-25", "--out", str(out),
                     in_process=False)
    assert result.returncode == 0, result.stderr
    assert "Đã ghi báo cáo PDF của Huyện Bình Sơn" in result.stdout
    text = unicodedata.normalize("NFC", "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(out.read_bytes())).pages))
    for expected in ("1.049", "12.105", "8,67%", "Xã Bình Phước", "Xã Bình Mỹ"):
        assert expected in text


def test_form_of_a_province_defaults_to_its_newest_date(demo_url, tmp_path):
    out = tmp_path / "bieu.xlsx"
    result = run_cli(demo_url, "form", "--unit", "45", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Đã ghi biểu tổng hợp của Tỉnh Quảng Trị, số liệu tính đến ngày 31/12/2024" in (
        result.stdout)
    ws = openpyxl.load_workbook(out).active
    assert ws["A5"].value == "(Số liệu tính đến ngày 31/12/2024)"


@pytest.mark.parametrize(("args", "message"), [
    (["slides", "--unit", "49"], "Tham số LOẠI: giá trị \"slides\" không hợp lệ"),
    (["briefing", "--out", "x.pptx"], "Thiếu tham số bắt buộc: --unit"),
    (["form", "--unit", "21061"], "Xã Bình Trị là cấp xã"),
    (["pdf", "--unit", "49", "--date", "2023-01-01"],
     "Chưa có số liệu của Tỉnh Quảng Nam tính đến ngày 01/01/2023"),
    (["pdf", "--unit", "Không Có Tỉnh Này"], "Không tìm thấy"),
    (["pdf", "--unit", "49", "--date", "32/01/2024"], "Ngày \"32/01/2024\" không hợp lệ"),
])
def test_mistakes_are_one_vietnamese_line_with_exit_2(demo_url, tmp_path, args, message):
    if "--out" not in args:
        args = [*args, "--out", str(tmp_path / "out.bin")]
    result = run_cli(demo_url, *args)
    assert result.returncode == 2, result.stdout
    assert result.stderr.startswith("Lỗi: ") and message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "out.bin").exists()


def test_an_unwritable_place_is_refused_before_any_work(demo_url, tmp_path):
    result = run_cli(demo_url, "pdf", "--unit", "49", "--out", str(tmp_path / "khong" / "x.pdf"))
    assert result.returncode == 2
    assert "thư mục" in result.stderr and "không tồn tại" in result.stderr
    result = run_cli(demo_url, "form", "--unit", "45", "--out", str(tmp_path))
    assert result.returncode == 2 and "đó là một thư mục" in result.stderr
