"""Unit-name resolution against the real 2024 catalogue.

Codes used below, as the catalogue has them: Quảng Ngãi 51 > Huyện Bình Sơn 524 > Thị trấn
Châu Ổ 21040, Xã Bình Trị 21061, Xã Bình Hòa 21079, Xã Bình Minh 21085; Quảng Trị 45 >
Thành phố Đông Hà 461 (> Phường 1 19333), Thị xã Quảng Trị 462, Huyện Hướng Hóa 465,
Huyện Đa Krông 467; Bà Rịa - Vũng Tàu 77; TP Hồ Chí Minh 79 > Quận 1 760 > Phường Bến Nghé
26740; Hà Nội 01 > Quận Ba Đình 001 > Phường Phúc Xá 00001.
"""

from __future__ import annotations

import unicodedata

import pytest

from core.catalogue.resolver import Resolution, Resolver, get_resolver, name_keys
from core.catalogue.units import catalogue


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return get_resolver()


def code_of(resolution: Resolution) -> str | None:
    return resolution.unit.code if resolution.unit else None


def test_get_resolver_is_shared_and_covers_the_whole_catalogue() -> None:
    assert get_resolver() is get_resolver()
    assert len(get_resolver().units) == len(catalogue()) == 10_810


# --- prefixes and abbreviations ------------------------------------------------------------


@pytest.mark.parametrize(("text", "code"), [
    ("Huyện Bình Sơn", "524"), ("H. Bình Sơn", "524"), ("h.Bình Sơn", "524"),
    ("Thị trấn Châu Ổ", "21040"), ("TT Châu Ổ", "21040"), ("TT. Châu Ổ", "21040"),
    ("tt.châu ổ", "21040"),
    ("Thị xã Quảng Trị", "462"), ("TX Quảng Trị", "462"), ("TX. Quảng Trị", "462"),
    ("Thành phố Đông Hà", "461"), ("TP Đông Hà", "461"), ("TP. Đông Hà", "461"),
    ("Tp.Hồ Chí Minh", "79"), ("Thành phố Hồ Chí Minh", "79"), ("TP.HCM", "79"),
    ("Tỉnh Quảng Ngãi", "51"), ("T. Quảng Ngãi", "51"),
    ("Quận Ba Đình", "001"), ("Q. Ba Đình", "001"),
    ("Phường Bến Nghé", "26740"), ("P. Bến Nghé", "26740"),
])
def test_prefixes_and_abbreviations(resolver: Resolver, text: str, code: str) -> None:
    result = resolver.resolve(text)
    assert (result.status, code_of(result)) == ("ok", code)
    assert not result.approximate


@pytest.mark.parametrize(("text", "code"), [("Xã Bình Minh", "21085"), ("X. Bình Minh", "21085"),
                                            ("xã bình minh", "21085")])
def test_commune_prefix_under_a_parent(resolver: Resolver, text: str, code: str) -> None:
    assert code_of(resolver.resolve(text, parent="524")) == code


def test_prefix_chooses_between_province_and_town(resolver: Resolver) -> None:
    assert code_of(resolver.resolve("Tỉnh Quảng Trị")) == "45"
    assert code_of(resolver.resolve("Thị xã Quảng Trị")) == "462"
    assert code_of(resolver.resolve("TỈNH QUẢNG TRỊ")) == "45"


def test_a_prefix_of_the_wrong_kind_falls_back_to_its_level(resolver: Resolver) -> None:
    # No "Thành phố Quảng Trị" exists; both the province and the town could be meant.
    result = resolver.resolve("Thành phố Quảng Trị")
    assert result.status == "ambiguous"
    assert {u.code for u in result.candidates} == {"45", "462"}


