"""Tiến độ báo cáo: who has sent the daily report for a date, on time or late, and who has not,
judged by when the upload came in (Vietnam time) against the deadline of each level.

The missing units come with a reminder ready to paste into a message; a countdown names the
next deadline; the history shows each unit's punctuality day by day.
"""

import datetime as dt

import pandas as pd
import streamlit as st

from core import formatting as fmt
from core.analytics import timeliness
from core.analytics.status import AMBER, GREEN, RED, light_fill
from core.catalogue.units import by_code
from core.ingest.checks import today
from core.vocabulary import COMMUNE, DISTRICT, LEVEL_NAMES, PROVINCE
from ui import charts as chart
from ui import filters, layout, tables
from ui import quality_charts as charts
from ui import quality_data as qdata
from ui.context import open_page
from ui.data import for_engine

ctx = open_page("tien_do_bao_cao")
data = for_engine(ctx.engine)
values = qdata.settings_now(ctx.engine)
levels = timeliness.reporting_levels(values)
PERIODS = ("14", "30", "60", "90")


def default_day() -> dt.date:
    """The newest report date, as on every other page (today before any report: the
    countdown and the reminders are about today)."""
    bounds = data.date_range()
    return today() if bounds is None else bounds[1]


with st.sidebar:
    unit = filters.unit_picker(ctx, deepest=DISTRICT)
    bounds = data.date_range()
    day = st.date_input("Ngày báo cáo", value=default_day(), format="DD/MM/YYYY", key="date",
                        bind="query-params", max_value=max(today(), default_day()),
                        min_value=bounds[0] if bounds else None)
    day = day or default_day()
    period = filters.period_picker("Lịch sử", PERIODS, state="timeliness_period",
                                   ending="ngày báo cáo")

place = by_code()[unit]
st.title(f"Tiến độ báo cáo · {place.name}")
if not levels:
    st.warning("Chưa cấp nào được đặt là phải báo cáo hằng ngày (trang «Quản trị», mục "
               "Thiết lập).", icon=":material/settings:")
    st.stop()

deadlines = ", ".join(f"{LEVEL_NAMES[lv]} {values.deadline_for(lv):%H:%M}"
                      for lv in (COMMUNE, DISTRICT, PROVINCE) if lv in levels)
st.markdown(f"Báo cáo ngày **{fmt.date(day)}** · Hạn nộp (giờ Việt Nam): {deadlines}.")
if day < today():
    latest = default_day()
    newest = ("ngày gần nhất có số liệu" if day == latest else
              f"ngày gần nhất có số liệu là {fmt.date(latest)}")
    st.info(f"Đây là số liệu lịch sử: trang đang hiển thị ngày **{fmt.date(day)}** "
            f"({newest}), hôm nay là {fmt.date(today())}. Chọn ngày khác ở thanh bên.",
            icon=":material/history:")
st.caption("Thời điểm nhận là lúc báo cáo được tải lên hệ thống lần đầu (sửa lại sau đó không "
           "làm thay đổi); báo cáo của ngày này tải lên từ hôm sau tính là trễ hạn.")


@st.fragment(run_every=60)
def countdown() -> None:
    """The next deadline, refreshed every minute."""
    now = dt.datetime.now(dt.UTC)
    level, moment = timeliness.next_deadline(now, values, levels)
    st.info(f"Hạn kế tiếp: **{moment:%H:%M}** ngày {fmt.date(moment.date())} (báo cáo của "
            f"{LEVEL_NAMES[level]}) — **{timeliness.countdown_text(now, moment)}**.",
            icon=":material/timer:")


countdown()

table = qdata.timeliness_on(data, values, unit, day)
found = timeliness.counts(table)
share = (lambda n: fmt.percent(n / found["expected"] * 100, 1)) if found["expected"] else (
    lambda n: "–")
cards = st.columns(4)
cards[0].metric("Phải báo cáo", fmt.number(found["expected"]), border=True)
cards[1].metric("Đúng hạn", fmt.number(found["on_time"]), border=True)
cards[1].caption(f"{share(found['on_time'])} số đơn vị")
cards[2].metric("Trễ hạn", fmt.number(found["late"]), border=True)
cards[2].caption(f"{share(found['late'])} số đơn vị")
cards[3].metric("Chưa báo cáo", fmt.number(found["missing"]), border=True)
cards[3].caption(f"{share(found['missing'])} số đơn vị")


def received_text(row) -> str:
    got = row["received_at"]
    if got is None or pd.isna(got):
        return "–"
    return f"{got:%H:%M}" if got.date() == day else f"{got:%H:%M} {got:%d/%m/%Y}"


def late_text(row) -> str:
    minutes = row["minutes_late"]
    if row["status"] != timeliness.LATE or pd.isna(minutes):
        return ""
    return charts.late_text(minutes)


