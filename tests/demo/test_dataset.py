"""The demo data holds the figures stated in the source documents (DOMAIN.md), exactly."""

import datetime as dt

import pandas as pd
import pytest

from core.analytics import metrics
from core.catalogue.units import by_code
from core.demo import dataset as demo

pytestmark = pytest.mark.postgres

D = dt.date


def test_quang_nam_stands_at_4_8_percent_58th_of_63_on_23_january(demo_engine):
    with demo_engine.connect() as conn:
        table = metrics.ranking(conn, D(2024, 1, 23))
    assert metrics.rank_of(table, "49") == (58, 63)
    assert round(table.loc[table["code"] == "49", "rate_pct"].iloc[0], 2) == 4.8


def test_quang_nam_opened_only_30_accounts_from_19_to_23_january(demo_engine):
    with demo_engine.connect() as conn:
        trend = metrics.trend(conn, "49")
    assert metrics.change_over(trend, "accounts", D(2024, 1, 23), 5) == 30


def test_quang_tri_starts_from_the_figures_of_31_december_2023(demo_engine):
    with demo_engine.connect() as conn:
        figs = {g: metrics.figures_as_of(conn, ["45"], D(2023, 12, 31), g).loc["45"]
                for g in ("all", "ncc", "btxh")}
    assert figs["all"]["total"] == 64454
    assert figs["ncc"]["total"] == 16975
    assert figs["btxh"]["total"] == 47479
    assert figs["all"]["accounts"] == 386


def test_quang_tri_quotas_are_those_of_phu_luc_01(demo_engine):
    with demo_engine.connect() as conn:
        q1 = metrics.attainment(conn, "45", D(2024, 2, 1))
        q4 = metrics.attainment(conn, "45", D(2024, 12, 31))
    province = q1[q1["level"] == "self"].set_index("group")
    assert province.loc["ncc", "quota_to_date"] == 530
    assert province.loc["btxh", "quota_to_date"] == 1297
    assert province.loc["ncc", "quota_year"] == 5385
    assert province.loc["btxh", "quota_year"] == 13519
    dong_ha = q1[(q1["code"] == "461") & (q1["group"] == "ncc")].iloc[0]
    assert (dong_ha["quota_to_date"], dong_ha["quota_year"]) == (96, 956)
    assert len(q4[q4["level"] == "child"]) == 9 * 2


@pytest.mark.parametrize(("district", "share"), [
    ("461", 0.50), ("462", 0.50), ("466", 0.30), ("464", 0.30), ("468", 0.30), ("470", 0.30),
    ("469", 0.30), ("467", 0.15), ("465", 0.15)])
def test_year_quota_is_the_stated_share_of_each_districts_total(demo_engine, district, share):
    with demo_engine.connect() as conn:
        table = metrics.attainment(conn, "45", D(2024, 1, 1))
    for row in table[table["code"] == district].itertuples():
        assert round(row.quota_year / row.total, 2) == share


def test_binh_son_pays_1049_of_12105_btxh_on_25_january(demo_engine):
    with demo_engine.connect() as conn:
        figs = metrics.figures_as_of(conn, ["524"], D(2024, 1, 25), "btxh").loc["524"]
        table = metrics.ranking(conn, D(2024, 1, 25), "btxh", parent="524")
    assert (figs["cashless"], figs["total"]) == (1049, 12105)
    assert round(figs["rate_pct"], 2) == 8.67
    rates = {by_code()[c].short_name: round(r, 2) for c, r in zip(table["code"],
                                                                   table["rate_pct"],
                                                                   strict=True)}
    assert rates["Bình Trị"] == 60.22
    assert rates["Châu Ổ"] == 39.0
    assert rates["Bình Thanh"] == 24.36
    assert rates["Bình Long"] == 1.15
    assert rates["Bình Trung"] == 0.77
    assert len(table) == 22


def test_binh_son_lagging_communes_are_the_18_the_district_named(demo_engine):
    named = {"Bình Châu", "Bình Mỹ", "Bình Phước", "Bình An", "Bình Hải", "Bình Tân Phú",
             "Bình Dương", "Bình Khương", "Bình Long", "Bình Trung", "Bình Hòa", "Bình Hiệp",
             "Bình Đông", "Bình Thạnh", "Bình Chương", "Bình Thuận", "Bình Chánh",
             "Bình Nguyên"}
    with demo_engine.connect() as conn:
        table = metrics.lagging(conn, "524", D(2024, 1, 25))
    assert {by_code()[c].short_name for c in table["code"]} == named
    not_started = table[table["reason"] == "not_started"]
    assert {by_code()[c].short_name for c in not_started["code"]} == {
        "Bình Châu", "Bình Mỹ", "Bình Phước", "Bình An"}


