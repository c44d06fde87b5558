"""Tổng quan: headline figures and national rank of a province as of a date."""

import streamlit as st

from core import formatting as fmt
from core import metrics
from core.units import by_code, province_codes
from ui.context import open_page

ctx = open_page("tong_quan")

provinces = list(province_codes())
with st.sidebar:
    unit = st.selectbox("Tỉnh/thành phố", provinces, index=provinces.index("49"),
                        format_func=lambda c: by_code()[c].name)
    with ctx.engine.connect() as conn:
        latest = metrics.latest_date(conn)
    day = st.date_input("Số liệu tính đến ngày", value=latest, format="DD/MM/YYYY")

st.title(f"Tổng quan · {by_code()[unit].name}")
with ctx.engine.connect() as conn:
    figs = metrics.figures_as_of(conn, [unit], day)
    table = metrics.ranking(conn, day)

if figs.empty:
    st.info("Chưa có số liệu cho đơn vị này. Hãy tải lên báo cáo tiến độ ở trang "
            "«Tải lên báo cáo».")
    st.stop()

row = figs.iloc[0]
rank = metrics.rank_of(table, unit)
cols = st.columns(5)
cols[0].metric("Đối tượng đang hưởng", fmt.number(row["total"]))
cols[1].metric("Đã có tài khoản", fmt.number(row["accounts"]))
cols[2].metric("Chi trả qua tài khoản", fmt.number(row["cashless"]))
cols[3].metric("Tỷ lệ", fmt.percent(row["rate_pct"]))
cols[4].metric("Xếp hạng toàn quốc", f"{rank[0]}/{rank[1]}" if rank else "–")
st.caption(f"Số liệu tính đến ngày {fmt.date(day)}; báo cáo gần nhất ngày "
           f"{fmt.date(row['report_date'])}.")
