"""Quản trị: accounts (create, role and unit, deactivate, password, unlock), the signed-in
sessions (listed, and ended one by one) and settings.

Thin on purpose: every rule (admin only, last admin kept, password policy, audit entry) is
enforced in access.auth and access.settings; this page reads the forms and reports the outcome.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from core import config
from core import formatting as fmt
from core.access import auth, sessions
from core.access import settings as settings_mod
from core.catalogue.units import by_code, child_codes, province_codes
from core.errors import UserError
from core.ingest import remembered
from core.vocabulary import PROVINCE
from ui.access import unit_label
from ui.context import PageContext, escape_md, open_page

ctx = open_page("quan_tri")
_FLASH = "_admin_flash"
_NONE = ""  # "no unit at this level" in the unit selectboxes


def run(action: Callable, done: str) -> None:
    """Run a core change in one transaction; on success reload with a message, else show why."""
    try:
        with ctx.engine.begin() as conn:
            action(conn)
    except UserError as err:
        st.error(escape_md(err), icon=":material/error:")
        return
    st.session_state[_FLASH] = done
    st.rerun()


def unit_select(prefix: str, current: str | None) -> str | None:
    """Province → district → commune selectboxes; returns the deepest unit chosen."""
    path: dict[int, str] = {}
    code = current
    while code is not None:
        path[by_code()[code].level] = code
        code = by_code()[code].parent_code
    chosen: str | None = None
    level = PROVINCE
    options = [_NONE, *province_codes()]
    while options[1:]:
        default = path.get(level, _NONE)
        value = st.selectbox(
            ("Tỉnh/thành phố", "Huyện/thị xã/thành phố", "Xã/phường/thị trấn")[level - 1],
            options, index=options.index(default) if default in options else 0,
            key=f"{prefix}_unit_{level}",
            format_func=lambda c, above=chosen: (by_code()[c].name if c else
                                                 f"(Toàn {by_code()[above].name})" if above
                                                 else "(Không gắn đơn vị: toàn quốc)"))
        if not value:
            break
        chosen, level = value, level + 1
        options = [_NONE, *child_codes(value)]
    return chosen


def users_table(users: list[auth.UserRecord]) -> pd.DataFrame:
    def state(u: auth.UserRecord) -> str:
        if not u.active:
            return "Đã vô hiệu hóa"
        if u.is_locked():
            local = u.locked_until.astimezone(settings_mod.TIMEZONE)
            return f"Tạm khóa đến {local:%H:%M} {fmt.date(local.date())}"
        return "Đang hoạt động"

    return pd.DataFrame([{
        "Tên đăng nhập": u.username, "Vai trò": auth.ROLE_LABELS[u.role],
        "Đơn vị": unit_label(u.unit_code), "Trạng thái": state(u),
        "Ngày tạo": fmt.date(u.created_at.astimezone(settings_mod.TIMEZONE).date()),
    } for u in users])


def create_user_section() -> None:
    st.subheader("Thêm người dùng")
    role = st.selectbox("Vai trò", auth.ROLES, index=2, key="new_role",
                        format_func=auth.ROLE_LABELS.get)
    unit = unit_select("new", None)
    with st.form("new_user", clear_on_submit=True):
        username = st.text_input("Tên đăng nhập", max_chars=64,
                                 help="Chữ, số và . _ - @; không có khoảng trắng.")
        password = st.text_input("Mật khẩu ban đầu (ít nhất 8 ký tự)", type="password",
                                 max_chars=auth.MAX_PASSWORD_LENGTH,
                                 autocomplete="new-password")
        submitted = st.form_submit_button("Tạo người dùng", type="primary")
    if submitted:
        run(lambda c: auth.add_user(c, ctx.user, username, password, role, unit),
            f"Đã tạo người dùng «{username}».")


def edit_user_section(users: list[auth.UserRecord]) -> None:
    st.subheader("Sửa người dùng")
    names = [u.username for u in users]
    name = st.selectbox("Người dùng", names, key="edit_user")
    user = next(u for u in users if u.username == name)

    left, right = st.columns(2)
    with left:
        st.markdown("**Vai trò và đơn vị**")
        role = st.selectbox("Vai trò mới", auth.ROLES, index=auth.ROLES.index(user.role),
                            key=f"edit_role_{name}", format_func=auth.ROLE_LABELS.get)
        unit = unit_select(f"edit_{name}", user.unit_code)
        if st.button("Lưu vai trò và đơn vị", key="save_role"):
            run(lambda c: auth.update_user(c, ctx.user, name, role=role, unit_code=unit),
                f"Đã đổi vai trò/đơn vị của «{name}».")
    with right:
        st.markdown("**Mật khẩu**")
        with st.form("reset_password", clear_on_submit=True):
            password = st.text_input("Mật khẩu mới (ít nhất 8 ký tự)", type="password",
                                     max_chars=auth.MAX_PASSWORD_LENGTH,
                                     autocomplete="new-password")
            reset = st.form_submit_button("Đặt lại mật khẩu")
        if reset:
            run(lambda c: auth.reset_password(c, ctx.user, name, password),
                f"Đã đặt lại mật khẩu của «{name}».")
        st.markdown("**Trạng thái**")
        if user.is_locked() and st.button("Mở khóa", key="unlock"):
            run(lambda c: auth.unlock(c, ctx.user, name), f"Đã mở khóa «{name}».")
        if user.active and st.button("Vô hiệu hóa tài khoản", key="deactivate"):
            run(lambda c: auth.set_active(c, ctx.user, name, False),
                f"Đã vô hiệu hóa «{name}»; phiên đang mở của người này kết thúc ngay.")
        if not user.active and st.button("Kích hoạt lại", key="activate"):
            run(lambda c: auth.set_active(c, ctx.user, name, True),
                f"Đã kích hoạt lại «{name}».")


def settings_section(current: settings_mod.Settings) -> None:
    labels = settings_mod.LABELS
    with st.form("settings"):
        st.markdown("**Số liệu**")
        lag = st.number_input(labels["lag_threshold_pct"], min_value=0.0, max_value=100.0,
                              value=current.lag_threshold_pct, step=1.0, format="%.2f",
                              placeholder="Để trống: dùng tỷ lệ chung của huyện/tỉnh")
        c1, c2 = st.columns(2)
        red = c1.number_input(labels["ranking_red_below_pct"], 0.0, 100.0,
                              current.ranking_red_below_pct, step=1.0)
        yellow = c2.number_input(labels["ranking_yellow_below_pct"], 0.0, 100.0,
                                 current.ranking_yellow_below_pct, step=1.0)
        st.markdown("**Hạn báo cáo hằng ngày** (giờ Việt Nam)")
        c1, c2, c3 = st.columns(3)
        commune = c1.time_input(labels["deadline_commune"], current.deadline_commune, step=300)
        district = c2.time_input(labels["deadline_district"], current.deadline_district,
                                 step=300)
        province = c3.time_input(labels["deadline_province"], current.deadline_province,
                                 step=300)
        report_commune = c1.checkbox(labels["report_commune"], current.report_commune)
        report_district = c2.checkbox(labels["report_district"], current.report_district)
        report_province = c3.checkbox(labels["report_province"], current.report_province)
        st.markdown("**Bảo mật**")
        c1, c2 = st.columns(2)
        timeout = c1.number_input(labels["session_timeout_minutes"], 1, 7 * 24 * 60,
                                  current.session_timeout_minutes,
                                  help="Mặc định 480 phút: một ngày làm việc.")
        lifetime = c2.number_input(labels["session_lifetime_hours"], 1, 90 * 24,
                                   current.session_lifetime_hours,
                                   help="Mặc định 168 giờ: một tuần; sau đó phải đăng nhập "
                                        "lại dù vẫn đang dùng.")
        c1, c2 = st.columns(2)
        attempts = c1.number_input(labels["lockout_attempts"], 1, 100, current.lockout_attempts)
        minutes = c2.number_input(labels["lockout_minutes"], 1, 24 * 60, current.lockout_minutes)
        submitted = st.form_submit_button("Lưu thiết lập", type="primary")
    if submitted:
        changes = {"lag_threshold_pct": lag, "ranking_red_below_pct": red,
                   "ranking_yellow_below_pct": yellow, "deadline_commune": commune,
                   "deadline_district": district, "deadline_province": province,
                   "report_commune": report_commune, "report_district": report_district,
                   "report_province": report_province,
                   "session_timeout_minutes": timeout, "session_lifetime_hours": lifetime,
                   "lockout_attempts": attempts,
                   "lockout_minutes": minutes}
        run(lambda c: settings_mod.save(c, ctx.user, changes), "Đã lưu thiết lập.")


def readings_section() -> None:
    """Every reading confirmed for a file shape; any can be forgotten."""
    with ctx.engine.connect() as conn:
        saved = remembered.listing(conn)
    if saved.empty:
        st.info("Chưa có cách đọc tệp nào được ghi nhớ.", icon=":material/bookmark:")
        return
    table = pd.DataFrame({
        "Tệp mẫu": saved["file_name"],
        "Đơn vị tải lên": [unit_label(c) if c else "Toàn quốc" for c in saved["unit_code"]],
        "Xác nhận bởi": saved["confirmed_by"],
        "Lúc": [config.as_local(t).strftime("%d/%m/%Y %H:%M") for t in saved["confirmed_at"]],
        "Các cột trong tệp": saved["headers"],
    })
    st.dataframe(table, hide_index=True, width="stretch")
    labels = {r["signature"]: f"{r['file_name']} · {r['confirmed_by']}"
              for r in saved.to_dict("records")}
    with st.form("forget_reading"):
        chosen = st.selectbox("Quên cách đọc", list(labels), format_func=labels.get)
        if st.form_submit_button("Quên", icon=":material/bookmark_remove:"):
            run(lambda c: remembered.forget(c, chosen), "Đã quên cách đọc tệp.")


def _local(value) -> str:
    local = value.astimezone(settings_mod.TIMEZONE)
    return f"{local:%H:%M} {fmt.date(local.date())}"


def _device(agent: str | None) -> str:
    """A short name for a browser from its user agent (the full text is in the table too)."""
    if not agent:
        return "–"
    for needle, name in (("Edg/", "Edge"), ("OPR/", "Opera"), ("CocCoc", "Cốc Cốc"),
                         ("Zalo", "Zalo"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
                         ("Safari/", "Safari")):
        if needle in agent:
            system = next((s for s in ("Android", "iPhone", "iPad", "Windows", "Mac OS",
                                       "Linux") if s in agent), "")
            return f"{name} · {system}" if system else name
    return agent[:40]


def sessions_section(active: list[sessions.Session]) -> None:
    st.caption("Mỗi trình duyệt đang đăng nhập là một phiên. Phiên kết thúc khi người dùng "
               "đăng xuất, khi không thao tác quá thời gian cho phép, khi quá thời hạn tối đa, "
               "khi mật khẩu được đặt lại, tài khoản bị khóa hoặc vô hiệu hóa, hoặc khi quản "
               "trị viên kết thúc phiên ở đây.")
    if not active:
        st.info("Không có phiên đăng nhập nào đang mở.", icon=":material/info:")
        return
    st.dataframe(pd.DataFrame([{
        "Mã phiên": s.id, "Tên đăng nhập": s.account.username,
        "Vai trò": auth.ROLE_LABELS[s.account.role], "Bắt đầu": _local(s.created_at),
        "Dùng lần cuối": _local(s.last_seen_at), "Hết hạn lúc": _local(s.expires_at),
        "Trình duyệt": _device(s.user_agent), "Địa chỉ": s.address or "–",
    } for s in active]), hide_index=True, width="stretch")
    by_id = {s.id: s for s in active}
    chosen = st.selectbox("Phiên cần kết thúc", list(by_id), key="end_session_id",
                          format_func=lambda i: f"#{i} · {by_id[i].account.username} · "
                                                f"{_device(by_id[i].user_agent)} · "
                                                f"dùng lần cuối {_local(by_id[i].last_seen_at)}")
    if st.button("Kết thúc phiên này", key="end_session", icon=":material/logout:"):
        name = by_id[chosen].account.username
        run(lambda c: sessions.end_by_admin(c, ctx.user, chosen),
            f"Đã kết thúc phiên #{chosen} của «{name}».")


def main(ctx: PageContext) -> None:
    st.title("Quản trị")
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        st.success(escape_md(flash), icon=":material/check_circle:")
    with ctx.engine.connect() as conn:
        users = auth.list_users(conn)
        current = settings_mod.load(conn)
    with ctx.engine.begin() as conn:  # the sweep records expiries
        active = sessions.list_active(conn)
    tab_users, tab_sessions, tab_settings, tab_readings = st.tabs(
        ["Người dùng", f"Phiên đăng nhập ({len(active)})", "Thiết lập",
         "Cách đọc tệp đã ghi nhớ"])
    with tab_users:
        st.dataframe(users_table(users), hide_index=True, width="stretch")
        create_user_section()
        st.divider()
        edit_user_section(users)
    with tab_sessions:
        sessions_section(active)
    with tab_settings:
        settings_section(current)
        st.caption("Mỗi thay đổi được ghi vào nhật ký (trang «Nhật ký»).")
    with tab_readings:
        readings_section()


main(ctx)
