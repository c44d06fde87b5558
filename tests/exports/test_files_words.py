"""No code words in the files people take away: the briefing deck, its PDF, the report form
and the lagging list (.xlsx, CSV), made from the demo data for the provinces, district and
commune of the source documents, opened the way a reader opens them."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata

import pytest
from openpyxl import load_workbook
from pptx import Presentation
from pypdf import PdfReader

from core.analytics import metrics
from core.exports import meeting
from core.exports import tables as exports

CODE_WORDS = re.compile(r"(?<![\w-])(None|nan|NaN|NaT|<NA>|null|True|False|inf)(?![\w-])")


def deck_text(data: bytes) -> str:
    parts = []
    for slide in Presentation(io.BytesIO(data)).slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [cell.text for row in shape.table.rows for cell in row.cells]
        parts.append(slide.notes_slide.notes_text_frame.text)
    return "\n".join(parts)


def workbook_text(data: bytes) -> str:
    book = load_workbook(io.BytesIO(data))
    return "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows()
                     for c in row if c.value is not None)


def pdf_text(data: bytes) -> str:
    return unicodedata.normalize("NFC", "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))


READERS = {"briefing": deck_text, "pdf": pdf_text, "form": workbook_text}


@pytest.mark.parametrize(("kind", "unit", "day"), [
    ("briefing", "49", dt.date(2024, 1, 23)),     # Quảng Nam, its districts and communes
    ("briefing", "18748", None),                  # Cẩm Lạc, a commune reporting alone
    ("pdf", "70", dt.date(2024, 2, 22)),          # Bình Phước, before the reconciliation
    ("form", "49", None),
    ("form", "45", dt.date(2024, 1, 25)),
])
def test_meeting_files_carry_no_code_words(demo_engine, kind, unit, day):
    produced = meeting.produce(demo_engine, kind, unit, day)
    text = READERS[kind](produced.data)
    assert text.strip()
    assert CODE_WORDS.findall(text) == []


def test_lagging_list_files_carry_no_code_words(demo_engine):
    day = dt.date(2024, 1, 23)
    with demo_engine.connect() as conn:
        threshold = metrics.lag_threshold(conn, "49", day)
        table = metrics.lagging(conn, "49", day, threshold)
    assert (table["reason"] == "not_started").any()
    book = exports.lagging_xlsx(table, unit="49", as_of=day, threshold=threshold,
                                group_label="Tất cả nhóm", source="«Dữ liệu mẫu (demo)»")
    assert CODE_WORDS.findall(workbook_text(book)) == []
    csv_text = exports.lagging_csv(table).decode("utf-8-sig")
    assert CODE_WORDS.findall(csv_text) == []
