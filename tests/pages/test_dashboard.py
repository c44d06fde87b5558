"""The dashboard starts on the demo data (AppTest runs the real scripts, no browser)."""

import datetime as dt
import time
import uuid
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.access import auth
from core.access.permissions import Account

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app(demo_engine, demo_url, monkeypatch) -> AppTest:
    """The dashboard as a signed-in administrator (a real user, session seeded)."""
    monkeypatch.setenv("ASXH_DATABASE_URL", demo_url)
    name = f"dashboard_{uuid.uuid4().hex[:8]}"
    with demo_engine.begin() as conn:
        auth.create_user(conn, name, "mật khẩu thử nghiệm", "admin", None)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.session_state["account"] = Account(name, "admin", None)
    at.session_state["last_activity"] = time.time()
    at.run()
    assert not at.exception, at.exception
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_home_page_shows_the_demo_data_marked_as_demo(app):
    assert any("Dữ liệu mẫu" in w.value for w in app.warning)
    shown = _metrics(app)
    assert shown["Xếp hạng toàn quốc"].endswith("/63")
    assert "Quảng Nam" in app.title[0].value


def test_home_page_on_23_january_shows_quang_nam_58_of_63(app):
    app.date_input[0].set_value(dt.date(2024, 1, 23)).run()
    shown = _metrics(app)
    assert shown["Xếp hạng toàn quốc"] == "58/63"
    assert shown["Tỷ lệ"] == "4,8%"
    assert shown["Đối tượng đang hưởng"] == "125.000"


def test_a_page_run_waits_for_its_turn_and_gives_it_back(app, monkeypatch):
    import threading

    from ui import turns

    line = turns.Turns(long_after=60)
    monkeypatch.setattr(turns, "_PROCESS_TURNS", line)
    ran = threading.Thread(target=lambda: app.switch_page("pages/xa_cham.py").run())
    with line.turn():  # another page's run holds the turn
        ran.start()
        for _ in range(3000):  # the page's run gets in line behind it
            if line.waiting() == 2:
                break
            threading.Event().wait(0.01)
        assert line.waiting() == 2
        assert ran.is_alive()
    ran.join(60)
    assert not app.exception, app.exception
    assert app.title[0].value.startswith("Xã chậm tiến độ")
    assert line.waiting() == 0  # given back
