"""The plan's frames: figures (or quota quarters) to store per unit and group, the rows to
check, totals, the previous figures for the cumulative check, and the preview."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy.engine import Connection

from core.ingest import checks as validation
from core.ingest.model import ParsedReport, ParsedRow, Problem
from core.ingest.units import _Match, _Matcher
from core.storage import store
from core.vocabulary import (
    ALL_GROUPS,
    COUNT_FIELDS,
    FIELD_LABELS,
    GROUP_LABELS,
    PERCENT_FIELDS,
    QUARTERS,
)

if TYPE_CHECKING:
    from core.ingest.plan_model import ImportPlan

# ------------------------------------------------------------------------------ frames

_CHECK_COLUMNS = ["row_number", "unit_name", "level", "unit_status", "unit_message"]


def _row_columns(row: ParsedRow, match: _Match) -> dict:
    unit = match.unit
    return {
        "unit_code": unit.code if unit else None,
        "row_number": row.row_number,
        "unit_name": row.unit_text or (unit.name if unit else ""),
        "level": unit.level if unit else (row.level or None),
        "unit_status": match.status,
        "unit_message": match.message,
    }


def _figure_frames(report: ParsedReport, matches: _Matcher,
                   plan: ImportPlan) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(figures to store, the same rows with unresolved units, for the checks).

    Built column by column: a national file has 30,000 unit-group records.
    """
    fields_by_group = _fields_by_group(report)
    plan.derived = _derive_from_rates(report, fields_by_group)
    for group in plan.derived:
        fields_by_group[group].add("cashless")
        plan.problems.append(Problem(None, "warning", (
            f"Bảng không có cột số đã chi trả qua tài khoản cho nhóm {GROUP_LABELS[group]}, "
            "chỉ có tổng số và tỷ lệ: số này được tính bằng tổng số × tỷ lệ (làm tròn) và "
            "được lưu là số suy ra từ tỷ lệ."), rule="derived_from_rate"))
    stored = [g for g, fields in fields_by_group.items() if fields & set(COUNT_FIELDS)]
    rate_all = ALL_GROUPS not in stored and "rate" in fields_by_group.get(ALL_GROUPS, set())
    plan.problems.extend(_missing_columns(fields_by_group, stored))
    rows = report.rows
    values = [row.values for row in rows]
    base = pd.DataFrame([_row_columns(row, matches.by_row[row.row_number]) for row in rows],
                        columns=[*_CHECK_COLUMNS, "unit_code"])
    base = base.assign(
        rate_all_stated=[v.get((ALL_GROUPS, "rate")) for v in values] if rate_all else None,
        position=range(len(rows)))
    parts = []
    for order, group in enumerate(stored):  # one frame per group, then file order again
        part = base.assign(grp=group, group_order=order,
                           **{f: [v.get((group, f)) for v in values] for f in COUNT_FIELDS},
                           rate_stated=[v.get((group, "rate")) for v in values])
        parts.append(part[part[list(COUNT_FIELDS)].notna().any(axis=1)])
    columns = [*_CHECK_COLUMNS, "unit_code", "grp", *COUNT_FIELDS, "rate_stated",
               "rate_all_stated"]
    checked = (pd.concat(parts, ignore_index=True)
               .sort_values(["position", "group_order"], kind="stable")[columns]
               .reset_index(drop=True) if parts else pd.DataFrame(columns=columns))
    checked.insert(2, "report_date", plan.report_date)
    for column in COUNT_FIELDS:
        checked[column] = pd.to_numeric(checked[column]).astype("Int64")
    for column in ("rate_stated", "rate_all_stated"):
        checked[column] = pd.to_numeric(checked[column]).astype("Float64")
    for column in ("row_number", "level"):
        checked[column] = pd.to_numeric(checked[column]).astype("Int64")
    to_store = checked[checked["unit_code"].notna()][store.FIGURE_COLUMNS].reset_index(drop=True)
    return to_store, checked


def _derive_from_rates(report: ParsedReport, fields_by_group: dict[str, set[str]]
                       ) -> list[str]:
    """A table stating the total and the rate but no cashless count keeps what it states:
    the count is derived (total × rate, rounded) and marked so; the groups derived."""
    derived = [g for g, fields in fields_by_group.items()
               if {"total", "rate"} <= fields and "cashless" not in fields]
    for group in derived:
        for row in (*report.rows, *report.totals):
            total, rate = row.values.get((group, "total")), row.values.get((group, "rate"))
            if total is not None and rate is not None:
                row.values[(group, "cashless")] = int(total * rate / 100 + 0.5)
    return derived


def _fields_by_group(report: ParsedReport) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for column in report.columns:
        if column.role == "figure" and column.group and column.field:
            found.setdefault(column.group, set()).add(column.field)
    for row in (*report.rows, *report.totals):
        for group, field_name in row.values:
            found.setdefault(group, set()).add(field_name)
    order = [*GROUP_LABELS]
    return dict(sorted(found.items(), key=lambda kv: order.index(kv[0])
                       if kv[0] in order else len(order)))


def _missing_columns(fields_by_group: dict[str, set[str]], stored: list[str]) -> list[Problem]:
    """A group whose counts lack the total or the cashless column cannot be stored at all:
    one message for the file rather than one per row."""
    problems = []
    needed = {f: f"“{FIELD_LABELS[f]}”" for f in ("total", "cashless")}
    for group in stored:
        absent = [label for f, label in needed.items() if f not in fields_by_group[group]]
        if absent:
            problems.append(Problem(None, "error", (
                f"Bảng không có cột {' và '.join(absent)} cho nhóm "
                f"{GROUP_LABELS.get(group, group)}: cần cả tổng số đối tượng và số đã chi trả "
                "qua tài khoản (tỷ lệ được tính lại từ hai số này)."), rule="missing_columns"))
    if not stored:
        problems.append(Problem(None, "error", (
            "Bảng không có cột số liệu nào lưu được (tổng số đối tượng, số đã có tài khoản, "
            "số đã chi trả qua tài khoản); hãy kiểm tra dòng tiêu đề của bảng."),
            rule="no_figure_columns"))
    return problems