def test_districts_are_the_sum_of_their_communes_every_day(demo_engine):
    with demo_engine.connect() as conn:
        for day in (D(2024, 1, 25), D(2024, 6, 30), D(2024, 12, 31)):
            figs = metrics.figures_as_of(conn, ["467"], day)
            from core.catalogue.units import child_codes
            communes = metrics.figures_as_of(conn, list(child_codes("467")), day)
            assert figs.loc["467", "cashless"] == communes["cashless"].sum()


@pytest.fixture(scope="module")
def built() -> pd.DataFrame:
    """One build of the demo figures (seconds of work), read by the tests below."""
    return demo.build_figures()


def test_counts_are_consistent_and_cumulative(built):
    frame = built
    assert (frame["cashless"] <= frame["total"]).all()
    assert (frame["cashless"] <= frame["accounts"]).all()
    assert (frame["accounts"] <= frame["total"]).all()
    falls = frame.sort_values("report_date").groupby(["unit_code", "grp"])["cashless"].diff()
    assert (falls.dropna() >= 0).all()
    assert not frame.duplicated(["unit_code", "grp", "report_date"]).any()


def test_demo_is_deterministic(built):
    pd.testing.assert_frame_equal(demo.build_figures(), built)  # a second build, the same


def test_demo_is_marked_as_demo(demo_engine):
    with demo_engine.connect() as conn:
        assert demo.is_demo_loaded(conn)


def test_quang_nam_opened_30_accounts_however_from_19_january_is_read(demo_engine):
    with demo_engine.connect() as conn:
        trend = metrics.trend(conn, "49").set_index("date")["accounts"]
    assert trend[D(2024, 1, 23)] - trend[D(2024, 1, 19)] == 30
    assert trend[D(2024, 1, 23)] - trend[D(2024, 1, 18)] == 30


def test_quang_nam_has_districts_communes_and_quotas(demo_engine):
    from core.catalogue.units import child_codes, descendant_codes

    with demo_engine.connect() as conn:
        districts = metrics.figures_as_of(conn, list(child_codes("49")), D(2024, 1, 23))
        province = metrics.figures_as_of(conn, ["49"], D(2024, 1, 23)).loc["49"]
        communes = metrics.figures_as_of(conn, list(descendant_codes("49", 3)), D(2024, 1, 23))
        quotas = metrics.attainment(conn, "49", D(2024, 12, 31))
        lagging = metrics.lagging(conn, "49", D(2024, 1, 23))
    assert len(districts) == 17 and len(communes) == len(descendant_codes("49", 3))
    assert districts["cashless"].sum() == province["cashless"] == 6000
    assert communes["cashless"].sum() == 6000
    children = quotas[quotas["level"] == "child"]
    assert len(children) == 17 * 3
    # The story: towns ahead of their quota at the end of the year, mountains behind.
    by_district = children.groupby("code")[["cashless", "quota_year"]].sum()
    attained = by_district["cashless"] / by_district["quota_year"]
    assert attained.min() < 0.85 and attained.max() > 0.95
    assert (lagging["reason"] == "not_started").sum() >= 6


def test_cam_lac_reports_its_922_beneficiaries_by_group(demo_engine):
    with demo_engine.connect() as conn:
        figs = {g: metrics.figures_as_of(conn, ["18748"], D(2024, 1, 12), g).loc["18748"]
                for g in ("all", "ncc", "ngheo", "btxh")}
    assert by_code()["18748"].name == "Xã Cẩm Lạc"
    assert [figs[g]["total"] for g in ("all", "ncc", "ngheo", "btxh")] == [922, 151, 437, 334]


def test_binh_phuoc_province_differs_from_its_districts_until_reconciled(demo_engine):
    from core.analytics import quality

    with demo_engine.connect() as conn:
        before = quality.findings(conn, "70", D(2024, 2, 20), D(2024, 2, 22),
                                  ["province_vs_districts"])
        after = quality.findings(conn, "70", D(2024, 3, 20), D(2024, 3, 22),
                                 ["province_vs_districts"])
    assert set(before["unit_code"]) == {"70"} and not before.empty
    assert after.empty


def test_loading_the_demo_twice_adds_nothing(databases):
    import sqlalchemy as sa

    from core.storage.db import figures, quotas, uploads

    engine = databases.new_engine(demo=True)
    tables = (figures, quotas, uploads)
    with engine.connect() as conn:
        before = [conn.scalar(sa.select(sa.func.count()).select_from(t)) for t in tables]
    with engine.begin() as conn:
        again = demo.load_demo(conn)
    with engine.connect() as conn:
        after = [conn.scalar(sa.select(sa.func.count()).select_from(t)) for t in tables]
    assert again.already_loaded and (again.figures, again.uploads) == (0, 0)
    assert after == before and before[1] > 0
