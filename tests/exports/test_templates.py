"""Blank templates: each one, filled in the way an office would, imports back exactly."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from core.access.permissions import Account
from core.analytics import metrics
from core.catalogue.units import by_code, child_codes
from core.exports import templates
from core.ingest.apply import ImportResult, apply_import
from core.ingest.plan import ImportPlan, plan_import
from core.storage.db import quotas

pytestmark = pytest.mark.postgres

ADMIN = Account("quan_tri", "admin", None)
DAY = dt.date(2024, 2, 1)


def fill(data: bytes, value_of, date_text: str | None = "01/02/2024") -> bytes:
    """Type a number in every figure cell of every unit row (rows with a code), and the
    date in the title; formulas are left to the office program."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.active
    for row in sheet.iter_rows():
        title = row[0].value
        if isinstance(title, str) and "…/…" in title and date_text:
            row[0].value = title.replace("…/…/2024", date_text)
        code = row[1].value
        if not (isinstance(row[0].value, int) and code):
            continue
        for cell in row[3:]:
            if cell.value is None:
                cell.value = value_of(code, cell.column)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def plan_and_apply(engine, data: bytes, name: str) -> tuple[ImportPlan,
                                                           ImportResult]:
    with engine.begin() as conn:
        plan = plan_import(conn, data, name, today=dt.date(2024, 12, 31))
        assert plan.can_apply, (plan.errors, plan.questions)
        assert plan.problems == []
        return plan, apply_import(conn, plan, ADMIN)


def progress_value(code: str, column: int) -> int:
    """total, accounts, cashless per group band of three columns; cashless <= accounts."""
    field = (column - 4) % 3
    base = 100 + int(code) % 50
    return (base, base // 2, base // 4)[field]


def test_commune_template_of_a_district_lists_its_communes_with_codes():
    workbook = openpyxl.load_workbook(io.BytesIO(templates.build("progress_commune", "524")))
    sheet = workbook.active
    assert sheet["A1"].value == "UBND HUYỆN BÌNH SƠN"
    codes = [r[1].value for r in sheet.iter_rows(min_row=7) if isinstance(r[0].value, int)]
    assert codes == list(child_codes("524"))
    assert sheet.cell(5, 4).value == "Người có công"
    assert sheet.cell(6, 6).value == "Số đã chi trả qua tài khoản"


def test_progress_template_by_commune_imports_back(empty_engine):
    data = fill(templates.build("progress_commune", "21061"), progress_value)  # a commune's
    plan, result = plan_and_apply(empty_engine, data, "mau_xa.xlsx")
    assert (plan.kind, plan.report_date, plan.parent_code) == ("progress", DAY, "524")
    assert plan.groups == ["ncc", "btxh", "ngheo"]
    assert result.inserted == 22 * 3
    with empty_engine.connect() as conn:
        figs = metrics.figures_as_of(conn, ["21061"], DAY, "btxh").loc["21061"]
    base = 100 + 21061 % 50
    assert (figs["total"], figs["accounts"], figs["cashless"]) == (base, base // 2, base // 4)


def test_progress_template_by_district_imports_back(empty_engine):
    data = fill(templates.build("progress_district", "51"), progress_value)
    plan, result = plan_and_apply(empty_engine, data, "mau_huyen.xlsx")
    assert plan.parent_code == "51"
    assert result.inserted == len(child_codes("51")) * 3


def test_national_template_imports_back(empty_engine):
    data = fill(templates.build("national"), progress_value)
    plan, result = plan_and_apply(empty_engine, data, "mau_toan_quoc.xlsx")
    assert plan.kind == "national" and result.inserted == 63 * 3
    with empty_engine.connect() as conn:
        assert len(metrics.ranking(conn, DAY)) == 63


def test_quota_template_imports_back_as_quarter_increments(empty_engine):
    def quota_value(code: str, column: int):
        field = (column - 4) % 7  # base, q1..q4, year (formula), share (formula)
        return {0: 1000, 1: 10, 2: 20, 3: 30, 4: 40}.get(field)

    data = fill(templates.build("quota", "45"), quota_value, date_text=None)
    plan, result = plan_and_apply(empty_engine, data, "mau_chi_tieu.xlsx")
    districts = len(child_codes("45"))
    assert (plan.kind, plan.year, plan.parent_code) == ("quota", 2024, "45")
    assert result.inserted == districts * 2 * 4
    with empty_engine.connect() as conn:
        q4 = conn.scalar(sa.select(sa.func.sum(quotas.c["count"])).where(
            quotas.c.quarter == 4, quotas.c.grp == "btxh"))
        table = metrics.attainment(conn, "45", DAY)
    assert q4 == 40 * districts
    province = table[(table["level"] == "self") & (table["group"] == "ncc")].iloc[0]
    assert province["quota_year"] == 100 * districts


def test_blank_template_without_a_unit_has_empty_rows_to_fill():
    workbook = openpyxl.load_workbook(io.BytesIO(templates.build("progress_commune", None)))
    sheet = workbook.active
    numbered = [r for r in sheet.iter_rows(min_row=7) if isinstance(r[0].value, int)]
    assert len(numbered) == templates.BLANK_ROWS
    assert all(r[2].value is None for r in numbered)


@pytest.mark.parametrize("key", templates.TEMPLATES)
def test_every_template_is_a_valid_workbook_named_in_vietnamese(key):
    label, file_name = templates.TEMPLATES[key]
    assert label.startswith("Mẫu") and file_name.endswith(".xlsx")
    parent = {"quota": "45", "progress_district": "51"}.get(key, "524")
    workbook = openpyxl.load_workbook(io.BytesIO(templates.build(key, parent)))
    assert workbook.active.max_row > 5
    assert by_code()[parent]
