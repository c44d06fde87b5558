"""The audit trail: recording, filtering, append-only; uploads refused whole and audited."""

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from core.access import audit
from core.access.permissions import Account, PermissionDenied, check_upload
from core.ingest.apply import apply_import
from core.ingest.plan import plan_import
from core.storage import rollups, store
from core.storage.db import audit_log, figures, uploads

pytestmark = pytest.mark.postgres

VN = audit.TIMEZONE
BINH_SON_STAFF = Account("binhson", "staff", "524")    # Huyện Bình Sơn, Quảng Ngãi
QUANG_NGAI_LEADER = Account("lanhdao", "leader", "51")


def _at(day: int, hour: int) -> dt.datetime:
    """A Vietnam local time on January `day`, 2024."""
    return dt.datetime(2024, 1, day, hour, 0, tzinfo=VN)


def test_record_and_read_back_with_local_time_and_detail(empty_engine):
    with empty_engine.begin() as conn:
        audit.record(conn, "quantri", audit.SETTING_CHANGE, "lockout_minutes",
                     {"old": 15, "new": 30, "ghi chú": "Bình Sơn"}, at=_at(25, 8))
    with empty_engine.connect() as conn:
        row = audit.query(conn).iloc[0]
    assert row["at"] == _at(25, 8) and str(row["at"].tzinfo) == "Asia/Ho_Chi_Minh"
    assert (row["username"], row["action"], row["target"], row["ok"]) == (
        "quantri", "setting_change", "lockout_minutes", True)
    assert row["detail"] == {"old": 15, "new": 30, "ghi chú": "Bình Sơn"}


def test_filters_by_user_action_result_and_local_date_range(empty_engine):
    with empty_engine.begin() as conn:
        audit.record(conn, "a", audit.LOGIN, at=_at(24, 23))
        audit.record(conn, "a", audit.LOGIN, ok=False, at=_at(25, 0))  # 24/01 17:00 UTC
        audit.record(conn, "b", audit.UPLOAD, "x.xlsx", at=_at(25, 10))
        audit.record(conn, "b", audit.LOGIN, at=_at(26, 6))
    with empty_engine.connect() as conn:
        def ids(**f):
            return sorted(audit.query(conn, **f)["at"].dt.day.tolist())

        assert ids(username="a") == [24, 25]
        assert ids(action=audit.LOGIN) == [24, 25, 26]
        assert ids(ok=False) == [25]
        assert ids(date_from=dt.date(2024, 1, 25), date_to=dt.date(2024, 1, 25)) == [25, 25]
        assert ids(date_to=dt.date(2024, 1, 24)) == [24]
        assert ids(username="b", date_from=dt.date(2024, 1, 26)) == [26]
        assert audit.usernames(conn) == ["a", "b"]
        newest_first = audit.query(conn)["at"].tolist()
        assert newest_first == sorted(newest_first, reverse=True)


def test_long_values_are_cut_to_fit_not_refused(empty_engine):
    with empty_engine.begin() as conn:
        audit.record(conn, "x" * 200, audit.LOGIN, "t" * 400, ok=False)
    with empty_engine.connect() as conn:
        row = audit.query(conn).iloc[0]
    assert (len(row["username"]), len(row["target"])) == (64, 255)


def test_the_module_offers_no_way_to_change_or_delete_entries():
    public = {name for name in dir(audit) if not name.startswith("_")
              and callable(getattr(audit, name))}
    assert not {n for n in public if any(w in n.lower() for w in
                                         ("update", "delete", "remove", "clear", "edit"))}


@pytest.mark.parametrize("statement", [
    audit_log.update().values(ok=True),
    audit_log.update().values(username="ke_gian"),
    audit_log.delete(),
])
def test_the_database_refuses_to_change_or_delete_entries(empty_engine, statement):
    with empty_engine.begin() as conn:
        audit.record(conn, "a", audit.LOGIN, ok=False)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), empty_engine.begin() as conn:
        conn.execute(statement)
    with empty_engine.connect() as conn:
        row = audit.query(conn).iloc[0]
    assert (row["username"], row["ok"]) == ("a", False)


def test_the_database_refuses_truncate_on_postgresql(empty_engine):
    if empty_engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    with empty_engine.begin() as conn:
        audit.record(conn, "a", audit.LOGIN)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), empty_engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE audit_log")
    with empty_engine.connect() as conn:
        assert audit.count(conn) == 1


# ------------------------------------------------------------ uploads: refused whole, audited

