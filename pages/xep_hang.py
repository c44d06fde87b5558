"""Xếp hạng: provinces by rate nationally, districts of a province, or communes of a district.

The user's unit is outlined on the chart; a traffic light colours each rate by thresholds the
user can change; clicking a bar or a row opens the next level down.
"""

import streamlit as st

from core import formatting as fmt
from core.analytics import metrics, status, summary
from core.analytics.status import LIGHT_FILLS, RATE_LIGHT_LABELS
from core.catalogue.units import by_code
from core.exports import tilemap
from core.vocabulary import COMMUNE, DISTRICT, FIELD_LABELS, GROUP_LABELS, PROVINCE
from ui import charts, filters, layout, tables
from ui.context import open_page
from ui.data import for_engine

RANK_DAYS = 7
TILE_PX = 46  # the tile map's tiles in half the page at 1280 px (labels sized for it)
DEPTH = {"province": PROVINCE, "district": DISTRICT, "commune": COMMUNE}
NEXT_LEVEL = {"province": "district", "district": "commune"}

ctx = open_page("xep_hang")
data = for_engine(ctx.engine)
levels = filters.ranking_levels(ctx)

with st.sidebar:
    level = filters.level_picker(levels)
    unit = filters.unit_picker(ctx, deepest=DEPTH[level])
    day = filters.date_picker(data)
    group = filters.group_picker()
    thresholds = filters.rate_thresholds_picker(status.rate_thresholds(data.settings()))

path = filters.path_of(unit)
parent = {"province": None, "district": path.get(PROVINCE),
          "commune": path.get(DISTRICT)}[level]
highlight = path.get(DEPTH[level])
if level == "province":
    st.title("Xếp hạng các tỉnh, thành phố trong cả nước")
elif parent is None:
    st.title("Xếp hạng các xã")
else:
    st.title(f"Xếp hạng các {'huyện' if level == 'district' else 'xã'} · "
             f"{by_code()[parent].name}")
if day is None:
    layout.no_database_data(ctx)
if level == "commune" and parent is None:
    st.info("Chọn một huyện ở thanh bên (hoặc bấm vào một huyện trong bảng xếp hạng huyện) "
            "để xếp hạng các xã của huyện đó.", icon=":material/touch_app:")
    st.stop()

table = data.ranking(day, group, parent, days=RANK_DAYS)
if table.empty:
    layout.no_data(ctx, f"các {'huyện' if level == 'district' else 'xã'} thuộc "
                   f"{by_code()[parent].name}" if parent else "các tỉnh, thành phố")
    st.stop()
average = metrics.overall_rate(table)
average_label = ("Tỷ lệ chung cả nước" if parent is None
                 else f"Tỷ lệ chung của {by_code()[parent].name}")
layout.data_note(day, data.sources(parent, day))
if group != "all":
    st.caption(f"Nhóm đối tượng: {GROUP_LABELS[group]}.")


def _go_deeper(code: str) -> None:
    """After a drill-down, rank the level below the unit picked (if the user may)."""
    if level in NEXT_LEVEL and NEXT_LEVEL[level] in levels:
        st.session_state["level"] = NEXT_LEVEL[level]


# ------------------------------------------------------------------- the highlighted unit
cards = st.columns(3)
position = metrics.rank_of(table, highlight) if highlight else None
cards[2 if position else 0].metric(average_label, fmt.percent(average), border=True)
if position is not None and not summary.rank_is_news(position):  # 1/1, 2/2: no headline
    me = table[table["code"] == highlight].iloc[0]
    cards[1].metric(f"Tỷ lệ của {me['name']}", fmt.percent(me["rate_pct"]), border=True)
    cards[0].caption(f"Mới có {position[1]} đơn vị có số liệu: chưa đủ để xếp hạng.")
