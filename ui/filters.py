"""Sidebar filters shared by the pages, kept in the URL so that a view can be shared.

The unit is picked level by level (province → district → commune), offering only what the
user may see (ctx.can_view) and starting at their home unit; the chosen unit travels as
`?unit=524`. Pickers of codes shown by name (group, level, days, compare) keep the codes in the
URL the same way; plain values (date, threshold, red, green, meeting) are bound by Streamlit
itself (`bind="query-params"`).
A link such as `xa-cham?unit=524&date=2024-01-25` therefore opens the same view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import streamlit as st

from core.analytics.status import DEFAULT_RATE_THRESHOLDS, RateThresholds
from core.catalogue.units import by_code, child_codes, province_codes
from core.vocabulary import (
    ALL_GROUPS,
    COMMUNE,
    DISTRICT,
    FIELD_LABELS,
    GROUP_LABELS,
    GROUPS,
    LEVEL_TITLES,
    PROVINCE,
)
from ui.context import PageContext
from ui.data import Data

DEFAULT_PROVINCE = "49"  # Quảng Nam, the province of seed 000, for the national view
WHOLE = ""  # the "whole province / whole district" choice of a level
LEVEL_KEYS = {PROVINCE: "pick_province", DISTRICT: "pick_district", COMMUNE: "pick_commune"}
_SYNCED = "_unit_in_url"


def path_of(code: str) -> dict[int, str]:
    """{level: code} from the province down to the unit."""
    found: dict[int, str] = {}
    current: str | None = code
    while current is not None:
        unit = by_code()[current]
        found[unit.level] = current
        current = unit.parent_code
    return found


def _root_level(ctx: PageContext) -> int:
    return PROVINCE if ctx.home_unit is None else by_code()[ctx.home_unit].level


def set_unit(ctx: PageContext, code: str, deepest: int = COMMUNE) -> None:
    """Point the pickers at a unit (drill-down); call from a widget callback or before
    unit_picker runs. Units the user may not see are ignored."""
    if code not in by_code() or not ctx.can_view(code):
        return
    path = path_of(code)
    for level in range(_root_level(ctx), deepest + 1):
        st.session_state[LEVEL_KEYS[level]] = path.get(level, WHOLE)


def drill_callback(ctx: PageContext, table_key: str, codes: list[str],
                   deepest: int = COMMUNE, after: Callable[[str], None] | None = None
                   ) -> Callable[[], None]:
    """A dataframe on_select callback that opens the selected row's unit."""

    def _open() -> None:
        rows = st.session_state[table_key].selection.rows
        if rows:
            code = codes[rows[0]]
            if ctx.can_view(code):
                set_unit(ctx, code, deepest)
                if after is not None:
                    after(code)

    return _open


def chart_drill_callback(ctx: PageContext, chart_key: str, deepest: int = COMMUNE,
                         after: Callable[[str], None] | None = None) -> Callable[[], None]:
    """A plotly_chart on_select callback: the clicked point's last customdata is a unit code."""

    def _open() -> None:
        points = st.session_state[chart_key].selection.points
        if points and points[0].get("customdata"):
            code = str(points[0]["customdata"][-1])
            if ctx.can_view(code):
                set_unit(ctx, code, deepest)
                if after is not None:
                    after(code)

    return _open


def unit_picker(ctx: PageContext, deepest: int = COMMUNE,
                default: str = DEFAULT_PROVINCE) -> str:
    """Cascaded unit selectboxes in the sidebar; returns the deepest unit chosen."""
    root_level = _root_level(ctx)
    asked = st.query_params.get("unit")
    if asked and asked != st.session_state.get(_SYNCED) and asked in by_code():
        set_unit(ctx, asked, deepest)  # first visit of a shared link, or an edited URL
    elif LEVEL_KEYS[root_level] not in st.session_state:
        set_unit(ctx, ctx.home_unit or default, deepest)

    chosen: str | None = None
    for level in range(root_level, deepest + 1):
        key = LEVEL_KEYS[level]
        if level == root_level and ctx.home_unit is not None:
            options = [ctx.home_unit]
        elif level == PROVINCE:
            options = [c for c in province_codes() if ctx.can_view(c)]
        elif chosen is None:
            break
        else:
            options = [WHOLE, *(c for c in child_codes(chosen) if ctx.can_view(c))]
        if not options:
            break
        if st.session_state.get(key) not in options:
            st.session_state[key] = options[0]
        above = chosen
        value = st.selectbox(
            LEVEL_TITLES[level], options, key=key, persist_state="session",
            disabled=len(options) == 1,
            format_func=lambda c, above=above: _unit_label(c, above))
        if value == WHOLE:
            break
        chosen = value
    unit = chosen or ctx.home_unit or default
    st.query_params["unit"] = unit
    st.session_state[_SYNCED] = unit
    return unit


def _unit_label(code: str, parent: str | None) -> str:
    if code == WHOLE:
        return f"(Toàn {by_code()[parent].name})" if parent else "(Toàn bộ)"
    return by_code()[code].name


def _from_url(key: str, valid: Callable[[str], bool], default, state: str | None = None
              ) -> None:
    """Seed a widget's state from `?key=...` when the URL changed since we last wrote it
    (a shared link, an edited address), else keep the user's choice or the default.
    `state`: the widget's key when it is not `key` (a URL word two pages use differently).

    Used for pickers whose options are codes shown by name: Streamlit's own binding would
    put the names in the URL; ours keeps the codes (?group=btxh, ?level=district)."""
    state = state or key
    asked = st.query_params.get(key)
    if asked is not None and asked != st.session_state.get(f"_{state}_in_url") and valid(asked):
        st.session_state[state] = asked
    elif state not in st.session_state:
        st.session_state[state] = default


