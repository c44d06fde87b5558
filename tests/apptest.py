"""Running a page as a signed-in reader with AppTest, and reading what it shows."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pyarrow as pa
from streamlit.testing.v1 import AppTest

from core.access.permissions import Account

ROOT = Path(__file__).resolve().parent.parent
TEXT_ELEMENTS = ("title", "subheader", "info", "caption", "markdown", "warning", "success",
                 "code")


def open_page(page: str, account: Account, timeout: float = 90, **query: str) -> AppTest:
    """Sign in the way ui.access keeps a session, open a page with URL query parameters."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=timeout)
    at.run()  # the sign-in screen: nothing from another page in the session yet
    at.session_state["account"] = account
    at.session_state["last_activity"] = time.time()
    at.switch_page(f"pages/{page}.py")
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def cards(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in TEXT_ELEMENTS for e in getattr(at, kind))


def shown(table) -> list[dict[str, str]]:
    """A dataframe's rows as the browser writes them (the Styler's display text)."""
    data = table.proto.arrow_data.styler.display_values
    return pa.ipc.open_stream(io.BytesIO(data)).read_pandas().to_dict("records")