def _quota_frames(report: ParsedReport, matches: _Matcher,
                  year: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Quarterly increments per unit and group, as Phụ lục 01 gives and store.write_quotas
    keeps them."""
    records = []
    for row in report.rows:
        base = _row_columns(row, matches.by_row[row.row_number])
        for group in {g for g, f in row.values if f in QUARTERS}:
            for quarter, field_name in enumerate(QUARTERS, start=1):
                count = row.values.get((group, field_name))
                if count is not None:
                    records.append({**base, "grp": group, "year": year, "quarter": quarter,
                                    "count": count})
    columns = ["unit_code", "grp", "year", "quarter", "count", *_CHECK_COLUMNS]
    checked = pd.DataFrame(records, columns=columns)
    for column in ("count", "year", "quarter"):
        checked[column] = pd.to_numeric(checked[column]).astype("Int64")
    checked["row_number"] = checked["row_number"].astype("Int64")
    checked["level"] = pd.to_numeric(checked["level"]).astype("Int64")
    checked = checked.sort_values(["row_number", "grp", "quarter"], kind="stable")
    to_store = checked[checked["unit_code"].notna()][
        ["unit_code", "grp", "year", "quarter", "count"]].reset_index(drop=True)
    return to_store, checked.reset_index(drop=True)


def _totals_frame(report: ParsedReport) -> pd.DataFrame:
    records = [
        {"row_number": t.row_number, "label": t.label or t.unit_text, "grp": group,
         "field": field_name, "value": value}
        for t in report.totals for (group, field_name), value in t.values.items()
        if value is not None and field_name not in PERCENT_FIELDS
    ]
    return pd.DataFrame(records, columns=["row_number", "label", "grp", "field", "value"])


def _previous_figures(conn: Connection, plan: ImportPlan) -> pd.DataFrame | None:
    """Each unit's latest stored report before the new one, for the cumulative check (of
    the groups the file has: a national file's communes never report "all" themselves)."""
    if plan.kind == "quota" or plan.figures.empty or plan.report_date is None:
        return None
    day = plan.report_date - dt.timedelta(days=1)
    return store.own_figures_as_of(conn, plan.unit_codes, day,
                                   groups=sorted(set(plan.figures["grp"])))


def _problems(report: ParsedReport, checked: pd.DataFrame, ctx: validation.Context,
              plan: ImportPlan, matches: _Matcher) -> list[Problem]:
    """Layout problems (minus those validation re-checks) and every validation rule."""
    kind = plan.kind or "progress"
    layout = report.problems
    cell_errors = {p.row_number for p in layout if p.severity == "error" and p.column is not None}
    others = [r.name for r in validation.RULES if r.name != "missing_counts"]
    found = validation.run(checked, ctx, kind=kind, rules=others)
    if kind != "quota":
        # A cell already reported as not a number would only be reported again as missing.
        keep = checked[~checked["row_number"].isin(cell_errors)]
        found += validation.run(keep, ctx, kind=kind, rules=["missing_counts"])
    if not report.rows:
        found.append(Problem(None, "error", (
            "Bảng không có dòng số liệu nào của đơn vị; hãy kiểm tra tệp có đúng là báo cáo "
            "cần tải lên."), rule="no_unit_rows"))
    return validation.sort_problems([*plan.problems, *layout, *found])


def _preview(report: ParsedReport, matches: _Matcher, problems: list[Problem]) -> pd.DataFrame:
    """One line per file row (units and total rows) with its unit, values and problems."""
    by_row: dict[int, list[Problem]] = {}
    for problem in problems:
        if problem.row_number is not None:
            by_row.setdefault(problem.row_number, []).append(problem)
    value_keys = [k for k in _ordered_value_keys(report)]
    records = []
    for row in sorted([*report.rows, *report.totals], key=lambda r: r.row_number):
        match = matches.by_row.get(row.row_number)
        found = by_row.get(row.row_number, [])
        unit = match.unit if match else None
        record = {
            "row_number": row.row_number,
            "unit_text": row.label or row.unit_text,
            "unit_code": unit.code if unit else None,
            "unit_name": unit.name if unit else None,
            "status": match.status if match else "total",
            "severity": ("error" if any(p.severity == "error" for p in found)
                         else "warning" if found else None),
            "problems": " · ".join(p.message_vi for p in found),
        }
        for value_key in value_keys:
            record[f"{value_key[0]}:{value_key[1]}"] = row.values.get(value_key)
        records.append(record)
    columns = ["row_number", "unit_text", "unit_code", "unit_name", "status", "severity",
               "problems", *[f"{g}:{f}" for g, f in value_keys]]
    return pd.DataFrame(records, columns=columns)


def _ordered_value_keys(report: ParsedReport) -> list[tuple[str, str]]:
    seen: dict[tuple[str, str], None] = {}
    for column in report.columns:
        if column.role == "figure" and column.group and column.field:
            seen[(column.group, column.field)] = None
    for row in (*report.rows, *report.totals):
        for value_key in row.values:
            seen.setdefault(value_key, None)
    return list(seen)
