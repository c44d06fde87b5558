"""Shared fixtures: real databases (SQLite files, or PostgreSQL when asked) with real data.

Set ASXH_TEST_POSTGRES_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to run
the tests marked `postgres` against PostgreSQL: each database the tests need is created fresh
on that server and dropped afterwards. Without it every database is a SQLite file.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.demo import bootstrap
from core.storage import db

POSTGRES_URL = os.environ.get("ASXH_TEST_POSTGRES_URL")


def _new_postgres_database() -> str:
    name = f"asxh_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(
        hide_password=False)


def _drop_postgres_database(url: str) -> None:
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def backend() -> str:
    return "postgresql" if POSTGRES_URL else "sqlite"


class Databases:
    """Hands out fresh, empty databases and cleans them up."""

    def __init__(self, tmp_dir) -> None:
        self.tmp_dir = tmp_dir
        self.urls: list[str] = []
        self.engines: list[Engine] = []

    def new_url(self) -> str:
        if POSTGRES_URL:
            url = _new_postgres_database()
        else:
            url = f"sqlite:///{self.tmp_dir / f'{uuid.uuid4().hex[:8]}.db'}"
        self.urls.append(url)
        return url

    def new_engine(self, prepared: bool = True, demo: bool = False) -> Engine:
        engine = db.make_engine(self.new_url())
        self.engines.append(engine)
        if prepared:
            bootstrap.prepare(engine, demo_if_empty=demo)
        return engine

    def close(self) -> None:
        for engine in self.engines:
            engine.dispose()
        if POSTGRES_URL:
            for url in self.urls:
                _drop_postgres_database(url)


@pytest.fixture(scope="session")
def databases(tmp_path_factory) -> Iterator[Databases]:
    dbs = Databases(tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.close()


@pytest.fixture(autouse=True)
def _release_postgres_connections(request) -> Iterator[None]:
    """After each test on PostgreSQL, close the pooled connections of every engine the test
    may have opened (fresh databases, the app's per-URL engines): the server accepts only
    so many clients, and a whole run touches hundreds of databases. Engines reconnect when
    next used."""
    yield
    if not POSTGRES_URL:
        return
    db.release_connections()
    if "databases" in request.fixturenames:
        for engine in request.getfixturevalue("databases").engines:
            engine.dispose()


@pytest.fixture
def empty_engine(databases: Databases) -> Iterator[Engine]:
    """A migrated database with the unit catalogue and no figures.

    Its pooled connections are closed after the test: a PostgreSQL server accepts only so many
    clients, and a whole run creates hundreds of these databases."""
    engine = databases.new_engine()
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def demo_engine(databases: Databases) -> Engine:
    """One database with the demo data, shared by the read-only tests of a session."""
    return databases.new_engine(demo=True)


@pytest.fixture(scope="session")
def demo_url(demo_engine: Engine) -> str:
    return demo_engine.url.render_as_string(hide_password=False)
