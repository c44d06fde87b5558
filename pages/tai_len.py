"""Tải lên báo cáo: drop a file, see what was understood, confirm; the history with revert.

The page is thin: core.ingest makes the plan (a dry run) and applies it; this script shows
the plan (kind, date, parent, groups, rows with the unit matched, problems per row), asks
what the file does not say (date, parent unit), and lists the uploads with a revert action.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

import pandas as pd
import streamlit as st

from core import config
from core import formatting as fmt
from core.access.permissions import Account, PermissionDenied, check_upload
from core.analytics.status import LIGHT_FILLS
from core.catalogue.units import by_code, catalogue
from core.errors import UserError
from core.exports import templates
from core.ingest import refusals
from core.ingest.apply import ImportResult, apply_import
from core.ingest.history import revert_upload, upload_history
from core.ingest.model import (
    DATE_SOURCE_LABELS,
    PARENT_SOURCE_LABELS,
    STATUS_LABELS,
    UPLOAD_STATUS_LABELS,
)
from core.ingest.plan import ImportPlan, plan_import
from core.ingest.reading import Reading
from core.storage import sources
from core.vocabulary import DISTRICT, GROUP_LABELS, KIND_LABELS, PROVINCE
from ui import downloads, tables, uploader
from ui.access import escape_md
from ui.context import PageContext, open_page
from ui.tables import Col
from ui.upload_reading import PLAN_KEY, current_reading, show_reading

ctx: PageContext = open_page("tai_len")
account: Account = ctx.user

FILE_TYPES = ["xlsx", "xlsm", "xls", "ods", "csv"]
PREVIEW_LIMIT = 500
LIST_LIMIT = 200
_PLAN = PLAN_KEY
_RESULT = "upload_result"
_ROUND = "upload_round"  # bumped after an import, to empty the file box
_AUDITED = "upload_refusals_audited"  # SHA-256 of the files whose refusal is in the audit
KIND_OPTIONS = {"auto": "Tự nhận biết", "progress": KIND_LABELS["progress"],
                "quota": KIND_LABELS["quota"],
                "national": KIND_LABELS["national"]}
PREVIEW_FIELDS = {"progress": ("total", "accounts", "cashless"),
                  "national": ("total", "accounts", "cashless"),
                  "quota": ("q1", "q2", "q3", "q4", "year_total")}
SHORT_FIELDS = {"total": "Tổng số", "accounts": "Có tài khoản", "cashless": "Chi qua TK",
                "q1": "Quý 1", "q2": "Quý 2", "q3": "Quý 3", "q4": "Quý 4",
                "year_total": "Cả năm"}


# ----------------------------------------------------------------------------- helpers


def parent_options() -> list[str | None]:
    """Provinces and districts the user may upload for (the parent of a file's units)."""
    units = [u.code for u in catalogue() if u.level in (PROVINCE, DISTRICT)
             and ctx.can_view(u.code)]
    return [None, *units]


def parent_label(code: str | None) -> str:
    if code is None:
        return "(Tự nhận biết từ tệp)"
    unit = by_code()[code]
    if unit.level == PROVINCE:
        return unit.name
    return f"{unit.name} ({by_code()[unit.province_code].name})"


def make_plan(data: bytes, name: str, day: dt.date | None, parent: str | None,
              kind: str, reading: Reading) -> ImportPlan:
    """The dry run, kept in the session: a national file takes a second or two to plan,
    and every click reruns the script. Keyed by the content, the options, the reading the
    person set and the data version (a plan compares with stored figures)."""
    with ctx.engine.connect() as conn:
        version = sources.data_version(conn)
        key = (hashlib.sha256(data).hexdigest(), name, day, parent, kind, reading.to_json(),
               version)
        kept = st.session_state.get(_PLAN)
        if kept is not None and kept[0] == key:
            return kept[1]
        with st.spinner("Đang đọc và kiểm tra tệp…"):
            plan = plan_import(conn, data, name, date=day, unit=parent, kind=kind,
                                        reading=reading, uploader_unit=account.unit_code)
    st.session_state[_PLAN] = (key, plan)
    audited = st.session_state.setdefault(_AUDITED, set())
    if plan.errors and plan.sha256 not in audited:  # a refusal, audited once per file
        refusals.record_plan_refusal(ctx.engine, account.username, plan, refusals.UPLOAD_PAGE)
        audited.add(plan.sha256)
    return plan


def show_understood(plan: ImportPlan) -> None:
    """Kind, date, parent, groups and size, each with where it came from."""
    cards = st.columns(4)
    several = len(plan.parts) > 1
    sheets = (f"{len(plan.parts)} trang tính, mỗi trang một ngày" if several
              else f"trang tính «{plan.report.sheet_name}»" if plan.report else None)
    fact(cards[0], "Loại báo cáo", KIND_LABELS.get(plan.kind or "", "–"), sheets)
    if plan.kind == "quota":
        fact(cards[1], "Năm chỉ tiêu", str(plan.year or "–"))
    elif several:
        days = [p.report_date for p in plan.parts if p.report_date is not None]
        span = (f"{fmt.date(min(days))} – {fmt.date(max(days))}" if days else "–")
        fact(cards[1], "Ngày số liệu", span, "mỗi trang tính một ngày")
    else:
        fact(cards[1], "Ngày số liệu", fmt.date(plan.report_date),
             _source("date", plan.date_source))
    parent = by_code()[plan.parent_code].name if plan.parent_code else (
        "Toàn quốc" if plan.kind == "national" else "–")
    fact(cards[2], "Đơn vị cấp trên", parent, _source("parent", plan.parent_source))
    groups = ", ".join(GROUP_LABELS.get(g, g) for g in plan.groups if g != "all") or "–"
    fact(cards[3], "Số đơn vị", fmt.number(len(plan.unit_codes)),
         f"{fmt.number(plan.row_count)} dòng số liệu · {groups}")


def fact(column, label: str, value: str, note: str | None = None) -> None:
    """A small card: label, value in bold (wraps instead of being cut like st.metric's),
    and where the value came from."""
    with column.container(border=True):
        text = f":gray[{escape_md(label)}]  \n**{escape_md(value)}**"
        if note:
            text += f"  \n:gray[{escape_md(note)}]"
        st.markdown(text)


def _source(what: str, source: str | None) -> str | None:
    labels = DATE_SOURCE_LABELS if what == "date" else PARENT_SOURCE_LABELS
    return f"theo {labels[source]}" if source in labels else None


def preview_frame(plan: ImportPlan) -> tuple[pd.DataFrame, list[Col], int]:
    """The rows to show (problem rows first when the file is long) and their columns."""
    data = plan.preview
    total = len(data)
    if total > PREVIEW_LIMIT:
        flagged = data[data["severity"].notna()]
        rest = data[data["severity"].isna()].head(max(0, PREVIEW_LIMIT - len(flagged)))
        data = pd.concat([flagged.head(PREVIEW_LIMIT), rest]).sort_values("row_number")
    data = data.assign(status_label=data["status"].map(STATUS_LABELS),
                       unit_name=data["unit_name"].fillna("–"),
                       unit_code=data["unit_code"].fillna("–"))
    cols = [*([Col("sheet", "Trang tính", width="small")] if "sheet" in data else []),
            Col("row_number", "Dòng", "text", width="small"),
            Col("unit_text", "Tên trong tệp", width="medium"),
            Col("unit_name", "Đơn vị nhận diện", width="medium"),
            Col("unit_code", "Mã", width="small"),
            Col("status_label", "Nhận diện", width="small")]
    fields = PREVIEW_FIELDS.get(plan.kind or "progress", ())
    for group in plan.groups:
        for field_name in fields:
            column = f"{group}:{field_name}"
            if column in data.columns:
                cols.append(Col(column, f"{SHORT_FIELDS[field_name]} · "
                                        f"{_group_short(group)}", "count"))
        if plan.kind != "quota" and {f"{group}:total", f"{group}:cashless"} <= set(data):
            data = data.assign(**{f"{group}:rate_pct": _rate(data, group)})
            cols.append(Col(f"{group}:rate_pct", f"Tỷ lệ · {_group_short(group)}", "pct"))
    cols.append(Col("problems", "Vấn đề", width="large"))
    data = data.assign(row_number=data["row_number"].astype(str))
    return data.reset_index(drop=True), cols, total


def _group_short(group: str) -> str:
    return {"ncc": "NCC", "btxh": "BTXH", "ngheo": "Hộ nghèo", "all": "Chung"}.get(group, group)


def _rate(data: pd.DataFrame, group: str) -> pd.Series:
    total = pd.to_numeric(data[f"{group}:total"], errors="coerce")
    cashless = pd.to_numeric(data[f"{group}:cashless"], errors="coerce")
    return cashless / total.where(total > 0) * 100


def show_preview(plan: ImportPlan) -> None:
    data, cols, total = preview_frame(plan)
    fills = [LIGHT_FILLS["red"] if s == "error" else LIGHT_FILLS["amber"] if s == "warning"
             else None for s in data["severity"]]
    st.subheader("Các dòng trong tệp")
    if total > len(data):
        st.caption(f"Hiển thị {fmt.number(len(data))}/{fmt.number(total)} dòng: các dòng có "
                   "vấn đề và các dòng đầu bảng.")
    tables.show(data, cols, key="upload_preview", colours={c.field: fills for c in cols},
                height=min(600, 38 + 35 * len(data)))


def show_problems(plan: ImportPlan) -> None:
    errors, warnings = plan.errors, plan.warnings
    if errors:
        st.error(f"**{fmt.number(len(errors))} lỗi** phải sửa trong tệp trước khi nhập.",
                 icon=":material/error:")
        _problem_list(errors)
    if warnings:
        st.warning(f"**{fmt.number(len(warnings))} cảnh báo**: vẫn nhập được, nhưng hãy "
                   "xem lại.", icon=":material/warning:")
        _problem_list(warnings)
    if not errors and not warnings:
        st.success("Không phát hiện vấn đề nào trong tệp.", icon=":material/check_circle:")


def _problem_list(problems: list) -> None:
    lines = [f"- {escape_md(p.message_vi)}" for p in problems[:LIST_LIMIT]]
    if len(problems) > LIST_LIMIT:
        lines.append(f"- … và {fmt.number(len(problems) - LIST_LIMIT)} vấn đề khác.")
    st.markdown("\n".join(lines))


def show_questions(plan: ImportPlan) -> None:
    for question in plan.questions:
        text = escape_md(question.message_vi)
        if question.candidates:
            names = "; ".join(parent_label(c) for c in question.candidates)
            text += f" Có thể là: {escape_md(names)}."
        st.info(f"**Cần bổ sung:** {text} (ở mục «Ngày số liệu, đơn vị cấp trên, loại báo "
                "cáo» phía trên)", icon=":material/help:")


def outside_reach(plan: ImportPlan) -> str | None:
    """Said before confirming, not after: units this account may not upload for."""
    if not plan.can_apply:
        return None
    try:
        check_upload(account, plan.unit_codes)
    except PermissionDenied as err:
        audited = st.session_state.setdefault(_AUDITED, set())
        if plan.sha256 not in audited:  # a refusal, audited once per file
            refusals.record_file_refusal(ctx.engine, account.username, plan.file_name,
                                         size=plan.size, sha256=plan.sha256, reason=str(err),
                                         via=refusals.UPLOAD_PAGE)
            audited.add(plan.sha256)
        return str(err)
    return None


def confirm(plan: ImportPlan) -> None:
    """Write the plan: one transaction; then empty the file box and say what happened."""
    try:
        with ctx.engine.begin() as conn:
            result = apply_import(conn, plan, account)
    except UserError as err:
        st.session_state[_RESULT] = ("error", str(err))
        return
    st.session_state[_RESULT] = ("success", result_text(plan, result))
    st.session_state[_ROUND] = st.session_state.get(_ROUND, 0) + 1
    st.session_state.pop(_PLAN, None)


def result_text(plan: ImportPlan, result: ImportResult) -> str:
    days = sorted({p.report_date for p in plan.parts if p.report_date is not None})
    when = (f"năm {plan.year}" if plan.kind == "quota"
            else f"{len(plan.parts)} trang tính, ngày {fmt.date(days[0])} – {fmt.date(days[-1])}"
            if len(days) > 1 else f"ngày {fmt.date(result.report_date)}")
    return (f"Đã nhập tệp «{plan.file_name}» ({KIND_LABELS[result.kind]}, {when}): "
            f"{fmt.number(result.inserted)} dòng thêm mới, {fmt.number(result.replaced)} "
            f"dòng thay thế, {fmt.number(result.unchanged)} dòng giữ nguyên"
            f"{f', {fmt.number(result.warnings)} cảnh báo' if result.warnings else ''}. "
            f"Lần tải lên số {result.upload_id}.")


def revert(upload_id: int) -> None:
    try:
        with ctx.engine.begin() as conn:
            done = revert_upload(conn, upload_id, account)
    except UserError as err:
        st.session_state[_RESULT] = ("error", str(err))
        return
    st.session_state[_RESULT] = ("success", (
        f"Đã hoàn tác lần tải lên số {upload_id}: xóa {fmt.number(done['removed'])} dòng, "
        f"khôi phục {fmt.number(done['restored'])} dòng số liệu trước đó."))
    st.session_state.pop(_PLAN, None)


def history_frame(history: pd.DataFrame) -> pd.DataFrame:
    return history.assign(
        kind_label=history["kind"].map(KIND_LABELS).fillna(history["kind"]),
        when=[t.strftime("%d/%m/%Y %H:%M") for t in history["uploaded_at"]],
        status_label=history["status"].map(UPLOAD_STATUS_LABELS),
        unit_label=history["unit_name"].fillna("Toàn quốc"),
        day=[fmt.date(d) for d in history["report_date"]],  # Styler leaves None as "None"
        number=history["id"].astype(str),
    )


HISTORY_COLS = [Col("number", "Số", width="small"), Col("file_name", "Tệp", width="medium"),
                Col("kind_label", "Loại"), Col("day", "Ngày số liệu"),
                Col("unit_label", "Đơn vị"), Col("uploaded_by", "Người tải lên"),
                Col("when", "Thời gian"), Col("status_label", "Trạng thái"),
                Col("row_count", "Số dòng", "count"), Col("inserted", "Thêm mới", "count"),
                Col("replaced", "Thay thế", "count"), Col("unchanged", "Giữ nguyên", "count"),
                Col("note", "Ghi chú", width="medium")]


# -------------------------------------------------------------------------------- page

st.title("Tải lên báo cáo")
limit_mb = max(1, math.ceil(config.upload_limit_bytes() / (1024 * 1024)))
st.caption("Tải lên bảng tính báo cáo như đơn vị đang dùng (Excel .xlsx, .xls, LibreOffice .ods "
           f"hoặc CSV, tối đa {limit_mb} MB): không cần theo mẫu. Hệ thống đọc và kiểm tra "
           "trước, chỉ ghi khi bạn xác nhận.")

notice = st.session_state.pop(_RESULT, None)
if notice is not None:
    (st.success if notice[0] == "success" else st.error)(
        escape_md(notice[1]), icon=":material/check_circle:" if notice[0] == "success"
        else ":material/error:")

upload_round = st.session_state.get(_ROUND, 0)
uploader.vietnamese_texts(limit_mb, FILE_TYPES)
uploaded = st.file_uploader("Chọn tệp báo cáo", type=FILE_TYPES, max_upload_size=limit_mb,
                            key=f"upload_file_{upload_round}")
day = st.session_state.get("upload_date")
parent = st.session_state.get("upload_parent")
kind = st.session_state.get("upload_kind", "auto")
plan = None
if uploaded:
    data = uploaded.getvalue()
    sha256 = hashlib.sha256(data).hexdigest()
    reading = current_reading(sha256)
    plan = make_plan(data, uploaded.name, day, parent, kind, reading)

with st.expander("Ngày số liệu, đơn vị cấp trên, loại báo cáo",
                 expanded=bool(plan and plan.questions), icon=":material/tune:"):
    st.caption("Chỉ cần khi tệp không ghi rõ: ngày nhập ở đây được ưu tiên hơn ngày trong "
               "tiêu đề hay tên tệp; đơn vị cấp trên ưu tiên hơn tiêu đề.")
    option_cols = st.columns(3)
    option_cols[0].date_input("Ngày số liệu", value=None, key="upload_date",
                              format="DD/MM/YYYY")
    option_cols[1].selectbox("Đơn vị cấp trên", parent_options(), key="upload_parent",
                             format_func=parent_label)
    option_cols[2].selectbox("Loại báo cáo", list(KIND_OPTIONS), key="upload_kind",
                             format_func=KIND_OPTIONS.get)

if plan is not None:
    st.divider()
    st.subheader(f"Tệp «{escape_md(plan.file_name)}»")
    if plan.report is not None:
        show_understood(plan)
        show_reading(plan, reading, ctx.engine)
    if plan.persons is not None:
        st.info(escape_md(plan.persons.notice_vi()), icon=":material/groups:")
    show_questions(plan)
    show_problems(plan)
    if plan.report is not None and not plan.preview.empty:
        show_preview(plan)
    outside = outside_reach(plan)
    if outside:
        st.error(escape_md(outside), icon=":material/block:")
    elif plan.can_apply:
        st.caption("Báo cáo mới của cùng đơn vị, nhóm và ngày sẽ thay thế báo cáo cũ; báo cáo "
                   "cũ vẫn được lưu trong lịch sử và khôi phục được bằng cách hoàn tác.")
    st.button("Xác nhận nhập số liệu", type="primary", icon=":material/database_upload:",
              disabled=not plan.can_apply or bool(outside), on_click=confirm, args=(plan,),
              key="upload_confirm")

st.divider()
st.subheader("Lịch sử tải lên")
with ctx.engine.connect() as conn:
    history = upload_history(conn, account=account)
if history.empty:
    st.info("Chưa có lần tải lên nào.", icon=":material/history:")
else:
    tables.show(history_frame(history), HISTORY_COLS, key="upload_history",
                height=min(420, 38 + 35 * len(history)))
    revertable = history[history["can_revert"]]
    if not revertable.empty:
        with st.form("revert_form"):
            labels = {int(r["id"]): (f"Số {r['id']} · {r['file_name']} · "
                                     f"{r['uploaded_at']:%d/%m/%Y %H:%M}")
                      for r in revertable.to_dict("records")}
            chosen = st.selectbox("Hoàn tác lần tải lên", list(labels), format_func=labels.get,
                                  key="revert_choice")
            st.caption("Hoàn tác xóa số liệu của lần tải lên này và khôi phục số liệu mà nó "
                       "đã thay thế.")
            if st.form_submit_button("Hoàn tác", icon=":material/undo:"):
                revert(int(chosen))
                st.rerun()

with st.expander("Mẫu báo cáo (không bắt buộc)", icon=":material/download:"):
    st.caption("Đơn vị nào muốn có sẵn bảng thì tải mẫu về; đơn vị đã có bảng riêng cứ tải "
               "lên bảng của mình. Mẫu có sẵn tên và mã các đơn vị trực thuộc đơn vị của bạn.")
    home = ctx.home_unit
    template_cols = st.columns(len(templates.TEMPLATES))
    for column, (key, (label, file_name)) in zip(template_cols, templates.TEMPLATES.items(),
                                                 strict=True):
        if key == "national" and account.role != "admin":
            continue
        made = downloads.on_click("template", (key, home),  # made on click, kept for all
                                  lambda key=key: templates.build(key, home))
        column.download_button(label, made, file_name=file_name, mime=templates.XLSX_MIME,
                               key=f"template_{key}", icon=":material/table_view:",
                               on_click="ignore")
