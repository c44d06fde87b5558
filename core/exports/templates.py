"""Blank report workbooks (.xlsx) for offices that want one; never required.

The importer reads whatever layout an office already uses, so these only spare a new office
the work of designing a table. They are shaped like the documents (group bands over the
figures, Phụ lục 01 for quotas), carry official unit codes next to the names (so rows are
matched by code), and total rows with formulas (Excel fills them in; the importer checks
them against the rows).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.catalogue.units import Unit, by_code, catalogue, child_codes
from core.vocabulary import COMMUNE, DISTRICT, FIELD_LABELS, GROUP_LABELS, GROUPS, PROVINCE

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BLANK_ROWS = 30  # rows offered when no parent unit is given
PROGRESS_HEADERS = tuple(FIELD_LABELS[f] for f in ("total", "accounts", "cashless"))
QUOTA_GROUPS = ("ncc", "btxh")
LEVEL_WORDS = {PROVINCE: ("Mã tỉnh", "Tỉnh, thành phố"), DISTRICT: ("Mã huyện", "Huyện, thị xã, "
                                                                   "thành phố"),
               COMMUNE: ("Mã xã", "Xã, phường, thị trấn")}

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def progress_template(parent: str | None = None, level: int = COMMUNE,
                      groups: Sequence[str] = GROUPS) -> bytes:
    """Daily progress by commune (or district): one band per group with total, accounts and
    cashless. With a parent unit the rows list its units, codes included."""
    units = _units_under(parent, level)
    title = [f"UBND {by_code()[parent].name.upper()}" if parent else "UBND ………………",
             "BÁO CÁO TIẾN ĐỘ CHI TRẢ AN SINH XÃ HỘI KHÔNG DÙNG TIỀN MẶT",
             "(Số liệu tính đến ngày …/…/2024)"]
    return _banded_workbook("Tien do", title, level, units, groups, PROGRESS_HEADERS)


def national_template(groups: Sequence[str] = GROUPS) -> bytes:
    """Figures per province for the whole country, provinces listed with their codes."""
    provinces = [u for u in catalogue() if u.level == PROVINCE]
    title = ["BÁO CÁO TIẾN ĐỘ CHI TRẢ AN SINH XÃ HỘI KHÔNG DÙNG TIỀN MẶT CỦA CÁC TỈNH, "
             "THÀNH PHỐ", "(Số liệu đến hết ngày …/…/2024)"]
    return _banded_workbook("Toan quoc", title, PROVINCE, provinces, groups, PROGRESS_HEADERS)


def quota_template(province: str | None = None, year: int = 2024,
                   groups: Sequence[str] = QUOTA_GROUPS) -> bytes:
    """Phụ lục 01: each district's quarterly quotas per group for a year, with the base total,
    the year's sum and its share as formulas."""
    units = _units_under(province, DISTRICT)
    fields = (FIELD_LABELS["total"], f"Quý 1/{year}", f"Quý 2/{year}", f"Quý 3/{year}",
              f"Quý 4/{year}", f"Tổng số cả năm {year}", f"Tỷ lệ % đạt được cả năm {year}")
    title = ["Phụ lục 01",
             f"GIAO CHỈ TIÊU SỐ LƯỢNG ĐỐI TƯỢNG ĐƯỢC MỞ TÀI KHOẢN, CHI TRẢ KHÔNG DÙNG TIỀN MẶT "
             f"TRONG NĂM {year}",
             f"(Kèm theo văn bản của {by_code()[province].name if province else 'UBND tỉnh'})"]
    return _banded_workbook("PL01", title, DISTRICT, units, groups, fields, quota=True)


TEMPLATES = {
    "progress_commune": ("Mẫu báo cáo tiến độ theo xã", "mau_bao_cao_tien_do_theo_xa.xlsx"),
    "progress_district": ("Mẫu báo cáo tiến độ theo huyện",
                          "mau_bao_cao_tien_do_theo_huyen.xlsx"),
    "quota": ("Mẫu giao chỉ tiêu (Phụ lục 01)", "mau_chi_tieu_phu_luc_01.xlsx"),
    "national": ("Mẫu báo cáo toàn quốc theo tỉnh", "mau_bao_cao_toan_quoc.xlsx"),
}


def build(key: str, parent: str | None = None) -> bytes:
    """The template named in TEMPLATES; parent fills in the units where it makes sense."""
    if key == "progress_commune":
        return progress_template(_at_level(parent, DISTRICT), COMMUNE)
    if key == "progress_district":
        return progress_template(_at_level(parent, PROVINCE), DISTRICT)
    if key == "quota":
        return quota_template(_at_level(parent, PROVINCE))
    if key == "national":
        return national_template()
    raise KeyError(key)


