"""Every problem the import reports carries the code of the rule that found it, so that no
caller ever has to recognise a problem by its wording."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pandas as pd

from core.ingest import checks
from core.ingest.checks import Context
from tests.ingest.test_checks import BINH_AN, BINH_TRI, DAY, TODAY, figures

INGEST = Path(checks.__file__).parent


def test_every_problem_the_import_builds_names_its_rule():
    """Outside the figure checks (whose problems `checks.run` stamps with the rule's name), each
    `Problem(...)` in core/ingest is written with `rule="..."`."""
    unnamed = []
    for path in sorted(INGEST.glob("*.py")):
        if path.name == "checks.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "Problem"):
                rule = next((k.value for k in node.keywords if k.arg == "rule"), None)
                if not (isinstance(rule, ast.Constant) and isinstance(rule.value, str)
                        and rule.value):
                    unnamed.append(f"{path.name}:{node.lineno}")
    assert unnamed == []


def _bad_report() -> tuple[pd.DataFrame, Context]:
    frame = figures(
        {"total": -5},                                                    # negative
        {"unit_code": BINH_TRI, "row_number": 11, "total": 600, "cashless": 700},
        {"unit_code": BINH_AN, "row_number": 12, "rate_stated": 99.0},   # wrong stated rate
        {"row_number": 13},                                               # Châu Ổ again
        {"unit_code": None, "row_number": 14, "unit_status": "unknown",
         "unit_message": "Không tìm thấy đơn vị “Bình Xa”.", "unit_name": "Bình Xa"},
        {"unit_code": "21091", "row_number": 15, "cashless": None},        # no cashless count
        {"unit_code": "21094", "row_number": 16, "report_date": TODAY + dt.timedelta(days=3)},
    )
    previous = figures({"unit_code": BINH_AN, "report_date": DAY - dt.timedelta(days=1),
                        "total": 600, "cashless": 500})
    return frame, Context(today=TODAY, previous=previous)


def test_each_figure_rule_names_itself_on_what_it_finds():
    frame, ctx = _bad_report()
    found = checks.run(frame, ctx)
    fired = {p.rule for p in found}
    assert fired <= set(checks.BY_NAME)
    assert len(fired) >= 6  # the report breaks most rules at once
    for name in checks.BY_NAME:
        assert {p.rule for p in checks.run(frame, ctx, rules=[name])} <= {name}
