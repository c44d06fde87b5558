"""CSV as Vietnamese offices save it: every encoding Excel writes, every usual separator.

The bytes are made here in each encoding (Windows-1258 as Windows writes it: tone marks as
combining characters) and go through the whole import plan, so what is checked is what would
be stored: the unit names as the file spells them and the figures.
"""

from __future__ import annotations

import codecs
import datetime as dt

import pytest

from core.ingest.files import read_sheets
from core.ingest.limits import SpreadsheetError
from core.ingest.plan import ImportPlan, plan_import
from core.ingest.text import MSG_UNDECODABLE, decode_text, vietnamese_score
from tests.workbooks import BINH_SON_COMMUNES, binh_son_rows, csv_text, encode_cp1258

TODAY = dt.date(2024, 12, 31)

NATIONAL_ROWS = [
    ["BÁO CÁO TIẾN ĐỘ CHI TRẢ KHÔNG DÙNG TIỀN MẶT CỦA CÁC TỈNH, THÀNH PHỐ"],
    ["(Số liệu đến hết ngày 25/01/2024)"],
    [],
    ["STT", "Tên đơn vị", "Tổng số đối tượng", "Số đã chi trả qua tài khoản", "Tỷ lệ (%)"],
    ["1", "Thừa Thiên Huế", "45.210", "2.170", "4,80"],
    ["2", "Quảng Trị", "30.125", "1.506", "5,00"],
    ["3", "Quảng Ngãi", "52.000", "13.000", "25,00"],
]
NATIONAL_NAMES = ["Thừa Thiên Huế", "Quảng Trị", "Quảng Ngãi"]
NATIONAL_FIGURES = [(45210, 2170), (30125, 1506), (52000, 13000)]

