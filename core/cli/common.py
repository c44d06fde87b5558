"""What several commands share: the database, dates and units given on the command line."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from core import formatting as fmt
from core.catalogue.units import by_code
from core.errors import UserError

if TYPE_CHECKING:  # `python -m core` parses its arguments before SQLAlchemy loads
    from sqlalchemy.engine import Engine


def engine() -> Engine:
    """The configured database, migrated and with its unit catalogue."""
    from core.demo import bootstrap
    from core.storage import db

    engine = db.get_engine()
    bootstrap.prepare(engine, demo_if_empty=False)
    return engine


def date_arg(text: str) -> dt.date:
    try:
        return fmt.parse_date(text)
    except ValueError:
        raise UserError(f"Ngày \"{text}\" không hợp lệ; dùng dạng YYYY-MM-DD "
                        f"(ví dụ 2024-01-25).") from None


def resolve_unit(text: str, level: int | None = None) -> str:
    """An official code or a name the resolver understands -> unit code."""
    from core.catalogue.resolver import get_resolver

    text = text.strip()
    if text in by_code():
        return text
    found = get_resolver().resolve(text, level=level)
    if found.status != "ok" or found.unit is None:
        raise UserError(found.message())
    return found.unit.code


