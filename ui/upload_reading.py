"""The upload page's «Cách đọc tệp»: what the machine understood of a file, each part
correctable in place (sheets and their dates, the file's group, a one-unit form's unit, any
column's meaning and group), kept per file in the session and re-planned at once; the
reading saved for the file's shape announced and forgettable."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from core.ingest import remembered
from core.ingest.plan import ImportPlan, saved_notice
from core.ingest.reading import ROLE_LABELS, ColumnMeaning, Reading
from core.vocabulary import FIELD_LABELS, GROUP_LABELS, PROGRESS_FIELDS, QUOTA_FIELDS
from ui.access import escape_md

_READING = "upload_reading"  # (file sha256, Reading): what the person set for this file
PLAN_KEY = "upload_plan"  # the page's kept plan, dropped when a saved reading is forgotten


def current_reading(sha256: str) -> Reading:
    kept = st.session_state.get(_READING)
    return kept[1] if kept is not None and kept[0] == sha256 else Reading()


def set_reading(sha256: str, reading: Reading) -> None:
    st.session_state[_READING] = (sha256, reading)


# ------------------------------------------------------------------ the reading, corrected

MEANING_GROUP_NONE = "(theo tệp)"
GROUP_OPTIONS = [None, "ncc", "btxh", "ngheo", "all"]


def meaning_options(kind: str | None) -> dict[str, str]:
    """Every meaning a column can be given, keyed "role" or "figure:field"."""
    fields = QUOTA_FIELDS if kind == "quota" else PROGRESS_FIELDS
    options = {f"figure:{f}": FIELD_LABELS[f] for f in fields}
    options |= {role: label for role, label in ROLE_LABELS.items() if role != "figure"}
    return options


def meaning_key(column) -> str:
    return f"figure:{column.field}" if column.role == "figure" else column.role


def show_reading(plan: ImportPlan, reading: Reading, engine: Engine) -> None:
    """What the machine understood, each part correctable; every change re-plans at once."""
    st.subheader("Cách đọc tệp")
    if plan.saved is not None:
        note, forget = st.columns([4, 1])
        note.info(escape_md(saved_notice(plan.saved)), icon=":material/bookmark:")
        if forget.button("Quên cách đọc này", key="reading_forget",
                         icon=":material/bookmark_remove:"):
            with engine.begin() as conn:
                remembered.forget(conn, plan.signature)
            set_reading(plan.sha256, Reading())
            st.session_state.pop(PLAN_KEY, None)
            st.rerun()
    st.caption("Sửa ở đây nếu hệ thống hiểu sai: bảng và các kiểm tra được tính lại ngay. "
               "Khi xác nhận nhập, cách đọc đã sửa được ghi nhớ cho các tệp cùng mẫu của "
               "đơn vị bạn.")
    show_sheets(plan, reading)
    show_file_choices(plan, reading)
    show_columns(plan, reading)


def show_sheets(plan: ImportPlan, reading: Reading) -> None:
    if len(plan.table_sheets) <= 1 and len(plan.parts) <= 1:
        return
    read_now = [p.report.sheet_name for p in plan.parts]
    chosen = st.multiselect("Trang tính được nhập", plan.table_sheets, default=read_now,
                            key=f"reading_sheets_{plan.sha256[:12]}",
                            placeholder="Chọn trang tính")
    if chosen and chosen != read_now:
        set_reading(plan.sha256, Reading(
            sheets=tuple(chosen), sheet_dates=reading.sheet_dates, columns=reading.columns,
            group=reading.group, parent=reading.parent, unit=reading.unit))
        st.rerun()
    date_cols = st.columns(min(4, max(1, len(plan.parts))))
    for i, part in enumerate(plan.parts):
        name = part.report.sheet_name
        day = date_cols[i % len(date_cols)].date_input(
            f"Ngày của trang «{name}»", value=part.report_date, format="DD/MM/YYYY",
            key=f"reading_date_{plan.sha256[:12]}_{name}")
        if day is not None and day != part.report_date:
            set_reading(plan.sha256, Reading(
                sheets=reading.sheets or tuple(read_now),
                sheet_dates={**reading.sheet_dates, name: day}, columns=reading.columns,
                group=reading.group, parent=reading.parent, unit=reading.unit))
            st.rerun()


def show_file_choices(plan: ImportPlan, reading: Reading) -> None:
    left, right = st.columns(2)
    group = left.selectbox(
        "Nhóm đối tượng của cả tệp", GROUP_OPTIONS, index=GROUP_OPTIONS.index(reading.group),
        format_func=lambda g: "(tự nhận biết)" if g is None else GROUP_LABELS[g],
        key=f"reading_group_{plan.sha256[:12]}",
        help="Cho các cột số liệu không ghi nhóm đối tượng.")
    if group != reading.group:
        set_reading(plan.sha256, Reading(
            sheets=reading.sheets, sheet_dates=reading.sheet_dates, columns=reading.columns,
            group=group, parent=reading.parent, unit=reading.unit))
        st.rerun()
    if plan.report is not None and plan.report.single_unit:
        unit = right.text_input(
            "Đơn vị của biểu (tên hoặc mã xã)", value=reading.unit or "",
            key=f"reading_unit_{plan.sha256[:12]}",
            help="Biểu của một đơn vị, mỗi dòng một nhóm đối tượng.").strip() or None
        if unit != reading.unit:
            set_reading(plan.sha256, Reading(
                sheets=reading.sheets, sheet_dates=reading.sheet_dates, columns=reading.columns,
                group=reading.group, parent=reading.parent, unit=unit))
            st.rerun()


def show_columns(plan: ImportPlan, reading: Reading) -> None:
    if plan.persons is not None:  # the columns are those of the table counted from the list
        st.caption("Bảng dưới đây là bảng đếm được từ danh sách từng người (theo xã và nhóm "
                   "đối tượng), không phải các cột của tệp.")
    st.dataframe(columns_frame(plan), hide_index=True)
    columns = [c for c in plan.report.columns if c.header]
    if not columns or plan.persons is not None:
        return
    options = meaning_options(plan.kind)
    with st.form(f"reading_column_{plan.sha256[:12]}", border=True):
        st.markdown("**Sửa cách hiểu một cột**")
        pick, meaning, group, _ = st.columns([2, 3, 2, 1], vertical_alignment="bottom")
        letter = pick.selectbox(
            "Cột", [c.letter for c in columns], key="reading_letter",
            format_func=lambda x: f"{x} · {next(c.header for c in columns if c.letter == x)}"[:60])
        chosen = meaning.selectbox("Được hiểu là", list(options), format_func=options.get,
                                   key="reading_meaning")
        chosen_group = group.selectbox(
            "Nhóm", GROUP_OPTIONS, key="reading_column_group",
            format_func=lambda g: MEANING_GROUP_NONE if g is None else GROUP_LABELS[g])
        if st.form_submit_button("Áp dụng", type="secondary", icon=":material/edit:"):
            if chosen.startswith("figure:"):
                value = ColumnMeaning("figure", chosen.split(":", 1)[1], chosen_group)
            else:
                value = ColumnMeaning(chosen, level=0 if chosen in ("name", "code") else None)
            set_reading(plan.sha256, reading.with_column(letter, value))
            st.rerun()
    if reading.columns:
        st.caption("Đã sửa: " + "; ".join(
            f"cột {letter}: {describe_meaning(m)}" for letter, m in sorted(
                reading.columns.items())))
        if st.button("Bỏ các sửa đổi về cột", key="reading_reset_columns",
                     icon=":material/undo:"):
            set_reading(plan.sha256, Reading(
                sheets=reading.sheets, sheet_dates=reading.sheet_dates, group=reading.group,
                parent=reading.parent, unit=reading.unit))
            st.rerun()


def describe_meaning(meaning: ColumnMeaning) -> str:
    if meaning.role != "figure":
        return ROLE_LABELS[meaning.role]
    text = FIELD_LABELS.get(meaning.field, meaning.field or "")
    return f"{text} – {GROUP_LABELS[meaning.group]}" if meaning.group else text


def columns_frame(plan: ImportPlan) -> pd.DataFrame:
    roles = {"name": "Tên đơn vị", "code": "Mã đơn vị", "order": "Số thứ tự",
             "group": "Nhóm đối tượng", "ignored": "Không dùng"}
    rows = []
    per_row = any(c.role == "group" for c in plan.report.columns)
    for column in plan.report.columns:
        if column.role == "figure":
            meaning = FIELD_LABELS.get(column.field, column.field or "")
            if per_row and column.source == "detected":
                meaning += " – theo nhóm ghi ở mỗi dòng"
            elif column.group:
                meaning += f" – {GROUP_LABELS.get(column.group, column.group)}"
        else:
            meaning = roles.get(column.role, column.role)
        how = {"set": "đã sửa", "data": "theo số liệu"}.get(column.source, "tự nhận biết")
        rows.append({"Cột": column.letter, "Tiêu đề trong tệp": column.header,
                     "Được hiểu là": meaning, "Nguồn": how})
    return pd.DataFrame(rows)
