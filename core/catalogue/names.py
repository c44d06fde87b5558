"""Units' official names over time: the names of 2024 and those given since.

The catalogue (vietnam-provinces 0.6.0) holds the names in force on 04/01/2025, after the
2023–2025 arrangement of districts and communes (in force from 01/11/2024 to 01/01/2025)
and after Thừa Thiên Huế became the centrally-run Thành phố Huế (01/01/2025). Reports about
2024 use 2024 names, so this table gives each renamed unit its names with the dates they
held: the earlier names from the package's previous catalogue (0.5.0, data of 07/05/2023),
the later ones from 0.6.0.

Dates are the bounds that are certain: `valid_to` is the last day a name is known to have
been in force, `valid_from` the first; between them the unit changed name. Changes dated
exactly: 938-939/NQ-UBTVQH15 (01/02/2024), 1012-1013/NQ-UBTVQH15 (10/04/2024),
175/2024/QH15 (Thành phố Huế, 01/01/2025); the rest of the arrangement took effect between
01/11/2024 and 01/01/2025. A few kind-only changes of early 2024 (a commune made a ward)
outside those resolutions are dated with the arrangement, so their 2024 name is the earlier
one; both names are read either way.

`readable` is 0 for a later name that in 2024 belonged to another unit of the same parent
(merged away since): "Phường 1" in a 2024 file is that other unit, never this one.

Regenerate with `python -m core.catalogue.names OLD.json NEW.json > core/unit_names.csv`,
OLD and NEW being the nested-divisions.json of vietnam-provinces 0.5.0 and 0.6.0.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from core.vocabulary import CODE_WIDTH, COMMUNE, DISTRICT, PROVINCE

TABLE_PATH = Path(__file__).with_name("unit_names.csv")
# The day whose name is "the 2024 name" shown for 2024 data: mid-year, after the early-2024
# upgrades (Việt Yên, Bến Cát, Gò Công) and before the arrangement of late 2024.
DAY_OF_2024_NAMES = dt.date(2024, 7, 1)



@dataclass(frozen=True, slots=True)
class UnitName:
    """One official name of a unit and the days it is known to have held."""

    code: str
    name: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    readable: bool
    note: str

    def held_on(self, day: dt.date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day <= self.valid_to))


@cache
def name_table() -> dict[str, tuple[UnitName, ...]]:
    """Unit code -> its names, oldest first; only units renamed since 2023 are listed."""
    table: dict[str, list[UnitName]] = {}
    with TABLE_PATH.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            table.setdefault(row["code"], []).append(UnitName(
                row["code"], row["name"], _date(row["valid_from"]), _date(row["valid_to"]),
                row["readable"] == "1", row["note"]))
    return {code: tuple(names) for code, names in table.items()}


def name_on(code: str, day: dt.date) -> str | None:
    """The unit's official name on that day, when the table knows it (else None)."""
    return next((n.name for n in name_table().get(code, ()) if n.held_on(day)), None)


def names_of_2024() -> dict[str, str]:
    """Code -> the 2024 name, for the units named otherwise in the catalogue."""
    return {code: name for code in name_table()
            if (name := name_on(code, DAY_OF_2024_NAMES)) is not None}


def readable_names(code: str) -> tuple[str, ...]:
    """Every name a 2024 file may give this unit (the catalogue's own name aside)."""
    return tuple(n.name for n in name_table().get(code, ()) if n.readable)


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


# --- building the table from two releases of the catalogue ---------------------------------

_ARRANGEMENT = ("2023-2025 arrangement of districts and communes, in force between "
                "01/11/2024 and 01/01/2025")
# Changes whose day is known: codes -> (last day of the earlier name, note).
_DATED: dict[str, tuple[dt.date, str]] = {
    **{code: (dt.date(2024, 1, 31), "938-939/NQ-UBTVQH15, in force 01/02/2024")
       for code in ("222", "07774", "07777", "07783", "07789", "07792", "07795", "07798",
                    "07801", "07807", "15829")},
    **{code: (dt.date(2024, 4, 9), "1012-1013/NQ-UBTVQH15, in force 10/04/2024")
       for code in ("721", "816", "25840", "25843", "28309", "28312", "28315", "28318",
                    "28300")},
    "46": (dt.date(2024, 12, 31), "175/2024/QH15, Thành phố Huế in force 01/01/2025"),
}
_LAST_KNOWN_BEFORE_ARRANGEMENT = dt.date(2024, 10, 31)
_FIRST_KNOWN_AFTER_ARRANGEMENT = dt.date(2025, 1, 1)
_PREFIX = re.compile(r"^(?:Thành phố|Thị xã|Thị trấn|Huyện|Quận|Phường|Xã|Tỉnh)\s+",
                     re.IGNORECASE)
_LEADING_ZEROS = re.compile(r"\b0+(\d)")


def _units(path: str) -> dict[str, tuple[str, str | None]]:
    """Code -> (name, parent code) of a nested-divisions.json."""
    with open(path, encoding="utf-8") as fh:
        provinces = json.load(fh)
    units: dict[str, tuple[str, str | None]] = {}
    for p in provinces:
        pcode = str(p["code"]).zfill(CODE_WIDTH[PROVINCE])
        units[pcode] = (" ".join(p["name"].split()), None)
        for d in p["districts"]:
            dcode = str(d["code"]).zfill(CODE_WIDTH[DISTRICT])
            units[dcode] = (" ".join(d["name"].split()), pcode)
            for w in d["wards"]:
                ccode = str(w["code"]).zfill(CODE_WIDTH[COMMUNE])
                units[ccode] = (" ".join(w["name"].split()), dcode)
    return units


def _plain(name: str) -> str:
    return _LEADING_ZEROS.sub(r"\1", _PREFIX.sub("", name)).casefold()


def build_table(old_path: str, new_path: str) -> Iterator[list[str]]:
    """Rows of unit_names.csv: both names of every unit renamed between the releases."""
    old, new = _units(old_path), _units(new_path)
    names_under: dict[tuple[str | None, str], set[str]] = {}
    for code, (name, parent) in old.items():
        names_under.setdefault((parent, _plain(name)), set()).add(code)
    yield ["code", "name", "valid_from", "valid_to", "readable", "note"]
    for code, (new_name, _) in new.items():
        if code not in old:
            continue
        old_name, old_parent = old[code]
        if _LEADING_ZEROS.sub(r"\1", old_name) == _LEADING_ZEROS.sub(r"\1", new_name):
            continue  # "Phường 03" and "Phường 3" are one name written two ways
        last, note = _DATED.get(code, (None, _ARRANGEMENT))
        first = (last + dt.timedelta(days=1)) if last else _FIRST_KNOWN_AFTER_ARRANGEMENT
        last = last or _LAST_KNOWN_BEFORE_ARRANGEMENT
        others = names_under.get((old_parent, _plain(new_name)), set()) - {code}
        later_note = note
        if others:
            later_note += f"; in 2024 the name of unit {', '.join(sorted(others))}"
        yield [code, old_name, "", last.isoformat(), "1", note]
        yield [code, new_name, first.isoformat(), "", "0" if others else "1", later_note]


if __name__ == "__main__":
    csv.writer(sys.stdout, lineterminator="\n").writerows(build_table(*sys.argv[1:3]))
