"""Realistic report workbooks for the reading and layout tests, built with openpyxl.

The figures come from the seed documents (shared/seeds): Phụ lục 01 of Quảng Trị's letter
(seed 001) and Bình Sơn district's btxh results by commune (seed 003, whose overall figure
1.049/12.105 = 8,67% and the commune rates it names are kept; the other communes' counts are
made up to add up to them). tests/fixtures/make_office_files.py converts some of these with
LibreOffice into the committed .xls/.ods fixtures.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class SheetSpec:
    name: str
    rows: Sequence[Sequence[object]]
    merges: Sequence[str] = ()
    hidden: bool = False
    percent_cells: Sequence[str] = field(default_factory=tuple)  # e.g. "I8:I17"


def xlsx(*sheets: SheetSpec) -> bytes:
    """A workbook holding the given sheets, merged ranges and number formats included."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.name)
        for row in spec.rows:
            sheet.append(list(row))
        for merge in spec.merges:
            sheet.merge_cells(merge)
            _center(sheet, merge)
        for block in spec.percent_cells:
            for line in sheet[block]:
                for cell in line:
                    cell.number_format = "0%"
        if spec.hidden:
            sheet.sheet_state = "hidden"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _center(sheet: Worksheet, merge: str) -> None:
    cell = sheet[merge.split(":")[0]]
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    cell.font = Font(bold=True)


def csv_bytes(rows: Iterable[Sequence[object]], separator: str = ";", bom: bool = True) -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def encode_cp1258(text: str) -> bytes:
    """Text as Windows encodes it in code page 1258 (Excel's plain "CSV" on Vietnamese
    Windows): letters the code page has whole (ê, ơ, ư, đ...) stay whole, tone marks follow
    as combining characters ("ế" is "ê" + U+0301). Python's own codec refuses "ế" instead."""
    import unicodedata

    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in parts if c in _TONE_MARKS)
        letter = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out += (letter + tones).encode("cp1258")
    return bytes(out)


def csv_text(rows: Iterable[Sequence[object]], separator: str = ";") -> str:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue()


def dense_xlsx(rows: int, cols: int, dimension: bool = True) -> bytes:
    """One sheet full of numbers, its XML written directly (openpyxl takes a minute for a
    million cells): the size of sheet the reader must refuse before building it. Excel
    writes the sheet's extent first (<dimension>); other programs may not."""
    letters = []
    for number in range(1, cols + 1):
        name = ""
        while number:
            number, rest = divmod(number - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    body = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>{r + i}</v></c>'
                                              for i, c in enumerate(letters)) + "</row>"
                   for r in range(1, rows + 1))
    buffer = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active.title = "BC"
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                extent = f'<dimension ref="A1:{letters[-1]}{rows}"/>' if dimension else ""
                data = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas'
                        b'.openxmlformats.org/spreadsheetml/2006/main">' + extent.encode()
                        + b"<sheetData>" + body.encode() + b"</sheetData></worksheet>")
            target.writestr(info.filename, data)
    return out.getvalue()


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# --- seed 001: Phụ lục 01, Quảng Trị's quotas for 2024 ------------------------------------

