"""Paging a projected list: pages of the chosen size, the page kept inside the list whatever
the URL says, turning held at the ends or round when the pages turn by themselves."""

from __future__ import annotations

import pytest

from core.exports import meeting


def test_seventy_communes_in_pages_of_ten():
    p = meeting.paginate(70, 10, 3)
    assert (p.count, p.current, p.start, p.stop) == (7, 3, 20, 30)
    assert p.label == "Trang 3/7"
    assert p.span == "Dòng 21–30 trong 70"


def test_the_last_page_holds_the_rest():
    p = meeting.paginate(18, 10, 2)
    assert (p.count, p.start, p.stop, p.label) == (2, 10, 18, "Trang 2/2")


@pytest.mark.parametrize(("asked", "shown"), [(None, 1), ("0", 1), ("-4", 1), ("99", 7),
                                              ("abc", 1), ("5", 5), (5, 5)])
def test_the_page_asked_for_is_kept_inside_the_list(asked, shown):
    assert meeting.paginate(70, 10, asked).current == shown


def test_turning_pages():
    p = meeting.paginate(70, 10, 7)
    assert p.turned(1) == 7 and p.turned(1, wrap=True) == 1
    first = meeting.paginate(70, 10, 1)
    assert first.turned(-1) == 1 and first.turned(-1, wrap=True) == 7 and first.turned(1) == 2


def test_an_empty_or_short_list_is_one_page():
    assert meeting.paginate(0, 10, 3).label == "Trang 1/1"
    assert meeting.paginate(0, 10, 3).span == "Không có dòng nào"
    assert meeting.paginate(8, 10, None).count == 1


def test_the_default_page_fits_the_first_screen():
    assert 8 <= meeting.ROWS_PER_PAGE <= 12
    assert meeting.ROWS_PER_PAGE in meeting.ROWS_CHOICES
