"""The meeting-file buttons on the overview and lagging pages (AppTest, signed in), and the
cache behind them: a file is made on the first click only, per data version."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from core.access import audit
from core.exports import meeting
from tests.pages.test_pages import monkeypatch_module, open_page, url  # noqa: F401  (sign-in)
from ui import downloads
from ui.data import Data


def buttons(at) -> dict[str, object]:
    return {b.proto.label: b.proto for b in at.get("download_button")}


def test_overview_of_a_province_offers_deck_pdf_and_form(url):  # noqa: F811
    at = open_page("tong_quan", unit="45", date="2024-01-25")
    found = buttons(at)
    assert {downloads.LABELS[k] for k in ("briefing", "pdf", "form")} <= set(found)
    assert "Tải về cho cuộc họp" in [s.value for s in at.subheader]
    for kind in ("briefing", "pdf", "form"):  # made on click, not while the page runs
        proto = found[downloads.LABELS[kind]]
        assert proto.deferred_file_id and proto.url == ""


def test_overview_of_a_province_without_district_figures_has_no_form(url):  # noqa: F811
    at = open_page("tong_quan", unit="10", date="2024-01-23")  # Lào Cai: a province report
    found = buttons(at)
    assert downloads.LABELS["briefing"] in found and downloads.LABELS["pdf"] in found
    assert downloads.LABELS["form"] not in found


def test_lagging_page_offers_the_deck_pdf_and_phone_image_next_to_the_list(url):  # noqa: F811
    at = open_page("xa_cham", unit="524", date="2024-01-25")
    found = buttons(at)
    assert {"Tải Excel (.xlsx)", "Tải CSV", downloads.LABELS["phone"],
            downloads.LABELS["briefing"], downloads.LABELS["pdf"],
            "Tải ảnh biểu đồ (.png)"} == set(found)
    for label in found:  # every file is made on click
        assert found[label].deferred_file_id and found[label].url == "", label


def test_no_file_is_made_while_the_pages_run_however_often(url, demo_engine):  # noqa: F811
    """The files are made by the click (tests/e2e/test_export_browser.py downloads them):
    reruns, a new date, a new threshold make none (ui.downloads.BUILT counts what is made)."""
    with demo_engine.begin() as conn:  # the audit page lists it, with its CSV button
        audit.record(conn, "admin_test", audit.LOGIN, "thử tải nhật ký")
    before = dict(downloads.BUILT)
    at = open_page("xa_cham", unit="524", date="2024-01-25")
    for _ in range(3):
        at.run()
    at.date_input(key="date").set_value(dt.date(2024, 1, 24)).run()
    at.number_input(key="threshold").set_value(5).run()
    assert not at.exception and "Tải Excel (.xlsx)" in buttons(at)
    for page, query in (("chat_luong", {"unit": "45", "date": "2024-03-31", "period": "30"}),
                        ("nhat_ky", {}), ("tai_len", {}), ("tong_quan", {"unit": "524"})):
        other = open_page(page, **query)
        other.run()
        assert other.get("download_button"), page
        assert all(b.proto.deferred_file_id and b.proto.url == ""
                   for b in other.get("download_button")), page
    assert dict(downloads.BUILT) == before


def test_a_shared_file_is_made_once_for_every_session():
    made = []

    def build() -> bytes:
        made.append(1)
        return b"tep"

    key = ("test", dt.datetime.now().timestamp())
    before = downloads.BUILT["test_file"]
    first = downloads.on_click("test_file", key, build)
    second = downloads.on_click("test_file", key, build)  # another session's button
    assert made == [] and downloads.BUILT["test_file"] == before  # nothing until a click
    assert first() == b"tep" and second() == b"tep" and first() == b"tep"
    assert len(made) == 1 and downloads.BUILT["test_file"] == before + 1


def test_every_chart_of_the_leaders_pages_has_a_png_button_made_on_click(url):  # noqa: F811
    for page, query, charts in (
            ("xep_hang", {"date": "2024-01-23", "unit": "49"}, 2),  # tile map and bars
            ("chi_tieu", {"unit": "45", "date": "2024-01-25"}, 2),
            ("xu_huong", {"unit": "45", "date": "2024-01-25"}, 3),
            ("tong_quan", {"unit": "45", "date": "2024-01-25"}, 1)):
        at = open_page(page, **query)
        pngs = [b.proto for b in at.get("download_button")
                if b.proto.label == "Tải ảnh biểu đồ (.png)"]
        assert len(pngs) == charts, page
        assert all(p.deferred_file_id and p.url == "" for p in pngs)


@pytest.fixture
def data(demo_engine, demo_url) -> Data:
    return Data(demo_engine, demo_url, ("test", dt.datetime.now().timestamp()))


def test_a_file_is_made_once_per_data_version(data, monkeypatch):
    calls = []
    real = meeting.produce

    def counting(*args, **kwargs):
        calls.append(args[1:])
        return real(*args, **kwargs)

    monkeypatch.setattr(meeting, "produce", counting)
    first = downloads.produce(data, "form", "524", dt.date(2024, 1, 25))
    again = downloads.produce(data, "form", "524", dt.date(2024, 1, 25))
    assert first is again and len(calls) == 1
    sheet = openpyxl.load_workbook(io.BytesIO(first)).active
    assert sheet["A1"].value == "UBND HUYỆN BÌNH SƠN"
    newer = Data(data.engine, data.url, (*data.version, "sau khi tải lên"))
    downloads.produce(newer, "form", "524", dt.date(2024, 1, 25))
    assert len(calls) == 2
