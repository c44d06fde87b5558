"""The national daily file the benchmark imports: every commune of the country (10,051 rows)
with codes, names written where they change, and a band of four columns per group, as the
ministry's consolidated report lays it out (tests/workbooks.py builds a smaller sibling)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd

from core.catalogue.units import by_code
from core.vocabulary import FIELD_LABELS, GROUP_LABELS, GROUPS

_BAND = [FIELD_LABELS["total"], "Số đã có TK", "Số chi qua TK", "Tỷ lệ %"]


def national_commune_file(figures: pd.DataFrame, day: dt.date) -> bytes:
    """An .xlsx of the communes' figures (unit_code, grp, total, accounts, cashless)."""
    units = by_code()
    wide = figures.pivot(index="unit_code", columns="grp",
                         values=["total", "accounts", "cashless"])
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Xa")
    width = 6 + 4 * len(GROUPS)
    sheet.append(["TỔNG HỢP KẾT QUẢ CHI TRẢ AN SINH XÃ HỘI KHÔNG DÙNG TIỀN MẶT THEO XÃ"]
                 + [None] * (width - 1))
    sheet.append([f"Tính đến ngày {day:%d/%m/%Y}"] + [None] * (width - 1))
    header = ["Mã tỉnh", "Tỉnh", "Mã huyện", "Huyện", "Mã xã", "Xã"]
    for group in GROUPS:
        header += [GROUP_LABELS[group], None, None, None]
    sheet.append(header)
    sheet.append([None] * 6 + _BAND * len(GROUPS))
    last_province = last_district = None
    for code in wide.index:
        commune = units[code]
        district = units[commune.parent_code]
        province = units[commune.province_code]
        row: list[object] = [
            province.code, province.name if province.code != last_province else None,
            district.code, district.name if district.code != last_district else None,
            commune.code, commune.name]
        for group in GROUPS:
            total = int(wide.at[code, ("total", group)])
            accounts = int(wide.at[code, ("accounts", group)])
            cashless = int(wide.at[code, ("cashless", group)])
            row += [total, accounts, cashless, round(cashless / total, 4) if total else None]
        sheet.append(row)
        last_province, last_district = province.code, district.code
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
