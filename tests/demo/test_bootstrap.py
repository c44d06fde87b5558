"""Getting a database and a server process ready."""

from __future__ import annotations

import gc

from sqlalchemy import func, select

from core.catalogue import units
from core.demo import bootstrap
from core.storage.db import figures
from tests.conftest import template_loaded_demo


def test_prepare_loads_demo_data_into_an_empty_database_only_once(databases):
    # The run's demo database is made by `bootstrap.prepare` on a new, empty database
    # (tests/conftest.py), once per run: that first call is this test's, not repeated here.
    assert template_loaded_demo("demo") is True
    engine = databases.new_engine(demo=True)  # a copy of what it made
    assert bootstrap.prepare(engine) is False
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(figures)) > 0


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
