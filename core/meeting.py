"""One entry point for the files a meeting takes away: the briefing deck, its PDF and the
report form for the level above, for the CLI (`python -m core export`) and the pages'
download buttons alike.

The figures are read in a short transaction and the file is built after it closes: drawing
the charts takes seconds and must not hold a database connection meanwhile.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from core import briefing, briefing_pdf, briefing_pptx, forms
from core.db import ALL_GROUPS

KINDS = ("briefing", "pdf", "form")
LABELS = {"briefing": "báo cáo trình chiếu", "pdf": "báo cáo PDF",
          "form": "biểu tổng hợp"}


def file_name(kind: str, unit: str, as_of: dt.date, group: str = ALL_GROUPS) -> str:
    """The file's name before it is made (a download button needs it up front)."""
    if kind == "form":
        return forms.file_name(unit, as_of)
    return briefing.file_name(unit, as_of, "pptx" if kind == "briefing" else "pdf", group)


def mime(kind: str) -> str:
    return {"briefing": briefing_pptx.MIME, "pdf": briefing_pdf.MIME, "form": forms.MIME}[kind]


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
        build = briefing_pptx.build if kind == "briefing" else briefing_pdf.build
        data, day = build(content), content.as_of
    return ExportFile(data, file_name(kind, unit, day, group), mime(kind), day, kind)
