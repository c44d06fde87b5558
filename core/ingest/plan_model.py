"""What a dry run finds: the ImportPlan, what a file would change and why not yet. Its own
module so the steps that fill it (frames, units, refusals) need not import the dry run."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from core.ingest import remembered
from core.ingest.model import ParsedReport, Problem, Question
from core.ingest.persons import PersonCount
from core.ingest.reading import Reading


@dataclass
class ImportPlan:
    """What a file would change, and why not yet (problems, questions). Never written."""

    file_name: str
    sha256: str
    size: int
    kind: str | None = None
    report_date: dt.date | None = None
    date_source: str | None = None
    year: int | None = None
    parent_code: str | None = None
    parent_source: str | None = None
    groups: list[str] = field(default_factory=list)
    report: ParsedReport | None = None
    figures: pd.DataFrame = field(default_factory=pd.DataFrame)
    quotas: pd.DataFrame = field(default_factory=pd.DataFrame)
    problems: list[Problem] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    imported_before: dt.datetime | None = None
    persons: PersonCount | None = None  # a list of people, counted (core.ingest.persons)
    make_preview: Callable[[], pd.DataFrame] | None = field(default=None, repr=False,
                                                           compare=False)
    reading: Reading = field(default_factory=Reading)  # what was set (by a person or saved)
    saved: remembered.SavedReading | None = None  # the saved reading applied, if any
    signature: str | None = None  # the file's shape, for remembering its reading
    uploader_unit: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    parts: list[ImportPlan] = field(default_factory=list)  # one per sheet read
    skipped_sheets: list[tuple[str, str]] = field(default_factory=list)
    table_sheets: list[str] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)  # groups whose cashless count is derived

    @functools.cached_property
    def preview(self) -> pd.DataFrame:
        """One line per file row with its unit, values and problems: built when first
        looked at (the upload page does; the CLI and scripted imports never do, and for a
        national file it is a tenth of a second)."""
        return self.make_preview() if self.make_preview is not None else pd.DataFrame()

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    @property
    def can_apply(self) -> bool:
        return not self.errors and not self.questions and self.row_count > 0

    @property
    def row_count(self) -> int:
        """Records that would be stored: figures per unit and group, or quota quarters."""
        frame = self.quotas if self.kind == "quota" else self.figures
        return len(frame)

    @property
    def unit_codes(self) -> list[str]:
        frame = self.quotas if self.kind == "quota" else self.figures
        if frame.empty:
            return []
        return sorted(frame["unit_code"].dropna().unique().tolist())

    @property
    def upload_unit(self) -> str | None:
        """The unit an upload is filed under: the parent, or the one unit of the file."""
        if self.parent_code is not None:
            return self.parent_code
        codes = self.unit_codes
        return codes[0] if len(codes) == 1 else None