def _report(codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame([{"unit_code": c, "grp": "btxh", "report_date": dt.date(2024, 1, 25),
                          "total": 1000, "accounts": 100, "cashless": 87} for c in codes])


def _import(engine, account: Account, frame: pd.DataFrame, file_name: str) -> None:
    """The import flow the importer follows: one transaction, the permission check before any
    figure is written, the outcome audited (a refusal in a transaction of its own)."""
    try:
        with engine.begin() as conn:
            upload = store.create_upload(conn, file_name=file_name, sha256=file_name,
                                         kind="progress", uploaded_by=account.username)
            check_upload(account, frame["unit_code"].unique())
            written = store.write_figures(conn, frame, upload)
            rollups.after_write(conn, written)
            audit.record(conn, account.username, audit.UPLOAD, file_name,
                         {"upload_id": upload, "inserted": written.inserted})
    except PermissionDenied as err:
        audit.record_refusal(engine, account.username, audit.UPLOAD, file_name,
                             {"error": str(err)})
        raise


def _snapshot(engine) -> tuple[list, list]:
    """Every stored report and upload, row by row, as the database driver returns them (the
    demo's 450.000 reports: SQLAlchemy's per-row processing would triple the test's time)."""
    with engine.connect() as conn:
        return (store.driver_rows(conn, sa.select(figures).order_by(figures.c.id)),
                store.driver_rows(conn, sa.select(uploads).order_by(uploads.c.id)))


def test_district_staff_uploading_another_districts_figures_is_refused_whole(databases):
    engine = databases.new_engine(demo=True)
    before = _snapshot(engine)
    # Bình Sơn's own commune Bình Trị (21061) plus Trà Bồng (525) and Quảng Trị (45).
    with pytest.raises(PermissionDenied, match="Huyện Trà Bồng") as refused:
        _import(engine, BINH_SON_STAFF, _report(["21061", "525", "45"]), "tra_bong.xlsx")
    assert "Tỉnh Quảng Trị" in str(refused.value)
    assert "Xã Bình Trị" not in str(refused.value)
    assert _snapshot(engine) == before  # not even the Bình Trị row, nor the upload record
    with engine.connect() as conn:
        entry = audit.query(conn, action=audit.UPLOAD).iloc[0]
    assert (entry["username"], entry["target"], entry["ok"]) == (
        "binhson", "tra_bong.xlsx", False)
    assert "Huyện Trà Bồng" in entry["detail"]["error"]


def test_district_staff_uploading_their_own_communes_succeeds_and_is_audited(databases):
    engine = databases.new_engine()
    _import(engine, BINH_SON_STAFF, _report(["524", "21061"]), "binh_son.xlsx")
    with engine.connect() as conn:
        stored = conn.scalar(sa.select(sa.func.count()).select_from(figures))
        entry = audit.query(conn, action=audit.UPLOAD).iloc[0]
    assert stored == 2
    assert (entry["username"], entry["ok"], entry["detail"]["inserted"]) == ("binhson", True, 2)


def test_a_leader_cannot_upload_even_for_their_own_unit(databases):
    engine = databases.new_engine()
    with pytest.raises(PermissionDenied, match="chỉ được xem"):
        _import(engine, QUANG_NGAI_LEADER, _report(["51"]), "quang_ngai.xlsx")
    assert _snapshot(engine) == ([], [])
    with engine.connect() as conn:
        entry = audit.query(conn, action=audit.UPLOAD).iloc[0]
    assert (entry["username"], entry["ok"]) == ("lanhdao", False)


def test_through_the_importer_a_neighbouring_districts_staff_cannot_import_binh_son(databases):
    from tests.workbooks import fixture

    engine = databases.new_engine(demo=True)
    data = fixture("binh_son.ods")
    tra_bong_staff = Account("trabong", "staff", "525")
    before = _snapshot(engine)
    with pytest.raises(PermissionDenied, match="Xã Bình Trị") as refused, \
            engine.begin() as conn:
        plan = plan_import(conn, data, "binh_son.ods")
        assert plan.parent_code == "524" and not plan.errors and not plan.questions
        apply_import(conn, plan, tra_bong_staff)
    assert "Huyện Trà Bồng" in str(refused.value)  # whose reach it is, named too
    assert _snapshot(engine) == before
    with engine.connect() as conn:
        entry = audit.query(conn, action=audit.UPLOAD).iloc[0]
    assert (entry["username"], entry["target"], entry["ok"]) == ("trabong", "binh_son.ods",
                                                                 False)

    with engine.begin() as conn:  # the same file by Bình Sơn's own staff goes in
        plan = plan_import(conn, data, "binh_son.ods")
        apply_import(conn, plan, BINH_SON_STAFF)
    assert _snapshot(engine)[1] != before[1]
    with engine.connect() as conn:
        entry = audit.query(conn, action=audit.UPLOAD).iloc[0]
    assert (entry["username"], entry["ok"]) == ("binhson", True)
