"""Small pieces every page shows the same way: the data note, empty states, changes."""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd
import streamlit as st

from core import formatting as fmt
from core.analytics.status import NEUTRAL, light_colour
from ui.access import escape_md
from ui.context import PageContext

UPLOAD_PAGE = "«Tải lên báo cáo»"


def data_note(as_of: dt.date, source: str, newest_report: dt.date | None = None) -> None:
    """Say which date the figures are for and which uploads they come from (file names are
    user text: escaped)."""
    text = f"Số liệu tính đến ngày **{fmt.date(as_of)}**"
    if newest_report is not None and newest_report != as_of:
        text += f" (báo cáo gần nhất ngày {fmt.date(newest_report)})"
    st.caption(f"{text}. Nguồn: {escape_md(source)}.")


def upload_advice(ctx: PageContext, what: str) -> str:
    """Where `what` comes from, said to this user: those who may upload are sent to the
    upload page; a leader, who has no such page, is told who provides it."""
    if ctx.can_open("tai_len"):
        return f"Hãy tải lên {what} ở trang {UPLOAD_PAGE}."
    return (f"Số liệu này do cán bộ phụ trách số liệu tải lên ({what}); đề nghị đơn vị "
            f"liên quan gửi báo cáo.")


def quota_advice(ctx: PageContext, code: str, what: str = "Phụ lục 01 (chỉ tiêu từng quý "
                 "theo nhóm đối tượng của các huyện)") -> str:
    """What to do about a missing quota: communes get none of their own (Phụ lục 01 gives
    districts theirs), others are told who uploads it."""
    from core.catalogue.units import by_code
    from core.vocabulary import COMMUNE

    if by_code()[code].level == COMMUNE:
        return ("Chỉ tiêu được giao cho các huyện (Phụ lục 01); xã, phường, thị trấn không có "
                "chỉ tiêu riêng.")
    return upload_advice(ctx, what)


def no_data(ctx: PageContext, what: str = "đơn vị này") -> None:
    st.info(f"Chưa có số liệu cho {what}. " + upload_advice(
        ctx, "báo cáo tiến độ hằng ngày: Phụ lục 2a của huyện, Phụ lục 2b của xã, hoặc bảng "
             "tổng hợp của tỉnh"), icon=":material/upload_file:")


def no_database_data(ctx: PageContext) -> None:
    st.info("Cơ sở dữ liệu chưa có báo cáo nào. " + upload_advice(
        ctx, "báo cáo tiến độ hằng ngày (bảng tính .xlsx, .xls, .ods hoặc .csv)"),
        icon=":material/upload_file:")
    st.stop()


def status_bar(container, fraction: float, text: str, light: str | None = None) -> None:
    """A progress bar filled in its status's colour (analytics.status: green met, amber at risk,
    red behind; the neutral colour when it has no status), its text above it (escaped)."""
    share = max(0.0, min(1.0, fraction))
    colour = light_colour(light) if light else NEUTRAL
    container.html(
        f'<div class="asxh-bar" data-light="{light or ""}">'
        f'<p style="margin:0 0 .3rem;font-size:.9rem">{html.escape(text)}</p>'
        f'<div style="height:.55rem;border-radius:.3rem;background:#eceff1">'
        f'<div style="width:{share * 100:.1f}%;height:100%;border-radius:.3rem;'
        f'background:{colour}"></div></div></div>')


def delta_count(value: float | None) -> str | None:
    """A count change for st.metric: "+30", "-12" (an ASCII minus, which st.metric reads
    as a fall), "0"; None when unknown."""
    if value is None:
        return None
    return fmt.signed(int(value)).replace("−", "-")


def delta_points(value: float | None) -> str | None:
    """A rate change in percentage points: "+0,12 điểm %"."""
    if value is None:
        return None
    if round(value, 2) == 0:
        return "0"
    sign = "+" if value > 0 else "-"
    return f"{sign}{fmt.number(abs(value), 2)} điểm %"


def change_line(label: str, value: str | None) -> str:
    return f"{label}: {value.replace('-', '−') if value else '–'}"


def rank_delta(moved) -> dict:
    """st.metric keyword arguments for a change of rank (positive = moved up)."""
    if moved is None or pd.isna(moved):
        return {"delta": None}
    if int(moved) == 0:
        return {"delta": "Không đổi", "delta_color": "off", "delta_arrow": "off"}
    return {"delta": f"{int(moved):+d} bậc"}
