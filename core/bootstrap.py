"""Getting a database ready to use: schema, catalogue, and demo data on a first start."""

from __future__ import annotations

import gc

from sqlalchemy.engine import Engine

from core import db, demo, store
from core.units import by_code, child_codes


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
