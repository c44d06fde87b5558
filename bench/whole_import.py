"""The import as a user runs it: `python -m core import FILE` in a process of its own, timed
from start to exit (interpreter, imports, schema check, reading, checks, writing, roll-ups),
into an empty database and into the scale's data, each run against the openpyxl read of the
same file measured just before it (bench/run.py's import phase calls this)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def measure(url: str, frame: pd.DataFrame, first_day: dt.date, runs: int,
            openpyxl_read: Callable[[bytes], None]) -> dict:
    """Seconds (medians) of whole-process imports and of the openpyxl reads beside them.

    Into the scale's data, each run imports the next day (the same figures under a later
    date in the title and the name, as a day's file follows the previous one); into an empty
    database, each run gets a database of its own, prepared beforehand (`init-db`)."""
    from bench import files

    folder = Path(tempfile.mkdtemp(prefix="asxh-bench-import-"))
    try:
        days = [first_day + dt.timedelta(days=k) for k in range(runs)]
        paths = []
        for day in days:
            path = folder / f"Bao cao xa ngay {day:%d-%m-%Y}.xlsx"
            path.write_bytes(files.national_commune_file(frame, day))
            paths.append(path)
        empty = _EmptyDatabases(url, folder)
        into_data, into_empty, baseline, libraries = [], [], [], []
        for path in paths:
            baseline.append(_timed(lambda p=path: openpyxl_read(p.read_bytes())))
            target = empty.new()
            into_empty.append(_cli_import(target, path))
            empty.drop(target)
            libraries.append(_libraries_only())
            baseline.append(_timed(lambda p=path: openpyxl_read(p.read_bytes())))
            into_data.append(_cli_import(url, path))
        empty.close()
        return {"process_empty": statistics.median(into_empty),
                "process_data": statistics.median(into_data),
                "process_openpyxl": statistics.median(baseline),
                "process_libraries": statistics.median(libraries)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _timed(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


# What any command of this stack pays before it reads a byte: the interpreter and the
# libraries the import path is written with, leaving at once as `python -m core` does.
LIBRARIES_ONLY = "import os, pandas, sqlalchemy.engine; os._exit(0)"


def _libraries_only() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", LIBRARIES_ONLY], cwd=ROOT, check=True)
    return time.perf_counter() - started


def _env(url: str) -> dict[str, str]:
    return dict(os.environ, ASXH_DATABASE_URL=url, PYTHONPATH=os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))


def _cli_import(url: str, path: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "core", "import", str(path)], cwd=ROOT,
                          env=_env(url), capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"python -m core import {path.name}: lỗi\n{done.stderr[-2000:]}")
    return seconds


class _EmptyDatabases:
    """Fresh prepared databases: SQLite copies of one `init-db` file, or PostgreSQL
    databases made from a prepared template on the bench's server."""

    def __init__(self, url: str, folder: Path) -> None:
        import sqlalchemy as sa

        self.postgres = url.startswith("postgresql")
        self.folder = folder
        if self.postgres:
            self.server = sa.engine.make_url(url)
            self.template = f"asxh_bench_empty_{uuid.uuid4().hex[:8]}"
            self._admin(f'CREATE DATABASE "{self.template}"')
            self._init(self.server.set(database=self.template).render_as_string(
                hide_password=False))
        else:
            self.template_path = folder / "empty.db"
            self._init(f"sqlite:///{self.template_path}")

    def _init(self, url: str) -> None:
        done = subprocess.run([sys.executable, "-m", "core", "init-db"], cwd=ROOT,
                              env=_env(url), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"init-db: lỗi\n{done.stderr[-2000:]}")

    def _admin(self, sql: str) -> None:
        import sqlalchemy as sa

        admin = sa.create_engine(self.server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(sql)
        admin.dispose()

    def new(self) -> str:
        if self.postgres:
            name = f"asxh_bench_run_{uuid.uuid4().hex[:8]}"
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
            return self.server.set(database=name).render_as_string(hide_password=False)
        path = self.folder / f"run-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(self.template_path, path)
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        import sqlalchemy as sa

        if self.postgres:
            name = sa.engine.make_url(url).database
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            Path(sa.engine.make_url(url).database).unlink(missing_ok=True)

    def close(self) -> None:
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
