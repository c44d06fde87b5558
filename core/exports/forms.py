"""Report forms for the level above: the district's daily summary by commune, the province's
by district, as formatted Excel files in the style of the official appendices.

Nobody should retype figures the dashboard already holds. A district sends the province one
row per commune; a province sends the ministry one row per district: title block, "Số liệu
tính đến ngày dd/mm/yyyy", a band of columns per beneficiary group (merged header), an index
row (A, B, C, 1, 2, 3, 4=3/1 ...), a total row, a note and the signature block.

The file must import back through core.ingest to the same figures (the level above runs the
same dashboard): official codes stand next to the names, counts are numbers (#,##0, read
1.049 on a Vietnamese system) and rates fractions (0.00%, read 8,67%), the header words are
those core.ingest recognises, and totals are values equal to the sum of the rows (the
importer checks them). Units without any figure are named in the note rather than given
empty rows, which the importer would report as missing figures.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.engine import Connection

from core import formatting as fmt
from core.analytics import metrics
from core.catalogue.units import by_code, child_codes
from core.errors import UserError
from core.exports.tables import landscape_a4
from core.storage import sources
from core.vocabulary import (
    ALL_GROUPS,
    COMMUNE,
    DISTRICT,
    FIELD_LABELS,
    GROUP_LABELS,
    GROUPS,
    OPTIONAL_FIELDS,
    PROVINCE,
)

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COUNT_FORMAT = "#,##0"
RATE_FORMAT = "0.00%"
SHEET_TITLE = "Tổng hợp"
TITLE = "BIỂU TỔNG HỢP TIẾN ĐỘ CHI TRẢ AN SINH XÃ HỘI KHÔNG DÙNG TIỀN MẶT"
BAND_LABELS = {**GROUP_LABELS, ALL_GROUPS: "Chung các nhóm đối tượng"}
ROW_WORDS = {PROVINCE: ("Mã huyện", "Huyện, thị xã, thành phố", "CÁC HUYỆN, THỊ XÃ, THÀNH PHỐ"),
             DISTRICT: ("Mã xã", "Xã, phường, thị trấn", "CÁC XÃ, PHƯỜNG, THỊ TRẤN")}
BASE_FIELDS = ("total", "accounts", "cashless")
LEFT_COLUMNS = 3  # STT, code, name

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_TOTAL_FILL = PatternFill("solid", fgColor="E7E6E6")  # grey: yellow would read as "at risk"
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_FONT = "Times New Roman"  # the typeface of Vietnamese administrative documents


@dataclass(frozen=True)
class Band:
    """One group's columns: its fields in sheet order (rate right after the counts)."""

    group: str
    fields: tuple[str, ...]


@dataclass
class Form:
    """A summary table ready to write: rows per child unit, bands per group."""

    unit: str
    as_of: dt.date
    bands: list[Band]
    rows: list[tuple[str, dict[tuple[str, str], float | None]]]  # (code, values)
    missing: list[str]  # children without any figure
    demo: bool


# ---------------------------------------------------------------------------------- data

def gather(conn: Connection, unit: str, as_of: dt.date | None = None) -> Form:
    """The children's figures as of the date, per group (their own reports, or for a
    district that only receives its communes' reports, the communes' sum)."""
    place = by_code()[unit]
    if place.level == COMMUNE:
        raise UserError(f"{place.name} là cấp xã: biểu tổng hợp được lập cho huyện (theo xã) "
                        f"hoặc tỉnh (theo huyện).")
    as_of = as_of or metrics.latest_date(conn, unit)
    if as_of is None:
        raise UserError(f"Chưa có số liệu nào của {place.name}.")
    children = list(child_codes(unit))
    found = metrics.figures_by_group(conn, children, as_of, (*GROUPS, ALL_GROUPS))
    by_group = {g: found[g] for g in GROUPS if not found[g].empty}
    if not by_group and not found[ALL_GROUPS].empty:
        by_group = {ALL_GROUPS: found[ALL_GROUPS]}
    if not by_group:
        kind = "huyện" if place.level == PROVINCE else "xã"
        raise UserError(f"Chưa có số liệu của các {kind} thuộc {place.name} tính đến ngày "
                        f"{fmt.date(as_of)}.")
    bands = [Band(g, _fields(f)) for g, f in by_group.items()]
    rows, missing = [], []
    for code in children:
        values = {(g, f): _value(by_group[g], code, f) for g in by_group for f in BASE_FIELDS
                  + OPTIONAL_FIELDS}
        if all(v is None for v in values.values()):
            missing.append(code)
            continue
        rows.append((code, values))
    return Form(unit, as_of, bands, rows, missing, sources.is_demo_loaded(conn))