# name, ncc base, ncc q1..q4, ncc year, ncc share, btxh base, btxh q1..q4, btxh year, share
PHU_LUC_01_DISTRICTS: list[tuple] = [
    ("Thành phố Đông Hà", 1912, 96, 191, 287, 382, 956, 0.5, 3260, 163, 326, 489, 652, 1630, 0.5),
    ("Thị xã Quảng Trị", 1151, 58, 115, 173, 230, 576, 0.5, 1178, 59, 118, 177, 236, 590, 0.5),
    ("Huyện Gio Linh", 2391, 72, 167, 191, 287, 717, 0.3, 6815, 204, 477, 545, 818, 2044, 0.3),
    ("Huyện Vĩnh Linh", 3015, 90, 211, 241, 362, 904, 0.3, 6505, 195, 455, 520, 781, 1951, 0.3),
    ("Huyện Cam Lộ", 987, 30, 69, 79, 118, 296, 0.3, 3378, 101, 236, 270, 405, 1012, 0.3),
    ("Huyện Hải Lăng", 2419, 73, 169, 194, 290, 726, 0.3, 7510, 225, 526, 601, 901, 2253, 0.3),
    ("Huyện Triệu Phong", 2957, 89, 207, 237, 355, 888, 0.3, 8101, 243, 567, 648, 972, 2430,
     0.3),
    ("Huyện ĐaKông", 967, 10, 29, 39, 68, 146, 0.15, 3601, 36, 108, 144, 252, 540, 0.15),
    ("Huyện Hướng Hóa", 1176, 12, 35, 47, 82, 176, 0.15, 7131, 71, 214, 285, 499, 1069, 0.15),
]
PHU_LUC_01_TOTAL = ("Tổng cộng", 16975, 530, 1193, 1488, 2174, 5385, 0.32,
                    47479, 1297, 3027, 3679, 5516, 13519, 0.28)


