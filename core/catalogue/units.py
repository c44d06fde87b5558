"""The 2024 catalogue of administrative units (63 provinces, ~700 districts, ~10,000 communes).

The source is the `vietnam-provinces==0.6.0` package, the last release that still carries the
pre-July-2025 three-level catalogue. Its `division_type` field is wrong for many rows, so the
unit type is taken from the prefix of the official name instead. Its names are those of
January 2025: a unit renamed since 2024 is named (and typed) here by its 2024 name, which
2024 reports use; core.catalogue.names holds both, and the resolver reads both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import vietnam_provinces

from core.catalogue.names import names_of_2024
from core.vocabulary import CODE_WIDTH, COMMUNE, DISTRICT, PROVINCE

# Name prefix -> unit kind, longest prefixes first so "Thành phố" wins over shorter ones.
_PREFIX_KINDS: dict[int, list[tuple[str, str]]] = {
    PROVINCE: [("Thành phố", "thanh_pho_tw"), ("Tỉnh", "tinh")],
    DISTRICT: [("Thành phố", "thanh_pho"), ("Thị xã", "thi_xa"), ("Huyện", "huyen"),
               ("Quận", "quan")],
    COMMUNE: [("Thị trấn", "thi_tran"), ("Phường", "phuong"), ("Xã", "xa")],
}

@dataclass(frozen=True, slots=True)
class Unit:
    """One administrative unit as the catalogue names it."""

    code: str
    name: str          # official full 2024 name, e.g. "Huyện Bình Sơn", "Tỉnh Thừa Thiên Huế"
    short_name: str    # without the type prefix, e.g. "Bình Sơn" ("Phường 1" keeps its prefix)
    kind: str          # one of core.vocabulary.UNIT_KIND_LABELS
    level: int         # PROVINCE, DISTRICT or COMMUNE
    parent_code: str | None
    province_code: str


def format_code(level: int, code: int | str) -> str:
    """Official code as text, zero-padded the way government spreadsheets write it."""
    return str(int(code)).zfill(CODE_WIDTH[level])


def split_kind(level: int, name: str) -> tuple[str, str, str]:
    """Return (kind, canonical full name, short name) from a name such as "Thị trấn Châu Ổ".

    The package writes a few prefixes in title case ("Thành Phố Bắc Kạn"); the canonical
    full name uses the official casing of the prefix.
    """
    for prefix, kind in _PREFIX_KINDS[level]:
        if name.lower().startswith(prefix.lower() + " "):
            rest = name[len(prefix) + 1:].strip()
            # "Phường 1", "Quận 3": a bare number is not a name on its own.
            full = f"{prefix} {rest}"
            return kind, full, (full if rest.isdigit() else rest)
    raise ValueError(f"unknown unit prefix in {name!r}")


@cache
def catalogue() -> tuple[Unit, ...]:
    """All units, provinces first, in the package's order (which follows the official codes).

    Read from the package's JSON once per installation and kept on disk (core.catalogue.
    index_cache, keyed by the JSON and this package's code): 0,04 s instead of 0,1 s in each
    process that needs it, such as every `python -m core import`."""
    from core.catalogue import index_cache

    return index_cache.catalogue_index("units", _read_catalogue)


def _read_catalogue() -> tuple[Unit, ...]:
    with open(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as fh:
        provinces = json.load(fh)
    units: list[Unit] = []
    names = names_of_2024()
    for p in provinces:
        pcode = format_code(PROVINCE, p["code"])
        units.append(_unit(PROVINCE, p["code"], names.get(pcode, p["name"]), None, pcode))
        for d in p["districts"]:
            dcode = format_code(DISTRICT, d["code"])
            units.append(_unit(DISTRICT, d["code"], names.get(dcode, d["name"]), pcode, pcode))
            units.extend(_unit(COMMUNE, w["code"],
                               names.get(format_code(COMMUNE, w["code"]), w["name"]), dcode,
                               pcode) for w in d["wards"])
    units.sort(key=lambda u: u.level)
    return tuple(units)


def _unit(level: int, code: int, name: str, parent: str | None, province: str) -> Unit:
    kind, full, short = split_kind(level, " ".join(name.split()))
    return Unit(format_code(level, code), full, short, kind, level, parent, province)


@cache
def by_code() -> dict[str, Unit]:
    return {u.code: u for u in catalogue()}


@cache
def _children_index() -> dict[str | None, tuple[str, ...]]:
    index: dict[str | None, list[str]] = {}
    for u in catalogue():
        index.setdefault(u.parent_code, []).append(u.code)
    return {k: tuple(v) for k, v in index.items()}


def child_codes(code: str | None) -> tuple[str, ...]:
    """Codes of the direct children of a unit; the province codes when code is None."""
    return _children_index().get(code, ())


def descendant_codes(code: str, level: int | None = None) -> list[str]:
    """Codes below a unit, breadth first; only those of `level` when given."""
    found: list[str] = []
    frontier = [code]
    while frontier:
        frontier = [c for parent in frontier for c in child_codes(parent)]
        found.extend(frontier)
    if level is not None:
        found = [c for c in found if by_code()[c].level == level]
    return found


def province_codes() -> tuple[str, ...]:
    return child_codes(None)
