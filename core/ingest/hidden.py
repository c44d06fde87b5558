"""Hidden rows and columns of xlsx/xlsm and ods sheets, found while their XML is streamed:
what Excel does not show is not read."""

from __future__ import annotations

import html
import posixpath
import re
import zipfile

from core.ingest.limits import MB, MSG_CORRUPT, SpreadsheetError
from core.ingest.model import Sheet

# --- hidden rows and columns ---------------------------------------------------------------

# Per sheet name: the 0-based (first, last) ranges of hidden rows, and of hidden columns.
HiddenParts = dict[str, tuple[list[tuple[int, int]], list[tuple[int, int]]]]


_TRUE = rb'(?:1|true)"'


_XLSX_HIDDEN_ROW = re.compile(rb'<row\s[^>]*?\bhidden="' + _TRUE + rb'[^>]*>')


_XLSX_HIDDEN_COL = re.compile(rb'<col\s[^>]*?\bhidden="' + _TRUE + rb'[^>]*>')


_ODS_TAG = re.compile(rb'<table:table(-column|-row)?[\s/>][^>]*>')


_TAG_SCAN_TAIL = 4096


def _attribute(tag: bytes, name: bytes) -> bytes | None:
    found = re.search(rb'\s' + re.escape(name) + rb'\s*=\s*"([^"]*)"', tag)
    return found.group(1) if found else None


def _number(value: bytes | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


class _TagScanner:
    """Feeds the complete tags of an XML member read in chunks to `take`."""

    def __init__(self) -> None:
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        text = self._tail + chunk
        cut = text.rfind(b"<")
        keep = cut >= 0 and b">" not in text[cut:] and len(text) - cut < _TAG_SCAN_TAIL
        self._tail = text[cut:] if keep else b""
        self.take(text[:cut] if keep else text)

    def take(self, body: bytes) -> None:
        raise NotImplementedError


class _XlsxHidden(_TagScanner):
    """Hidden rows (<row r=".." hidden="1">) and columns (<col min max hidden="1">) of one
    worksheet. A row without its position (rare; no office program writes one hidden) is
    left visible."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[int, int]] = []
        self.cols: list[tuple[int, int]] = []

    def take(self, body: bytes) -> None:
        if b'hidden="' not in body:  # the usual case, at the cost of one search
            return
        for tag in _XLSX_HIDDEN_ROW.findall(body):
            row = _number(_attribute(tag, b"r"), 0)
            if row > 0:
                self.rows.append((row - 1, row - 1))
        for tag in _XLSX_HIDDEN_COL.findall(body):
            first = _number(_attribute(tag, b"min"), 0)
            last = _number(_attribute(tag, b"max"), first)
            if 0 < first <= last:
                self.cols.append((first - 1, last - 1))


class _OdsHidden(_TagScanner):
    """Collapsed or filtered rows and columns of every table in an ODS content.xml."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: HiddenParts = {}
        self._name: str | None = None
        self._row = self._col = 0

    def take(self, body: bytes) -> None:
        for match in _ODS_TAG.finditer(body):
            tag, kind = match.group(0), match.group(1)
            if kind is None:
                self._start_table(tag)
                continue
            if self._name is None:
                continue
            repeat = max(1, _number(_attribute(
                tag, b"table:number-rows-repeated" if kind == b"-row"
                else b"table:number-columns-repeated"), 1))
            hidden = _attribute(tag, b"table:visibility") in (b"collapse", b"filter")
            rows, cols = self.tables[self._name]
            if kind == b"-row":
                if hidden:
                    rows.append((self._row, self._row + repeat - 1))
                self._row += repeat
            else:
                if hidden:
                    cols.append((self._col, self._col + repeat - 1))
                self._col += repeat

    def _start_table(self, tag: bytes) -> None:
        name = _attribute(tag, b"table:name")
        self._name = html.unescape(name.decode("utf-8", "replace")) if name else None
        self._row = self._col = 0
        if self._name is not None:
            self.tables.setdefault(self._name, ([], []))


class _HiddenScan:
    """Gathers hidden rows and columns of an xlsx/xlsm or ods while its members stream by."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self.members: dict[str, _XlsxHidden] = {}
        self.ods: _OdsHidden | None = None

    def member(self, name: str) -> _TagScanner | None:
        if self.fmt == "xlsx" and _is_worksheet(name):
            self.members[name] = _XlsxHidden()
            return self.members[name]
        if self.fmt == "ods" and name == "content.xml":
            self.ods = _OdsHidden()
            return self.ods
        return None

    def by_sheet(self, archive: zipfile.ZipFile) -> HiddenParts:
        if self.ods is not None:
            return self.ods.tables
        found = {m: (h.rows, h.cols) for m, h in self.members.items() if h.rows or h.cols}
        if not found:
            return {}
        return {name: found[member] for name, member in _sheet_members(archive).items()
                if member in found}


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\s[^>]*>")


_RELATION_TAG = re.compile(rb"<(?:\w+:)?Relationship\s[^>]*>")


_RELATION_ID = re.compile(rb'\s(?:[\w.-]+:)?id\s*=\s*"([^"]*)"')


def _sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its worksheet XML member, from xl/workbook.xml and its relationships."""
    targets: dict[bytes, str] = {}
    for tag in _RELATION_TAG.findall(_read_small(archive, "xl/_rels/workbook.xml.rels")):
        rel_id, target = _attribute(tag, b"Id"), _attribute(tag, b"Target")
        if rel_id is None or target is None:
            continue
        path = html.unescape(target.decode("utf-8", "replace"))
        path = path.lstrip("/") if path.startswith("/") else posixpath.join("xl", path)
        targets[rel_id] = posixpath.normpath(path)
    members: dict[str, str] = {}
    for tag in _SHEET_TAG.findall(_read_small(archive, "xl/workbook.xml")):
        name, rel = _attribute(tag, b"name"), _RELATION_ID.search(tag)
        if name is not None and rel is not None and rel.group(1) in targets:
            members[html.unescape(name.decode("utf-8", "replace"))] = targets[rel.group(1)]
    return members


def _with_hidden(sheet: Sheet, hidden: tuple[list[tuple[int, int]],
                                             list[tuple[int, int]]] | None) -> Sheet:
    """The sheet with its hidden ranges, kept within its grid."""
    if not hidden:
        return sheet
    rows, cols = hidden
    height, width = len(sheet.rows), sheet.width
    sheet.hidden_rows = frozenset(i for a, b in rows for i in range(a, min(b, height - 1) + 1))
    sheet.hidden_columns = frozenset(i for a, b in cols for i in range(a, min(b, width - 1) + 1))
    return sheet


def _is_worksheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def _read_small(archive: zipfile.ZipFile, name: str, limit: int = 1 * MB) -> bytes:
    try:
        with archive.open(name) as member:
            return member.read(limit)
    except KeyError:
        return b""
    except Exception as exc:
        raise SpreadsheetError(MSG_CORRUPT) from exc
