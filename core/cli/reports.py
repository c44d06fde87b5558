"""The report commands (ranking, attainment, lagging, trend, timeliness) and the tables they
print without --json."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from core import formatting as fmt
from core.analytics import metrics
from core.cli.common import engine, resolve_unit


def cmd_ranking(args) -> list[dict]:
    parent = resolve_unit(args.unit) if args.unit else None
    with engine().connect() as conn:
        table = metrics.ranking(conn, args.date, args.group, parent)
    return _records(table, ["rank", "code", "name", "total", "accounts", "cashless",
                            "rate_pct"])


def cmd_attainment(args) -> list[dict]:
    province = resolve_unit(args.province, level=1)
    with engine().connect() as conn:
        table = metrics.attainment(conn, province, args.date)
    return _records(table, ["code", "name", "group", "total", "cashless", "quota_to_date",
                            "quota_year", "attainment_pct", "year_attainment_pct"])


def cmd_lagging(args) -> list[dict]:
    unit = resolve_unit(args.unit)
    with engine().connect() as conn:
        table = metrics.lagging(conn, unit, args.date, args.below, args.group)
    return _records(table, ["code", "name", "parent", "total", "cashless", "rate_pct",
                            "reason"])


def cmd_trend(args) -> list[dict]:
    unit = resolve_unit(args.unit)
    with engine().connect() as conn:
        table = metrics.trend(conn, unit, args.group)
    return _records(table, ["date", "total", "accounts", "cashless", "rate_pct",
                            "new_cashless", "target_cashless"])


def cmd_timeliness(args) -> list[dict]:
    """Per expected unit: deadline and arrival as ISO local times (+07:00), status
    on_time | late | missing."""
    from core.analytics import timeliness
    from core.ingest.checks import today

    unit = resolve_unit(args.unit)
    with engine().connect() as conn:
        day = args.date or metrics.latest_date(conn, unit) or today()
        table = timeliness.timeliness(conn, unit, day)
    return [{"code": r["code"], "name": r["name"], "level": int(r["level"]),
             "deadline": r["deadline"].isoformat(),
             "received_at": None if pd.isna(r["received_at"]) else r["received_at"].isoformat(),
             "status": r["status"]} for r in table.to_dict("records")]


def _records(table: pd.DataFrame, columns: list[str]) -> list[dict]:
    return [{c: _json_value(c, row[c]) for c in columns} for row in table.to_dict("records")]


def _json_value(column: str, value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if column.endswith("_pct"):
        return round(float(value), 2)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) or hasattr(value, "__int__"):
        return int(value) if float(value).is_integer() and column != "rate_pct" else float(value)
    return value


# Column headers and values of the human-readable tables (the JSON keeps the keys).
TABLE_HEADERS = {
    "rank": "Hạng", "code": "Mã", "name": "Đơn vị", "parent": "Thuộc", "group": "Nhóm",
    "date": "Ngày", "total": "Tổng số", "accounts": "Có tài khoản",
    "cashless": "Chi trả qua TK", "rate_pct": "Tỷ lệ", "new_cashless": "Tăng trong ngày",
    "target_cashless": "Chỉ tiêu", "quota_to_date": "Chỉ tiêu đến quý",
    "quota_year": "Chỉ tiêu năm", "attainment_pct": "Đạt (quý)",
    "year_attainment_pct": "Đạt (năm)", "reason": "Lý do", "level": "Cấp",
    "deadline": "Hạn nộp", "received_at": "Nhận lúc", "status": "Tình trạng",
}


def _cell(key: str, value) -> str:
    from core.analytics.timeliness import STATUS_LABELS
    from core.vocabulary import GROUP_LABELS, LEVEL_NAMES, REASON_LABELS

    if value is None:
        return "–"
    if key.endswith("_pct"):
        return fmt.percent(value)
    if key in ("deadline", "received_at"):
        moment = dt.datetime.fromisoformat(value)
        return f"{moment:%H:%M} {fmt.date(moment.date())}"
    if key == "date":
        return fmt.date(dt.date.fromisoformat(value))
    if key == "level":
        return LEVEL_NAMES.get(value, str(value))
    labels = {"status": STATUS_LABELS, "reason": REASON_LABELS,
              "group": GROUP_LABELS}.get(key)
    if labels is not None:
        return labels.get(value, value)
    if isinstance(value, int) and key != "rank":
        return fmt.number(value)
    return str(value)


def print_table(records: list[dict]) -> None:
    """Human-readable table with Vietnamese headers, labels and number and date formats
    (when --json is not given)."""
    if not records:
        print("Không có số liệu.")
        return
    shown = [{TABLE_HEADERS.get(k, k): _cell(k, v) for k, v in r.items()} for r in records]
    print(pd.DataFrame(shown).to_string(index=False))