ORDER = {timeliness.MISSING: 0, timeliness.LATE: 1, timeliness.ON_TIME: 2}
shown = table.assign(
    parent=table["parent"].fillna("–"),
    level_label=[LEVEL_NAMES[lv].capitalize() for lv in table["level"]],
    deadline_text=[f"{d:%H:%M}" for d in table["deadline"]],
    received_text=[received_text(r) for r in table.to_dict("records")],
    status_label=[timeliness.STATUS_LABELS[s] for s in table["status"]],
    late_text=[late_text(r) for r in table.to_dict("records")],
    _order=table["status"].map(ORDER),
).sort_values(["_order", "level", "code"], ignore_index=True)

# ------------------------------------------------------------------- missing: the reminder
missing = shown[shown["status"] == timeliness.MISSING]
st.subheader(f"Đơn vị chưa báo cáo ({fmt.number(len(missing))})")
if missing.empty:
    st.success("Tất cả các đơn vị đã gửi báo cáo của ngày này.", icon=":material/task_alt:")
else:
    left, right = st.columns([2, 3])
    with left:
        tables.show(missing, [
            tables.Col("name", "Đơn vị"),
            tables.Col("parent", "Thuộc"),
            tables.Col("deadline_text", "Hạn nộp"),
        ], key="missing_table", height=min(35 * len(missing) + 40, 420))
    with right:
        st.markdown("**Nội dung nhắc nhở** (bấm biểu tượng sao chép ở góc phải)")
        st.code(timeliness.reminder_text(table, unit, day), language=None, wrap_lines=True)

# ---------------------------------------------------------------------------- every unit
st.subheader("Tình trạng từng đơn vị")
fills = {timeliness.ON_TIME: light_fill(GREEN), timeliness.LATE: light_fill(AMBER),
         timeliness.MISSING: light_fill(RED)}
tables.show(shown, [
    tables.Col("name", "Đơn vị"),
    tables.Col("level_label", "Cấp"),
    tables.Col("parent", "Thuộc"),
    tables.Col("deadline_text", "Hạn nộp"),
    tables.Col("received_text", "Nhận lúc"),
    tables.Col("status_label", "Tình trạng"),
    tables.Col("late_text", "Trễ"),
], key="status_table", colours={"status_label": [fills[s] for s in shown["status"]]},
    height=min(35 * len(shown) + 40, 560))

# -------------------------------------------------------------------------------- history
# Days before the first report stored are not "missing": nobody reported anything yet.
since = max(day - dt.timedelta(days=period - 1), bounds[0] if bounds else day)
st.subheader(f"Lịch sử đúng hạn: {fmt.date(since)} – {fmt.date(day)}")
hist = qdata.history(data, values, unit, since, day)
ranking = timeliness.punctuality(hist)
MAX_ROWS = 30
many = len(ranking) > MAX_ROWS
show_all = st.toggle(f"Hiện tất cả {fmt.number(len(ranking))} đơn vị", key="all_units",
                     disabled=not many) if many else True
order = list(ranking["code"] if show_all else ranking["code"].head(MAX_ROWS))
if many and not show_all:
    st.caption(f"{MAX_ROWS} đơn vị ít đúng hạn nhất; bật nút trên để xem tất cả.")
chart.show(chart.built(charts.punctuality_heatmap, hist, order), "heatmap",
           chart.png_name("tien do bao cao", unit, day),
           f"Tiến độ báo cáo · {by_code()[unit].name} · đến {fmt.date(day)}")

ranked = ranking.assign(
    level_label=[LEVEL_NAMES[lv].capitalize() for lv in ranking["level"]],
    median_late=[charts.late_text(m) if not pd.isna(m) else "" for m in
                 ranking["median_minutes_late"]])
tables.show(ranked, [
    tables.Col("name", "Đơn vị"),
    tables.Col("level_label", "Cấp"),
    tables.Col("days", "Số ngày", "count"),
    tables.Col(timeliness.ON_TIME, "Đúng hạn", "count"),
    tables.Col(timeliness.LATE, "Trễ hạn", "count"),
    tables.Col(timeliness.MISSING, "Chưa báo cáo", "count"),
    tables.Col("on_time_pct", "Tỷ lệ đúng hạn", "pct"),
    tables.Col("median_late", "Trễ (trung vị)"),
], key="punctuality_table", height=min(35 * len(ranked) + 40, 420))

names = dict(zip(ranking["code"], ranking["name"], strict=True))
picked = st.selectbox("Lịch của một đơn vị", list(names), format_func=names.get,
                      key="calendar_unit", index=None,
                      placeholder="Chọn đơn vị để xem lịch theo ngày")
if picked:
    chart.show(chart.built(charts.calendar, hist[hist["code"] == picked], names[picked]),
               "calendar",
               chart.png_name("lich bao cao", picked, day),
               f"Lịch báo cáo · {names[picked]} · đến {fmt.date(day)}")
layout.data_note(day, data.sources(unit, day))
