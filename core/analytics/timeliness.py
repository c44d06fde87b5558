"""Did each unit send its daily report on time? Judged by the upload's timestamp.

The source documents set daily deadlines (communes 07:30, districts 09:00, the province
10:00, Vietnam time; core.access.settings keeps them and which levels must report). A unit's report
for day D was *received* when the earliest applied upload carrying one of its figures dated D
came in: a later correction does not make an on-time report late, and a report dated D that
arrives the next morning is late, not on time for D+1. No upload at all: missing.

Times are stored in UTC (SQLite keeps them naive) and compared in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core.access import settings as settings_mod
from core.catalogue.units import by_code, descendant_codes
from core.storage.db import figures, replaced_figures, uploads
from core.storage.values import as_date, as_datetime, chunks
from core.vocabulary import ALL_GROUPS, COMMUNE, DISTRICT, GROUPS, LEVEL_NAMES, PROVINCE

ON_TIME, LATE, MISSING = "on_time", "late", "missing"
STATUSES = (ON_TIME, LATE, MISSING)
STATUS_LABELS = {ON_TIME: "Đúng hạn", LATE: "Trễ hạn", MISSING: "Chưa báo cáo"}
TIMEZONE = settings_mod.TIMEZONE
COLUMNS = ["code", "name", "level", "parent", "deadline", "received_at", "status",
           "minutes_late"]


# ---------------------------------------------------------------------------- who reports

def expected_units(unit: str, levels: Iterable[int]) -> list[str]:
    """The unit itself and its descendants at the levels that must report, top down.

    A district's page expects the district and its communes; a commune's only itself."""
    wanted = set(levels)
    codes = [unit, *descendant_codes(unit)]
    chosen = [c for c in codes if by_code()[c].level in wanted]
    return sorted(chosen, key=lambda c: (by_code()[c].level, c))


def reporting_levels(values: settings_mod.Settings) -> list[int]:
    return [lv for lv in (PROVINCE, DISTRICT, COMMUNE) if values.reports_daily(lv)]


# ---------------------------------------------------------------------------- arrivals

def received_times(conn: Connection, codes: Sequence[str], since: dt.date,
                   until: dt.date) -> pd.DataFrame:
    """The earliest applied upload carrying a figure of each unit for each report date.

    Figures replaced by a later upload still count for the upload that first brought them
    (they wait in replaced_figures), so a correction never hides an on-time report.
    Columns: unit_code, report_date, received_at (aware, Asia/Ho_Chi_Minh).
    """
    parts = []
    for table in (figures, replaced_figures):
        for chunk in chunks(list(codes)):
            query = (sa.select(table.c.unit_code, table.c.report_date,
                               sa.func.min(uploads.c.uploaded_at).label("received_at"))
                     .join(uploads, uploads.c.id == table.c.upload_id)
                     .where(table.c.unit_code.in_(chunk), uploads.c.status == "applied",
                            # the groups named: one range seek per (unit, group) on the
                            # figures' unique index instead of every date of the unit
                            table.c.grp.in_((*GROUPS, ALL_GROUPS)),
                            table.c.report_date >= since, table.c.report_date <= until)
                     .group_by(table.c.unit_code, table.c.report_date))
            parts.extend(conn.execute(query).all())
    frame = pd.DataFrame([tuple(r) for r in parts],
                         columns=["unit_code", "report_date", "received_at"])
    if frame.empty:
        return frame.astype({"received_at": f"datetime64[ns, {TIMEZONE.key}]"})
    frame["report_date"] = [as_date(d) for d in frame["report_date"]]
    # Naive times are UTC (SQLite), aware ones any zone (PostgreSQL): all to UTC at once,
    # then to Vietnam time (config.as_local's rule, for the whole column).
    frame["received_at"] = pd.to_datetime(
        [as_datetime(v) for v in frame["received_at"]], utc=True).tz_convert(TIMEZONE)
    return frame.groupby(["unit_code", "report_date"], as_index=False)["received_at"].min()


# ---------------------------------------------------------------------------- verdicts

def status_of(received_at: dt.datetime | None, deadline: dt.datetime) -> str:
    """on_time when received at or before the deadline, late after it, missing without an
    upload."""
    if received_at is None or pd.isna(received_at):
        return MISSING
    return ON_TIME if received_at <= deadline else LATE


def timeliness(conn: Connection, unit: str, day: dt.date,
               values: settings_mod.Settings | None = None) -> pd.DataFrame:
    """Every unit expected to report on `day` under `unit`, with its deadline, when its report
    arrived and the verdict. Columns: COLUMNS (deadline and received_at aware local times;
    minutes_late positive when late, negative when early, missing when not received).
    """
    values = values or settings_mod.load(conn)
    codes = expected_units(unit, reporting_levels(values))
    received = received_times(conn, codes, day, day)
    at = dict(zip(received["unit_code"], received["received_at"], strict=True))
    rows = []
    for code in codes:
        place = by_code()[code]
        deadline = values.deadline_at(place.level, day)
        got = at.get(code)
        got = None if got is None else got.to_pydatetime()
        rows.append({
            "code": code, "name": place.name, "level": place.level,
            "parent": by_code()[place.parent_code].name if place.parent_code else None,
            "deadline": deadline, "received_at": got, "status": status_of(got, deadline),
            "minutes_late": None if got is None else (got - deadline).total_seconds() / 60,
        })
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["minutes_late"] = frame["minutes_late"].astype("Float64")
    return frame


def history(conn: Connection, unit: str, since: dt.date, until: dt.date,
            values: settings_mod.Settings | None = None) -> pd.DataFrame:
    """Each expected unit's verdict on every day from `since` to `until` (a calendar of
    punctuality). Columns: code, name, level, report_date, status, minutes_late."""
    values = values or settings_mod.load(conn)
    codes = expected_units(unit, reporting_levels(values))
    days = pd.date_range(since, until, freq="D").date
    grid = pd.MultiIndex.from_product([codes, days], names=["unit_code", "report_date"])
    frame = pd.DataFrame(index=grid).reset_index()
    received = received_times(conn, codes, since, until)
    frame = frame.merge(received, on=["unit_code", "report_date"], how="left")
    levels = frame["unit_code"].map(lambda c: by_code()[c].level)
    deadlines = _deadlines(frame["report_date"], levels, values)
    late_by = (frame["received_at"] - deadlines).dt.total_seconds() / 60
    frame["status"] = MISSING
    frame.loc[late_by.notna() & (late_by <= 0), "status"] = ON_TIME
    frame.loc[late_by.notna() & (late_by > 0), "status"] = LATE
    frame["minutes_late"] = late_by.astype("Float64")
    frame["name"] = frame["unit_code"].map(lambda c: by_code()[c].name)
    frame["level"] = levels
    return frame.rename(columns={"unit_code": "code"})[
        ["code", "name", "level", "report_date", "status", "minutes_late"]]


def _deadlines(days: pd.Series, levels: pd.Series, values: settings_mod.Settings) -> pd.Series:
    """The local deadline of each (day, level) as aware timestamps."""
    offsets = levels.map(lambda lv: pd.Timedelta(hours=values.deadline_for(lv).hour,
                                                 minutes=values.deadline_for(lv).minute))
    midnight = pd.to_datetime(days).dt.tz_localize(TIMEZONE)
    return midnight + offsets


def counts(table: pd.DataFrame) -> dict[str, int]:
    """expected, on_time, late, missing: the page's headline cards."""
    found = table["status"].value_counts()
    return {"expected": len(table), **{s: int(found.get(s, 0)) for s in STATUSES}}


