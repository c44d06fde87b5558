"""The shortcuts taken for speed at national scale answer exactly as the plain ways do.

- A worksheet's extent is searched with a pattern for cells whose position comes first (as
  Excel, LibreOffice and openpyxl write them) and the general pattern otherwise: a stray far
  cell is refused wherever its position attribute sits.
- The latest reports of many units come from the newest day's reports plus seeks for the
  rest (store.BULK_UNITS): the same rows as one seek per unit and group.
- Planning and applying an import pause the cycle collector and restore it.
"""

from __future__ import annotations

import datetime as dt
import gc

import pytest

from core.catalogue.units import descendant_codes
from core.ingest.files import _SheetExtent, read_sheets
from core.ingest.limits import SpreadsheetError
from core.ingest.plan import plan_import
from core.storage import store
from tests.helpers import put_figures
from tests.workbooks import far_cells_xlsx

pytestmark = pytest.mark.postgres

D = dt.date


def _far_cell_workbook(rewrite: bytes) -> bytes:
    """A workbook with a value at XFD1048576 whose cell tag is rewritten as given."""
    return far_cells_xlsx([(1_048_576, 16_384, "x")], b'<c r="XFD1048576"', rewrite)


@pytest.mark.parametrize("tag", [b'<c r="XFD1048576"', b'<c t="s" r="XFD1048576"',
                                 b'<c  s="0"\n r="XFD1048576"'])
def test_a_far_cell_is_refused_wherever_its_position_sits(tag):
    with pytest.raises(SpreadsheetError, match="trải quá rộng"):
        read_sheets(_far_cell_workbook(tag), "bc.xlsx")


def test_extent_counts_cells_as_before():
    extent = _SheetExtent()
    extent.feed(b'<row r="3"><c r="B3" t="n"><v>1</v></c><c s="1" r="AA7"><v>2</v></c>'
                b'<c r="ZZ9" s="2"/><c><v>3</v></c></row><row r="12"><c r="C12"/></row>')
    extent.feed(b"")
    assert (extent.rows, extent.cols, extent.unplaced, extent.max_row_ref) == (7, 27, 1, 12)


def test_latest_reports_of_many_units_are_the_same_rows(empty_engine, monkeypatch):
    communes = descendant_codes("48", 3)
    rows = [(c, g, f"2024-01-{d:02d}", 100, 10 + d, 5 + d)
            for i, c in enumerate(communes) for g in ("ncc", "btxh")[: 1 + i % 2]
            for d in range(1, 6) if (i + d) % 4]  # some skip the newest day
    rows.append((communes[0], "all", "2024-01-02", 300, 30, 20))
    put_figures(empty_engine, rows)
    codes = ["48", *descendant_codes("48")]
    with empty_engine.connect() as conn:
        by_seek = {(day, b): sorted(map(tuple, store.own_latest_rows(conn, codes, day, before=b)))
                   for day in (D(2024, 1, 5), D(2024, 1, 3)) for b in (False, True)}
        monkeypatch.setattr(store, "BULK_UNITS", 1)
        in_bulk = {(day, b): sorted(map(tuple, store.own_latest_rows(conn, codes, day, before=b)))
                   for day in (D(2024, 1, 5), D(2024, 1, 3)) for b in (False, True)}
    assert in_bulk == by_seek


def test_import_restores_the_cycle_collector(empty_engine):
    assert gc.isenabled()
    with empty_engine.connect() as conn:
        plan = plan_import(conn, b"not a workbook", "x.xlsx")
    assert plan.errors and gc.isenabled()
    gc.disable()
    try:
        with empty_engine.connect() as conn:
            plan_import(conn, b"not a workbook", "x.xlsx")
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
