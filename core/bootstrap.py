"""Getting a database ready to use: schema, catalogue, and demo data on a first start."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from core import db, demo, store


def prepare(engine: Engine, *, demo_if_empty: bool = True) -> bool:
    """Migrate, load the unit catalogue, and load the demo data into an empty database.

    Returns True when demo data was loaded by this call.
    """
    db.migrate(engine)
    with engine.begin() as conn:
        store.ensure_catalogue(conn)
        if demo_if_empty and not store.has_figures(conn):
            demo.load_demo(conn)
            return True
    return False
