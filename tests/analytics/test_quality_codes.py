"""Every data-quality finding carries the code of the rule that found it."""

from __future__ import annotations

import datetime as dt

import pytest

from core.analytics import quality

pytestmark = pytest.mark.postgres


def test_each_quality_rule_names_itself_on_what_it_finds(demo_engine):
    with demo_engine.connect() as conn:
        scope = quality.load_scope(conn, "45", dt.date(2024, 1, 1), dt.date(2024, 4, 30))
    found = quality.run(scope)
    assert set(found["rule"]) <= set(quality.BY_NAME)
    assert len(set(found["rule"])) >= 3  # the demo's deliberate findings
    for rule in quality.RULES:
        assert set(quality.run(scope, [rule.name])["rule"]) <= {rule.name}
