"""Chất lượng dữ liệu: the validation rules run on every stored report of a unit's subtree
("đúng, đủ, sạch, sống"), each finding named by unit, date, figure and reason, with the
units' explanations (seed 004: "giải trình về chênh lệch số liệu"); and the identity
verification funnel where reports carry it (seed 003).
"""

import datetime as dt

import streamlit as st

from core import formatting as fmt
from core.analytics import quality
from core.analytics.status import AMBER, GREEN, RED, light_fill
from core.catalogue.units import by_code
from core.errors import UserError
from core.vocabulary import DISTRICT, FIELD_LABELS, GROUP_LABELS
from ui import charts as chart
from ui import downloads, filters, layout, tables
from ui import quality_charts as charts
from ui import quality_data as qdata
from ui.access import escape_md
from ui.context import open_page
from ui.data import for_engine

ctx = open_page("chat_luong")
data = for_engine(ctx.engine)
PERIODS = ("7", "14", "30", "60", "90", "180", "366")
RULE_LABELS = {r.name: r.label for r in quality.RULES}

with st.sidebar:
    unit = filters.unit_picker(ctx, deepest=DISTRICT)
    day = filters.date_picker(data, label="Đến ngày")
    period = filters.period_picker("Khoảng thời gian", PERIODS, state="quality_period",
                                   ending="ngày trên")
    group = filters.group_picker(label="Nhóm đối tượng (xác thực danh tính)")

place = by_code()[unit]
st.title(f"Chất lượng dữ liệu · {place.name}")
if day is None:
    layout.no_database_data(ctx)
since = day - dt.timedelta(days=period - 1)
st.markdown(f"Báo cáo từ **{fmt.date(since)}** đến **{fmt.date(day)}** của {place.name} và "
            "các đơn vị trực thuộc: số liệu phải **đúng, đủ, sạch, sống**.")

checks, identity = st.tabs(["Kiểm tra số liệu", "Xác thực danh tính"])

# ================================================================================ findings
with checks:
    found = qdata.findings(data, unit, since, day)
    summary = quality.counts_by_rule(found)
    open_ = found[~found["explained"]] if not found.empty else found
    cards = st.columns(4)
    cards[0].metric("Phát hiện", fmt.number(len(found)), border=True)
    cards[1].metric("Lỗi", fmt.number(int((found["severity"] == "error").sum())
                                      if not found.empty else 0), border=True)
    cards[2].metric("Cảnh báo", fmt.number(int((found["severity"] == "warning").sum())
                                           if not found.empty else 0), border=True)
    cards[3].metric("Chưa giải trình", fmt.number(len(open_)), border=True)

    with st.expander("Các quy tắc kiểm tra", expanded=found.empty):
        described = summary.assign(description=[r.description for r in quality.RULES])
        tables.show(described, [
            tables.Col("label", "Quy tắc"),
            tables.Col("description", "Nội dung kiểm tra"),
            tables.Col("findings", "Phát hiện", "count"),
            tables.Col("explained", "Đã giải trình", "count"),
        ], key="rules_table")

    if found.empty:
        st.success("Không có phát hiện nào trong khoảng thời gian này.",
                   icon=":material/task_alt:")
    else:
        left, right = st.columns([3, 1])
        chosen = left.multiselect(
            "Quy tắc", [r for r in RULE_LABELS if r in set(found["rule"])],
            format_func=RULE_LABELS.get, key="rules", placeholder="Tất cả quy tắc")
        hide = right.toggle("Ẩn phát hiện đã giải trình", key="hide_explained")
        shown = found
        if chosen:
            shown = shown[shown["rule"].isin(chosen)]
        if hide:
            shown = shown[~shown["explained"]]
        shown = shown.reset_index(drop=True).assign(
            rule_label=lambda f: f["rule"].map(RULE_LABELS),
            severity_label=lambda f: f["severity"].map(quality.SEVERITY_LABELS),
            group_label=lambda f: f["grp"].map(quality.group_label),
            field_label=lambda f: f["field"].map(quality.field_label),
            figure=lambda f: [f"{quality.field_label(x)} ({quality.group_label(g).lower()})"
                              for x, g in zip(f["field"], f["grp"], strict=True)],
            state=lambda f: [f"Đã giải trình: {c}" if e else "Chưa giải trình"
                             for e, c in zip(f["explained"], f["comment"], strict=True)])
        COLUMNS = [
            tables.Col("report_date", "Ngày", "date"),
            tables.Col("unit_name", "Đơn vị"),
            tables.Col("figure", "Chỉ tiêu (nhóm)"),
            tables.Col("observed", "Số báo cáo", "count"),
            tables.Col("expected", "Số đối chiếu", "count"),
            tables.Col("severity_label", "Mức"),
            tables.Col("rule_label", "Quy tắc"),
            tables.Col("state", "Giải trình"),
            tables.Col("reason", "Lý do", width="large"),
        ]
        fills = {"severity_label": [light_fill(RED if s == "error" else AMBER)
                                    for s in shown["severity"]],
                 "state": [light_fill(GREEN) if e else None for e in shown["explained"]]}
        picked = st.dataframe(
            tables.styled(shown, COLUMNS, colours=fills),
            column_config=tables.column_config(COLUMNS), hide_index=True, key="findings_table",
            on_select="rerun", selection_mode="single-row",
            height=min(35 * len(shown) + 40, 560))
        st.caption("Chọn một dòng để xem chi tiết và giải trình.")
        listed = shown[[c.field for c in COLUMNS]].rename(
            columns={c.field: c.label for c in COLUMNS})
        st.download_button("Tải danh sách (CSV)", downloads.fresh(
            "quality_csv", lambda: listed.to_csv(index=False).encode("utf-8-sig")),
            file_name=f"chat-luong-{unit}-{day:%Y%m%d}.csv", mime="text/csv",
            icon=":material/download:", key="quality_csv", on_click="ignore")

        rows = picked.selection.rows if picked else []
        if rows and rows[0] < len(shown):
            finding = shown.iloc[rows[0]].to_dict()
            st.subheader(f"{finding['unit_name']} · {fmt.date(finding['report_date'])}")
            st.markdown(f"**{finding['rule_label']}** — {finding['field_label']}, "
                        f"{finding['group_label']}: {escape_md(finding['reason'])}")
            if finding["explained"]:
                at = finding["explained_at"]
                st.info(f"Đã giải trình bởi **{escape_md(finding['explained_by'])}** lúc "
                        f"{at:%H:%M %d/%m/%Y}: {escape_md(finding['comment'])}",
                        icon=":material/comment:")
            if quality.can_explain(ctx.user, finding["unit_code"]):
                with st.form("explain", clear_on_submit=True):
                    comment = st.text_area(
                        "Nội dung giải trình", max_chars=quality.MAX_COMMENT,
                        placeholder="Ví dụ: xã báo cáo bổ sung sau giờ tổng hợp; số liệu huyện "
                                    "đã được cập nhật.")
                    sent = st.form_submit_button("Đánh dấu đã giải trình", type="primary")
                if sent:
                    try:
                        with ctx.engine.begin() as conn:
                            quality.explain(conn, ctx.user, finding, comment)
                    except UserError as err:
                        st.error(str(err), icon=":material/error:")
                    else:
                        st.toast("Đã lưu giải trình (ghi vào nhật ký).",
                                 icon=":material/check:")
                        st.rerun()
            else:
                st.caption("Cán bộ của đơn vị (hoặc quản trị viên) giải trình phát hiện này.")