def punctuality(hist: pd.DataFrame) -> pd.DataFrame:
    """Per unit over a history: days expected, on time, late, missing, on-time share (%),
    median minutes late of the late ones; least punctual first."""
    if hist.empty:
        return pd.DataFrame(columns=["code", "name", "level", "days", ON_TIME, LATE, MISSING,
                                     "on_time_pct", "median_minutes_late"])
    table = pd.crosstab([hist["code"], hist["name"], hist["level"]], hist["status"])
    table = table.reindex(columns=list(STATUSES), fill_value=0).reset_index()
    table.columns.name = None
    table["days"] = table[list(STATUSES)].sum(axis=1)
    table["on_time_pct"] = table[ON_TIME] / table["days"] * 100
    late = hist[hist["status"] == LATE].groupby("code")["minutes_late"].median()
    table["median_minutes_late"] = table["code"].map(late).astype("Float64")
    return table.sort_values(["on_time_pct", MISSING, "code"],
                             ascending=[True, False, True], ignore_index=True)


# ---------------------------------------------------------------------------- deadlines

def next_deadline(now: dt.datetime, values: settings_mod.Settings,
                  levels: Iterable[int]) -> tuple[int, dt.datetime]:
    """The next deadline after `now` among the levels (level, aware local time): what the
    countdown on the page counts down to."""
    local = now.astimezone(TIMEZONE)
    best: tuple[int, dt.datetime] | None = None
    for offset in (0, 1):
        day = local.date() + dt.timedelta(days=offset)
        for level in levels:
            moment = values.deadline_at(level, day)
            if moment > local and (best is None or moment < best[1]):
                best = (level, moment)
        if best is not None:
            return best
    raise ValueError("no level reports daily")