@pytest.mark.parametrize(("text", "level", "code"), [
    ("Huyện Quan Sơn", 2, "387"), ("Quan Sơn", 2, "387"),   # "Quan" is not "Quận"
    ("H Bông", 3, "23968"), ("TT P Rao", 3, "20467"),      # one letter without a dot is a name
    ("Phường Phường Đúc", 3, "19780"), ("Phường Đúc", 3, "19780"),
])
def test_names_that_look_like_prefixes_are_kept(resolver: Resolver, text: str, level: int,
                                               code: str) -> None:
    assert code_of(resolver.resolve(text, level=level)) == code


# --- case, spacing, Unicode form, tone placement -------------------------------------------


@pytest.mark.parametrize("text", [
    "HUYỆN BÌNH SƠN", "UBND HUYỆN BÌNH SƠN", "Ủy ban nhân dân huyện Bình Sơn",
    "  Huyện  Bình   Sơn ", "Huyện\tBình\u00a0Sơn", "\u00a0huyện bình\u00a0\u00a0sơn\t",
    unicodedata.normalize("NFD", "Huyện Bình Sơn"), unicodedata.normalize("NFD", "H. BÌNH SƠN"),
])
def test_case_whitespace_and_unicode_forms(resolver: Resolver, text: str) -> None:
    result = resolver.resolve(text)
    assert code_of(result) == "524"
    assert result.query == text


@pytest.mark.parametrize(("text", "code", "official"), [
    ("Huyện Hướng Hoá", "465", "Huyện Hướng Hóa"),
    ("Tỉnh Hòa Bình", "17", "Tỉnh Hoà Bình"),
    ("Huyện Thanh Thủy", "239", "Huyện Thanh Thuỷ"),
    ("Xã Thuý Sơn", "15070", "Xã Thúy Sơn"),
    ("Xã Nguyễn Uý", "13387", "Xã Nguyễn Úy"),
])
def test_old_and_new_tone_placement(resolver: Resolver, text: str, code: str,
                                    official: str) -> None:
    unit = resolver.resolve(text).unit
    assert unit is not None and (unit.code, unit.name) == (code, official)


def test_tone_placement_under_a_parent(resolver: Resolver) -> None:
    # The catalogue writes "Xã Bình Hòa"; old-style spreadsheets write "Hoà".
    assert code_of(resolver.resolve("Bình Hoà", parent="524")) == "21079"


def test_keys_ignore_tone_placement_but_keep_letters_and_tones() -> None:
    assert name_keys("Khoả")[0] == name_keys("Khỏa")[0] == name_keys("KHOẢ")[0]
    assert name_keys("Hoà")[0] == name_keys(unicodedata.normalize("NFD", "Hòa"))[0]
    assert name_keys("Đông")[0] != name_keys("Dông")[0]
    assert name_keys("Sơn")[0] != name_keys("Son")[0]
    assert name_keys("Tân")[0] != name_keys("Tăn")[0]
    assert name_keys("Bình Trị")[0] != name_keys("Bình Tri")[0]
    assert name_keys("Hoà")[0] != name_keys("Hóa")[0]
    assert name_keys("Đa Krông") == name_keys("Đakrông")


# --- merged syllables, typos and the limits of fuzzy matching ---------------------------------


@pytest.mark.parametrize("hint", [{"parent": "45"}, {"level": 2}])
@pytest.mark.parametrize("text", ["Đakrông", "ĐaKông", "Đa Krông", "ĐAKRÔNG"])
def test_da_krong_spellings(resolver: Resolver, text: str, hint: dict) -> None:
    result = resolver.resolve(text, **hint)
    assert (result.status, code_of(result)) == ("ok", "467")
    assert result.unit is not None and result.unit.parent_code == "45"


def test_near_match_is_flagged_approximate(resolver: Resolver) -> None:
    assert resolver.resolve("ĐaKông", parent="45").approximate
    assert not resolver.resolve("Đakrông", parent="45").approximate


def test_merged_name_alone_is_ambiguous_between_district_and_commune(resolver: Resolver) -> None:
    # Huyện Đa Krông has a Xã Đa Krông; without a hint neither is a safe answer.
    result = resolver.resolve("Đakrông")
    assert result.status == "ambiguous"
    assert [u.level for u in result.candidates] == [2, 3]


