"""Schema creation and migrations, on SQLite and (with ASXH_TEST_POSTGRES_URL) PostgreSQL."""

import datetime as dt

import pytest
import sqlalchemy as sa

from core.demo import bootstrap
from core.storage import db, store

pytestmark = pytest.mark.postgres

TABLES = {"units", "figures", "replaced_figures", "quotas", "uploads", "users", "audit_log",
          "settings"}


def test_migrate_creates_every_table(databases):
    engine = databases.new_engine(prepared=False)
    db.migrate(engine)
    assert set(sa.inspect(engine).get_table_names()) >= TABLES
    assert db.current_revision(engine) is not None


def test_prepare_loads_the_catalogue_once(databases):
    engine = databases.new_engine(prepared=False)
    bootstrap.prepare(engine, demo_if_empty=False)
    bootstrap.prepare(engine, demo_if_empty=False)
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(db.units)) == 10810


def test_upgrade_from_the_first_revision_keeps_stored_data(databases):
    engine = databases.new_engine(prepared=False)
    db.migrate(engine, "0001")
    with engine.begin() as conn:
        store.ensure_catalogue(conn)
        upload = store.create_upload(conn, file_name="a.xlsx", sha256="x", kind="progress",
                                     uploaded_by="t")
        conn.execute(db.figures.insert().values(
            unit_code="524", grp="btxh", report_date=dt.date(2024, 1, 25), total=12105,
            cashless=1049, accounts=1200, upload_id=upload))
    db.migrate(engine)  # to head, whatever later revisions add
    with engine.connect() as conn:
        row = conn.execute(sa.select(db.figures)).mappings().one()
    assert (row["total"], row["cashless"], row["accounts"]) == (12105, 1049, 1200)


def test_every_revision_has_a_downgrade_path_back_to_base(databases):
    engine = databases.new_engine(prepared=False)
    db.migrate(engine)
    from alembic import command

    command.downgrade(db.alembic_config(engine), "base")
    assert not (TABLES & set(sa.inspect(engine).get_table_names()))


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_default_database_is_the_sqlite_file_in_data(monkeypatch):
    from core import config

    monkeypatch.delenv(config.DATABASE_URL_ENV, raising=False)
    assert config.database_url().endswith("data/asxh.db")
    monkeypatch.setenv(config.DATABASE_URL_ENV, "postgresql+psycopg://u@h/x")
    assert config.database_url() == "postgresql+psycopg://u@h/x"
