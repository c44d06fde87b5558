"""Where the figures come from, the data version, and the traffic-light rules."""

import datetime as dt

from core.analytics import status
from core.storage import sources
from tests.helpers import put_figures, put_quotas

D = dt.date


def test_sources_name_the_uploads_behind_the_newest_reports(empty_engine):
    with empty_engine.connect() as conn:
        assert sources.data_version(conn) == (0, 0)
        assert sources.date_range(conn) is None
        assert sources.source_uploads(conn, "524", D(2024, 1, 25)) == []
    put_figures(empty_engine, [("21061", "btxh", "2024-01-24", 724, 500, 430)], "ngay24.xlsx")
    put_figures(empty_engine, [("21061", "btxh", "2024-01-25", 724, 504, 436)], "ngay25.xlsx")
    put_quotas(empty_engine, "461", "ncc", (1, 2, 3, 4))
    put_figures(empty_engine, [("51", "all", "2024-01-20", 9000, 900, 800)], "tinh.xlsx")
    with empty_engine.connect() as conn:
        version = sources.data_version(conn)
        assert version[1] == 4
        assert sources.date_range(conn) == (D(2024, 1, 20), D(2024, 1, 25))
        found = sources.source_uploads(conn, "524", D(2024, 1, 25))
        assert [f.file_name for f in found] == ["ngay25.xlsx"]
        assert sources.source_uploads(conn, None, D(2024, 1, 19)) == []  # no province report
        assert sources.source_uploads(conn, "49", D(2024, 1, 25)) == []
        assert [f.file_name for f in sources.source_uploads(conn, None, D(2024, 1, 25))] == [
            "tinh.xlsx"]
        assert sources.districts_with_commune_reports(conn) == ["524"]
        assert sources.units_with_quotas(conn, 2024) == ["45", "461"]
        assert sources.units_with_quotas(conn, 2025) == []
    text = sources.describe(found)
    assert text.startswith("«ngay25.xlsx» (tải lên ") and text.endswith("bởi tester)")
    assert sources.describe([]) == "chưa có tệp nào"
    many = [sources.SourceUpload(f"{i}.xlsx", None, None, "progress") for i in range(4)]
    assert sources.describe(many) == "«0.xlsx»; «1.xlsx» và 2 tệp khác"


def test_upload_times_are_shown_in_vietnam_time():
    moment = dt.datetime(2024, 1, 25, 2, 30)  # UTC, as SQLite hands it back
    item = sources.SourceUpload("a.xlsx", moment, "nv", "progress")
    assert sources.describe([item]) == "«a.xlsx» (tải lên 25/01/2024 09:30 bởi nv)"


def test_rate_lights_and_attainment_status():
    lights = status.RateThresholds(red_below=5, green_from=15)
    assert [lights.light(v) for v in (4.99, 5, 14.9, 15, None)] == [
        "red", "amber", "amber", "green", None]
    assert status.attainment_status(100, 50, 100) == "done"
    assert status.attainment_status(60, 50, 100) == "on_track"
    assert status.attainment_status(25, 50, 100) == "behind"
    assert status.attainment_status(24, 50, 100) == "far_behind"
    assert status.attainment_status(None, 50, 100) == "far_behind"
    assert status.attainment_status(10, 0, 0) is None