elif position is not None:
    me = table[table["code"] == highlight].iloc[0]
    cards[0].metric(f"Xếp hạng của {me['name']}", f"{position[0]}/{position[1]}",
                    **layout.rank_delta(me["rank_change"]),
                    delta_description=f"so với {RANK_DAYS} ngày trước", border=True)
    cards[1].metric(f"Tỷ lệ của {me['name']}", fmt.percent(me["rate_pct"]), border=True)
    gap = metrics.gap_to_next(table, highlight)
    cards[0].caption("Đang dẫn đầu." if gap is None else
                     f"Cần thêm **{fmt.number(gap[1])}** người được chi trả qua tài khoản để "
                     f"vượt {gap[0]}.")
elif highlight:
    cards[1].caption(f"{by_code()[highlight].name} chưa có số liệu để xếp hạng.")
else:
    cards[1].caption("Chọn một đơn vị ở thanh bên để đánh dấu và xem khoảng cách với đơn vị "
                     "xếp trên.")

# ---------------------------------------------------------------------------- the chart
ranking_chart = charts.built(charts.ranking_bars, table, highlight=highlight, average=average,
                                    average_label=average_label, thresholds=thresholds)
drill = filters.chart_drill_callback(ctx, "ranking_chart", DEPTH[NEXT_LEVEL.get(level, level)],
                                     _go_deeper)
chart_title = (f"Xếp hạng các tỉnh, thành phố · {fmt.date(day)}" if parent is None
               else f"Xếp hạng các {'huyện' if level == 'district' else 'xã'} · "
                    f"{by_code()[parent].name} · {fmt.date(day)}")
if level == "province":
    # The picture first: where the provinces stand on the map, then the bars in order.
    left, right = st.columns(2, gap="medium")
    with left:
        st.subheader("Bản đồ tỷ lệ các tỉnh, thành phố")
        own_province = path.get(PROVINCE)
        charts.show(charts.built(tilemap.figure, table, thresholds=thresholds,
                                 outlined=own_province, tile_px=TILE_PX), "tile_map",
                    charts.png_name("ban do tinh", own_province, day),
                    f"Tỷ lệ chi trả qua tài khoản các tỉnh, thành phố · {fmt.date(day)}",
                    on_select=filters.chart_drill_callback(ctx, "tile_map", DISTRICT,
                                                           _go_deeper),
                    selection_mode="points")
    chart_place = right
else:
    chart_place = st.container()
with chart_place:
    if level == "province":
        st.subheader("Xếp hạng theo tỷ lệ")
    charts.show(ranking_chart, "ranking_chart", charts.png_name("xep hang", parent, day),
                chart_title, on_select=drill, selection_mode="points")
st.caption(f"Màu: đỏ dưới {fmt.percent(thresholds.red_below)}, vàng từ "
           f"{fmt.percent(thresholds.red_below)} đến dưới {fmt.percent(thresholds.green_from)}, "
           f"xanh từ {fmt.percent(thresholds.green_from)} (đổi ở «Ngưỡng màu đánh giá»). "
           f"Bấm vào một ô, một cột hoặc một dòng để xem cấp dưới.")

# ---------------------------------------------------------------------------- the table
lights = [thresholds.light(v) for v in table["rate_pct"]]
shown = table.assign(light=[RATE_LIGHT_LABELS.get(x, "–") for x in lights])
fills = [LIGHT_FILLS.get(x) for x in lights]
tables.show(shown, [
    tables.Col("rank", "Hạng", "count", width="small"),
    tables.Col("rank_change", f"Thay đổi hạng ({RANK_DAYS} ngày)", "rank_change",
               help="▲ lên hạng, ▼ xuống hạng so với 7 ngày trước", width="small"),
    tables.Col("name", "Đơn vị"),
    tables.Col("total", FIELD_LABELS["total"], "count"),
    tables.Col("accounts", "Đã có tài khoản", "count"),
    tables.Col("cashless", "Chi trả qua tài khoản", "count"),
    tables.Col("rate_pct", "Tỷ lệ", "pct"),
    tables.Col("light", "Mức", width="small"),
], key="ranking_table", colours={"rate_pct": fills, "light": fills},
    on_select=filters.drill_callback(ctx, "ranking_table", list(table["code"]),
                                     DEPTH[NEXT_LEVEL.get(level, level)], _go_deeper))
