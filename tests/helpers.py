"""Small builders for stored test data (real rows through the real storage functions)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy.engine import Engine

from core.storage import db, rollups, store


def put_figures(engine: Engine, rows: list[tuple], file_name: str = "test.xlsx",
                uploaded_at: dt.datetime | None = None) -> int:
    """rows: (unit_code, grp, 'YYYY-MM-DD', total, accounts, cashless); returns the upload id.

    uploaded_at: when the upload came in (aware; stored in UTC as the app does), else now."""
    frame = pd.DataFrame(rows, columns=["unit_code", "grp", "report_date", "total", "accounts",
                                        "cashless"])
    frame["report_date"] = [dt.date.fromisoformat(d) for d in frame["report_date"]]
    with engine.begin() as conn:
        upload = store.create_upload(
            conn, file_name=file_name, sha256=file_name, kind="progress", uploaded_by="tester",
            uploaded_at=None if uploaded_at is None else uploaded_at.astimezone(dt.UTC))
        rollups.after_write(conn, store.write_figures(conn, frame, upload))
    return upload


def put_quotas(engine: Engine, unit: str, grp: str, increments: tuple[int, int, int, int],
               year: int = 2024) -> None:
    frame = pd.DataFrame([{"unit_code": unit, "grp": grp, "year": year, "quarter": q + 1,
                           "count": n} for q, n in enumerate(increments)])
    with engine.begin() as conn:
        upload = store.create_upload(conn, file_name="quota.xlsx", sha256="q", kind="quota",
                                     uploaded_by="tester")
        store.write_quotas(conn, frame, upload)


def database_at_0003(databases, figures: list[dict]) -> Engine:
    """A database as revision 0003 left it (no roll-ups yet), with these reports stored."""
    engine = databases.new_engine(prepared=False)
    db.migrate(engine, "0003_quality_explanations")
    with engine.begin() as conn:
        store.ensure_catalogue(conn)
        upload = store.create_upload(conn, file_name="a.xlsx", sha256="x", kind="progress",
                                     uploaded_by="t")
        conn.execute(db.figures.insert(), [{**f, "upload_id": upload} for f in figures])
    return engine
