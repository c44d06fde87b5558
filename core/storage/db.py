"""Storage: the schema, the engine, and schema migrations.

SQLAlchemy Core keeps one code path for SQLite (the embedded default) and PostgreSQL.
The tables below describe the *current* schema; Alembic migrations in `core/migrations`
are what actually create and change it, so an upgrade never drops stored data.
"""

from __future__ import annotations

import functools
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from core import config
from core.vocabulary import OPTIONAL_FIELDS

if TYPE_CHECKING:  # Alembic (a second to import) is loaded only when the schema must change
    from alembic.config import Config

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

units = sa.Table(
    "units", metadata,
    sa.Column("code", sa.String(5), primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("short_name", sa.String(120), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("level", sa.SmallInteger, nullable=False),
    sa.Column("parent_code", sa.String(5), sa.ForeignKey("units.code"), index=True),
    sa.Column("province_code", sa.String(2), nullable=False, index=True),
)

uploads = sa.Table(
    "uploads", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),  # progress | quota | national | demo
    sa.Column("report_date", sa.Date),
    sa.Column("unit_code", sa.String(5), sa.ForeignKey("units.code")),
    sa.Column("uploaded_by", sa.String(64)),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # applied | reverted
    sa.Column("row_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("summary", sa.Text),
)


def _count_columns() -> list[sa.Column]:
    """total and cashless are always reported; the rest only where a report carries them."""
    return [
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("accounts", sa.Integer),
        sa.Column("cashless", sa.Integer, nullable=False),
        *(sa.Column(f, sa.Integer) for f in OPTIONAL_FIELDS),
    ]


figures = sa.Table(
    "figures", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("unit_code", sa.String(5), sa.ForeignKey("units.code"), nullable=False),
    sa.Column("grp", sa.String(8), nullable=False),
    sa.Column("report_date", sa.Date, nullable=False),
    *_count_columns(),
    sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.id"), nullable=False, index=True),
    sa.UniqueConstraint("unit_code", "grp", "report_date"),
    sa.Index("ix_figures_report_date", "report_date"),
)

# Figures an upload replaced, so that reverting the upload can restore them.
replaced_figures = sa.Table(
    "replaced_figures", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("replaced_by", sa.Integer, sa.ForeignKey("uploads.id"), nullable=False, index=True),
    sa.Column("unit_code", sa.String(5), nullable=False),
    sa.Column("grp", sa.String(8), nullable=False),
    sa.Column("report_date", sa.Date, nullable=False),
    *_count_columns(),
    sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.id"), nullable=False),
)

# Derived from figures by core.storage.rollups, in the same transaction as every change to figures:
# the figures of each district and province without its own report, summed from the units
# below by the rules of core.storage.rollups, per group (incl. "all") on every date they change.
# Clustered on its key (no rowid on SQLite): "as of D" is one seek, a trend one range scan.
rollups = sa.Table(
    "rollups", metadata,
    sa.Column("unit_code", sa.String(5), nullable=False),
    sa.Column("grp", sa.String(8), nullable=False),
    sa.Column("report_date", sa.Date, nullable=False),
    *_count_columns(),
    sa.PrimaryKeyConstraint("unit_code", "grp", "report_date"),
    sqlite_with_rowid=False,
)

quotas = sa.Table(
    "quotas", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("unit_code", sa.String(5), sa.ForeignKey("units.code"), nullable=False),
    sa.Column("grp", sa.String(8), nullable=False),
    sa.Column("year", sa.SmallInteger, nullable=False),
    sa.Column("quarter", sa.SmallInteger, nullable=False),
    sa.Column("count", sa.Integer, nullable=False),  # the quarter's increment, as Phụ lục 01 gives
    sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.id"), nullable=False),
    sa.UniqueConstraint("unit_code", "grp", "year", "quarter"),
    sa.CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),
)

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(128), nullable=False),
    sa.Column("role", sa.String(10), nullable=False),  # admin | leader | staff
    sa.Column("unit_code", sa.String(5), sa.ForeignKey("units.code")),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# A signed-in browser: the cookie carries a random 256-bit token, this row only its SHA-256
