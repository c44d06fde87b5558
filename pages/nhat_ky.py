"""Nhật ký: read the audit trail, filtered by user, action, result and date range.

Read-only by design: core.access.audit has no function that changes an entry and the database
refuses it, so this page offers filters, a table and a CSV copy, nothing else.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core import formatting as fmt
from core.access import audit
from ui import downloads
from ui.context import open_page

ctx = open_page("nhat_ky")
ALL = ""
RESULTS = {ALL: "Tất cả", "ok": "Thành công", "refused": "Bị từ chối / thất bại"}
LIMIT = 5000

st.title("Nhật ký hoạt động")
st.caption("Đăng nhập, tải lên, hoàn tác, thay đổi người dùng và thiết lập: ai, lúc nào, làm "
           "gì. Nhật ký chỉ được ghi thêm, không sửa hay xóa được.")

with ctx.engine.connect() as conn:
    known_users = audit.usernames(conn)
today = dt.datetime.now(audit.TIMEZONE).date()

with st.sidebar:
    who = st.selectbox("Người thực hiện", [ALL, *known_users],
                       format_func=lambda u: u or "Tất cả")
    action = st.selectbox("Hành động", [ALL, *audit.ACTION_LABELS],
                          format_func=lambda a: audit.ACTION_LABELS.get(a, "Tất cả"))
    result = st.selectbox("Kết quả", list(RESULTS), format_func=RESULTS.get)
    date_from = st.date_input("Từ ngày", value=today - dt.timedelta(days=30),
                              format="DD/MM/YYYY")
    date_to = st.date_input("Đến ngày", value=today, format="DD/MM/YYYY")

if date_from and date_to and date_from > date_to:
    st.error("«Từ ngày» phải trước hoặc bằng «Đến ngày».")
    st.stop()

with ctx.engine.connect() as conn:
    entries = audit.query(conn, username=who or None, action=action or None,
                          ok={ALL: None, "ok": True, "refused": False}[result],
                          date_from=date_from or None, date_to=date_to or None, limit=LIMIT)

if entries.empty:
    st.info("Không có mục nào khớp bộ lọc.")
    st.stop()

shown = pd.DataFrame({
    "Thời gian": entries["at"].map(lambda t: t.strftime("%d/%m/%Y %H:%M:%S")),
    "Người thực hiện": entries["username"].fillna("–"),
    "Hành động": entries["action"].map(lambda a: audit.ACTION_LABELS.get(a, a)),
    "Đối tượng": entries["target"].fillna("–"),
    "Kết quả": entries["ok"].map({True: "Thành công", False: "Bị từ chối"}),
    "Chi tiết": entries["detail"].map(audit.describe),
})
more = " (chỉ hiện các mục mới nhất)" if len(entries) == LIMIT else ""
st.caption(f"{fmt.number(len(entries))} mục{more}.")
st.dataframe(shown, hide_index=True, width="stretch")
# Names typed at a failed sign-in are anyone's text: keep spreadsheets from running them as
# formulas when the CSV is opened (CSV injection).
def _csv() -> bytes:
    exported = shown.map(lambda v: f"'{v}" if isinstance(v, str) and v and v[0] in "=+-@\t\r"
                         else v)
    return exported.to_csv(index=False).encode("utf-8-sig")


st.download_button("Tải về (CSV)", downloads.fresh("audit_csv", _csv),
                   file_name=f"nhat_ky_{today:%Y%m%d}.csv", mime="text/csv",
                   icon=":material/download:", key="audit_csv", on_click="ignore")