def _vn_thousands(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def phu_luc_01_rows(text_numbers: bool = True) -> list[list[object]]:
    """Seed 001's Phụ lục 01 as a sheet: title, three header rows, index row, 9 districts,
    the total and the signature block. Base totals above 999 are typed as text "1.912" when
    text_numbers is set, as people paste them from Word."""
    ncc = "Người có công đang hưởng trợ cấp hàng tháng"
    btxh = "Đối tượng bảo trợ xã hội đang hưởng trợ cấp hàng tháng"
    quota_ncc = ("Số lượng người có công được mở tài khoản, chi trả không dùng tiền mặt "
                 "(mức tối thiểu đạt được)")
    quota_btxh = ("Số lượng đối tượng bảo trợ xã hội được mở tài khoản, chi trả không dùng "
                  "tiền mặt (mức tối thiểu đạt được)")
    quarters = ["Quý 1/2024", "Quý 2/2024", "Quý 3/2024", "Quý 4/2024",
                "Tổng số cả năm 2024", "Tỷ lệ % đạt được cả năm 2024"]
    rows: list[list[object]] = [
        ["Phụ lục 01"] + [None] * 15,
        ["GIAO CHỈ TIÊU SỐ LƯỢNG CÁC ĐỐI TƯỢNG HƯỞNG CHÍNH SÁCH AN SINH XÃ HỘI"] + [None] * 15,
        ["ĐƯỢC MỞ TÀI KHOẢN, CHI TRẢ KHÔNG DÙNG TIỀN MẶT TRONG NĂM 2024"] + [None] * 15,
        ["(Kèm theo Công văn số: /UBND-KGVX ngày / /2024 của UBND tỉnh)"] + [None] * 15,
        [None] * 16,
        ["TT", "Tên địa phương", ncc] + [None] * 6 + [btxh] + [None] * 6,
        [None, None, "Tổng số người có công", quota_ncc] + [None] * 5
        + ["Tổng số đối tượng bảo trợ xã hội", quota_btxh] + [None] * 5,
        [None, None, None, *quarters, None, *quarters],
        ["A", "B", 1, 2, 3, 4, 5, "$6=2+3+4+5$", "$7=6/1$", 8, 9, 10, 11, 12,
         "$13=9+10+11+12$", "$14=13/8$"],
    ]
    for number, district in enumerate(PHU_LUC_01_DISTRICTS, start=1):
        rows.append([number, *_quota_cells(district, text_numbers)])
    rows.append([None, *_quota_cells(PHU_LUC_01_TOTAL, text_numbers)])
    rows += [
        [None] * 16,
        ["Ghi chú: Tỷ lệ tính trên tổng số đối tượng đang hưởng trợ cấp tại thời điểm "
         "31/12/2023."] + [None] * 15,
        [None] * 10 + ["TM. ỦY BAN NHÂN DÂN"] + [None] * 5,
        [None] * 10 + ["KT. CHỦ TỊCH"] + [None] * 5,
        [None] * 10 + ["Hoàng Nam"] + [None] * 5,
    ]
    return rows


def _quota_cells(values: tuple, text_numbers: bool) -> list[object]:
    name, *numbers = values
    cells: list[object] = [name]
    for i, value in enumerate(numbers):
        is_base = i in (0, 7)
        cells.append(_vn_thousands(value) if text_numbers and is_base and value > 999 else value)
    return cells


PHU_LUC_01_MERGES = (
    "A1:P1", "A2:P2", "A3:P3", "A4:P4",
    "A6:A8", "B6:B8", "C6:I6", "J6:P6",
    "C7:C8", "D7:I7", "J7:J8", "K7:P7",
)


def phu_luc_01_xlsx(text_numbers: bool = True, merged: bool = True) -> bytes:
    return xlsx(SheetSpec(
        "PL01", phu_luc_01_rows(text_numbers), PHU_LUC_01_MERGES if merged else (),
        percent_cells=("I10:I19", "P10:P19"),
    ))


# --- seed 003: Bình Sơn district, btxh by commune ----------------------------------------

# commune, btxh total, paid through an account, stated rate as the district wrote it
BINH_SON_COMMUNES: list[tuple[str, int, int, str]] = [
    ("Thị trấn Châu Ổ", 600, 234, "39%"),
    ("Xã Bình Thuận", 540, 20, "3,70%"),
    ("Xã Bình Thạnh", 610, 18, "2,95%"),
    ("Xã Bình Đông", 480, 12, "2,50%"),
    ("Xã Bình Chánh", 590, 25, "4,24%"),
    ("Xã Bình Nguyên", 570, 22, "3,86%"),
    ("Xã Bình Khương", 560, 15, "2,68%"),
    ("Xã Bình Trị", 626, 377, "60,22%"),
    ("Xã Bình An", 430, 0, "0%"),
    ("Xã Bình Hải", 520, 10, "1,92%"),
    ("Xã Bình Dương", 610, 16, "2,62%"),
    ("Xã Bình Phước", 450, 0, "0%"),
    ("Xã Bình Hòa", 500, 14, "2,80%"),
    ("Xã Bình Trung", 519, 4, "0,77%"),
    ("Xã Bình Minh", 640, 200, "31,25%"),
    ("Xã Bình Long", 522, 6, "1,15%"),
    ("Xã Bình Thanh", 78, 19, "24,36%"),
    ("Xã Bình Chương", 560, 20, "3,57%"),
    ("Xã Bình Hiệp", 600, 24, "4,00%"),
    ("Xã Bình Mỹ", 580, 0, "0%"),
    ("Xã Bình Tân Phú", 470, 13, "2,77%"),
    ("Xã Bình Châu", 1050, 0, "0%"),
]
BINH_SON_TOTAL = ("Tổng cộng", 12105, 1049, "8,67%")


def binh_son_rows() -> list[list[object]]:
    """Seed 003's btxh results: the group comes from the title, the columns are unbanded,
    counts over 999 and all rates are text as typed in Vietnamese."""
    rows: list[list[object]] = [
        ["UBND HUYỆN BÌNH SƠN", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", None],
        ["PHÒNG LAO ĐỘNG - TB&XH", None, None, "Độc lập - Tự do - Hạnh phúc", None],
        [None] * 5,
        ["BÁO CÁO KẾT QUẢ CHI TRẢ TRỢ CẤP BẢO TRỢ XÃ HỘI QUA TÀI KHOẢN"] + [None] * 4,
        ["(Số liệu tính đến ngày 25/01/2024)"] + [None] * 4,
        [None] * 5,
        ["TT", "Xã, thị trấn", "Tổng số đối tượng đang hưởng trợ cấp hàng tháng",
         "Số đối tượng đã chi trả qua tài khoản", "Tỷ lệ (%)"],
        ["A", "B", 1, 2, "3=2/1"],
        [None, BINH_SON_TOTAL[0], _vn_thousands(BINH_SON_TOTAL[1]),
         _vn_thousands(BINH_SON_TOTAL[2]), BINH_SON_TOTAL[3]],
    ]
    for number, (name, total, paid, rate) in enumerate(BINH_SON_COMMUNES, start=1):
        rows.append([number, name, total, paid, rate])
    rows += [
        [None] * 5,
        [None, "Người lập biểu", None, "KT. CHỦ TỊCH", None],
        [None, None, None, "PHÓ CHỦ TỊCH", None],
        [None, "Phạm Thị Tường Vi", None, "Phạm Quang Sự", None],
    ]
    return rows


def binh_son_xlsx() -> bytes:
    return xlsx(SheetSpec("BTXH", binh_son_rows(), ("A4:E4", "A5:E5")))


# --- zip containers for hostile input ------------------------------------------------------

XLSX_SKELETON = {
    "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats'
                           b'.org/package/2006/content-types"/>',
    "xl/workbook.xml": b'<?xml version="1.0"?><workbook/>',
}


def far_cells_xlsx(cells: Iterable[tuple[int, int, str]], old: bytes, new: bytes) -> bytes:
    """A workbook with "Đơn vị" in A1 and the given (row, column, value) cells, whose sheet
    XML has `old` replaced by `new` as openpyxl cannot write it (a cell tag with its position
    elsewhere or left out)."""
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Đơn vị"
    for row, column, value in cells:
        workbook.active.cell(row=row, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(old, new)
            archive.writestr(info.filename, data)
    return out.getvalue()


def zip_bomb(member_bytes: int, member: str = "xl/worksheets/sheet1.xml") -> bytes:
    """An xlsx-looking zip whose one member inflates to member_bytes of zeros (~1000:1)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in XLSX_SKELETON.items():
            archive.writestr(name, data)
        with archive.open(member, "w", force_zip64=True) as out:
            chunk = bytes(1 << 20)
            for _ in range(member_bytes // len(chunk)):
                out.write(chunk)
            out.write(bytes(member_bytes % len(chunk)))
    return buffer.getvalue()


def lying_zip(real_bytes: int, declared_bytes: int) -> bytes:
    """A zip whose directory understates a member's size: the declared-size check passes,
    so only streaming with a budget and the CRC check can catch it."""
    buffer = io.BytesIO()
    payload = bytes(real_bytes)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in XLSX_SKELETON.items():
            archive.writestr(name, data)
        archive.writestr("xl/worksheets/sheet1.xml", payload)
    data = bytearray(buffer.getvalue())
    real = real_bytes.to_bytes(4, "little")
    fake = declared_bytes.to_bytes(4, "little")
    # Uncompressed size: offset 22 in local headers (PK\3\4), 24 in central ones (PK\1\2).
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            if data[start + offset:start + offset + 4] == real:
                data[start + offset:start + offset + 4] = fake
            start += 4
    return bytes(data)


# --- national files ----------------------------------------------------------------------

NATIONAL_GROUPS = (("ncc", "Người có công"), ("btxh", "Bảo trợ xã hội"),
                   ("ngheo", "Hộ nghèo, hộ cận nghèo"))


def synthetic_figures(code: str, group_index: int) -> tuple[int, int, int]:
    """Deterministic (total, accounts, cashless) for a unit code, so tests can assert them."""
    seed = int(code) * 7 + group_index * 13
    total = 50 + seed % 900
    accounts = total * (seed % 60) // 100
    cashless = accounts * (seed % 90) // 100
    return total, accounts, cashless


def national_provinces_rows() -> list[list[object]]:
    """63 provinces with figure bands over group leaves; Quảng Nam at 4,8% as in seed 000."""
    from core.catalogue.units import catalogue
    from core.vocabulary import PROVINCE

    provinces = [u for u in catalogue() if u.level == PROVINCE]
    rows: list[list[object]] = [
        ["BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"] + [None] * 11,
        ["BÁO CÁO TIẾN ĐỘ CHI TRẢ AN SINH XÃ HỘI KHÔNG DÙNG TIỀN MẶT CỦA CÁC TỈNH, THÀNH PHỐ"]
        + [None] * 11,
        ["(Số liệu đến hết ngày 23/01/2024)"] + [None] * 11,
        ["STT", "Tỉnh, thành phố", "Tổng số đối tượng", None, None,
         "Số đối tượng đã có tài khoản", None, None,
         "Số đối tượng đã chi trả qua tài khoản", None, None, "Tỷ lệ (%)"],
        [None, None, *(["NCC", "BTXH", "Hộ nghèo, cận nghèo"] * 3), None],
    ]
    body = []
    for province in provinces:
        figures = [synthetic_figures(province.code, g) for g in range(3)]
        if province.short_name == "Quảng Nam":
            figures = [(20000, 1500, 960), (30000, 2400, 1440), (12500, 800, 600)]
        totals = [f[0] for f in figures]
        cashless = [f[2] for f in figures]
        rate = round(sum(cashless) / sum(totals) * 100, 2)
        body.append([None, province.name, *totals, *[f[1] for f in figures], *cashless, rate])
    grand = [sum(r[i] for r in body) for i in range(2, 11)]
    rows.append([None, "Toàn quốc", *grand, round(sum(grand[6:9]) / sum(grand[0:3]) * 100, 2)])
    for number, row in enumerate(body, start=1):
        row[0] = number
        rows.append(row)
    return rows


def national_provinces_xlsx() -> bytes:
    return xlsx(SheetSpec("Toan quoc", national_provinces_rows(),
                          ("A4:A5", "B4:B5", "C4:E4", "F4:H4", "I4:K4", "L4:L5")))


def national_communes_rows() -> list[list[object]]:
    """Every commune of the country with official codes as zero-padded text and the
    province and district names written only where they change (the rows below carry them)."""
    from core.catalogue.units import by_code, catalogue
    from core.vocabulary import COMMUNE

    units = by_code()
    band = ["Tổng số đối tượng", "Số đã có TK", "Số chi qua TK", "Tỷ lệ %"]
    rows: list[list[object]] = [
        ["TỔNG HỢP KẾT QUẢ CHI TRẢ AN SINH XÃ HỘI KHÔNG DÙNG TIỀN MẶT THEO XÃ"] + [None] * 17,
        ["Tính đến ngày 31/3/2024"] + [None] * 17,
        ["Mã tỉnh", "Tỉnh", "Mã huyện", "Huyện", "Mã xã", "Xã",
         "Người có công", None, None, None, "Bảo trợ xã hội", None, None, None,
         "Hộ nghèo, hộ cận nghèo", None, None, None],
        [None] * 6 + band * 3,
    ]
    last_province = last_district = None
    for commune in (u for u in catalogue() if u.level == COMMUNE):
        district = units[commune.parent_code]
        province = units[commune.province_code]
        row: list[object] = [
            province.code, province.name if province.code != last_province else None,
            district.code, district.name if district.code != last_district else None,
            commune.code, commune.name,
        ]
        for g in range(3):
            total, accounts, cashless = synthetic_figures(commune.code, g)
            row += [total, accounts, cashless, round(cashless / total, 4)]
        rows.append(row)
        last_province, last_district = province.code, district.code
    return rows


def national_communes_xlsx() -> bytes:
    return xlsx(SheetSpec("Xa", national_communes_rows(),
                          ("A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:E4", "F3:F4",
                           "G3:J3", "K3:N3", "O3:R3")))
