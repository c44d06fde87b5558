"""Xu hướng: the daily series of a unit, its quarterly target path, where the recent pace
leads by 31/12, and several units compared on one chart.
"""

import streamlit as st

from core import formatting as fmt
from core.analytics import metrics
from core.catalogue.units import by_code, child_codes
from core.vocabulary import COMMUNE, FIELD_LABELS, GROUP_LABELS
from ui import charts, filters, layout, tables
from ui.context import open_page
from ui.data import for_engine

ctx = open_page("xu_huong")
data = for_engine(ctx.engine)

with st.sidebar:
    unit = filters.unit_picker(ctx)
    day = filters.date_picker(data)
    group = filters.group_picker()

place = by_code()[unit]
st.title(f"Xu hướng · {place.name}")
if day is None:
    layout.no_database_data(ctx)
trend = data.trend(unit, group, until=day)
if trend.empty:
    layout.no_data(ctx, place.name)
    st.stop()
path = data.target_path(unit, day.year, group)
outlook = data.outlook(unit, day, group)
layout.data_note(day, data.sources(unit, day), trend["date"].iloc[-1])
if group != "all":
    st.caption(f"Nhóm đối tượng: {GROUP_LABELS[group]}.")

# ------------------------------------------------------------------------------- outlook
year_end = outlook["year_end"]
cards = st.columns(4)
cards[0].metric("Tốc độ gần đây (người/ngày)", fmt.number(outlook["per_day"], 1),
                help=f"Số chi trả qua tài khoản tăng thêm trung bình mỗi ngày trong "
                     f"{metrics.RECENT_PACE_DAYS} ngày gần nhất", border=True)
cards[1].metric(f"Dự báo đến {fmt.date(year_end)}", fmt.number(outlook["projected_at_horizon"]),
                border=True)
if outlook["target"] is None:
    cards[2].metric(f"Chỉ tiêu năm {day.year}", "Chưa có", border=True)
    cards[2].caption("Lộ trình chỉ tiêu cần Phụ lục 01. "
                     + layout.quota_advice(ctx, unit, "Phụ lục 01"))
else:
    cards[2].metric(f"Chỉ tiêu năm {day.year}", fmt.number(outlook["target"]), border=True)
    met = outlook["date_target_met"]
    reached = outlook["current"] is not None and outlook["current"] >= outlook["target"]
    on_time = met is not None and met <= year_end
    cards[3].metric("Ngày dự kiến đạt chỉ tiêu năm",
                    "Đã đạt" if reached else fmt.date(met) if on_time else "Không kịp",
                    border=True)
    if not reached and not on_time:
        cards[3].caption(f"Ở tốc độ hiện nay, đến {fmt.date(year_end)} chưa đạt chỉ tiêu năm.")
    cards[3].caption(f"Cần {fmt.number(outlook['pace_needed'], 1)} người/ngày để đạt chỉ tiêu "
                     f"năm đúng hạn.")

# -------------------------------------------------------------------------------- charts
st.subheader("Chi trả qua tài khoản, lộ trình chỉ tiêu và dự báo")
charts.show(charts.built(charts.progress_figure, trend, path=path, projection=outlook, as_of=day,
                                   year_end=year_end), "progress_chart",
            charts.png_name("lo trinh chi tieu", unit, day),
            f"Chi trả qua tài khoản, lộ trình chỉ tiêu và dự báo · {place.name}")
left, right = st.columns(2)
with left:
    st.subheader("Tỷ lệ chi trả qua tài khoản")
    charts.show(charts.built(charts.rate_figure, trend), "rate_chart",
                charts.png_name("ty le", unit, day),
                f"Tỷ lệ chi trả qua tài khoản · {place.name}")
with right:
    st.subheader("Tăng thêm mỗi ngày")
    charts.show(charts.built(charts.daily_new_figure, trend), "daily_chart",
                charts.png_name("tang them moi ngay", unit, day),
                f"Tăng thêm mỗi ngày · {place.name}")

# ----------------------------------------------------------------------------- comparison
st.subheader("So sánh các đơn vị")
peers = metrics.peers_parent(unit)
options = [unit, *(c for c in child_codes(peers) if c != unit and ctx.can_view(c)),
           *(c for c in child_codes(unit) if ctx.can_view(c))]
with_children = list(data.ranking(day, group, parent=unit)["code"]) if place.level < COMMUNE \
    else []
# The best and the worst are always on the chart (core.analytics.metrics.comparison_units).
default = (metrics.comparison_units(data.ranking(day, group, parent=unit)) if with_children
           else metrics.comparison_units(data.ranking(day, group, peers), focus=unit))
default = [c for c in default if c in options]
chosen = filters.compare_picker(options, default, unit)
field = filters.compare_field_picker()
if chosen:
    lines = {by_code()[c].name: data.rate_series(c, group, until=day) for c in chosen}
    st.plotly_chart(charts.built(charts.compare_figure, lines, field), config=charts.PLOTLY_CONFIG)
    latest = data.figures(chosen, day, group).reset_index()
    latest["name"] = [by_code()[c].name for c in latest["unit_code"]]
    tables.show(latest, [
        tables.Col("name", "Đơn vị"),
        tables.Col("total", FIELD_LABELS["total"], "count"),
        tables.Col("accounts", "Đã có tài khoản", "count"),
        tables.Col("cashless", "Chi trả qua tài khoản", "count"),
        tables.Col("rate_pct", "Tỷ lệ", "pct"),
        tables.Col("report_date", "Báo cáo gần nhất", "date"),
    ], key="compare_table", on_select=filters.drill_callback(
        ctx, "compare_table", list(latest["unit_code"])))
    st.caption("Chọn một dòng để xem xu hướng của đơn vị đó.")
else:
    st.caption("Chọn các đơn vị ở ô trên để so sánh trên cùng một biểu đồ.")

# ------------------------------------------------------------------------------ the data
with st.expander("Số liệu theo ngày"):
    tables.show(trend.iloc[::-1].reset_index(drop=True), [
        tables.Col("date", "Ngày", "date"),
        tables.Col("total", FIELD_LABELS["total"], "count"),
        tables.Col("accounts", "Đã có tài khoản", "count"),
        tables.Col("new_accounts", "Tài khoản mới", "signed"),
        tables.Col("cashless", "Chi trả qua tài khoản", "count"),
        tables.Col("new_cashless", "Chi trả mới", "signed"),
        tables.Col("rate_pct", "Tỷ lệ", "pct"),
        tables.Col("target_cashless", "Chỉ tiêu cộng dồn", "count"),
    ], key="series_table", height=400)
