"""Schema creation and migrations, on SQLite and (with ASXH_TEST_POSTGRES_URL) PostgreSQL."""

import ast
import datetime as dt
import random
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.catalogue.units import child_codes, descendant_codes
from core.demo import bootstrap
from core.storage import db, rollups, store
from tests.helpers import database_at_0003

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


def _rollup_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            sa.select(db.rollups).order_by(*db.rollups.primary_key.columns))]


def test_upgrade_to_0004_rolls_up_the_stored_reports(databases):
    first, second = child_codes("524")[:2]
    day1, day2 = dt.date(2024, 1, 1), dt.date(2024, 1, 2)
    engine = database_at_0003(databases, [
        dict(unit_code=first, grp="ncc", report_date=day1, total=10, cashless=1, accounts=None),
        dict(unit_code=second, grp="ncc", report_date=day2, total=20, cashless=2, accounts=5),
    ])
    db.migrate(engine)
    rows = {(r[0], r[1], r[2]): r[3:6] for r in _rollup_rows(engine)}
    # Bình Sơn (524) and Quảng Ngãi (51) report nothing themselves: their communes' sums, on
    # each date one of them reported, for the group and for all groups.
    for unit in ("524", "51"):
        for group in ("ncc", "all"):
            assert rows[unit, group, day1] == (10, None, 1)
            assert rows[unit, group, day2] == (30, 5, 3)
    assert len(rows) == 8


def test_upgrade_to_0004_builds_what_the_application_builds(databases):
    """The migration states the roll-up rules itself (it never imports the application):
    on an upgraded database it writes the very rows core.storage.rollups.rebuild writes."""
    rng = random.Random(4)
    codes = ["45", *descendant_codes("45")[:60], "51", "524", *descendant_codes("524")]
    figures = [dict(unit_code=code, grp=group, report_date=dt.date(2024, 1, day),
                    total=rng.randint(10, 100), cashless=rng.randint(0, 10),
                    accounts=rng.choice([None, 5]), id_verified=rng.choice([None, None, 3]))
               for code in codes for day in range(1, 8) for group in ("ncc", "btxh", "ngheo", "all")
               if rng.random() < 0.25]
    engine = database_at_0003(databases, figures)
    db.migrate(engine)
    migrated = _rollup_rows(engine)
    with engine.begin() as conn:
        rollups.rebuild(conn)
    assert len(migrated) > 20 and {"51", "524"} <= {r[0] for r in migrated}
    assert migrated == _rollup_rows(engine)


def test_migrations_never_import_the_application():
    versions = Path(db.__file__).parent / "migrations" / "versions"
    for path in versions.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in imported if m and m.split(".")[0] in ("core", "ui", "pages")], \
            path.name
