"""Files to download, made on click: the meeting files (briefing deck, its PDF, the report
form, the phone image for a Zalo group), the lagging list (Excel, CSV), the upload templates.

Nothing is made while a page renders: each button gets a callable that Streamlit runs only
when it is clicked (deferred download, `st.download_button(data=callable)`), in a thread of
its own. What it makes is kept in a small in-process cache (`shared`) keyed by what the file
shows: the database, its data version (every upload or revert changes it), the kind, unit,
date, group and whatever else the file depends on. A second click, or another user in the
same meeting, gets the same file at once; one lock per key makes simultaneous clicks wait
for the first file rather than make it twice. `BUILT` counts the files really made, by kind.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable

import streamlit as st

from core.exports import meeting
from core.vocabulary import ALL_GROUPS
from ui.data import Data

CACHE_ENTRIES = 48
LABELS = {"briefing": "Báo cáo trình chiếu (.pptx)", "pdf": "Báo cáo PDF",
          "form": "Biểu tổng hợp (.xlsx)", "phone": "Ảnh gửi Zalo (.png)"}
ICONS = {"briefing": ":material/slideshow:", "pdf": ":material/picture_as_pdf:",
         "form": ":material/table_view:", "phone": ":material/smartphone:"}
HELP = {"briefing": "Bản trình chiếu 16:9 cho cuộc họp: số liệu chính, xếp hạng, chỉ tiêu, xã "
                    "chậm tiến độ, xu hướng. Tạo khi bấm, mất vài giây.",
        "pdf": "Cùng nội dung, khổ A4 ngang, để gửi qua Zalo hoặc thư điện tử. Tạo khi bấm.",
        "form": "Biểu tổng hợp gửi cấp trên: số liệu các đơn vị trực thuộc theo mẫu phụ lục, "
                "nhập thẳng được vào hệ thống của cấp trên, không phải gõ lại.",
        "phone": "Một ảnh khổ điện thoại (rộng 1.080 điểm ảnh): số liệu chính và danh sách "
                 "xã chậm tiến độ, chữ đủ lớn để đọc trên điện thoại. Tạo khi bấm."}

log = logging.getLogger(__name__)
_files: OrderedDict[tuple, bytes] = OrderedDict()
_keys: dict[tuple, threading.Lock] = {}
_guard = threading.Lock()
BUILT: Counter[str] = Counter()  # files made in this process, by kind (never on a rerun)


def shared(kind: str, key: tuple[Hashable, ...], build: Callable[[], bytes]) -> bytes:
    """The file of `kind` for `key`, made by `build` once and kept for every session."""
    key = (kind, *key)
    with _guard:
        if key in _files:
            _files.move_to_end(key)
            return _files[key]
        lock = _keys.setdefault(key, threading.Lock())
    with lock:
        with _guard:
            if key in _files:
                return _files[key]
        try:
            made = build()
        except Exception:
            log.exception("file %s for %s failed", kind, key[1:])
            raise
        with _guard:
            BUILT[kind] += 1
            _files[key] = made
            _keys.pop(key, None)
            while len(_files) > CACHE_ENTRIES:
                _files.popitem(last=False)
        return made


def on_click(kind: str, key: tuple[Hashable, ...], build: Callable[[], bytes]
             ) -> Callable[[], bytes]:
    """A `data=` for st.download_button: the shared file, made when the button is clicked."""
    return lambda: shared(kind, key, build)


def fresh(kind: str, build: Callable[[], bytes]) -> Callable[[], bytes]:
    """A `data=` for st.download_button: a file made anew on each click, for files that may
    change without a new upload (the audit log, explanations of findings)."""

    def made() -> bytes:
        out = build()
        with _guard:
            BUILT[kind] += 1
        return out

    return made


def produce(data: Data, kind: str, unit: str, day: dt.date, group: str = ALL_GROUPS) -> bytes:
    """A meeting file's bytes, made once per (database, data version, kind, unit, date,
    group)."""
    return shared(kind, (data.url, data.version, unit, day, group),
                  lambda: meeting.produce(data.engine, kind, unit, day, group).data)


def meeting_buttons(data: Data, unit: str, day: dt.date, group: str,
                    kinds: tuple[str, ...] = ("briefing", "pdf"), row=None) -> None:
    """One row of download buttons (or more buttons in `row`), each as wide as its label,
    making its file on click."""
    row = row if row is not None else st.container(horizontal=True)
    for kind in kinds:
        row.download_button(
            LABELS[kind], icon=ICONS[kind], help=HELP[kind], key=f"meeting_{kind}",
            data=lambda kind=kind: produce(data, kind, unit, day, group),
            file_name=meeting.file_name(kind, unit, day, group), mime=meeting.mime(kind),
            on_click="ignore")
