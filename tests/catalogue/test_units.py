from core import vocabulary
from core.catalogue import units


def test_catalogue_has_the_2024_three_levels():
    levels = [u.level for u in units.catalogue()]
    assert levels.count(vocabulary.PROVINCE) == 63
    assert levels.count(vocabulary.DISTRICT) == 696
    assert levels.count(vocabulary.COMMUNE) == 10051


def test_codes_are_zero_padded_per_level():
    catalogue = units.by_code()
    assert catalogue["01"].name == "Thành phố Hà Nội"
    assert catalogue["001"].name == "Quận Ba Đình"
    assert catalogue["00001"].name == "Phường Phúc Xá"
    assert all(len(u.code) == vocabulary.CODE_WIDTH[u.level] for u in units.catalogue())


def test_kind_comes_from_the_name_prefix_not_the_package_field():
    catalogue = units.by_code()
    # The package marks every district "huyện"; the prefix tells the truth.
    assert catalogue["001"].kind == "quan"
    assert catalogue["461"].kind == "thanh_pho"      # Thành phố Đông Hà
    assert catalogue["462"].kind == "thi_xa"         # Thị xã Quảng Trị
    assert catalogue["524"].kind == "huyen"          # Huyện Bình Sơn
    assert catalogue["01"].kind == "thanh_pho_tw"
    assert catalogue["51"].kind == "tinh"


def test_title_case_prefixes_are_normalised():
    bac_kan = [u for u in units.catalogue() if u.short_name == "Bắc Kạn" and u.level == 2]
    assert [u.name for u in bac_kan] == ["Thành phố Bắc Kạn"]


def test_short_names_drop_the_prefix_but_numbered_wards_keep_it():
    catalogue = units.by_code()
    assert catalogue["524"].short_name == "Bình Sơn"
    assert catalogue["00001"].short_name == "Phúc Xá"
    assert any(u.short_name == "Phường 1" for u in units.catalogue())


def test_hierarchy_navigation():
    binh_son = units.child_codes("524")
    assert len(binh_son) == 22
    assert all(units.by_code()[c].parent_code == "524" for c in binh_son)
    quang_tri_communes = units.descendant_codes("45", vocabulary.COMMUNE)
    assert len(quang_tri_communes) == 119
    assert set(units.child_codes("45")) >= {"461", "462", "467"}
    assert len(units.province_codes()) == 63