def test_missing_tone_mark_is_accepted_when_only_one_unit_is_close(resolver: Resolver) -> None:
    result = resolver.resolve("Bình Tri", parent="524")
    assert (result.status, code_of(result), result.approximate) == ("ok", "21061", True)


def test_missing_tone_mark_nationally_is_a_question_not_a_guess(resolver: Resolver) -> None:
    result = resolver.resolve("Bình Tri")
    assert result.status == "unknown" and result.unit is None
    assert "21061" in {u.code for u in result.candidates}
    assert 0 < len(result.candidates) <= 5
    message = result.message()
    assert message.startswith('Không tìm thấy đơn vị "Bình Tri" trong danh mục. Có phải: ')
    assert "Xã Bình Trị (Huyện Bình Sơn, Tỉnh Quảng Ngãi)" in message
    assert message.endswith("?")


def test_far_off_name_is_unknown_not_a_wrong_unit(resolver: Resolver) -> None:
    result = resolver.resolve("Xyzzy Quặc", parent="524")
    assert (result.status, result.unit) == ("unknown", None)
    assert result.message() == ('Không tìm thấy đơn vị "Xyzzy Quặc" thuộc '
                                "Huyện Bình Sơn (Tỉnh Quảng Ngãi).")


def test_name_close_to_several_units_is_unknown_with_candidates(resolver: Resolver) -> None:
    result = resolver.resolve("Bình Thiện", parent="524")
    assert (result.status, result.unit) == ("unknown", None)
    assert result.candidates and all(u.parent_code == "524" for u in result.candidates)
    assert "Có phải: Xã Bình" in result.message()


def test_foreign_name_is_not_pulled_onto_a_neighbour(resolver: Resolver) -> None:
    assert resolver.resolve("Long An", parent="524", level=3).status == "unknown"


def test_numbers_must_match_exactly(resolver: Resolver) -> None:
    # Đông Hà has Phường 1..5; "Phường 16" is one letter from "Phường 1" but not that ward.
    result = resolver.resolve("Phường 16", parent="461")
    assert (result.status, result.unit) == ("unknown", None)


# --- dashes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Bà Rịa - Vũng Tàu", "Bà Rịa–Vũng Tàu", "Bà Rịa-Vũng Tàu",
                                  "BÀ RỊA VŨNG TÀU", "Tỉnh Bà Rịa — Vũng Tàu", "BRVT"])
def test_dashes_and_spacing(resolver: Resolver, text: str) -> None:
    assert code_of(resolver.resolve(text)) == "77"


# --- disambiguation -------------------------------------------------------------------------


def test_binh_minh_is_ambiguous_nationally(resolver: Resolver) -> None:
    result = resolver.resolve("Bình Minh", level=3)
    assert result.status == "ambiguous" and result.unit is None
    assert result.match_count == 13
    assert len(result.candidates) == 5
    assert all(u.short_name == "Bình Minh" and u.level == 3 for u in result.candidates)
    message = result.message()
    assert message.startswith('Tên "Bình Minh" khớp với 13 đơn vị: ')
    assert "(Huyện Thanh Oai, Thành phố Hà Nội)" in message
    assert "và 8 đơn vị khác" in message
    assert message.endswith("Hãy ghi rõ huyện/tỉnh hoặc dùng mã đơn vị.")


@pytest.mark.parametrize("parent", ["524", "51"])
def test_binh_minh_under_its_district_or_province(resolver: Resolver, parent: str) -> None:
    result = resolver.resolve("Bình Minh", parent=parent)
    assert (result.status, code_of(result)) == ("ok", "21085")
    assert result.message() == ('Đã nhận diện "Bình Minh": '
                                "Xã Bình Minh (Huyện Bình Sơn, Tỉnh Quảng Ngãi)")


