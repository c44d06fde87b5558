"""Chỉ tiêu: districts of a province (or communes of a district) against the year's quotas.

Actual payments via account against the cumulative quota to the current quarter and the
year's quota, the status against what is due by the date, and the daily pace still needed.
"""

import streamlit as st

from core import formatting as fmt
from core.analytics import metrics
from core.analytics.status import ATTAINMENT_LABELS, attainment_light, light_fill
from core.catalogue.units import by_code
from core.vocabulary import ALL_GROUPS, DISTRICT, GROUP_LABELS
from ui import charts, filters, layout, tables
from ui.context import open_page
from ui.data import for_engine

ctx = open_page("chi_tieu")
data = for_engine(ctx.engine)

with st.sidebar:
    unit = filters.unit_picker(ctx, deepest=DISTRICT)
    day = filters.date_picker(data)
    group = filters.group_picker()

place = by_code()[unit]
if day is None:
    st.title(f"Chỉ tiêu · {place.name}")
    layout.no_database_data(ctx)
year, quarter = day.year, metrics.quarter_of(day)
st.title(f"Chỉ tiêu năm {year} · {place.name}")
detail = data.attainment(unit, day, group)
own = detail[detail["level"] == "self"]

if own.empty:
    scope = "" if group == ALL_GROUPS else f" cho nhóm {GROUP_LABELS[group].lower()}"
    st.info(f"Chưa có chỉ tiêu năm {year}{scope} của {place.name}. "
            + layout.quota_advice(ctx, unit),
        icon=":material/flag:")
    elsewhere = [c for c in data.units_with_quotas(year) if ctx.can_view(c) and c != unit]
    if elsewhere:
        st.write("Đơn vị đã có chỉ tiêu:")
        for code in elsewhere[:12]:
            st.button(by_code()[code].name, key=f"quota_{code}",
                      on_click=filters.set_unit, args=(ctx, code, DISTRICT))
    st.stop()

goal = own.iloc[0]
layout.data_note(day, data.sources(unit, day))
st.caption(f"Nhóm đối tượng: {GROUP_LABELS[group]}"
           + (" (tổng các nhóm có chỉ tiêu)." if group == ALL_GROUPS else "."))

# ------------------------------------------------------------------------------- headline
cards = st.columns(4)
cards[0].metric(f"Chỉ tiêu cộng dồn đến hết quý {quarter}", fmt.number(goal["quota_to_date"]),
                border=True)
cards[1].metric(f"Chỉ tiêu năm {year}", fmt.number(goal["quota_year"]), border=True)
cards[2].metric("Đã chi trả qua tài khoản", fmt.number(goal["cashless"]), border=True)
cards[3].metric("Đạt so với chỉ tiêu quý", fmt.percent(goal["attainment_pct"]), border=True)
cards[0].caption(f"Cần đạt đến ngày {fmt.date(day)}: {fmt.number(goal['expected_to_date'])} · "
                 f"{ATTAINMENT_LABELS.get(goal['status'], '–')}")
cards[1].caption(f"Đã đạt {fmt.percent(goal['year_attainment_pct'])} chỉ tiêu năm")
cards[2].caption(f"Cần {fmt.number(goal['pace_quarter'], 1)} người/ngày để đạt quý {quarter}")
cards[3].caption(f"Cần {fmt.number(goal['pace_year'], 1)} người/ngày để đạt chỉ tiêu năm")

# ------------------------------------------------------------------------------- the units
children = detail[detail["level"] == "child"].reset_index(drop=True)
if children.empty:
    st.info(f"Các đơn vị trực thuộc {place.name} chưa được giao chỉ tiêu riêng.",
            icon=":material/info:")
else:
    kind = "huyện" if place.level < DISTRICT else "xã"
    st.subheader(f"Kết quả của {len(children)} {kind} so với chỉ tiêu")
    fills = [light_fill(attainment_light(s)) for s in children["status"]]
    shown = children.assign(status_label=[ATTAINMENT_LABELS.get(s, "–")
                                          for s in children["status"]])
    tables.show(shown, [
        tables.Col("name", "Đơn vị"),
        tables.Col("status_label", "Tình trạng"),
        tables.Col("cashless", "Đã chi trả", "count",
                   help="Số đối tượng đã được chi trả qua tài khoản"),
        tables.Col("expected_to_date", "Cần đạt đến nay", "count",
                   help="Chỉ tiêu các quý trước cộng phần của quý này theo số ngày đã qua"),
        tables.Col("quota_to_date", f"Chỉ tiêu quý {quarter}", "count",
                   help=f"Chỉ tiêu cộng dồn đến hết quý {quarter}"),
        tables.Col("quota_year", "Chỉ tiêu năm", "count"),
        tables.Col("attainment_pct", "% quý", "pct",
                   help=f"Đã chi trả so với chỉ tiêu cộng dồn đến hết quý {quarter}"),
        tables.Col("year_attainment_pct", "% năm", "pct", help="Đã chi trả so với chỉ tiêu năm"),
        tables.Col("pace_quarter", "Cần/ngày (quý)", "pace",
                   help=f"Số người mỗi ngày còn cần để đạt chỉ tiêu quý {quarter}"),
        tables.Col("pace_year", "Cần/ngày (năm)", "pace",
                   help="Số người mỗi ngày còn cần để đạt chỉ tiêu năm"),
    ], key="quota_table", colours={"status_label": fills, "attainment_pct": fills},
        on_select=filters.drill_callback(ctx, "quota_table", list(children["code"]),
                                         DISTRICT))
    st.caption("Bấm vào một dòng để xem chỉ tiêu của đơn vị đó.")
    charts.show(charts.built(charts.attainment_bars, children, quarter), "attainment_chart",
                charts.png_name("chi tieu", unit, day),
                f"Kết quả so với chỉ tiêu đến hết quý {quarter} · {place.name} · "
                f"{fmt.date(day)}")

# ---------------------------------------------------------------------------- by quarter
st.subheader(f"Thực hiện so với chỉ tiêu từng quý năm {year} · {place.name}")
charts.show(charts.built(charts.quarter_bars, data.quarters(unit, day, group)), "quarter_chart",
            charts.png_name("chi tieu tung quy", unit, day),
            f"Thực hiện so với chỉ tiêu từng quý năm {year} · {place.name}")
st.page_link("pages/xu_huong.py", label="Xem xu hướng và dự báo đạt chỉ tiêu",
             icon=":material/trending_up:", query_params={"unit": unit, "date": day.isoformat()})