ENCODINGS = {
    "utf-8-bom": (lambda text: codecs.BOM_UTF8 + text.encode("utf-8"), "utf-8"),
    "utf-8": (lambda text: text.encode("utf-8"), "utf-8"),
    "utf-16-le": (lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"), "utf-16"),
    "utf-16-be": (lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"), "utf-16"),
    "windows-1258": (encode_cp1258, "cp1258"),
}
SEPARATORS = {"comma": ",", "semicolon": ";", "tab": "\t"}


def plan_of(engine, data: bytes, name: str) -> ImportPlan:
    with engine.connect() as conn:
        return plan_import(conn, data, name, today=TODAY)


def test_windows_1258_really_is_written_with_combining_tone_marks():
    data = encode_cp1258("Thừa Thiên Huế")
    assert data == b"Th\xfd\xcca Thi\xean Hu\xea\xec"  # ư + grave, ê + acute
    assert data.decode("cp1258") != "Thừa Thiên Huế"  # not composed until normalised


@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("separator", list(SEPARATORS))
def test_decoding_finds_the_encoding_and_composes_the_letters(encoding, separator):
    text = csv_text(NATIONAL_ROWS, SEPARATORS[separator])
    encode, codec = ENCODINGS[encoding]
    decoded = decode_text(encode(text))
    assert decoded.encoding == codec
    assert decoded.text == text


@pytest.mark.postgres
@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("separator", list(SEPARATORS))
def test_a_national_csv_in_any_encoding_and_separator_is_read_exactly(
        empty_engine, encoding, separator):
    encode, _ = ENCODINGS[encoding]
    plan = plan_of(empty_engine, encode(csv_text(NATIONAL_ROWS, SEPARATORS[separator])),
                   "toan_quoc.csv")
    assert (plan.kind, plan.report_date) == ("national", dt.date(2024, 1, 25))
    preview = plan.preview
    assert preview["unit_text"].tolist() == NATIONAL_NAMES
    assert list(zip(preview["all:total"], preview["all:cashless"], strict=True)) == \
        NATIONAL_FIGURES
    stored = {r["unit_code"]: (r["total"], r["cashless"])
              for r in plan.figures.to_dict("records")}
    assert stored["45"] == (30125, 1506)  # Quảng Trị
    assert stored["51"] == (52000, 13000)  # Quảng Ngãi


@pytest.mark.postgres
@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("separator", list(SEPARATORS))
def test_the_binh_son_commune_report_as_csv_imports_whole(empty_engine, encoding, separator):
    encode, _ = ENCODINGS[encoding]
    plan = plan_of(empty_engine, encode(csv_text(binh_son_rows(), SEPARATORS[separator])),
                   "binh_son.csv")
    assert plan.can_apply, (plan.errors, plan.questions)
    assert (plan.parent_code, plan.row_count) == ("524", 22)  # Huyện Bình Sơn
    names = [n for n in plan.preview["unit_text"] if n != "Tổng cộng"]
    assert names == [name for name, *_ in BINH_SON_COMMUNES]
    binh_tri = plan.figures[plan.figures["unit_code"] == "21061"].iloc[0]
    assert (binh_tri["total"], binh_tri["cashless"]) == (626, 377)


@pytest.mark.postgres
def test_windows_1252_is_told_from_windows_1258(empty_engine):
    """English Windows writes the Western code page: the letters it has (á, ì, à, ê) must
    not be read as Windows-1258, where 0xEC is a combining acute ("B́nh")."""
    rows = [["(Số liệu đến hết ngày 25/01/2024)".encode("ascii", "ignore").decode()],
            ["STT", "Tên don vi", "Tong so doi tuong", "So da chi tra qua tài khoan", "Ty le (%)"],
            ["1", "Thái Bình", "40.000", "4.000", "10,00"],
            ["2", "Hà Nam", "20.000", "1.000", "5,00"],
            ["3", "Yên Bái", "10.000", "500", "5,00"]]
    text = csv_text(rows, ";")
    data = text.encode("cp1252")
    assert decode_text(data).encoding == "cp1252"
    plan = plan_of(empty_engine, data, "bao_cao_25012024.csv")
    assert plan.preview["unit_text"].tolist() == ["Thái Bình", "Hà Nam", "Yên Bái"]
    assert plan.preview["all:total"].tolist() == [40000, 20000, 10000]


def test_utf8_garbled_once_through_windows_1252_is_put_back():
    text = csv_text(NATIONAL_ROWS, ",")
    as_1252 = "".join(_read_as_1252(b) for b in text.encode("utf-8"))
    garbled = as_1252.encode("utf-8")  # "BÃO CÃO", "Tá»•ng sá»‘"
    assert "á»•" in as_1252
    assert decode_text(garbled).text == text


def _read_as_1252(byte: int) -> str:
    """As Windows reads a byte in code page 1252: the five undefined ones as U+0081..."""
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


def test_the_score_prefers_vietnamese_to_mojibake():
    right = "Tổng số đối tượng đã chi trả qua tài khoản, Thừa Thiên Huế"
    as_1252 = encode_cp1258(right).decode("cp1252")
    assert vietnamese_score(right) > 10
    assert vietnamese_score(as_1252) < 0
    assert vietnamese_score(right.encode("utf-8").decode("cp1252")) < 0
    assert vietnamese_score("Tong so doi tuong") == 0


@pytest.mark.parametrize("data", [
    # VNI-Windows, an old font encoding: "Tên đơn vị; Tổng số đối tượng; Huyện Bình Sơn"
    "Teân ñôn vò;Toång soá ñoái töôïng\nHuyeän Bình Sôn;12\nQuaûng Trò;3\n".encode("cp1252"),
    # UTF-16 with a BOM, but cut in the middle of a character
    codecs.BOM_UTF16_LE + "Tên đơn vị;Tổng số\n".encode("utf-16-le")[:-1],
], ids=["vni", "broken-utf16"])
def test_text_that_reads_as_no_vietnamese_is_refused_with_how_to_save_it(data):
    with pytest.raises(SpreadsheetError) as caught:
        read_sheets(data, "bao_cao.csv")
    assert str(caught.value) == MSG_UNDECODABLE
    assert "CSV UTF-8" in MSG_UNDECODABLE and "tiếng Việt" in MSG_UNDECODABLE


@pytest.mark.postgres
def test_an_undecodable_csv_is_one_clear_error_in_the_plan(empty_engine):
    data = "Teân ñôn vò;Toång soá ñoái töôïng\nQuaûng Trò;3\n".encode("cp1252")
    plan = plan_of(empty_engine, data, "bao_cao.csv")
    assert [p.message_vi for p in plan.errors] == [MSG_UNDECODABLE]
    assert not plan.can_apply
