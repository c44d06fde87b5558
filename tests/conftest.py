"""Shared fixtures: real databases (SQLite files, or PostgreSQL when asked) with real data.

Set ASXH_TEST_POSTGRES_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to run
the tests marked `postgres` against PostgreSQL: each database the tests need is created fresh
on that server and dropped afterwards. Without it every database is a SQLite file.

The suite runs in parallel worker processes (pytest-xdist, `-n` in pyproject.toml). What is
slow to build is built once per run and copied: the migrated database with the unit catalogue,
and the one with the demo data (a minute of work). The first worker that needs one builds it
under a file lock in the run's directory; every database a test gets is a copy of its own (a
file copy on SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL), so tests that write never
see each other. PostgreSQL database names carry the run and the worker.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.demo import bootstrap
from core.storage import db

POSTGRES_URL = os.environ.get("ASXH_TEST_POSTGRES_URL")
RUN_ENV = "ASXH_TEST_RUN"  # one id per run, set by the controller, inherited by the workers
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
# Set: the run's templates are kept at the end, for a later pytest run given the same
# RUN_ENV (`make test` runs the browser tests after the rest, on the demo database built once).
KEEP_ENV = "ASXH_TEST_KEEP_RUN"
# bcrypt at its lowest work factor for the accounts the tests make (hundreds): the same hashing
# and checks, a millisecond a hash instead of a quarter second. Inherited by the servers and
# the command-line runs the tests start. tests/access/test_auth.py checks the default (12).
os.environ.setdefault("ASXH_PASSWORD_COST", "4")


def pytest_configure(config) -> None:
    os.environ.setdefault(RUN_ENV, uuid.uuid4().hex[:8])
    run_dir().mkdir(exist_ok=True)
    if hasattr(config.option, "loadscopereorder"):
        # xdist hands out the groups in collection order (SLOW_FIRST), not by their size.
        config.option.loadscopereorder = False


def pytest_unconfigure(config) -> None:
    """The controller (or a run without workers) removes what the run shared, unless told
    to keep it (KEEP_ENV) for a later pytest run with the same run id."""
    if os.environ.get("PYTEST_XDIST_WORKER") or os.environ.get(KEEP_ENV):
        return
    cleanup_run()


def cleanup_run() -> None:
    """Remove what the run shared, once no build is under way (it takes each template's
    lock) and none can start (CLOSED). The Makefile calls it when its first pytest run,
    which keeps the run's templates for the browser tests, fails."""
    directory = run_dir()
    for name in TEMPLATES:
        with open(directory / f"{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            (directory / CLOSED).touch()
            if POSTGRES_URL:
                _drop_postgres_database(_postgres_url(_template_name(name)))
    shutil.rmtree(directory, ignore_errors=True)


# Fixtures that need the demo database (tests also ask `databases` for copies of it).
DEMO_FIXTURES = {"demo_engine", "demo_url", "server", "upload_server"}


def pytest_collection_finish(session) -> None:
    """In a worker: when the run needs the demo database, one worker starts building it at
    once in a process of its own, so the workers run other tests meanwhile rather than wait
    for it at the first test that needs it."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if not any(DEMO_FIXTURES & set(item.fixturenames) for item in session.items):
        return
    try:
        os.close(os.open(run_dir() / "demo.builder", os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return  # another worker started it
    subprocess.Popen([sys.executable, "-c", "from tests.conftest import _template; "
                      "_template('demo')"], cwd=Path(__file__).parent.parent,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Its errors, if any, show where a test builds the database itself (below, under lock).


# The upload tests share their server (session-scoped per worker; it gets written to), so
# they go to one worker: one server start. The demo server of tests/e2e/conftest.py (read
# only) is started by each worker that runs a test on it, so those tests spread over the
# workers by module.
SHARED_SERVERS = {"upload_server": "e2e-upload-server"}
WIDER_THAN_A_TEST = ("module", "package", "class")


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which reads the groups set here
def pytest_collection_modifyitems(config, items) -> None:
    """How the tests are spread over the workers (`--dist loadgroup`): a test whose fixtures
    live longer than itself but not the whole session (a module's deck drawn by Chromium, its
    pages run once) runs in the worker that runs the rest of its module, so that fixture is
    built once; the browser tests on a shared server go together (SHARED_SERVERS); every other
    test goes to whichever worker is free. Nothing changes when the suite runs in one process."""
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        fixtures = item._fixtureinfo.name2fixturedefs
        group = None
        if any(defs[-1].scope in WIDER_THAN_A_TEST for defs in fixtures.values() if defs):
            group = item.nodeid.split("::", 1)[0]
        for fixture, shared in SHARED_SERVERS.items():
            defs = fixtures.get(fixture)
            if defs and defs[-1].baseid == "tests/e2e":  # the conftest's, not a module's own
                group = shared
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
    _slowest_first(items)


# The slowest tests and groups (measured with --durations=0 under `make test`), slowest
# first: xdist hands out the groups in collection order, so these start first and the run
# does not end on a long one. A test missing here still runs, in its collection place.
SLOW_FIRST = (
    # browser tests (`make test` runs them after the rest)
    "tests/e2e/test_sessions_browser.py",
    "tests/e2e/test_words_browser.py",
    "tests/e2e/test_meeting_browser.py",
    "tests/e2e/test_pages_browser.py",
    "tests/e2e/test_auth_browser.py",
    "tests/e2e/test_quality_browser.py",
    "tests/e2e/test_export_browser.py",
    "tests/e2e/test_upload_browser.py",
    # the rest
    "tests/cli/test_bench.py::test_the_cli_runs_the_benchmark",
    "tests/cli/test_cli.py::test_init_db_and_demo_on_a_fresh_database",
    "tests/access/test_audit.py::test_through_the_importer",
    "tests/access/test_audit.py::test_district_staff_uploading_another_districts",
    "tests/ingest/test_reading.py::test_cli_map_sheet_and_group",
    "tests/storage/test_rollups.py::test_edge_cases_match_the_reference",
    "tests/ingest/test_refusals.py::test_a_sheet_of_a_million_cells",
    "tests/demo/test_dataset.py",
    "tests/cli/test_cli_export.py::test_briefing_deck",
    "tests/cli/test_cli_export.py::test_pdf_of_a_district",
    "tests/storage/test_rollups.py::test_a_correction_and_a_revert",
    "tests/cli/test_cli_import.py::test_missing_file_and_reimport",
    "tests/ingest/test_plan.py::test_national_file_with_every_commune",
)


def _slowest_first(items) -> None:
    """Each group (or lone test) at the place of its slowest member in SLOW_FIRST; the
    order within a group, and of everything else, is the collection's."""
    def group(item) -> str:
        mark = item.get_closest_marker("xdist_group")
        if mark is None:
            return item.nodeid
        return mark.kwargs.get("name", mark.args[0] if mark.args else "default")

    def rank(item) -> int:
        return next((i for i, prefix in enumerate(SLOW_FIRST) if item.nodeid.startswith(prefix)),
                    len(SLOW_FIRST))

    place: dict[str, tuple[int, int]] = {}
    for index, item in enumerate(items):
        key = group(item)
        first = place.get(key, (len(SLOW_FIRST), index))
        place[key] = (min(first[0], rank(item)), first[1])
    position = {id(item): index for index, item in enumerate(items)}
    items.sort(key=lambda item: (place[group(item)], position[id(item)]))


def run_dir() -> Path:
    """A directory shared by the workers of this run (templates and their locks)."""
    return Path(tempfile.gettempdir()) / f"asxh-test-{os.environ[RUN_ENV]}"


def _postgres_url(name: str) -> str:
    return sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(
        hide_password=False)


def _admin_engine() -> Engine:
    return sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)


