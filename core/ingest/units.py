"""Which unit each row of a file is: codes first, then the hierarchy columns, then names
under the parent unit found from the argument, the title or the names themselves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.catalogue.resolver import Resolution, Resolver, parse_name
from core.catalogue.units import Unit, by_code
from core.ingest.model import PARENT_SOURCE_LABELS, ParsedReport, ParsedRow, Question
from core.vocabulary import COMMUNE, DISTRICT, LEVEL_NAMES, PROVINCE

if TYPE_CHECKING:
    from core.ingest.plan_model import ImportPlan


@dataclass
class _Match:
    """A file row's unit: status "ok", "approximate", "unknown" or "ambiguous"."""

    status: str
    unit: Unit | None
    message: str = ""
    candidates: tuple[Unit, ...] = ()


class _Matcher:
    """Finds the file's parent unit and every row's unit, in memory.

    Codes first (Mã tỉnh/huyện/xã), then hierarchy columns (Tỉnh | Huyện | Xã, resolved top
    down), then names under the parent. Resolutions are cached: a national file repeats each
    province and district name thousands of times.
    """

    def __init__(self, resolver: Resolver, report: ParsedReport, plan: ImportPlan) -> None:
        self.resolver = resolver
        self.report = report
        self.plan = plan
        self.parent: Unit | None = None
        self.parent_question: Question | None = None
        self.parent_candidates: tuple[Unit, ...] = ()
        self.by_row: dict[int, _Match] = {}
        self._cache: dict[tuple[str, str | None, int | None], Resolution] = {}

    # -- parent ---------------------------------------------------------------------------

    def find_parent(self, unit: str | None, single_unit: str | None = None) -> None:
        if self.plan.kind == "national":
            return
        if self.report.single_unit and self._own_unit(single_unit or unit):
            return
        if unit is not None and unit.strip():
            self._parent_from_argument(unit.strip())
            return
        if self._identified_without_parent():
            return
        hint = self.report.parent_hint
        if hint:
            found = self.resolver.resolve(hint)
            if found.ok and found.unit is not None and found.unit.level < COMMUNE:
                self._set_parent(found.unit, "title")
                return
            self.parent_candidates = found.candidates
        named = self._parent_from_names()
        if named is not None:
            self._set_parent(named, "names")

    def _parent_from_argument(self, text: str) -> None:
        code = text if text in by_code() else None
        found = None if code else self.resolver.resolve(text)
        if code is None and (found is None or not found.ok or found.unit is None):
            message = found.message() if found else f"Không tìm thấy đơn vị “{text}”."
            self.parent_candidates = found.candidates if found else ()
            self.parent_question = Question(
                "parent", f"Đơn vị cấp trên: {message}",
                tuple(u.code for u in self.parent_candidates))
            return
        self._set_parent(by_code()[code] if code else found.unit, "argument")

    def _own_unit(self, text: str | None) -> bool:
        """A one-unit form (a commune's daily report): the unit named (by a person, or the
        CLI's --unit when it names a commune) is the row's unit, its district the parent."""
        if not text or not text.strip() or not self.report.rows:
            return False
        text = text.strip()
        unit = by_code().get(text)
        if unit is None:
            found = self.resolver.resolve(text)
            unit = found.unit if found.ok else None
        if unit is None or unit.level != COMMUNE:
            return False
        row = self.report.rows[0]
        row.codes, row.unit_text, row.level = {COMMUNE: unit.code}, unit.name, COMMUNE
        self._set_parent(by_code()[unit.parent_code], "argument")
        return True

    def _set_parent(self, unit: Unit, source: str) -> None:
        self.parent = unit
        self.plan.parent_code = unit.code
        self.plan.parent_source = source

    def _identified_without_parent(self) -> bool:
        """Rows carrying a code or the whole hierarchy down from the province need no parent."""
        rows = self.report.rows
        return bool(rows) and all(self._code_of(r) is not None or 1 in r.hierarchy
                                  for r in rows)

    def _parent_from_names(self) -> Unit | None:
        names = [r.unit_text for r in self.report.rows if r.unit_text]
        if not names:
            return None
        candidates = {u.code for u in self.parent_candidates}
        for level in self._name_levels(names):
            found = self.resolver.common_parent(names, level)
            if found is not None and (not candidates or found.code in candidates):
                return found
        return None

    def _name_levels(self, names: Sequence[str]) -> list[int]:
        """The level of the rows: from the column header, else from the names' prefixes."""
        levels = {r.level for r in self.report.rows if r.level} - {PROVINCE}
        if levels:
            return sorted(levels, reverse=True)
        votes: dict[int, int] = {}
        for name in names:
            parsed = parse_name(name).levels
            if parsed and len(parsed) == 1:
                level = next(iter(parsed))
                votes[level] = votes.get(level, 0) + 1
        if votes:
            top = max(votes, key=votes.get)
            if top > PROVINCE:
                return [top]
        return [COMMUNE, DISTRICT]

    # -- rows -----------------------------------------------------------------------------

    def resolve_rows(self) -> None:
        level = PROVINCE if self.plan.kind == "national" else None
        for row in self.report.rows:
            self.by_row[row.row_number] = self._match(row, level)
        if self.parent is None and self.plan.kind != "national":
            self._parent_from_rows()

    def _match(self, row: ParsedRow, level: int | None) -> _Match:
        code = self._code_of(row)
        if code is not None:
            return self._by_code(row, *code)
        if len(row.hierarchy) > 1 or (row.hierarchy and min(row.hierarchy) == PROVINCE
                                      and self.parent is None):
            return self._by_hierarchy(row)
        row_level = level or (row.level if row.level else None)
        return self._by_name(row.unit_text, self.parent, row_level)

    @staticmethod
    def _code_of(row: ParsedRow) -> tuple[str, int] | None:
        if not row.codes:
            return None
        level = max(row.codes)
        return row.codes[level], level

    def _by_code(self, row: ParsedRow, code: str, level: int) -> _Match:
        unit = self.resolver.resolve_code(code, level or None)
        if unit is None:
            what = f"Mã {LEVEL_NAMES.get(level, 'đơn vị')}"
            return _Match("unknown", None, f"{what} “{code}” ({row.unit_text or '–'}) không "
                                           "có trong danh mục đơn vị hành chính 2024.")
        return self._within_parent(unit)

    def _by_hierarchy(self, row: ParsedRow) -> _Match:
        scope = self.parent if min(row.hierarchy) > PROVINCE else None
        found: Resolution | None = None
        for level in sorted(row.hierarchy):
            if scope is not None and level <= scope.level:
                continue  # the parent already says where this row is
            found = self._resolve(row.hierarchy[level], scope.code if scope else None, level)
            if not found.ok or found.unit is None:
                return self._from_resolution(found)
            scope = found.unit
        if found is None:  # every level named is at or above the parent
            return self._by_name(row.unit_text, self.parent, row.level or None)
        return self._from_resolution(found)

    def _by_name(self, text: str, parent: Unit | None, level: int | None) -> _Match:
        return self._from_resolution(self._resolve(text, parent.code if parent else None,
                                                   level))

    def _resolve(self, text: str, parent: str | None, level: int | None) -> Resolution:
        key = (text, parent, level)
        found = self._cache.get(key)
        if found is None:
            found = self.resolver.resolve(text, parent=parent, level=level)
            self._cache[key] = found
        return found

    def _from_resolution(self, found: Resolution) -> _Match:
        if found.ok and found.unit is not None:
            match = self._within_parent(found.unit)
            if match.status == "ok" and found.approximate:
                match.status = "approximate"
            return match
        return _Match(found.status, None, found.message(), found.candidates)

    def _within_parent(self, unit: Unit) -> _Match:
        parent = self.parent
        if parent is not None and not _is_below(unit, parent):
            return _Match("unknown", None, (
                f"{self.resolver.describe(unit)} không thuộc {parent.name} (đơn vị cấp trên "
                f"theo {PARENT_SOURCE_LABELS[self.plan.parent_source or 'argument']})."))
        return _Match("ok", unit)

    def _parent_from_rows(self) -> None:
        """Without a parent from the argument, title or names: the one unit all rows share."""
        units = [m.unit for m in self.by_row.values() if m.unit is not None]
        if not units:
            return
        parents = {u.parent_code for u in units}
        if len(parents) == 1 and None not in parents:
            self._set_parent(by_code()[parents.pop()], "rows")
            return
        provinces = {u.province_code for u in units}
        if len(provinces) == 1 and all(u.level > PROVINCE for u in units):
            self._set_parent(by_code()[provinces.pop()], "rows")

    @property
    def unresolved(self) -> list[int]:
        return [n for n, m in self.by_row.items() if m.unit is None]


def _is_below(unit: Unit, parent: Unit) -> bool:
    """unit lies strictly below parent in the hierarchy."""
    if unit.code == parent.code:
        return False
    if parent.level == PROVINCE:
        return unit.province_code == parent.code
    code = unit.parent_code
    while code is not None:
        if code == parent.code:
            return True
        code = by_code()[code].parent_code
    return False
