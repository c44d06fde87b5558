"""Sortable tables that write numbers the Vietnamese way whatever the browser's locale.

st.dataframe formats numbers by the browser's locale ("localized") or printf ("%,d" gives
1,049), neither of which guarantees 1.049. A pandas Styler carries display text made by
core.formatting (1.049, 8,67%, 25/01/2024) while the cells keep their numbers, so clicking a
header still sorts 1.049 above 987. Styler colours give the traffic lights.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from core import formatting as fmt


@dataclass(frozen=True)
class Col:
    """One shown column: source field, Vietnamese header, and how to write its values.

    kind: text | count | pct | signed | rank_change | pace | date
    """

    field: str
    label: str
    kind: str = "text"
    help: str | None = None
    width: str | int | None = None


def _rank_change(value) -> str:
    if value is None or pd.isna(value):
        return "–"
    value = int(value)
    return f"▲ {value}" if value > 0 else f"▼ {-value}" if value < 0 else "="


FORMATTERS: dict[str, Callable] = {
    "count": fmt.number,
    "pct": fmt.percent,
    "signed": fmt.signed,
    "rank_change": _rank_change,
    "pace": lambda v: fmt.number(v, 1),
    "date": fmt.date,
    "text": lambda v: "–" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v),
}


# st.dataframe writes "None" in a missing cell whatever the Styler says, so no cell is left
# missing: a missing number becomes MISSING_NUMBER (sorted below every real value, written
# "–" by the formatters), a missing text becomes "–".
MISSING_NUMBER = float("-inf")
MISSING_DATE = pd.Timestamp("1900-01-01")
NUMERIC_KINDS = ("count", "pct", "signed", "rank_change", "pace")


def _or_dash(formatter: Callable) -> Callable:
    return lambda v: "–" if v is MISSING_DATE or (
        isinstance(v, (int, float, pd.Timestamp)) and v in (MISSING_NUMBER, MISSING_DATE)
    ) else formatter(v)


def frame_for(data: pd.DataFrame, cols: list[Col]) -> pd.DataFrame:
    """The shown columns with numbers as plain floats so sorting works, and no missing
    cell (see MISSING_NUMBER)."""
    out = pd.DataFrame(index=range(len(data)))
    for col in cols:
        values = data[col.field].reset_index(drop=True)
        if col.kind in NUMERIC_KINDS:
            values = pd.to_numeric(values, errors="coerce").astype("float64").fillna(
                MISSING_NUMBER)
        elif col.kind == "text":
            values = values.astype(object).map(FORMATTERS["text"])
        elif col.kind == "date" and values.isna().any():
            values = pd.to_datetime(values).fillna(MISSING_DATE)
        out[col.field] = values
    return out


def styled(data: pd.DataFrame, cols: list[Col],
           colours: dict[str, list[str | None]] | None = None) -> Styler:
    """A Styler with Vietnamese display text, and optional cell colours per field."""
    frame = frame_for(data, cols)
    styler = frame.style.format({c.field: _or_dash(FORMATTERS[c.kind]) if c.kind in
                                 (*NUMERIC_KINDS, "date") else FORMATTERS[c.kind]
                                 for c in cols})
    for field, fills in (colours or {}).items():
        css = [f"background-color: {f}" if f else "" for f in fills]
        styler = styler.apply(lambda _s, css=css: css, subset=[field])
    return styler.hide(axis="index")


def column_config(cols: list[Col]) -> dict:
    config = {}
    for c in cols:
        align = "left" if c.kind in ("text", "date") else "right"
        config[c.field] = st.column_config.Column(c.label, help=c.help, width=c.width,
                                                  alignment=align)
    return config


def show(data: pd.DataFrame, cols: list[Col], *, key: str | None = None,
         colours: dict[str, list[str | None]] | None = None,
         on_select: Callable[[], None] | None = None, height: int | str = "auto") -> None:
    """A sortable st.dataframe; with `on_select`, picking a row calls it (drill-down)."""
    kwargs = {}
    if on_select is not None:
        kwargs = {"on_select": on_select, "selection_mode": "single-row"}
    st.dataframe(styled(data, cols, colours), column_config=column_config(cols),
                 hide_index=True, key=key, height=height, **kwargs)
