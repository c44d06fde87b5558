"""Every data-quality finding carries the code of the rule that found it."""

from __future__ import annotations

import datetime as dt

import pytest

from core.analytics import quality

pytestmark = pytest.mark.postgres

D = dt.date


def test_each_quality_rule_names_itself_on_what_it_finds(demo_engine):
    # The demo's deliberate findings: Quảng Trị's district against its communes in March,
    # Bình Sơn's falls and jumps from February to April.
    with demo_engine.connect() as conn:
        scopes = [quality.load_scope(conn, "45", D(2024, 3, 1), D(2024, 3, 31)),
                  quality.load_scope(conn, "524", D(2024, 2, 1), D(2024, 4, 30))]
    fired = set()
    for scope in scopes:
        found = quality.run(scope)
        fired |= set(found["rule"])
        for rule in quality.RULES:
            assert set(quality.run(scope, [rule.name])["rule"]) <= {rule.name}
    assert fired <= set(quality.BY_NAME)
    assert len(fired) >= 3
