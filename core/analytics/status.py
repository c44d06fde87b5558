"""Traffic-light rules: how a rate or a quota attainment is coloured and named.

One place for the thresholds and the colours so every page, chart and export colours alike:
red means behind, amber at risk, green met, and nothing else is drawn in those colours
(the dashboard's own colour, for titles, headers and plain figures, is NEUTRAL, a dark
blue). A rate is judged by RateThresholds (defaults the user may change on the page, which
travel in the URL), a quota attainment by `attainment_status`; `light_colour` and
`light_fill` turn either verdict into the colour every chart, table, deck and workbook uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.access.settings import DEFAULTS, Settings

GREEN, AMBER, RED = "green", "amber", "red"
LIGHT_COLOURS = {GREEN: "#2e7d32", AMBER: "#f9a825", RED: "#c62828"}
LIGHT_FILLS = {GREEN: "#c8e6c9", AMBER: "#fff3c4", RED: "#ffcdd2"}
# Colours that say nothing about progress: the dashboard's own (titles, table headers, plain
# figures such as payments made), a second series beside it, and "no verdict" (no report).
NEUTRAL = "#1f3a5f"
NEUTRAL_SECOND = "#7b1fa2"
NO_LIGHT = "#90a4ae"
NO_LIGHT_FILL = "#eceff1"


def light_colour(light: str | None) -> str:
    """The mark colour of a verdict (bars, dots, tiles); grey when there is none."""
    return LIGHT_COLOURS.get(light, NO_LIGHT)


def light_fill(light: str | None) -> str | None:
    """The cell fill of a verdict; None (no fill) when there is none."""
    return LIGHT_FILLS.get(light)


@dataclass(frozen=True)
class RateThresholds:
    """A rate below `red_below` is red, from `green_from` green, amber in between (percent).

    Defaults fit early 2024 (national average near 10%, leaders around 25%); change them on
    the page as the rollout advances.
    """

    red_below: float = DEFAULTS.ranking_red_below_pct
    green_from: float = DEFAULTS.ranking_yellow_below_pct

    def light(self, rate: float | None) -> str | None:
        if rate is None or pd.isna(rate):
            return None
        if rate < self.red_below:
            return RED
        return GREEN if rate >= self.green_from else AMBER


DEFAULT_RATE_THRESHOLDS = RateThresholds()


def rate_thresholds(settings: Settings) -> RateThresholds:
    """The ranking colours an administrator set (yellow there is called amber here)."""
    return RateThresholds(red_below=settings.ranking_red_below_pct,
                          green_from=settings.ranking_yellow_below_pct)
RATE_LIGHT_LABELS = {GREEN: "Khá", AMBER: "Trung bình", RED: "Thấp"}

# Quota attainment: against the quota due by the date, counted pro rata inside the quarter.
DONE, ON_TRACK, BEHIND, FAR_BEHIND = "done", "on_track", "behind", "far_behind"
# The words follow the colours: amber is "at risk" (at least half of what is due), red
# "behind" (less than half).
ATTAINMENT_LABELS = {DONE: "Đã đạt chỉ tiêu quý", ON_TRACK: "Đúng tiến độ",
                     BEHIND: "Có nguy cơ chậm", FAR_BEHIND: "Chậm tiến độ"}
ATTAINMENT_LIGHTS = {DONE: GREEN, ON_TRACK: GREEN, BEHIND: AMBER, FAR_BEHIND: RED}
FAR_BEHIND_SHARE = 0.5  # under half of what is due by the date


def attainment_status(actual: int | None, expected: float, quota_to_date: int) -> str | None:
    """done: the cumulative quarter quota is met; on_track: at least what is due by the date;
    behind: at least half of it; far_behind: less than half (or nothing reported)."""
    if quota_to_date <= 0:
        return None
    actual = actual or 0
    if actual >= quota_to_date:
        return DONE
    if actual >= expected:
        return ON_TRACK
    return BEHIND if actual >= FAR_BEHIND_SHARE * expected else FAR_BEHIND


def attainment_light(status: str | None) -> str | None:
    """The light of a quota status: met or on track green, behind amber, far behind red."""
    return ATTAINMENT_LIGHTS.get(status)


def lag_light(reason: str, rate: float | None, thresholds: RateThresholds) -> str | None:
    """A lagging commune is coloured by its rate like on every ranking (one rule for a rate),
    but never green: it is on the list because it is behind (not started is red). A commune
    that did not report on the day has no verdict."""
    if reason == "not_reported":
        return None
    if reason == "not_started":
        return RED
    light = thresholds.light(0.0 if rate is None or pd.isna(rate) else rate)
    return AMBER if light == GREEN else light
