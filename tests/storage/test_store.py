"""Writing figures: replace, keep history, re-import harmlessly."""

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from core.storage import db, store
from tests.helpers import put_figures

pytestmark = pytest.mark.postgres

DAY = dt.date(2024, 1, 25)


def _stored(engine):
    with engine.connect() as conn:
        return conn.execute(sa.select(db.figures).order_by(db.figures.c.unit_code)).mappings().all()


def test_new_figures_are_inserted_with_their_upload(empty_engine):
    upload = put_figures(empty_engine, [("21061", "btxh", "2024-01-25", 724, 504, 436)])
    rows = _stored(empty_engine)
    assert [(r["unit_code"], r["total"], r["cashless"], r["upload_id"]) for r in rows] == [
        ("21061", 724, 436, upload)]


def test_same_figures_again_change_nothing(empty_engine):
    put_figures(empty_engine, [("21061", "btxh", "2024-01-25", 724, 504, 436)], "a.xlsx")
    frame = pd.DataFrame([{"unit_code": "21061", "grp": "btxh", "report_date": DAY,
                           "total": 724, "accounts": 504, "cashless": 436}])
    with empty_engine.begin() as conn:
        upload = store.create_upload(conn, file_name="b.xlsx", sha256="b", kind="progress",
                                     uploaded_by="t")
        result = store.write_figures(conn, frame, upload)
    assert result == store.WriteResult(inserted=0, replaced=0, unchanged=1)
    assert len(_stored(empty_engine)) == 1


def test_a_new_report_replaces_and_the_old_one_is_kept(empty_engine):
    first = put_figures(empty_engine, [("21061", "btxh", "2024-01-25", 724, 504, 436)], "a")
    second = put_figures(empty_engine, [("21061", "btxh", "2024-01-25", 724, 510, 440)], "b")
    rows = _stored(empty_engine)
    assert [(r["cashless"], r["upload_id"]) for r in rows] == [(440, second)]
    with empty_engine.connect() as conn:
        kept = conn.execute(sa.select(db.replaced_figures)).mappings().one()
    assert (kept["cashless"], kept["upload_id"], kept["replaced_by"]) == (436, first, second)


def test_duplicate_keys_in_one_write_are_refused(empty_engine):
    frame = pd.DataFrame([{"unit_code": "21061", "grp": "btxh", "report_date": DAY,
                           "total": 1, "cashless": 0}] * 2)
    with pytest.raises(ValueError), empty_engine.begin() as conn:
        store.write_figures(conn, frame, 1)


def test_reads_as_of_a_date_take_each_units_latest_report(empty_engine):
    put_figures(empty_engine, [
        ("21061", "btxh", "2024-01-20", 700, 400, 300),
        ("21061", "btxh", "2024-01-24", 710, 450, 400),
        ("21061", "btxh", "2024-01-26", 724, 504, 436),
        ("21040", "btxh", "2024-01-10", 1100, 500, 429),
    ])
    with empty_engine.connect() as conn:
        frame = store.own_figures_as_of(conn, ["21061", "21040"], DAY)
        assert store.latest_report_date(conn) == dt.date(2024, 1, 26)
        assert store.latest_report_date(conn, ["21040"]) == dt.date(2024, 1, 10)
        assert store.units_with_reports_on(conn, ["21061", "21040"],
                                           dt.date(2024, 1, 24)) == {"21061"}
    got = {r.unit_code: (r.report_date, r.cashless) for r in frame.itertuples()}
    assert got == {"21061": (dt.date(2024, 1, 24), 400), "21040": (dt.date(2024, 1, 10), 429)}