def _at_level(code: str | None, level: int) -> str | None:
    """The unit itself if it is at `level`, else its ancestor at that level, else None."""
    unit = by_code().get(code) if code else None
    while unit is not None and unit.level > level:
        unit = by_code()[unit.parent_code] if unit.parent_code else None
    return unit.code if unit is not None and unit.level == level else None


def _units_under(parent: str | None, level: int) -> list[Unit]:
    if parent is None:
        return []
    units = by_code()
    found = [units[c] for c in child_codes(parent)]
    while found and found[0].level < level:
        found = [units[c] for u in found for c in child_codes(u.code)]
    return [u for u in found if u.level == level]


# ---------------------------------------------------------------------------------- layout


def _banded_workbook(sheet_name: str, title: list[str], level: int, units: list[Unit],
                     groups: Sequence[str], fields: Sequence[str], quota: bool = False) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = sheet_name
    width = 3 + len(groups) * len(fields)
    for row, line in enumerate(title, start=1):
        cell = sheet.cell(row, 1, line)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        cell.alignment = _CENTER
        cell.font = Font(bold=True)
    header = len(title) + 2  # a blank row between the title and the table
    _header(sheet, header, level, groups, fields)
    first = header + 2
    count = len(units) or BLANK_ROWS
    for i in range(count):
        unit = units[i] if i < len(units) else None
        row = first + i
        sheet.cell(row, 1, i + 1)
        code = sheet.cell(row, 2, unit.code if unit else None)
        code.number_format = "@"  # codes keep their leading zeros
        sheet.cell(row, 3, unit.name if unit else None)
        if quota:
            _quota_formulas(sheet, row, len(groups), len(fields))
    last = first + count - 1
    _total_row(sheet, last + 1, first, last, width, quota, len(fields))
    _style(sheet, header, last + 1, width)
    sheet.freeze_panes = sheet.cell(first, 4)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _header(sheet: Worksheet, row: int, level: int, groups: Sequence[str],
            fields: Sequence[str]) -> None:
    code_label, name_label = LEVEL_WORDS[level]
    for column, label in enumerate(("STT", code_label, name_label), start=1):
        sheet.cell(row, column, label)
        sheet.merge_cells(start_row=row, start_column=column, end_row=row + 1,
                          end_column=column)
    for g, group in enumerate(groups):
        start = 4 + g * len(fields)
        sheet.cell(row, start, GROUP_LABELS[group])
        sheet.merge_cells(start_row=row, start_column=start, end_row=row,
                          end_column=start + len(fields) - 1)
        for f, label in enumerate(fields):
            sheet.cell(row + 1, start + f, label)


def _quota_formulas(sheet: Worksheet, row: int, groups: int, fields: int) -> None:
    """Year = Q1+..+Q4; share = year / base total, as Phụ lục 01 computes them."""
    for g in range(groups):
        base = 4 + g * fields
        col = get_column_letter
        quarters = f"{col(base + 1)}{row}:{col(base + 4)}{row}"
        sheet.cell(row, base + 5, f"=IF(COUNT({quarters})=0,\"\",SUM({quarters}))")
        share = sheet.cell(row, base + 6, (f"=IF(N({col(base)}{row})=0,\"\","
                                          f"N({col(base + 5)}{row})/{col(base)}{row})"))
        share.number_format = "0%"


def _total_row(sheet: Worksheet, row: int, first: int, last: int, width: int, quota: bool,
               fields: int) -> None:
    sheet.cell(row, 3, "Tổng cộng").font = Font(bold=True)
    for column in range(4, width + 1):
        if quota and (column - 4) % fields == fields - 1:
            continue  # a share is not summed
        letter = get_column_letter(column)
        sheet.cell(row, column, f"=IF(COUNT({letter}{first}:{letter}{last})=0,\"\","
                                f"SUM({letter}{first}:{letter}{last}))").font = Font(bold=True)


def _style(sheet: Worksheet, header: int, last: int, width: int) -> None:
    for row in sheet.iter_rows(min_row=header, max_row=last, max_col=width):
        for cell in row:
            cell.border = _BORDER
            if cell.row <= header + 1:
                cell.fill = _HEADER_FILL
                cell.alignment = _CENTER
                cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 5
    sheet.column_dimensions["B"].width = 9
    sheet.column_dimensions["C"].width = 28
    for column in range(4, width + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 14
    sheet.row_dimensions[header + 1].height = 48
