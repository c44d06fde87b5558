"""Getting a database and a server process ready."""

from __future__ import annotations

import gc

from sqlalchemy import func, select

from core.catalogue import units
from core.demo import bootstrap
from core.storage import db
from core.storage.db import figures


def test_prepare_loads_demo_data_into_an_empty_database_only_once(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert bootstrap.prepare(engine) is True
    assert bootstrap.prepare(engine) is False
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(figures)) > 0
    engine.dispose()


def test_settle_process_loads_the_catalogue_and_freezes_it_out_of_the_collectors_sight():
    frozen_before = gc.get_freeze_count()
    try:
        bootstrap.settle_process()
        assert units.by_code.cache_info().currsize == 1
        assert units._children_index.cache_info().currsize == 1
        # Everything alive, the catalogue's ten thousand units included, is frozen.
        assert gc.get_freeze_count() >= frozen_before + len(units.by_code())
    finally:
        gc.unfreeze()