def test_quang_tri_bare_name_is_ambiguous(resolver: Resolver) -> None:
    result = resolver.resolve("Quảng Trị")
    assert result.status == "ambiguous"
    assert [u.code for u in result.candidates][:2] == ["45", "462"]   # province first


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"level": 1}, "45"), ({"level": 2}, "462"), ({"parent": "45"}, "462"),
])
def test_quang_tri_with_a_level_or_parent(resolver: Resolver, kwargs: dict, code: str) -> None:
    assert code_of(resolver.resolve("Quảng Trị", **kwargs)) == code


def test_parent_excludes_units_elsewhere(resolver: Resolver) -> None:
    assert resolver.resolve("Châu Ổ", parent="45").status == "unknown"
    assert resolver.resolve("Hướng Hóa", parent="51").status == "unknown"
    assert code_of(resolver.resolve("Hướng Hóa", parent="45")) == "465"


def test_level_excludes_other_levels(resolver: Resolver) -> None:
    assert resolver.resolve("Bình Sơn", level=1).status == "unknown"
    assert code_of(resolver.resolve("Bình Sơn", level=2)) == "524"


def test_text_without_diacritics(resolver: Resolver) -> None:
    assert code_of(resolver.resolve("Binh Son", level=2)) == "524"
    assert code_of(resolver.resolve("Huyen Binh Son")) == "524"
    # Correct names that need no diacritics match exactly first.
    assert code_of(resolver.resolve("Long An", level=1)) == "80"


# --- numbered wards --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Phường 1", "P1", "P.1", "P. 1", "p 1", "Phường 01",
                                  "PHƯỜNG 01"])
def test_numbered_ward_under_its_city(resolver: Resolver, text: str) -> None:
    result = resolver.resolve(text, parent="461")
    assert (result.status, code_of(result)) == ("ok", "19333")


def test_numbered_ward_needs_a_parent(resolver: Resolver) -> None:
    result = resolver.resolve("Phường 1")
    assert result.status == "ambiguous" and result.match_count > 5


@pytest.mark.parametrize("text", ["Quận 1", "Q1", "Q.1", "Quận 01"])
def test_numbered_district(resolver: Resolver, text: str) -> None:
    assert code_of(resolver.resolve(text, parent="79")) == "760"


# --- codes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "kwargs", "code"), [
    ("51", {}, "51"), ("524", {}, "524"), ("21085", {}, "21085"), ("00001", {}, "00001"),
    ("01", {}, "01"), ("1", {"level": 1}, "01"), ("1", {"level": 3}, "00001"),
    ("524", {"level": 2}, "524"), (" 21085 ", {"parent": "524"}, "21085"),
    ("21085.0", {}, "21085"),
])
def test_text_that_is_a_code(resolver: Resolver, text: str, kwargs: dict, code: str) -> None:
    assert code_of(resolver.resolve(text, **kwargs)) == code


def test_code_outside_the_parent_is_unknown_but_suggested(resolver: Resolver) -> None:
    result = resolver.resolve("21085", parent="45")
    assert (result.status, result.unit) == ("unknown", None)
    assert [u.code for u in result.candidates] == ["21085"]


def test_bare_number_under_a_parent_is_a_numbered_ward(resolver: Resolver) -> None:
    # Code 00001 is in Hà Nội, so under Đông Hà "1" can only be its Phường 1.
    assert code_of(resolver.resolve("1", parent="461", level=3)) == "19333"


def test_unknown_code(resolver: Resolver) -> None:
    assert resolver.resolve("99").status == "unknown"


@pytest.mark.parametrize(("code", "level", "expected"), [
    ("51", None, "51"), (51, None, "51"), ("1", 1, "01"), (1, 1, "01"), ("001", None, "001"),
    ("524", 2, "524"), (21085, 3, "21085"), ("21085.0", None, "21085"),
    ("1", None, None), ("0524", 2, None), ("Bình Sơn", None, None), ("99", None, None),
    ("51", 3, None),
])
def test_resolve_code(resolver: Resolver, code: str | int, level: int | None,
                      expected: str | None) -> None:
    unit = resolver.resolve_code(code, level)
    assert (unit.code if unit else None) == expected
    if unit is not None and level is not None:
        assert unit.level == level