def _new_postgres_database(template: str | None = None) -> str:
    name = f"asxh_test_{os.environ[RUN_ENV]}_{WORKER}_{uuid.uuid4().hex[:12]}"
    sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
    admin = _admin_engine()
    try:
        for attempt in range(20):
            try:
                with admin.connect() as conn:
                    conn.exec_driver_sql(sql)
                break
            except sa.exc.OperationalError as err:
                # Another worker copying the same template at this instant holds it open.
                if "is being accessed by other users" not in str(err) or attempt == 19:
                    raise
                time.sleep(0.25)
    finally:
        admin.dispose()
    return _postgres_url(name)


def _drop_postgres_database(url: str) -> None:
    name = sa.engine.make_url(url).database
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


# The databases built once per run: name -> whether it holds the demo data.
TEMPLATES = {"prepared": False, "demo": True}
CLOSED = "closed"  # in the run's directory once the run is over: no template is built then


def _template_name(name: str) -> str:
    return f"asxh_test_{os.environ[RUN_ENV]}_template_{name}"


def _template(name: str) -> str:
    """The template database `name` of this run (SQLite: its file path; PostgreSQL: its
    database name), built by whichever process asks first, under a lock the others wait on."""
    directory = run_dir()
    ready = directory / f"{name}.ready"
    with open(directory / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (directory / CLOSED).exists():
            raise RuntimeError(f"the test run {os.environ[RUN_ENV]} is over")
        if not ready.exists():
            if POSTGRES_URL:
                url = _postgres_url(_template_name(name))
                _drop_postgres_database(url)
                admin = _admin_engine()
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'CREATE DATABASE "{_template_name(name)}"')
                admin.dispose()
                target = _template_name(name)
            else:
                target = str(directory / f"{name}.db")
                url = f"sqlite:///{target}"
            engine = db.make_engine(url)
            try:
                loaded = bootstrap.prepare(engine, demo_if_empty=TEMPLATES[name])
            finally:
                engine.dispose()  # SQLite folds its WAL back into the file on the last close
            (directory / f"{name}.loaded").write_text(str(loaded))
            ready.write_text(target)
        return ready.read_text()


