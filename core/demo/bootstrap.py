"""Getting a database ready to use: schema, catalogue, and demo data on a first start."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

from sqlalchemy.engine import Engine

from core.catalogue.units import by_code, child_codes
from core.storage import db, store


def prepare(engine: Engine, *, demo_if_empty: bool = True) -> bool:
    """Migrate, load the unit catalogue, and load the demo data into an empty database.

    Returns True when demo data was loaded by this call. Several server processes starting
    together on one PostgreSQL database take turns (an advisory lock), so only the first
    migrates and loads; the others find the work done.
    """
    with _one_at_a_time(engine):
        db.migrate(engine)
        with engine.begin() as conn:
            store.ensure_catalogue(conn)
            if demo_if_empty and not store.has_figures(conn):
                from core.demo import dataset as demo  # numpy-heavy: only when loading it

                demo.load_demo(conn)
                return True
    return False


_LOCK_KEY = 0x41535848  # "ASXH"


@contextlib.contextmanager
def _one_at_a_time(engine: Engine) -> Iterator[None]:
    """A PostgreSQL session-level advisory lock around the preparation (SQLite: nothing; its
    own file lock serialises writers)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.exec_driver_sql(f"SELECT pg_advisory_lock({_LOCK_KEY})")
        conn.commit()
        try:
            yield
        finally:
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_LOCK_KEY})")
            conn.commit()


def settle_process() -> None:
    """Load the unit catalogue and its indexes, then hide everything loaded so far from the
    cycle collector (gc.freeze).

    They live as long as the server process, yet every full collection walked them again:
    one landing inside a page query made it 60 to 90 ms slower at random (bench, province
    scale, cold). Frozen objects are still freed by reference counting if ever released.
    """
    by_code()
    child_codes(None)  # the children index
    gc.freeze()