# (core.access.sessions). A row stays after it ends (ended_at, end_reason) for the admin's view.
sessions = sa.Table(
    "sessions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("user_agent", sa.String(255)),
    sa.Column("address", sa.String(64)),
    sa.Column("ended_at", sa.DateTime(timezone=True)),
    sa.Column("end_reason", sa.String(20)),
    sa.Index("ix_sessions_ended_at", "ended_at"),
)

# Append-only: migration 0002 adds triggers that make the database refuse UPDATE and DELETE
# (and TRUNCATE on PostgreSQL) on this table; core.access.audit only ever inserts.
audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("username", sa.String(64)),
    sa.Column("action", sa.String(40), nullable=False, index=True),
    sa.Column("target", sa.String(255)),
    sa.Column("detail", sa.Text),
    sa.Column("ok", sa.Boolean, nullable=False, server_default=sa.true()),
)

# A unit's explanation of a data-quality finding (analytics.quality), one per finding; who wrote
# each comment, and every earlier one, is also in the audit log.
quality_explanations = sa.Table(
    "quality_explanations", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("rule", sa.String(40), nullable=False),
    sa.Column("unit_code", sa.String(5), sa.ForeignKey("units.code"), nullable=False),
    sa.Column("report_date", sa.Date, nullable=False),
    sa.Column("grp", sa.String(8), nullable=False),
    sa.Column("field", sa.String(20), nullable=False),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("explained_by", sa.String(64), nullable=False),
    sa.Column("explained_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("rule", "unit_code", "report_date", "grp", "field"),
)

# A file shape's confirmed reading (core.ingest.remembered): the next file of the same shape
# from the same unit is read the same way.
saved_readings = sa.Table(
    "saved_readings", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("signature", sa.String(64), nullable=False, unique=True),
    sa.Column("unit_code", sa.String(5)),
    sa.Column("reading", sa.Text, nullable=False),  # JSON of core.ingest.reading.Reading
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("headers", sa.Text, nullable=False),  # the shape's header texts, for the admin
    sa.Column("confirmed_by", sa.String(64), nullable=False),
    sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
)

settings = sa.Table(
    "settings", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),  # JSON
)


def _tune_sqlite(dbapi_conn, _record) -> None:
    """WAL lets the dashboard read while an upload writes; the busy timeout waits out locks."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str | None = None) -> Engine:
    url = url or config.database_url()
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


_ENGINES: dict[str | None, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def get_engine(url: str | None = None) -> Engine:
    """One engine (and connection pool) per database URL per process."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _ENGINES[url] = make_engine(url)
        return engine


def release_connections() -> None:
    """Close the pooled connections of every engine of this process (a PostgreSQL server
    accepts only so many clients); each engine reconnects when next used."""
    with _ENGINES_LOCK:
        engines = list(_ENGINES.values())
    for engine in engines:
        engine.dispose()


_MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision`; a no-op when it is already there (checked with one
    query when asked for the head, without loading Alembic)."""
    if revision == "head" and head_revision() is not None \
            and current_revision(engine) == head_revision():
        return
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


_REVISION_LINE = re.compile(r"^(down_revision|revision)\s*=\s*(?:'([^']*)'|\"([^\"]*)\"|None)",
                            re.MULTILINE)


@functools.cache
def head_revision() -> str | None:
    """The newest migration's id, read from the migration files as Alembic reads them; None
    unless there is exactly one head (Alembic then decides)."""
    revisions, parents = set(), set()
    for path in (_MIGRATIONS / "versions").glob("*.py"):
        found = {m.group(1): m.group(2) or m.group(3)
                 for m in _REVISION_LINE.finditer(path.read_text(encoding="utf-8"))}
        if "revision" not in found:
            return None
        revisions.add(found["revision"])
        if found.get("down_revision"):
            parents.add(found["down_revision"])
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 else None


def current_revision(engine: Engine) -> str | None:
    """The schema's revision as stored in alembic_version; None for an empty database."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        versions = [r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")]
    return versions[0] if len(versions) == 1 else None
