"""The server: Streamlit's ASGI app (`st.App`) running `dashboard.py`, plus the sign-in routes.

Start it like any Streamlit script, `streamlit run app.py` (what `make run` does), or with an
ASGI server, `uvicorn app:app --port 8501`; several such processes may share one PostgreSQL
database (README, "Chạy nhiều tiến trình"). The database is prepared once when the process
starts (migrations, unit catalogue, demo data into an empty database), not at the first page.
"""

import gc
import importlib
import pkgutil
from contextlib import asynccontextmanager

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from streamlit.runtime.pages_manager import PagesManager

import ui
from core.demo import bootstrap
from ui import auth_http, page_locale


def _prepare() -> None:
    bootstrap.prepare(auth_http.engine())
    bootstrap.settle_process()
    # What dashboard.py's st.navigation does at its first run, done before the first request:
    # the legacy pages/ router is off from the start, so a fresh process knows the navigation
    # URLs (/xa-cham) at once instead of showing "Page not found" for them.
    PagesManager.uses_pages_directory = False
    # The pages' modules, imported now rather than by the first visitor, then moved with
    # everything else loaded so far out of the collector's sight: Streamlit collects garbage
    # after every run of a page, and a full collection over pandas, plotly and SQLAlchemy's
    # objects costs as much CPU as drawing a page (issue 16, bench/pages.py).
    for module in pkgutil.iter_modules(ui.__path__):
        importlib.import_module(f"ui.{module.name}")
    gc.freeze()


@asynccontextmanager
async def lifespan(_app):
    await run_in_threadpool(_prepare)
    yield


# The sign-in gate first; the pages it lets through are served in Vietnamese (page_locale).
app = st.App("dashboard.py", routes=auth_http.routes(),
             middleware=[Middleware(auth_http.SignInGate),
                         Middleware(page_locale.VietnameseLocale)],
             lifespan=lifespan)