def countdown_text(now: dt.datetime, deadline: dt.datetime) -> str:
    """"còn 1 giờ 05 phút" / "còn 12 phút" (rounded up to the minute)."""
    seconds = max((deadline - now).total_seconds(), 0)
    minutes = int(-(-seconds // 60))
    hours, minutes = divmod(minutes, 60)
    return f"còn {hours} giờ {minutes:02d} phút" if hours else f"còn {minutes} phút"


# ---------------------------------------------------------------------------- reminder

def reminder_text(table: pd.DataFrame, unit: str, day: dt.date,
                  now: dt.datetime | None = None) -> str:
    """A message to paste into Zalo or an email: who has not reported for `day`, and by when
    each level had to. Empty when nobody is missing."""
    missing = table[table["status"] == MISSING]
    if missing.empty:
        return ""
    place = by_code()[unit]
    lines = [f"Kính gửi: các đơn vị thuộc {place.name} chưa gửi báo cáo ngày {day:%d/%m/%Y}.",
             "",
             f"Đến {_stamp(now)}, {place.name} chưa nhận được báo cáo tiến độ chi trả an sinh "
             f"xã hội không dùng tiền mặt ngày {day:%d/%m/%Y} của {len(missing)} đơn vị sau:"]
    for level, rows in missing.groupby("level", sort=True):
        deadline = rows["deadline"].iloc[0]
        lines.append("")
        lines.append(f"Cấp {LEVEL_NAMES[int(level)]} (hạn {deadline:%H:%M} ngày "
                     f"{deadline:%d/%m/%Y}):")
        for i, row in enumerate(rows.itertuples(), start=1):
            parent = f" ({row.parent})" if row.parent and int(level) == COMMUNE else ""
            lines.append(f"{i}. {row.name}{parent}")
    lines += ["", "Đề nghị các đơn vị khẩn trương gửi báo cáo đúng, đủ, sạch, sống và tải lên "
                  "hệ thống trong ngày. Trân trọng."]
    return "\n".join(lines)


def _stamp(now: dt.datetime | None) -> str:
    now = (now or dt.datetime.now(dt.UTC)).astimezone(TIMEZONE)
    return f"{now:%H:%M} ngày {now:%d/%m/%Y}"