def template_loaded_demo(name: str) -> bool:
    """What `bootstrap.prepare` answered when it made the run's template `name` out of a new,
    empty database: True when it loaded the demo data into it."""
    _template(name)
    return (run_dir() / f"{name}.loaded").read_text() == "True"


def _copy_sqlite(source: str, target: Path) -> None:
    """A copy of a template file. Nobody opens a template once it is built, and its builder
    closed every connection (SQLite then folds the WAL back into the file), so a file copy is
    whole; should a WAL still be there, SQLite's backup API copies what it holds too."""
    if not Path(f"{source}-wal").exists():
        shutil.copyfile(source, target)
        return
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


@pytest.fixture(scope="session")
def backend() -> str:
    return "postgresql" if POSTGRES_URL else "sqlite"


class Databases:
    """Hands out fresh databases and cleans them up: empty ones, or copies of the run's
    prepared (migrated, catalogue) and demo databases."""

    def __init__(self, tmp_dir) -> None:
        self.tmp_dir = tmp_dir
        self.urls: list[str] = []
        self.engines: list[Engine] = []

    def new_url(self, template: str | None = None) -> str:
        """A new database: empty, or a copy of the run's template database `template`."""
        source = _template(template) if template else None
        if POSTGRES_URL:
            url = _new_postgres_database(source)
        else:
            path = self.tmp_dir / f"{uuid.uuid4().hex[:8]}.db"
            if source:
                _copy_sqlite(source, path)
            url = f"sqlite:///{path}"
        self.urls.append(url)
        return url

    def new_engine(self, prepared: bool = True, demo: bool = False) -> Engine:
        """prepared: migrated with the unit catalogue; demo: with the demo data loaded too.
        Both are what `bootstrap.prepare` makes, copied from the run's template."""
        template = ("demo" if demo else "prepared") if prepared else None
        engine = db.make_engine(self.new_url(template))
        self.engines.append(engine)
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