def _fields(figs: pd.DataFrame) -> tuple[str, ...]:
    """total, accounts, cashless, rate, then the optional figures someone reported."""
    optional = [f for f in OPTIONAL_FIELDS if figs[f].notna().any()]
    return (*BASE_FIELDS, "rate", *optional)


def _value(figs: pd.DataFrame, code: str, field: str) -> int | None:
    if code not in figs.index or pd.isna(figs.at[code, field]):
        return None
    return int(figs.at[code, field])


def rate(values: dict[tuple[str, str], float | None], group: str) -> float | None:
    """cashless / total as a fraction (the cell shows it as 8,67%)."""
    total, cashless = values.get((group, "total")), values.get((group, "cashless"))
    if total is None or cashless is None or total <= 0:
        return None
    return cashless / total


def totals(form: Form) -> dict[tuple[str, str], int | None]:
    """The sum of the rows per group and field (None where no row has the figure)."""
    out: dict[tuple[str, str], int | None] = {}
    for band in form.bands:
        for field in band.fields:
            if field == "rate":
                continue
            present = [v[(band.group, field)] for _, v in form.rows
                       if v.get((band.group, field)) is not None]
            out[(band.group, field)] = sum(present) if present else None
    return out


# -------------------------------------------------------------------------------- writing

def build(conn: Connection, unit: str, as_of: dt.date | None = None) -> bytes:
    """The form for `unit` (a district: by commune; a province: by district) as .xlsx."""
    return write(gather(conn, unit, as_of))


def write(form: Form) -> bytes:
    place = by_code()[form.unit]
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    width = LEFT_COLUMNS + sum(len(b.fields) for b in form.bands)
    header = _title(ws, form, width)
    first = _header(ws, header, place.level, form.bands)
    row = first
    for i, (code, values) in enumerate(form.rows, start=1):
        _unit_row(ws, row, i, code, values, form.bands)
        row += 1
    _total_row(ws, row, form)
    _style_table(ws, header, row, width, first)
    _footer(ws, row + 2, form, width)
    _page_setup(ws, header, first, width)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _cell(ws: Worksheet, row: int, column: int, value, *, bold: bool = False,
          italic: bool = False, size: int = 12, align: Alignment | None = None):
    cell = ws.cell(row, column, value)
    cell.font = Font(name=_FONT, bold=bold, italic=italic, size=size)
    if align is not None:
        cell.alignment = align
    return cell


def _title(ws: Worksheet, form: Form, width: int) -> int:
    """Authority, title, the date line; returns the first header row."""
    place = by_code()[form.unit]
    words = ROW_WORDS[place.level][2]
    split = max(LEFT_COLUMNS, width // 3)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=split)
    _cell(ws, 1, 1, f"UBND {place.name.upper()}", bold=True, align=_CENTER)
    lines = [(TITLE, True, False, 14),
             (f"CỦA {words} THUỘC {place.name.upper()}", True, False, 13),
             (f"(Số liệu tính đến ngày {fmt.date(form.as_of)})", False, True, 12)]
    for row, (text, bold, italic, size) in enumerate(lines, start=3):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        _cell(ws, row, 1, text, bold=bold, italic=italic, size=size, align=_CENTER)
    unit_row = 3 + len(lines)
    ws.merge_cells(start_row=unit_row, start_column=max(1, width - 2), end_row=unit_row,
                   end_column=width)
    _cell(ws, unit_row, max(1, width - 2), "Đơn vị tính: người", italic=True, size=11,
          align=Alignment(horizontal="right"))
    ws.row_dimensions[3].height = 22
    return unit_row + 1


def _header(ws: Worksheet, row: int, level: int, bands: list[Band]) -> int:
    """Two header rows (group bands merged over their fields) and the index row; returns
    the first data row."""
    code_label, name_label, _ = ROW_WORDS[level]
    index = ["A", "B", "C"]
    for column, label in enumerate(("STT", code_label, name_label), start=1):
        _cell(ws, row, column, label, bold=True, align=_CENTER)
        ws.merge_cells(start_row=row, start_column=column, end_row=row + 1, end_column=column)
    column, number = LEFT_COLUMNS + 1, 1
    for band in bands:
        _cell(ws, row, column, BAND_LABELS[band.group], bold=True, align=_CENTER)
        ws.merge_cells(start_row=row, start_column=column, end_row=row,
                       end_column=column + len(band.fields) - 1)
        numbers: dict[str, int] = {}
        for field in band.fields:
            _cell(ws, row + 1, column, FIELD_LABELS[field], bold=True, align=_CENTER)
            numbers[field] = number
            index.append(f"{number}={numbers['cashless']}/{numbers['total']}"
                         if field == "rate" else str(number))
            column += 1
            number += 1
    for column, text in enumerate(index, start=1):
        _cell(ws, row + 2, column, text, italic=True, size=10, align=_CENTER)
    ws.row_dimensions[row + 1].height = 66
    return row + 3


def _write_values(ws: Worksheet, row: int, values: dict, bands: list[Band],
                  bold: bool = False) -> None:
    column = LEFT_COLUMNS + 1
    for band in bands:
        for field in band.fields:
            value = rate(values, band.group) if field == "rate" else values.get(
                (band.group, field))
            cell = _cell(ws, row, column, value, bold=bold)
            cell.number_format = RATE_FORMAT if field == "rate" else COUNT_FORMAT
            column += 1


def _unit_row(ws: Worksheet, row: int, order: int, code: str, values: dict,
              bands: list[Band]) -> None:
    _cell(ws, row, 1, order, align=Alignment(horizontal="center"))
    _cell(ws, row, 2, code, align=Alignment(horizontal="center")).number_format = "@"
    _cell(ws, row, 3, by_code()[code].name)
    _write_values(ws, row, values, bands)


def _total_row(ws: Worksheet, row: int, form: Form) -> None:
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=LEFT_COLUMNS)
    _cell(ws, row, 1, "Tổng cộng", bold=True, align=_CENTER)
    _write_values(ws, row, totals(form), form.bands, bold=True)


