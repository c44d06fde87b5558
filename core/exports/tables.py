"""The lagging-communes list as files to take away from a meeting: a formatted .xlsx and a CSV.

Excel shows separators by the reader's locale, so the workbook stores real numbers with
number formats (#,##0 and 0.00%): on a Vietnamese system they read 1.049 and 8,67%, and the
figures stay sortable and summable. The CSV is for other software: UTF-8 with a BOM (so
Excel detects the encoding of the Vietnamese names), plain numbers, dates dd/mm/yyyy.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core import formatting as fmt
from core.analytics.status import (
    DEFAULT_RATE_THRESHOLDS,
    NEUTRAL,
    RateThresholds,
    lag_light,
    light_fill,
)
from core.catalogue.units import by_code
from core.text import slug
from core.vocabulary import FIELD_LABELS, REASON_LABELS

TITLE = "DANH SÁCH XÃ CHẬM TIẾN ĐỘ"
COUNT_FORMAT = "#,##0"
RATE_FORMAT = "0.00%"
DATE_FORMAT = "dd/mm/yyyy"

# (header, width, kind) in sheet order; kind picks the cell format.
COLUMNS: tuple[tuple[str, int, str], ...] = (
    ("STT", 6, "index"),
    ("Mã đơn vị", 11, "text"),
    ("Xã/phường/thị trấn", 26, "text"),
    ("Thuộc huyện", 24, "text"),
    (FIELD_LABELS["total"], 14, "count"),
    ("Chi trả qua tài khoản", 14, "count"),
    ("Tỷ lệ", 10, "rate"),
    ("Tình trạng", 18, "text"),
    ("Báo cáo gần nhất", 14, "date"),
)
HEADERS = [c[0] for c in COLUMNS]

_HEADER_FILL = PatternFill("solid", fgColor=NEUTRAL.lstrip("#").upper())
_THIN = Side(style="thin", color="9E9E9E")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _records(table: pd.DataFrame) -> list[list]:
    """One list per commune in sheet order; rate as a fraction, missing values as None."""
    rows = []
    for i, r in enumerate(table.itertuples(index=False), start=1):
        rate = None if _missing(r.rate_pct) else float(r.rate_pct) / 100
        rows.append([i, r.code, r.name, r.parent, _int(r.total), _int(r.cashless), rate,
                     REASON_LABELS.get(r.reason, r.reason),
                     None if _missing(r.report_date) else r.report_date])
    return rows


def _light_fill(reason: str, rate, thresholds: RateThresholds) -> PatternFill | None:
    """The row's fill: its rate's light as on every page (analytics.status), none when silent."""
    fill = light_fill(lag_light(reason, None if _missing(rate) else float(rate), thresholds))
    return PatternFill("solid", fgColor=fill.lstrip("#").upper()) if fill else None


def lagging_xlsx(table: pd.DataFrame, *, unit: str, as_of: dt.date, threshold: float,
                 group_label: str, source: str | None = None,
                 thresholds: RateThresholds = DEFAULT_RATE_THRESHOLDS) -> bytes:
    """The list as an .xlsx a secretary can print: title, date, styled header, widths; each
    commune's row filled with its rate's light (red behind, amber at risk)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Xã chậm tiến độ"
    last = get_column_letter(len(COLUMNS))
    place = by_code()[unit]
    scope = place.name if place.parent_code is None else (
        f"{place.name}, {by_code()[place.province_code].name}")
    lines = [
        (TITLE, Font(bold=True, size=14)),
        (f"Tính đến ngày {fmt.date(as_of)}", Font(bold=True, size=12)),
        (f"Đơn vị: {scope} · Nhóm đối tượng: {group_label} · Ngưỡng: dưới "
         f"{fmt.percent(threshold)}", Font(italic=True, size=11)),
    ]
    for row, (text, font) in enumerate(lines, start=1):
        ws.merge_cells(f"A{row}:{last}{row}")
        cell = ws.cell(row=row, column=1, value=text)
        cell.font = font
        cell.alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 24

    header_row = len(lines) + 2
    for col, (header, width, _kind) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=header_row, column=col, value=header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[header_row].height = 32

    records = _records(table)
    fills = [_light_fill(r, v, thresholds) for r, v in zip(table["reason"], table["rate_pct"],
                                                          strict=True)] if records else []
    for offset, (values, fill) in enumerate(zip(records, fills, strict=True), start=1):
        row = header_row + offset
        for col, ((_h, _w, kind), value) in enumerate(zip(COLUMNS, values, strict=True),
                                                        start=1):
            cell = ws.cell(row=row, column=col, value=value)
            cell.border = _BORDER
            if kind == "count":
                cell.number_format = COUNT_FORMAT
            elif kind == "rate":
                cell.number_format = RATE_FORMAT
            elif kind == "date":
                cell.number_format = DATE_FORMAT
                cell.alignment = Alignment(horizontal="center")
            elif kind == "index":
                cell.alignment = Alignment(horizontal="center")
            if fill is not None:
                cell.fill = fill

    footer = header_row + len(records) + 2
    counts = table["reason"].value_counts() if not table.empty else pd.Series(dtype=int)
    parts = [f"{counts[r]} {REASON_LABELS[r].lower()}" for r in REASON_LABELS
             if counts.get(r, 0)]
    ws.cell(row=footer, column=1,
            value=f"Tổng cộng: {len(records)} xã" + (f" ({', '.join(parts)})" if parts else ""))
    ws.cell(row=footer, column=1).font = Font(bold=True)
    if source:
        ws.cell(row=footer + 1, column=1, value=f"Nguồn số liệu: {source}").font = Font(
            italic=True, color="616161")

    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    if records:
        ws.auto_filter.ref = f"A{header_row}:{last}{header_row + len(records)}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    landscape_a4(ws)

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def lagging_csv(table: pd.DataFrame) -> bytes:
    """The same rows as CSV: UTF-8 with BOM, comma-separated, rate in percent ("8.67", a dot
    so that any program reads it as a number), dates dd/mm/yyyy."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*HEADERS[:6], FIELD_LABELS["rate"], *HEADERS[7:]])
    for values in _records(table):
        rate = values[6]
        values[6] = "" if rate is None else f"{rate * 100:.2f}"
        values[8] = "" if values[8] is None else fmt.date(values[8])
        writer.writerow(["" if v is None else v for v in values])
    return out.getvalue().encode("utf-8-sig")


def landscape_a4(ws: Worksheet) -> None:
    """Print on A4 landscape, the columns fitted to one page wide, as many pages long."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def file_name(unit: str, as_of: dt.date, extension: str) -> str:
    """An ASCII file name every mail client and OS keeps intact:
    xa-cham-tien-do_huyen-binh-son_2024-01-25.xlsx."""
    return f"xa-cham-tien-do_{slug(by_code()[unit].name)}_{as_of.isoformat()}.{extension}"



def _int(value) -> int | None:
    return None if _missing(value) else int(value)


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))
