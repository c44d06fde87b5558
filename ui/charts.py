"""The pages' figure builders: they live in core.exports.charts (pure plotly, no streamlit) so that
the briefing deck and its PDF draw the same charts as the pages; this keeps the import path.

`show` draws a chart with a button under it that downloads it as a PNG image: the very
figure, titled, drawn by the process's one warm renderer (core.exports.render, serialised) only
when the button is clicked, never on a rerun.

`built` makes a figure once per process for the same inputs: plotly checks every property it
is given, and building the figures took a third of a page's CPU, in the one interpreter all
sessions share (bench/pages.py). The figure is shared, so nothing changes it in place (`png`
draws a copy).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st

from core.catalogue.units import by_code
from core.exports import render
from core.exports.charts import *  # noqa: F403
from core.exports.charts import PLOTLY_CONFIG, _date_axis, _reference_line, _short, _style  # noqa: F401
from core.text import slug

PNG_WIDTH, PNG_SCALE = 1280, 1.5  # 1.920 pixels wide: sharp on a slide or a phone
PNG_DEFAULT_HEIGHT = 450


_BUILDERS: dict[str, Callable[..., go.Figure]] = {}


@st.cache_resource(max_entries=512, show_spinner=False)
def _built(builder: str, args: tuple, kwargs: dict) -> go.Figure:
    return _BUILDERS[builder](*args, **kwargs)


def built(builder: Callable[..., go.Figure], *args, **kwargs) -> go.Figure:
    """builder(*args, **kwargs), made once per process for equal arguments (frames compared
    by content); the same figure object is returned each time: never change it."""
    name = f"{builder.__module__}.{builder.__qualname__}"
    _BUILDERS[name] = builder
    return _built(name, args, kwargs)


def png(fig: go.Figure, title: str) -> bytes:
    """The figure as a PNG with its title on top (an image travels without the page)."""
    fig = go.Figure(fig)
    height = int(fig.layout.height or PNG_DEFAULT_HEIGHT) + 60
    top = (fig.layout.margin.t or 30) + 60
    fig.update_layout(title={"text": f"<b>{title}</b>", "x": 0.01, "xanchor": "left",
                             "y": 1, "yanchor": "top", "yref": "container", "pad": {"t": 16},
                             "font": {"size": 20, "color": "#000"}},
                      margin={"t": top}, width=PNG_WIDTH, height=height,
                      paper_bgcolor="white")
    return render.png(fig, PNG_WIDTH, height, scale=PNG_SCALE)


def png_name(what: str, unit: str | None, day: dt.date) -> str:
    """An ASCII file name: bieu-do-xep-hang_tinh-quang-nam_2024-01-23.png."""
    place = slug(by_code()[unit].name) if unit else "ca-nuoc"
    return f"bieu-do-{slug(what)}_{place}_{day.isoformat()}.png"


def show(fig: go.Figure, key: str, file_name: str, title: str, **kwargs) -> None:
    """st.plotly_chart, and a button under it downloading the chart as a PNG image."""
    st.plotly_chart(fig, config=PLOTLY_CONFIG, key=key, **kwargs)
    st.download_button("Tải ảnh biểu đồ (.png)", icon=":material/image:", key=f"{key}_png",
                       data=lambda: png(fig, title), file_name=file_name, mime="image/png",
                       on_click="ignore", type="tertiary",
                       help="Ảnh PNG của biểu đồ này, có tiêu đề, để dán vào văn bản hoặc gửi "
                            "qua Zalo. Tạo khi bấm, mất vài giây.")
