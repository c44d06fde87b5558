"""The reading of a file: what a person set, beside what the detector found.

Modelled on frictionless's Dialect and Detector: a `Reading` holds only what a person (or a
reading saved for this file shape) decided — which sheets and their dates, what a column
means, the group of the whole file, the parent unit, the one unit of a commune's form — and
the detector fills everything that is not set. An empty Reading is "detect everything".

A column's meaning is a `ColumnMeaning`: its role (unit name, unit code, order, group named
on each row, a figure, or ignored) with the figure's field and group, or the unit level.
The CLI writes them as `--map E=cashless:btxh`, `--map B=name`, `--map H=ignored`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field, replace

from core.errors import UserError
from core.text import key

ROLES = ("name", "code", "order", "group", "figure", "ignored")
ROLE_LABELS = {
    "name": "Tên đơn vị",
    "code": "Mã đơn vị",
    "order": "Số thứ tự",
    "group": "Nhóm đối tượng (ghi ở mỗi dòng)",
    "figure": "Số liệu",
    "ignored": "Không dùng",
}
GROUP_CHOICES = ("ncc", "btxh", "ngheo", "all")
LEVEL_WORDS = {"tinh": 1, "huyen": 2, "xa": 3}
ALL_SHEETS = "*"


@dataclass(frozen=True)
class ColumnMeaning:
    """What a column holds. field and group for figures; level (1, 2, 3; 0 not said) for
    unit names and codes."""

    role: str
    field: str | None = None
    group: str | None = None
    level: int | None = None

    def to_json(self) -> dict:
        return {k: v for k, v in (("role", self.role), ("field", self.field),
                                  ("group", self.group), ("level", self.level)) if v is not None}

    @classmethod
    def from_json(cls, data: dict) -> ColumnMeaning:
        return cls(data["role"], data.get("field"), data.get("group"), data.get("level"))


@dataclass(frozen=True)
class Reading:
    """What a person decided about a file; everything else is detected."""

    sheets: tuple[str, ...] | None = None  # sheet names, or (ALL_SHEETS,) for every table
    sheet_dates: dict[str, dt.date] = field(default_factory=dict)
    columns: dict[str, ColumnMeaning] = field(default_factory=dict)  # by column letter
    group: str | None = None  # the group of the whole file
    parent: str | None = None  # the parent unit's code
    unit: str | None = None  # the one unit of a one-unit form (a commune's daily form)

    def is_empty(self) -> bool:
        return (self.sheets is None and not self.sheet_dates and not self.columns
                and self.group is None and self.parent is None and self.unit is None)

    def over(self, base: Reading | None) -> Reading:
        """This reading with what it leaves unset taken from `base` (a saved reading)."""
        if base is None:
            return self
        return Reading(
            sheets=self.sheets if self.sheets is not None else base.sheets,
            sheet_dates={**base.sheet_dates, **self.sheet_dates},
            columns={**base.columns, **self.columns},
            group=self.group or base.group,
            parent=self.parent or base.parent,
            unit=self.unit or base.unit,
        )

    def with_column(self, letter: str, meaning: ColumnMeaning | None) -> Reading:
        columns = dict(self.columns)
        if meaning is None:
            columns.pop(letter, None)
        else:
            columns[letter] = meaning
        return replace(self, columns=columns)

    def remembered(self) -> Reading:
        """What is worth keeping for the next file of this shape: not the sheets' dates nor
        the dated sheets' names (each day's file has its own), only "every sheet"."""
        sheets = self.sheets if self.sheets == (ALL_SHEETS,) else None
        return Reading(sheets=sheets, columns=dict(self.columns), group=self.group,
                       parent=self.parent, unit=self.unit)

    def to_json(self) -> str:
        return json.dumps({
            "sheets": list(self.sheets) if self.sheets is not None else None,
            "sheet_dates": {k: v.isoformat() for k, v in self.sheet_dates.items()},
            "columns": {k: v.to_json() for k, v in sorted(self.columns.items())},
            "group": self.group, "parent": self.parent, "unit": self.unit,
        }, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Reading:
        data = json.loads(text)
        sheets = data.get("sheets")
        return cls(
            sheets=tuple(sheets) if sheets is not None else None,
            sheet_dates={k: dt.date.fromisoformat(v)
                         for k, v in (data.get("sheet_dates") or {}).items()},
            columns={k: ColumnMeaning.from_json(v)
                     for k, v in (data.get("columns") or {}).items()},
            group=data.get("group"), parent=data.get("parent"), unit=data.get("unit"),
        )


# --- the CLI's words ------------------------------------------------------------------------

FIELD_WORDS = {
    "total": "total", "tong": "total", "accounts": "accounts", "tai-khoan": "accounts",
    "cashless": "cashless", "chi-qua-tk": "cashless", "rate": "rate", "ty-le": "rate",
    "proxy_paid": "proxy_paid", "cash_at_home": "cash_at_home", "id_verified": "id_verified",
    "id_pending": "id_pending", "id_problem": "id_problem", "base_total": "base_total",
    "q1": "q1", "q2": "q2", "q3": "q3", "q4": "q4", "year_total": "year_total",
    "year_share_pct": "year_share_pct",
}
ROLE_WORDS = {"name": "name", "ten": "name", "code": "code", "ma": "code", "order": "order",
              "stt": "order", "group": "group", "nhom": "group", "ignored": "ignored",
              "ignore": "ignored", "bo-qua": "ignored"}
MSG_MAP = ("“--map {text}” không hợp lệ: viết CỘT=Ý_NGHĨA[:NHÓM], ví dụ E=cashless:btxh, "
           "B=name, H=ignored. Ý nghĩa: {fields}; hoặc name, code, order, group, ignored. "
           "Nhóm: ncc, btxh, ngheo, all.")


def parse_map(text: str) -> tuple[str, ColumnMeaning]:
    """`E=cashless:btxh` → ("E", figure cashless of btxh); `B=name:xa` → a commune name."""
    letter, sep, meaning = text.partition("=")
    letter = letter.strip().upper()
    word, _, extra = meaning.strip().lower().partition(":")
    fields = ", ".join(sorted({v for v in FIELD_WORDS.values()}))
    if not sep or not letter.isalpha() or len(letter) > 3 or not word:
        raise UserError(MSG_MAP.format(text=text, fields=fields))
    if word in FIELD_WORDS:
        group = extra or None
        if group is not None and group not in GROUP_CHOICES:
            raise UserError(MSG_MAP.format(text=text, fields=fields))
        return letter, ColumnMeaning("figure", FIELD_WORDS[word], group)
    if word in ROLE_WORDS:
        role = ROLE_WORDS[word]
        level = None
        if role in ("name", "code"):
            level = LEVEL_WORDS.get(key(extra).replace(" ", ""), 0) if extra else 0
        return letter, ColumnMeaning(role, level=level)
    raise UserError(MSG_MAP.format(text=text, fields=fields))


# --- the file's shape ------------------------------------------------------------------------


def shape_signature(headers: list[tuple[str, str]], unit_code: str | None) -> str:
    """A file shape: its columns' header texts (folded, digits blurred so "đến 22/01" and
    "đến 23/01" are the same shape) and the unit that uploads it."""
    blurred = [(letter, "".join("#" if c.isdigit() else c for c in key(text)))
               for letter, text in headers if text]
    payload = json.dumps([blurred, unit_code or ""], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()