# --- messages and errors ---------------------------------------------------------------------


def test_ok_message_for_each_level(resolver: Resolver) -> None:
    assert resolver.resolve("TP Đông Hà").message() == (
        'Đã nhận diện "TP Đông Hà": Thành phố Đông Hà (Tỉnh Quảng Trị)')
    assert resolver.resolve("Tp.Hồ Chí Minh").message() == (
        'Đã nhận diện "Tp.Hồ Chí Minh": Thành phố Hồ Chí Minh')
    assert resolver.resolve("TT Châu Ổ").message() == (
        'Đã nhận diện "TT Châu Ổ": Thị trấn Châu Ổ (Huyện Bình Sơn, Tỉnh Quảng Ngãi)')


@pytest.mark.parametrize("text", ["", "   ", "\u00a0\t"])
def test_blank_text(resolver: Resolver, text: str) -> None:
    result = resolver.resolve(text)
    assert (result.status, result.unit, result.candidates) == ("unknown", None, ())
    assert result.message() == "Tên đơn vị đang để trống."


def test_unknown_parent_and_level_are_errors(resolver: Resolver) -> None:
    with pytest.raises(ValueError, match="không có trong danh mục"):
        resolver.resolve("Bình Minh", parent="999")
    with pytest.raises(ValueError, match="Cấp đơn vị không hợp lệ"):
        resolver.resolve("Bình Minh", level=4)


def test_resolver_over_a_subset_of_units() -> None:
    quang_ngai = [u for u in catalogue() if u.province_code == "51"]
    subset = Resolver(quang_ngai)
    assert code_of(subset.resolve("Bình Minh", level=3)) == "21085"
    assert subset.resolve("Quảng Trị").status == "unknown"
    assert subset.describe(subset.resolve("Châu Ổ").unit) == (
        "Thị trấn Châu Ổ (Huyện Bình Sơn, Tỉnh Quảng Ngãi)")


# --- common parent ---------------------------------------------------------------------------


def names_under(code: str) -> list[str]:
    return [u.name for u in catalogue() if u.parent_code == code]


def test_common_parent_of_a_district_commune_list(resolver: Resolver) -> None:
    names = names_under("524")
    assert len(names) == 22
    parent = resolver.common_parent(names, 3)
    assert parent is not None and parent.code == "524"


def test_common_parent_tolerates_spelling_and_a_few_bad_names(resolver: Resolver) -> None:
    names = ["TT. CHÂU Ổ", "Bình Trị", "X. Bình Minh", "Bình Hoà", "Bình Thạnh", "Bình Chánh",
             "Bình Chánhh", "Không có xã này"]
    parent = resolver.common_parent(names, 3)
    assert parent is not None and parent.code == "524"


def test_common_parent_of_districts_is_the_province(resolver: Resolver) -> None:
    parent = resolver.common_parent(["TP Đông Hà", "TX Quảng Trị", "Hướng Hoá", "ĐaKông"], 2)
    assert parent is not None and parent.code == "45"


@pytest.mark.parametrize("names", [
    ["Bình Minh", "Bình Trị"],               # Thăng Bình (513) has both too
    ["Phường 1", "Phường 2"],                # dozens of cities number their wards
    ["Bình Minh"],
    ["Xyz", "Abc", "Châu Ổ"],                # too few names found to trust
    names_under("524")[:10] + names_under("461"),  # two districts mixed
    [],
])
def test_common_parent_is_none_when_not_unique(resolver: Resolver, names: list[str]) -> None:
    assert resolver.common_parent(names, 3) is None


def test_common_parent_of_provinces_is_none(resolver: Resolver) -> None:
    assert resolver.common_parent(["Quảng Ngãi", "Quảng Trị"], 1) is None
