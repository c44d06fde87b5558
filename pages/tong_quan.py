"""Tổng quan: where one unit stands on a date, in one sentence, five cards and a short trend.

The unit is the user's own (a province by default for the national view); drill down to its
districts and communes from the table at the bottom.
"""

import datetime as dt

import streamlit as st

from core import formatting as fmt
from core.analytics import metrics, status, summary
from core.catalogue.units import by_code
from core.vocabulary import COMMUNE, FIELD_LABELS, GROUP_LABELS, UNIT_KIND_LABELS
from ui import charts, downloads, filters, layout, tables
from ui.context import open_page
from ui.data import for_engine

ctx = open_page("tong_quan")
data = for_engine(ctx.engine)

with st.sidebar:
    unit = filters.unit_picker(ctx)
    day = filters.date_picker(data)
    group = filters.group_picker()
    days = filters.days_picker()

place = by_code()[unit]
st.title(f"Tổng quan · {place.name}")
if day is None:
    layout.no_database_data(ctx)
figures = data.figures([unit], day, group)
if figures.empty:
    layout.no_data(ctx, place.name)
    st.stop()

row = figures.iloc[0]
trend = data.trend(unit, group, until=day)
changes = metrics.headline_changes(trend, day, days)
situation = data.situation(unit, day, group, days)
layout.data_note(day, data.sources(unit, day), row["report_date"])

st.info(summary.sentence(situation), icon=":material/campaign:")

# ------------------------------------------------------------------------------- the cards
CARDS = (("total", "Đối tượng đang hưởng"), ("accounts", "Đã có tài khoản"),
         ("cashless", "Chi trả qua tài khoản"), ("rate_pct", "Tỷ lệ"))
previous = metrics.previous_report_date(trend, day)
if previous is not None:
    st.caption(f"Số nhỏ trong bốn thẻ đầu: thay đổi so với báo cáo trước "
               f"(ngày {fmt.date(previous)}).")
# A rank among fewer than three units is no headline (core.analytics.summary.rank_is_news).
ranked = summary.rank_is_news(situation.rank)
columns = st.columns(5 if ranked else 4)
for column, (field, label) in zip(columns, CARDS, strict=False):
    change = changes[field]
    is_rate = field == "rate_pct"
    as_text = layout.delta_points if is_rate else layout.delta_count
    column.metric(label, fmt.percent(row[field]) if is_rate else fmt.number(row[field]),
                  delta=as_text(change["since_previous"]),
                  delta_color="off" if field == "total" else "normal", border=True)
    column.caption(layout.change_line(f"{days} ngày qua", as_text(change["over_days"])))

if ranked:
    peers = metrics.peers_parent(unit)
    rank_label = ("Xếp hạng toàn quốc" if peers is None
                  else f"Xếp hạng trong {UNIT_KIND_LABELS[by_code()[peers].kind].lower()}")
    rank_text = f"{situation.rank[0]}/{situation.rank[1]}"
    columns[4].metric(rank_label, rank_text, **layout.rank_delta(situation.rank_change),
                      border=True)
    columns[4].caption(f"Thay đổi hạng so với {days} ngày trước")
    if situation.gap is not None:
        columns[4].caption(f"Cần thêm {fmt.number(situation.gap[1])} người để vượt "
                           f"{situation.gap[0]}")

# -------------------------------------------------------------------- progress to the target
st.subheader(f"Tiến độ so với chỉ tiêu năm {day.year}")
quota = data.attainment(unit, day, group)
own = quota[quota["level"] == "self"]
if own.empty:
    st.info(f"Chưa có chỉ tiêu năm {day.year} cho {place.name}"
            f"{'' if group == 'all' else ' (nhóm ' + GROUP_LABELS[group].lower() + ')'}. "
            + layout.quota_advice(ctx, unit),
            icon=":material/flag:")
else:
    goal = own.iloc[0]
    quarter = metrics.quarter_of(day)
    left, right = st.columns(2)
    layout.status_bar(left, float(goal["attainment_pct"] or 0) / 100,
                      f"Chỉ tiêu cộng dồn đến hết quý {quarter}: đạt "
                      f"{fmt.percent(goal['attainment_pct'])} ({fmt.number(goal['cashless'])}"
                      f"/{fmt.number(goal['quota_to_date'])}) · "
                      f"{status.ATTAINMENT_LABELS.get(goal['status'], '–')}",
                      status.attainment_light(goal["status"]))
    layout.status_bar(right, float(goal["year_attainment_pct"] or 0) / 100,
                      f"Chỉ tiêu năm: đạt {fmt.percent(goal['year_attainment_pct'])} "
                      f"({fmt.number(goal['cashless'])}/{fmt.number(goal['quota_year'])}) · "
                      f"cần {fmt.number(goal['pace_year'], 1)} người/ngày")

# ---------------------------------------------------------------------------- short trend
st.subheader("Diễn biến 30 ngày gần nhất")
recent = trend[trend["date"] > day - dt.timedelta(days=30)]
charts.show(charts.built(charts.short_trend, recent), "short_trend_chart",
            charts.png_name("dien bien 30 ngay", unit, day),
            f"Diễn biến 30 ngày gần nhất · {place.name} · đến {fmt.date(day)}")

# ---------------------------------------------------------------------- drill-down and links
if place.level < COMMUNE:
    children = data.ranking(day, group, parent=unit, days=days)
    st.subheader(f"Các đơn vị trực thuộc {place.name}")
    if children.empty:
        st.caption("Chưa có số liệu của các đơn vị trực thuộc.")
    else:
        st.caption("Bấm vào một dòng để xem tổng quan của đơn vị đó.")
        tables.show(children, [
            tables.Col("rank", "Hạng", "count"),
            tables.Col("rank_change", f"Thay đổi hạng ({days} ngày)", "rank_change"),
            tables.Col("name", "Đơn vị"),
            tables.Col("total", FIELD_LABELS["total"], "count"),
            tables.Col("accounts", "Đã có tài khoản", "count"),
            tables.Col("cashless", "Chi trả qua tài khoản", "count"),
            tables.Col("rate_pct", "Tỷ lệ", "pct"),
        ], key="children_table",
            on_select=filters.drill_callback(ctx, "children_table", list(children["code"])))

# --------------------------------------------------------------------- files for the meeting
st.subheader("Tải về cho cuộc họp")
with_form = place.level < COMMUNE and not children.empty
downloads.meeting_buttons(data, unit, day, group,
                          ("briefing", "pdf", "form") if with_form else ("briefing", "pdf"))

links = {"unit": unit, "date": day.isoformat()}
cols = st.columns(3)
cols[0].page_link("pages/xep_hang.py", label="Xem bảng xếp hạng",
                  icon=":material/leaderboard:", query_params=links)
cols[1].page_link("pages/xa_cham.py", label="Xem xã chậm tiến độ",
                  icon=":material/warning:", query_params=links)
cols[2].page_link("pages/xu_huong.py", label="Xem xu hướng và dự báo",
                  icon=":material/trending_up:", query_params=links)
