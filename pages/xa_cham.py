"""Xã chậm tiến độ: communes not started, below a threshold, or silent on the date.

Made for the meeting room: the meeting mode (ui.meeting) hides the sidebar and makes the
list itself the first screen, in large type, one page at a time; the list goes home as a
formatted Excel file, a CSV, or a phone-sized image for a Zalo group.
"""

import streamlit as st

from core import formatting as fmt
from core.analytics import metrics, status
from core.analytics.status import lag_light, light_fill
from core.catalogue.units import by_code, descendant_codes
from core.exports import tables as exports
from core.vocabulary import COMMUNE, DISTRICT, FIELD_LABELS, GROUP_LABELS, REASON_LABELS
from ui import charts, downloads, filters, layout, tables
from ui import meeting as meeting_view
from ui.context import open_page
from ui.data import for_engine

ctx = open_page("xa_cham")
data = for_engine(ctx.engine)

with st.sidebar:
    unit = filters.unit_picker(ctx, deepest=DISTRICT)
    day = filters.date_picker(data)
    group = filters.group_picker()
    configured = data.settings().lag_threshold_pct
    below = filters.threshold_picker("Tỷ lệ chung" if configured is None
                                     else f"{fmt.percent(configured)} (cài đặt)")
place = by_code()[unit]
head = st.container(horizontal=True, vertical_alignment="center", key="lag_head")
with head:
    title = st.empty()
    meeting = filters.meeting_toggle()
title.title(f"Xã chậm tiến độ · {place.name}", width="stretch")
if meeting:
    meeting_view.style()
if day is None:
    layout.no_database_data(ctx)
reporting = data.districts_with_commune_reports()
# A commune's own reports count: its district is then among those with commune reports.
home_district = place.parent_code if place.level == COMMUNE else None
mine = {unit, home_district, *descendant_codes(unit, DISTRICT)}
if mine.isdisjoint(reporting):
    st.info(f"Chưa có số liệu cấp xã của {place.name}. Danh sách xã chậm tiến độ cần báo cáo "
            f"hằng ngày của các xã. " + layout.upload_advice(ctx, "Phụ lục 2b"),
            icon=":material/upload_file:")
    # One button per province with commune reports (the districts would be dozens): the
    # province, or its one district with commune reports.
    per_province: dict[str, list[str]] = {}
    for d in reporting:
        if ctx.can_view(d):
            per_province.setdefault(by_code()[d].province_code, []).append(d)
    elsewhere = [ds[0] if len(ds) == 1 else p for p, ds in per_province.items()
                 if ctx.can_view(p) or len(ds) == 1]
    if elsewhere:
        st.write("Đơn vị đã có số liệu cấp xã:")
        for code in elsewhere[:12]:
            st.button(by_code()[code].name, key=f"lag_{code}", on_click=filters.set_unit,
                      args=(ctx, code, DISTRICT))
    st.stop()

table, threshold = data.lagging(unit, day, below if below is not None else configured, group)
counts = metrics.lag_counts(table)
rule = (f"dưới {fmt.percent(threshold)} (ngưỡng do người xem đặt)" if below is not None
        else f"dưới {fmt.percent(threshold)} (ngưỡng cài đặt chung)" if configured is not None
        else f"dưới {fmt.percent(threshold)} (tỷ lệ chung của {place.name})")
thresholds = status.rate_thresholds(data.settings())
lights = [lag_light(r, v, thresholds) for r, v in zip(table["reason"], table["rate_pct"],
                                                      strict=True)]
with_parent = place.level < DISTRICT


