"""Readings remembered per file shape: confirmed once, applied to the next file of the shape.

A shape is the signature of a file's header texts and the uploading unit
(`core.ingest.reading.shape_signature`). What is kept is what a person set (column meanings,
the file's group, the parent, the one unit of a form, "every sheet"), never a date and
nothing from the file's rows.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core.ingest.reading import Reading
from core.storage.db import saved_readings


@dataclass(frozen=True)
class SavedReading:
    id: int
    signature: str
    unit_code: str | None
    reading: Reading
    file_name: str
    confirmed_by: str
    confirmed_at: dt.datetime


def find(conn: Connection, signature: str) -> SavedReading | None:
    row = conn.execute(sa.select(saved_readings).where(
        saved_readings.c.signature == signature)).mappings().first()
    return _saved(row) if row is not None else None


def save(conn: Connection, signature: str, reading: Reading, *, unit_code: str | None,
         file_name: str, headers: list[tuple[str, str]], username: str,
         at: dt.datetime | None = None) -> None:
    """Keep (or replace) the reading of this shape, in the caller's transaction."""
    values = {"reading": reading.remembered().to_json(), "unit_code": unit_code,
              "file_name": file_name[:255], "confirmed_by": username,
              "headers": json.dumps(headers, ensure_ascii=False),
              "confirmed_at": at or dt.datetime.now(dt.UTC)}
    done = conn.execute(saved_readings.update().where(
        saved_readings.c.signature == signature).values(**values))
    if done.rowcount == 0:
        conn.execute(saved_readings.insert().values(signature=signature, **values))


def forget(conn: Connection, signature: str) -> bool:
    done = conn.execute(saved_readings.delete().where(saved_readings.c.signature == signature))
    return done.rowcount > 0


def listing(conn: Connection) -> pd.DataFrame:
    """Every saved reading, newest first, for the administrator."""
    rows = conn.execute(sa.select(saved_readings).order_by(
        saved_readings.c.confirmed_at.desc())).mappings().all()
    return pd.DataFrame(
        [{"signature": r["signature"], "unit_code": r["unit_code"], "file_name": r["file_name"],
          "confirmed_by": r["confirmed_by"], "confirmed_at": _aware(r["confirmed_at"]),
          "headers": " · ".join(text for _, text in json.loads(r["headers"]) if text),
          "reading": Reading.from_json(r["reading"])} for r in rows],
        columns=["signature", "unit_code", "file_name", "confirmed_by", "confirmed_at",
                 "headers", "reading"])


def _saved(row) -> SavedReading:
    return SavedReading(row["id"], row["signature"], row["unit_code"],
                        Reading.from_json(row["reading"]), row["file_name"],
                        row["confirmed_by"], _aware(row["confirmed_at"]))


def _aware(value: dt.datetime | str) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
