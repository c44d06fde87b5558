"""What a meeting room needs besides the screens: the files it takes away (the briefing deck,
its PDF, the report form for the level above, the phone image for a Zalo group), one entry
point for the CLI (`python -m core export`) and the pages' download buttons alike; and the
paging of a projected list (`paginate`).

The figures are read in a short transaction and the file is built after it closes: drawing
the charts takes seconds and must not hold a database connection meanwhile.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from core.exports import briefing, briefing_pdf, briefing_pptx, forms, phone_image
from core.vocabulary import ALL_GROUPS

KINDS = ("briefing", "pdf", "form", "phone")
LABELS = {"briefing": "báo cáo trình chiếu", "pdf": "báo cáo PDF",
          "form": "biểu tổng hợp", "phone": "ảnh gửi Zalo"}
BUILDERS = {"briefing": briefing_pptx.build, "pdf": briefing_pdf.build,
            "phone": phone_image.build}
EXTENSIONS = {"briefing": "pptx", "pdf": "pdf", "phone": "png"}

# A projected list: rows per page (10 fit a 1280x720 projector under the title at 20 px or
# more), the choices offered, and the pause between pages when they turn by themselves.
ROWS_PER_PAGE = 10
ROWS_CHOICES = (6, 8, 10, 12, 15, 20)
AUTO_SECONDS = 15


@dataclass(frozen=True)
class Paging:
    """Page `current` (from 1) of a list of `rows` shown `per_page` at a time."""

    rows: int
    per_page: int
    current: int

    @property
    def count(self) -> int:
        return max(1, -(-self.rows // self.per_page))

    @property
    def start(self) -> int:
        return (self.current - 1) * self.per_page

    @property
    def stop(self) -> int:
        return min(self.rows, self.start + self.per_page)

    @property
    def label(self) -> str:
        return f"Trang {self.current}/{self.count}"

    @property
    def span(self) -> str:
        """"Dòng 11–20 trong 70"."""
        if self.rows == 0:
            return "Không có dòng nào"
        return f"Dòng {self.start + 1}–{self.stop} trong {self.rows}"

    def turned(self, step: int, wrap: bool = False) -> int:
        """The page `step` pages on: held at the ends, or round to the other end if `wrap`."""
        target = self.current + step
        if wrap:
            return (target - 1) % self.count + 1
        return min(max(target, 1), self.count)


def paginate(rows: int, per_page: int, current: int | str | None) -> Paging:
    """The page to show: `current` as asked (a URL may say anything) kept inside the list."""
    per_page = per_page if per_page > 0 else ROWS_PER_PAGE
    try:
        page = int(current) if current is not None else 1
    except (TypeError, ValueError):
        page = 1
    count = max(1, -(-rows // per_page))
    return Paging(rows, per_page, min(max(page, 1), count))


def file_name(kind: str, unit: str, as_of: dt.date, group: str = ALL_GROUPS) -> str:
    """The file's name before it is made (a download button needs it up front)."""
    if kind == "form":
        return forms.file_name(unit, as_of)
    return briefing.file_name(unit, as_of, EXTENSIONS[kind], group)


def mime(kind: str) -> str:
    return {"briefing": briefing_pptx.MIME, "pdf": briefing_pdf.MIME, "form": forms.MIME,
            "phone": phone_image.MIME}[kind]


@dataclass(frozen=True)
class ExportFile:
    """A produced file: its bytes, an ASCII file name, its MIME type and the data date."""

    data: bytes
    file_name: str
    mime: str
    as_of: dt.date
    kind: str


def produce(engine: Engine, kind: str, unit: str, as_of: dt.date | None = None,
            group: str = ALL_GROUPS) -> ExportFile:
    """The file of `kind` for a unit as of a date (default: its newest report date).
    Raises core.errors.UserError (Vietnamese) when there is nothing to put in it."""
    if kind not in KINDS:
        raise ValueError(kind)
    if kind == "form":
        with engine.connect() as conn:
            form = forms.gather(conn, unit, as_of)
        data, day = forms.write(form), form.as_of
    else:
        with engine.connect() as conn:
            content = briefing.collect(conn, unit, as_of, group)
        data, day = BUILDERS[kind](content), content.as_of
    return ExportFile(data, file_name(kind, unit, day, group), mime(kind), day, kind)
