"""Units by their 2024 official names as well as later ones.

The catalogue package names units as of January 2025; 2024 reports use 2024 names
("Thừa Thiên Huế", not "Thành phố Huế"). Both are read, written every way offices write
them, and the 2024 name is the one shown.
"""

from __future__ import annotations

import datetime as dt

import pytest

from core.analytics import metrics
from core.catalogue.names import name_on, name_table, readable_names
from core.catalogue.resolver import get_resolver, parse_name
from core.catalogue.units import by_code, catalogue
from core.ingest.apply import apply_import
from core.ingest.plan import plan_import
from core.vocabulary import DISTRICT, PROVINCE
from tests.workbooks import SheetSpec, national_provinces_rows, xlsx

D = dt.date
HUE = "46"


# --- the table ---------------------------------------------------------------------------


def test_thua_thien_hue_has_its_2024_name_until_the_end_of_2024():
    assert name_on(HUE, D(2024, 1, 25)) == "Tỉnh Thừa Thiên Huế"
    assert name_on(HUE, D(2024, 12, 31)) == "Tỉnh Thừa Thiên Huế"
    assert name_on(HUE, D(2025, 1, 1)) == "Thành phố Huế"
    assert by_code()[HUE].name == "Tỉnh Thừa Thiên Huế"
    assert (by_code()[HUE].short_name, by_code()[HUE].kind) == ("Thừa Thiên Huế", "tinh")


@pytest.mark.parametrize(("code", "name_2024", "later"), [
    ("474", "Thành phố Huế", "Quận Thuận Hóa"),        # the city of 2024, a district
    ("311", "Huyện Thuỷ Nguyên", "Thành phố Thuỷ Nguyên"),
    ("682", "Huyện Đạ Tẻh", "Huyện Đạ Huoai"),
    ("00181", "Phường Văn Miếu", "Phường Văn Miếu - Quốc Tử Giám"),
    ("222", "Thị xã Việt Yên", "Thị xã Việt Yên"),     # a town from 01/02/2024
])
def test_units_renamed_since_carry_their_2024_name(code, name_2024, later):
    assert by_code()[code].name == name_2024
    assert name_on(code, D(2025, 1, 4)) == later


def test_every_renamed_unit_has_one_name_on_each_day_of_2024():
    for code, names in name_table().items():
        assert code in by_code(), code
        for day in (D(2024, 1, 1), D(2024, 7, 1), D(2024, 10, 31)):
            held = [n.name for n in names if n.held_on(day)]
            assert len(held) == 1, (code, day, held)
    assert len(name_table()) > 350  # the arrangement of late 2024 renamed hundreds


def test_a_name_of_a_district_merged_away_is_not_read_as_the_one_that_took_it():
    """Huyện Đạ Huoai of 2024 (merged with Đạ Tẻh and Cát Tiên in late 2024 into a district
    that bears its name and Đạ Tẻh's code) is not Đạ Tẻh."""
    found = get_resolver().resolve("Huyện Đạ Huoai", parent="68", level=DISTRICT)
    assert found.status == "unknown"
    assert get_resolver().resolve("Huyện Đạ Tẻh", parent="68", level=DISTRICT).unit.code == "682"


def test_a_later_name_that_was_another_unit_in_2024_is_not_read_as_this_one():
    """Phường Thịnh Quang was a ward of Đống Đa in 2024, merged into Ngã Tư Sở's ward since,
    which now bears its name: a 2024 file's "Thịnh Quang" is not Ngã Tư Sở."""
    assert by_code()["00235"].name == "Phường Ngã Tư Sở"
    assert "Phường Thịnh Quang" not in readable_names("00235")
    found = get_resolver().resolve("Phường Thịnh Quang", parent="006")
    assert found.status == "unknown"


# --- the resolver ------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "Thừa Thiên Huế", "Tỉnh Thừa Thiên Huế", "Thừa Thiên Huế (tỉnh)", "Thừa Thiên Huế - tỉnh",
    "THUA THIEN HUE", "Thua Thien Hue (tinh)", "TT Huế", "TT-Huế", "T.T.Huế", "TTH",
    "T. Thừa Thiên Huế", "Thừa Thiên - Huế", "TP. Huế", "Thành phố Huế", "Huế",
    "THANH PHO HUE", "UBND tỉnh Thừa Thiên Huế",
])
def test_thua_thien_hue_in_every_spelling_in_a_list_of_provinces(text):
    found = get_resolver().resolve(text, level=PROVINCE)
    assert found.ok and found.unit.code == HUE, found.message()


@pytest.mark.parametrize("text", ["Thừa Thiên Huế (tỉnh)", "THUA THIEN HUE", "TT Huế",
                                  "T. Thừa Thiên Huế", "Tỉnh Thừa Thiên Huế"])
