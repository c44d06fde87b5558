"""No code or English on any screen: every page, for each role, run by AppTest on the demo
data, shows no None / nan / NaT / <NA> in its text, cards, tables or buttons; leaders are not
sent to a page they do not have; a commune's own figures are found."""

from __future__ import annotations

import contextlib
import re

import pytest

from core.access import auth
from core.access.permissions import Account
from core.errors import UserError
from tests import apptest
from tests.apptest import shown, texts
from ui.registry import PAGES

PASSWORD = "mật khẩu kiểm thử màn hình"
ADMIN = Account("mh_quantri", "admin", None)
LEADER = Account("mh_lanhdao", "leader", "49")
COMMUNE_STAFF = Account("mh_binhtri", "staff", "21061")  # Xã Bình Trị, Bình Sơn
DISTRICT_LEADER = Account("mh_lanhdao_huyen", "leader", "502")  # Tam Kỳ, Quảng Nam
ROLES = {"admin": ADMIN, "leader": LEADER, "commune_staff": COMMUNE_STAFF}

# Code leaking onto the screen: Python's and pandas' missing values, English words Streamlit
# or the code might show.
CODE_WORDS = re.compile(r"(?<![\w-])(None|nan|NaN|NaT|<NA>|null|True|False|Upload|Browse "
                        r"files|Drag and drop)(?![\w-])")


@pytest.fixture(scope="module")
def demo(demo_url, demo_engine):
    with demo_engine.begin() as conn:
        for account in (*ROLES.values(), DISTRICT_LEADER):
            with contextlib.suppress(UserError):  # the demo database is shared
                auth.create_user(conn, account.username, PASSWORD, account.role,
                                 account.unit_code)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASXH_DATABASE_URL", demo_url)
        yield


def everything_shown(at) -> list[str]:
    """The page's words: text elements, cards, table cells and headers, buttons, options."""
    found = [texts(at)]
    found += [f"{m.label} {m.value} {m.proto.delta}" for m in at.metric]
    for frame in at.dataframe:
        # The browser's grid writes "None" in any missing cell, whatever a Styler says.
        plain = frame.value
        found += ["None" for v in plain.to_numpy().ravel() if v is None or v != v]
        if frame.proto.arrow_data.styler.display_values:
            for row in shown(frame):
                found += [str(k) for k in row] + [str(v) for v in row.values()]
        else:
            found += [str(c) for c in plain.columns]
            found += [str(v) for v in plain.to_numpy().ravel() if isinstance(v, str)]
    for table in at.table:
        found.append(table.value.to_string() if hasattr(table.value, "to_string")
                     else str(table.value))
    found += [b.label for b in at.button]
    for box in at.selectbox:
        found += [box.label, *map(str, box.options)]
    return found


CASES = [(role, page.key, {}) for role, account in ROLES.items() for page in PAGES
         if account.role in page.roles]
# Dates where quotas are met or not, paces are zero or missing, reports are historical.
CASES += [("admin", "chi_tieu", {"unit": "49", "date": "2024-02-15"}),
          ("admin", "chi_tieu", {"unit": "45", "date": "2024-06-30", "group": "ncc"}),
          ("admin", "xa_cham", {"unit": "49", "date": "2024-01-23"}),
          ("admin", "xu_huong", {"unit": "18748"}),
          ("admin", "chat_luong", {"unit": "70", "date": "2024-02-22"}),
          ("leader", "tong_quan", {"unit": "49", "date": "2023-12-31"}),
          ("leader", "chi_tieu", {"unit": "49", "date": "2024-12-31", "group": "ngheo"})]


@pytest.mark.parametrize(("role", "page", "query"), CASES,
                         ids=[f"{r}-{p}-{'-'.join(q.values())}" for r, p, q in CASES])
def test_no_code_words_on_any_page(demo, role, page, query):
    at = apptest.open_page(page, ROLES[role], **query)
    leaks = [m.group(0) for text in everything_shown(at) for m in CODE_WORDS.finditer(text)]
    assert leaks == [], (page, role, leaks)


@pytest.mark.parametrize("page", ["tong_quan", "chi_tieu", "xa_cham", "xu_huong"])
def test_leaders_are_not_sent_to_the_upload_page(demo, page):
    at = apptest.open_page(page, Account("mh_lanhdao", "leader", "49"), unit="49",
                           date="2023-12-31")
    assert "«Tải lên báo cáo»" not in texts(at)
    at = apptest.open_page(page, LEADER, unit="10")  # Lào Cai: a province report only
    assert "«Tải lên báo cáo»" not in texts(at)


def test_staff_are_sent_to_the_upload_page_when_quotas_are_missing(demo):
    at = apptest.open_page("chi_tieu", ADMIN, unit="10")
    assert "Hãy tải lên Phụ lục 01" in texts(at) and "«Tải lên báo cáo»" in texts(at)


def test_a_commune_user_sees_its_own_figures_on_the_lagging_page(demo):
    at = apptest.open_page("xa_cham", COMMUNE_STAFF, date="2024-01-25")
    assert "Chưa có số liệu cấp xã" not in texts(at)
    assert at.title[0].value == "Xã chậm tiến độ · Xã Bình Trị"


def test_a_commune_is_not_asked_for_a_quota_of_its_own(demo):
    at = apptest.open_page("chi_tieu", COMMUNE_STAFF)
    assert "xã, phường, thị trấn không có chỉ tiêu riêng" in texts(at)
    assert "Hãy tải lên Phụ lục 01" not in texts(at)


def test_a_rank_among_fewer_than_three_is_no_card_on_the_ranking_page(demo):
    at = apptest.open_page("xep_hang", ADMIN, unit="524", level="district", date="2024-01-25")
    labels = [m.label for m in at.metric]
    assert not any(label.startswith("Xếp hạng của") for label in labels)
    assert "Tỷ lệ của Huyện Bình Sơn" in labels
    assert "Mới có 1 đơn vị có số liệu: chưa đủ để xếp hạng." in texts(at)
    at = apptest.open_page("xep_hang", ADMIN, unit="49", date="2024-01-23")
    assert {m.label: m.value for m in at.metric}["Xếp hạng của Tỉnh Quảng Nam"] == "58/63"