# ================================================================================ identity
with identity:
    stages, worst = qdata.identity(data, unit, day, group)
    st.markdown(f"Tính đến ngày **{fmt.date(day)}** · {GROUP_LABELS[group]}. Đối tượng "
                "cần được xác thực trong Cơ sở dữ liệu quốc gia về dân cư trước khi mở tài "
                "khoản và chi trả qua tài khoản.")
    if stages.empty and worst.empty:
        st.info(f"Báo cáo của {place.name} và các đơn vị trực thuộc chưa có số liệu xác thực "
                "danh tính (đã xác thực, chờ xác thực, không có CCCD/lệch thông tin/không tìm "
                "thấy).", icon=":material/badge:")
    else:
        if stages.empty:
            st.info(f"Báo cáo của {place.name} chưa có số liệu xác thực; dưới đây là các đơn vị "
                    "trực thuộc có số liệu.", icon=":material/badge:")
        else:
            counts = dict(zip(stages["stage"], stages["count"], strict=True))
            first = counts["to_verify"]
            cards = st.columns(3)
            cards[0].metric(FIELD_LABELS["id_verified"], fmt.number(counts["verified"]),
                            border=True)
            cards[0].caption(f"{fmt.percent(counts['verified'] / first * 100 if first else None)}"
                             " số cần xác thực")
            cards[1].metric(FIELD_LABELS["id_pending"],
                            fmt.number(counts["usable"] - counts["verified"]),
                            border=True)
            cards[2].metric("Không có CCCD, lệch thông tin, không tìm thấy",
                            fmt.number(first - counts["usable"]), border=True)
            st.subheader("Phễu xác thực và chi trả")
            chart.show(chart.built(charts.identity_funnel, stages), "funnel",
                       chart.png_name("phieu xac thuc", unit, day),
                       f"Phễu xác thực và chi trả · {by_code()[unit].name}")
        if not worst.empty:
            top = worst.head(15)
            st.subheader("Đơn vị còn nhiều trường hợp chưa xác thực")
            chart.show(chart.built(charts.unresolved_bars, top), "unresolved_chart",
                       chart.png_name("chua xac thuc", unit, day),
                       f"Đơn vị còn nhiều trường hợp chưa xác thực · {by_code()[unit].name}")
            tables.show(worst, [
                tables.Col("name", "Đơn vị"),
                tables.Col("parent", "Thuộc"),
                tables.Col("verified", FIELD_LABELS["id_verified"], "count"),
                tables.Col("pending", FIELD_LABELS["id_pending"], "count"),
                tables.Col("problem", "Không có CCCD, lệch, không tìm thấy", "count"),
                tables.Col("unresolved", "Chưa xác thực", "count"),
                tables.Col("unresolved_pct", "Tỷ lệ chưa xác thực", "pct"),
                tables.Col("report_date", "Báo cáo", "date"),
            ], key="unresolved_table", height=min(35 * len(worst) + 40, 420))

layout.data_note(day, data.sources(unit, day))