def _to_url(key: str, value: str, state: str | None = None) -> None:
    st.query_params[key] = value
    st.session_state[f"_{state or key}_in_url"] = value


def date_picker(data: Data, label: str = "Số liệu tính đến ngày") -> dt.date | None:
    """The as-of date; the newest report date unless the URL or the user says otherwise."""
    bounds = data.date_range()
    if bounds is None:
        return None
    first, last = bounds
    picked = st.date_input(label, value=last, min_value=first, max_value=last,
                           format="DD/MM/YYYY", key="date", bind="query-params")
    return picked or last


def group_picker(options: tuple[str, ...] = (ALL_GROUPS, *GROUPS),
                 label: str = "Nhóm đối tượng") -> str:
    _from_url("group", lambda g: g in options, options[0])
    if st.session_state["group"] not in options:
        st.session_state["group"] = options[0]
    group = st.selectbox(label, options, key="group", persist_state="session",
                         format_func=lambda g: GROUP_LABELS[g])
    _to_url("group", group)
    return group


DAY_CHOICES = ("1", "3", "5", "7", "14", "30")


def period_picker(label: str, choices: tuple[str, ...], *, state: str, ending: str,
                  default: str = "30") -> int:
    """A number of days back, in the URL as ?period=; each page keeps its own (`state`):
    the pages offer different lengths, and one page's choice must not reset the other's."""
    _from_url("period", lambda v: v in choices, default, state=state)
    period = st.selectbox(label, choices, key=state, persist_state="session",
                          format_func=lambda d: f"{d} ngày đến {ending}")
    _to_url("period", period, state=state)
    return int(period)


def days_picker(label: str = "So sánh với số ngày trước") -> int:
    _from_url("days", lambda d: d in DAY_CHOICES, "7")
    days = st.selectbox(label, DAY_CHOICES, key="days", persist_state="session",
                        format_func=lambda d: f"{d} ngày")
    _to_url("days", days)
    return int(days)


def meeting_toggle() -> bool:
    """Projector mode: big type, high contrast, no sidebar (ui.meeting)."""
    return st.toggle("Chế độ trình chiếu (họp)", key="meeting", bind="query-params",
                     help="Chữ lớn, tương phản cao, ẩn thanh bên; tắt để quay lại.")


LEVELS = {"province": "Tỉnh/thành phố trong cả nước", "district": "Huyện trong tỉnh",
          "commune": "Xã trong huyện"}


def ranking_levels(ctx: PageContext) -> list[str]:
    """Levels a user may rank at. The provinces' league table is national and published, so
    everyone sees it; districts and communes only inside the user's own unit."""
    home = ctx.home_unit
    level = PROVINCE - 1 if home is None else by_code()[home].level
    return ["province", *(["district"] if level < DISTRICT else []),
            *(["commune"] if level < COMMUNE else [])]


def level_picker(options: list[str]) -> str:
    _from_url("level", lambda v: v in options, options[0])
    if st.session_state["level"] not in options:
        st.session_state["level"] = options[0]
    level = st.radio("Xếp hạng", options, key="level", persist_state="session",
                     format_func=LEVELS.get)
    _to_url("level", level)
    return level


def rate_thresholds_picker(default: RateThresholds = DEFAULT_RATE_THRESHOLDS) -> RateThresholds:
    """The traffic-light thresholds (whole percents); the defaults are the administrator's."""
    with st.expander("Ngưỡng màu đánh giá"):
        red = st.number_input("Đỏ: tỷ lệ dưới (%)", min_value=0, max_value=100, step=1,
                              value=int(default.red_below), key="red", bind="query-params")
        green = st.number_input("Xanh: tỷ lệ từ (%)", min_value=0, max_value=100, step=1,
                                value=int(default.green_from), key="green",
                                bind="query-params")
        st.caption("Vàng: ở giữa hai ngưỡng.")
    return RateThresholds(float(min(red, green)), float(max(red, green)))


def threshold_picker(default_label: str) -> float | None:
    """A user threshold in whole percents; empty means the unit's own average rate."""
    value = st.number_input("Ngưỡng tỷ lệ (%)", min_value=0, max_value=100, step=1,
                            value=None, key="threshold", bind="query-params",
                            placeholder=default_label,
                            help="Để trống: dùng tỷ lệ chung của đơn vị đang xem làm ngưỡng.")
    return None if value is None else float(value)


def compare_picker(options: list[str], default: list[str], unit: str) -> list[str]:
    """Units to draw on one chart; resets to `default` when the main unit changes, and keeps
    the codes in the URL (?compare=461,462)."""
    asked = st.query_params.get("compare")
    if asked is not None and asked != st.session_state.get("_compare_in_url"):
        st.session_state["compare"] = [c for c in asked.split(",") if c in options]
        st.session_state["_compare_for"] = unit
    elif st.session_state.get("_compare_for") != unit or "compare" not in st.session_state:
        st.session_state["compare"] = default
        st.session_state["_compare_for"] = unit
    st.session_state["compare"] = [c for c in st.session_state["compare"] if c in options]
    chosen = st.multiselect("Đơn vị so sánh", options, key="compare",
                            format_func=lambda c: by_code()[c].name,
                            placeholder="Chọn đơn vị để so sánh")
    _to_url("compare", ",".join(chosen))
    return chosen


COMPARE_FIELDS = {"rate_pct": FIELD_LABELS["rate"], "cashless": "Số chi trả qua tài khoản"}


def compare_field_picker() -> str:
    _from_url("field", lambda f: f in COMPARE_FIELDS, "rate_pct")
    field = st.radio("So sánh theo", list(COMPARE_FIELDS), key="field", horizontal=True,
                     format_func=COMPARE_FIELDS.get)
    _to_url("field", field)
    return field