def _style_table(ws: Worksheet, header: int, last: int, width: int, first: int) -> None:
    for cells in ws.iter_rows(min_row=header, max_row=last, max_col=width):
        for cell in cells:
            cell.border = _BORDER
            if cell.row < first:
                cell.fill = _HEADER_FILL
            elif cell.row == last:
                cell.fill = _TOTAL_FILL
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 9
    ws.column_dimensions["C"].width = 28
    for column in range(LEFT_COLUMNS + 1, width + 1):
        label = str(ws.cell(first - 2, column).value or "")
        ws.column_dimensions[get_column_letter(column)].width = 18 if len(label) > 30 else 13


def _footer(ws: Worksheet, row: int, form: Form, width: int) -> None:
    """The note (what the figures are, who is missing) and the signature block; the
    importer stops reading at «Ghi chú»."""
    place = by_code()[form.unit]
    kind = "xã" if place.level == DISTRICT else "huyện"
    note = (f"Ghi chú: số liệu tổng hợp từ báo cáo gần nhất của từng {kind} tính đến ngày "
            f"{fmt.date(form.as_of)}; tỷ lệ = số chi trả qua tài khoản / tổng số đối tượng. "
            f"Lập ngày {dt.date.today():%d/%m/%Y} từ ASXH Dashboard.")
    if form.missing:
        names = ", ".join(by_code()[c].name for c in form.missing)
        note += f" Chưa có số liệu: {names}."
    if form.demo:
        note += " Dữ liệu mẫu (demo), không phải số liệu thật."
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    _cell(ws, row, 1, note, italic=True, size=11,
          align=Alignment(wrap_text=True, vertical="top"))
    ws.row_dimensions[row].height = 16 * (2 + len(note) // (8 * width))
    sign = row + 2
    half = max(LEFT_COLUMNS + 1, width // 2)
    _cell(ws, sign, 1, "NGƯỜI LẬP BIỂU", bold=True, align=_CENTER)
    ws.merge_cells(start_row=sign, start_column=1, end_row=sign, end_column=LEFT_COLUMNS)
    _cell(ws, sign, half + 1, "TM. ỦY BAN NHÂN DÂN", bold=True, align=_CENTER)
    ws.merge_cells(start_row=sign, start_column=half + 1, end_row=sign, end_column=width)


def _page_setup(ws: Worksheet, header: int, first: int, width: int) -> None:
    ws.freeze_panes = ws.cell(first, LEFT_COLUMNS + 1)
    ws.print_title_rows = f"{header}:{first - 1}"
    landscape_a4(ws)


def file_name(unit: str, as_of: dt.date) -> str:
    """bieu-tong-hop_huyen-binh-son_2024-01-25.xlsx: ASCII, kept intact by any mail client."""
    from core.text import slug

    return f"bieu-tong-hop_{slug(by_code()[unit].name)}_{as_of.isoformat()}.xlsx"
