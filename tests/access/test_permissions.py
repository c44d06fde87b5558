import pytest

from core.access.permissions import Account, PermissionDenied, can_view, check_upload, home_unit

ADMIN = Account("admin", "admin", None)
BINH_SON_STAFF = Account("bs", "staff", "524")
QUANG_NGAI_LEADER = Account("qn", "leader", "51")


def test_users_see_their_unit_and_below_only():
    assert can_view(BINH_SON_STAFF, "524")
    assert can_view(BINH_SON_STAFF, "21061")       # Xã Bình Trị, in Bình Sơn
    assert not can_view(BINH_SON_STAFF, "51")      # the province above
    assert not can_view(BINH_SON_STAFF, "525")     # a neighbouring district
    assert not can_view(BINH_SON_STAFF, None)      # the national view
    assert can_view(QUANG_NGAI_LEADER, "21061")
    assert can_view(ADMIN, None) and can_view(ADMIN, "45")


def test_home_unit():
    assert home_unit(ADMIN) is None
    assert home_unit(BINH_SON_STAFF) == "524"


def test_staff_upload_outside_their_district_is_refused_naming_the_units():
    check_upload(BINH_SON_STAFF, ["524", "21061", "21040"])
    with pytest.raises(PermissionDenied, match="Huyện Trà Bồng"):
        check_upload(BINH_SON_STAFF, ["21061", "525"])


def test_leaders_cannot_upload():
    with pytest.raises(PermissionDenied, match="chỉ được xem"):
        check_upload(QUANG_NGAI_LEADER, ["51"])
    check_upload(ADMIN, ["01", "51"])
