"""Vietnamese text folded for comparison (core.text): the import's matching, the catalogue's
ASCII keys and the exports' file names all take diacritics off here."""

import unicodedata

from core.text import fold, key, slug, strip_marks


def test_folding_makes_spellings_equal():
    decomposed = unicodedata.normalize("NFD", "Thừa Thiên Huế")
    assert key(decomposed) == key("THỪA THIÊN HUẾ") == "thua thien hue"
    assert key("Hoà Vang") == key("Hòa Vang")
    assert key("Tỷ lệ (%)") == "ty le %"
    assert fold("Đắk Lắk") == "dak lak"


def test_marks_stripped_case_kept():
    assert strip_marks("Thị trấn Châu Ổ") == "Thi tran Chau O"
    assert strip_marks("Đắk Lắk") == "Dak Lak"
    assert strip_marks(unicodedata.normalize("NFD", "Hoà")) == "Hoa"


def test_slug_of_a_unit_name():
    assert slug("Thị trấn Châu Ổ, Đắk Lắk") == "thi-tran-chau-o-dak-lak"
    assert slug("Huyện Bình Sơn") == "huyen-binh-son"