def test_thua_thien_hue_without_a_level(text):
    found = get_resolver().resolve(text)
    assert found.ok and found.unit.code == HUE, found.message()


def test_tp_hue_of_a_2024_file_is_the_city_inside_the_province():
    resolver = get_resolver()
    for text in ("TP. Huế", "Thành phố Huế", "Huế"):
        assert resolver.resolve(text, parent=HUE).unit.code == "474"
        assert resolver.resolve(text).unit.code == "474"  # the 2024 name wins
    assert resolver.resolve("Quận Thuận Hóa", parent=HUE).unit.code == "474"


@pytest.mark.parametrize("text", ["Bình Sơn - huyện", "Bình Sơn (huyện)", "Bình Sơn, huyện",
                                  "BINH SON - HUYEN", "H. Bình Sơn", "Huyện Bình Sơn"])
def test_the_level_before_or_after_the_name(text):
    found = get_resolver().resolve(text, parent="51")
    assert found.ok and found.unit.code == "524", found.message()


def test_a_level_after_the_name_chooses_among_same_named_units():
    resolver = get_resolver()
    assert resolver.resolve("Đa Krông (huyện)", parent="45").unit.level == DISTRICT
    assert resolver.resolve("Đa Krông (xã)", parent="45").unit.code == \
        resolver.resolve("Xã Đa Krông", parent="45").unit.code
    assert parse_name("Bà Rịa - Vũng Tàu").kinds is None  # a dash inside a name is no level


@pytest.mark.parametrize(("text", "parent", "code"), [
    ("Huyện Thủy Nguyên", "31", "311"), ("TP Thủy Nguyên", "31", "311"),
    ("Thủy Nguyên", "31", "311"), ("Quận An Dương", "31", "312"), ("Huyện An Dương", "31", "312"),
    ("Huyện Đạ Tẻh", "68", "682"),
    ("Phường Văn Miếu - Quốc Tử Giám", "01", "00181"), ("P. Văn Miếu", "006", "00181"),
    ("Thị xã Việt Yên", "24", "222"), ("Huyện Việt Yên", "24", "222"),
])
def test_districts_and_communes_by_their_2024_and_later_names(text, parent, code):
    found = get_resolver().resolve(text, parent=parent)
    assert found.ok and found.unit.code == code, found.message()


# --- a national file with 2024 names -----------------------------------------------------


def _national_file(spell) -> bytes:
    rows = national_provinces_rows()
    provinces = {u.name: u for u in catalogue() if u.level == PROVINCE}
    for row in rows:
        if row[1] in provinces:
            row[1] = spell(provinces[row[1]])
    return xlsx(SheetSpec("Toan quoc", rows,
                          ("A4:A5", "B4:B5", "C4:E4", "F4:H4", "I4:K4", "L4:L5")))


def _ascii_upper(unit) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFD", unit.short_name).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in plain if not unicodedata.combining(c)).upper()


SPELLINGS = {
    "2024 short names": lambda u: u.short_name,                    # "Thừa Thiên Huế"
    "level after": lambda u: f"{u.short_name} ({'tỉnh' if u.kind == 'tinh' else 'thành phố'})",
    "no diacritics": _ascii_upper,                                 # "THUA THIEN HUE"
    "Huế by its later name": lambda u: "Thành phố Huế" if u.code == HUE else u.name,
    "Huế abbreviated": lambda u: "TT Huế" if u.code == HUE else u.short_name,
}


@pytest.mark.postgres
@pytest.mark.parametrize("spelling", list(SPELLINGS))
def test_a_63_province_file_plans_with_no_unknown_unit(empty_engine, spelling):
    data = _national_file(SPELLINGS[spelling])
    with empty_engine.connect() as conn:
        plan = plan_import(conn, data, "toan_quoc.xlsx", today=D(2024, 12, 31))

    assert plan.kind == "national"
    assert plan.errors == [] and plan.questions == [], (plan.errors, plan.questions)
    assert plan.unit_codes == sorted(u.code for u in catalogue() if u.level == PROVINCE)
    assert plan.row_count == 63 * 3


@pytest.mark.postgres
def test_the_ranking_shows_the_2024_name(empty_engine):
    data = _national_file(lambda u: "TP. Huế" if u.code == HUE else u.short_name)
    with empty_engine.begin() as conn:
        plan = plan_import(conn, data, "toan_quoc.xlsx", today=D(2024, 12, 31))
        apply_import(conn, plan, importer_account())
    with empty_engine.connect() as conn:
        table = metrics.ranking(conn, D(2024, 1, 23)).set_index("code")
    assert len(table) == 63
    assert table.loc[HUE, "name"] == "Tỉnh Thừa Thiên Huế"


def importer_account():
    from core.access.permissions import Account

    return Account("quan_tri", "admin", None)