def _files() -> None:
    """The list to take away: Excel, CSV, the phone image, the briefing deck and PDF, each
    made when its button is clicked (ui.downloads), never while the page runs."""
    row = st.container(horizontal=True, key="lag_files")
    # Everything the two files show, so that a file made for one view is never another's.
    shows = (data.url, data.version, unit, day, group, threshold, thresholds)
    source = data.sources(unit, day)
    row.download_button(
        "Tải Excel (.xlsx)", icon=":material/download:", key="lag_xlsx",
        data=downloads.on_click("lagging_xlsx", shows, lambda: exports.lagging_xlsx(
            table, unit=unit, as_of=day, threshold=threshold,
            group_label=GROUP_LABELS[group], source=source, thresholds=thresholds)),
        file_name=exports.file_name(unit, day, "xlsx"), on_click="ignore",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    row.download_button("Tải CSV", icon=":material/download:", key="lag_csv",
                        data=downloads.on_click("lagging_csv", shows,
                                                lambda: exports.lagging_csv(table)),
                        file_name=exports.file_name(unit, day, "csv"), mime="text/csv",
                        on_click="ignore")
    downloads.meeting_buttons(data, unit, day, group, kinds=("phone", "briefing", "pdf"),
                              row=row)


if meeting:
    # The list is the first screen: one line of context, then the rows, a page at a time.
    parts = [f"{n} {REASON_LABELS[r].lower()}" for r, n in counts.items() if n]
    meeting_view.summary(f"{fmt.date(day)} · {GROUP_LABELS[group]} · Ngưỡng dưới "
                         f"{fmt.percent(threshold)} · {len(table)} xã"
                         + (f": {', '.join(parts)}" if parts else ""))
    if table.empty:
        st.success("Không có xã nào chậm tiến độ theo ngưỡng này.",
                   icon=":material/check_circle:")
        st.stop()
    columns = [meeting_view.Column("STT", "num"),
               meeting_view.Column("Xã, phường, thị trấn", "name"),
               *([meeting_view.Column("Huyện")] if with_parent else []),
               meeting_view.Column("Tổng số", "num"),
               meeting_view.Column("Qua tài khoản", "num"),
               meeting_view.Column("Tỷ lệ", "lit"), meeting_view.Column("Tình trạng", "lit")]
    rows = [[str(i), r.name, *([by_code()[r.parent_code].short_name] if with_parent else []),
             fmt.number(r.total), fmt.number(r.cashless), fmt.percent(r.rate_pct),
             REASON_LABELS[r.reason]]
            for i, r in enumerate(table.assign(parent_code=[by_code()[c].parent_code
                                                            for c in table["code"]])
                                  .itertuples(index=False), start=1)]
    meeting_view.paged_list(columns, rows, lights)
    layout.data_note(day, data.sources(unit, day))
    _files()
    charts.show(charts.built(charts.lagging_bars, table, threshold, thresholds, meeting=True),
                "lagging_chart", charts.png_name("xa cham tien do", unit, day),
                f"Xã chậm tiến độ · {place.name} · {fmt.date(day)}")
    st.stop()

st.markdown(f"Tính đến ngày **{fmt.date(day)}** · {GROUP_LABELS[group]} · Ngưỡng: {rule}")
layout.data_note(day, data.sources(unit, day))

# ------------------------------------------------------------------------------- headline
cards = st.columns(4)
cards[0].metric("Số xã chậm tiến độ", fmt.number(len(table)), border=True)
cards[1].metric(REASON_LABELS["not_started"], fmt.number(counts["not_started"]),
                border=True)
cards[2].metric(REASON_LABELS["below_threshold"], fmt.number(counts["below_threshold"]),
                border=True)
cards[3].metric("Chưa báo cáo trong ngày", fmt.number(counts["not_reported"]), border=True)

if table.empty:
    st.success("Không có xã nào chậm tiến độ theo ngưỡng này.", icon=":material/check_circle:")
    st.stop()

# ------------------------------------------------------------------------------ downloads
_files()

# ---------------------------------------------------------------------- the list and chart
COLUMNS = [
    tables.Col("name", "Xã/phường/thị trấn"),
    *([tables.Col("parent", "Thuộc huyện")] if with_parent else []),
    tables.Col("total", FIELD_LABELS["total"], "count"),
    tables.Col("cashless", "Chi trả qua tài khoản", "count"),
    tables.Col("rate_pct", "Tỷ lệ", "pct"),
    tables.Col("reason_label", "Tình trạng"),
    tables.Col("report_date", "Báo cáo gần nhất", "date"),
]
shown = table.assign(reason_label=[REASON_LABELS[r] for r in table["reason"]])
fills = [light_fill(x) for x in lights]
figure = charts.built(charts.lagging_bars, table, threshold, thresholds)

picked = st.dataframe(
    tables.styled(shown, COLUMNS, colours={"rate_pct": fills, "reason_label": fills}),
    column_config=tables.column_config(COLUMNS), hide_index=True, key="lagging_table",
    on_select="rerun", selection_mode="single-row", height=min(35 * len(table) + 40, 720))
st.caption("Bấm vào tiêu đề cột để sắp xếp; chọn một dòng để xem diễn biến của xã.")
charts.show(figure, "lagging_chart", charts.png_name("xa cham tien do", unit, day),
            f"Xã chậm tiến độ · {place.name} · {fmt.date(day)}")

# ------------------------------------------------------------------- drill down to a commune
rows = picked.selection.rows if picked else []
if rows:
    commune = table.iloc[rows[0]]["code"]
    st.subheader(f"Diễn biến của {by_code()[commune].name}")
    history = data.trend(commune, group, until=day)
    if history.empty:
        st.caption("Xã chưa có báo cáo nào.")
    else:
        st.plotly_chart(charts.built(charts.short_trend, history.tail(30)),
                        config=charts.PLOTLY_CONFIG)
    st.page_link("pages/tong_quan.py", label=f"Tổng quan của {by_code()[commune].name}",
                 icon=":material/dashboard:",
                 query_params={"unit": commune, "date": day.isoformat()})
