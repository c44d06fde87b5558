"""Traffic-light rules: how a rate or a quota attainment is coloured and named.

One place for the thresholds so every page, chart and export colours alike. The rate
thresholds are defaults the user may change on the page (they travel in the URL).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

GREEN, AMBER, RED = "green", "amber", "red"
LIGHT_COLOURS = {GREEN: "#2e7d32", AMBER: "#f9a825", RED: "#c62828"}
LIGHT_FILLS = {GREEN: "#c8e6c9", AMBER: "#fff3c4", RED: "#ffcdd2"}


@dataclass(frozen=True)
class RateThresholds:
    """A rate below `red_below` is red, from `green_from` green, amber in between (percent).

    Defaults fit early 2024 (national average near 10%, leaders around 25%); change them on
    the page as the rollout advances.
    """

    red_below: float = 5.0
    green_from: float = 15.0

    def light(self, rate: float | None) -> str | None:
        if rate is None or pd.isna(rate):
            return None
        if rate < self.red_below:
            return RED
        return GREEN if rate >= self.green_from else AMBER


DEFAULT_RATE_THRESHOLDS = RateThresholds()
RATE_LIGHT_LABELS = {GREEN: "Khá", AMBER: "Trung bình", RED: "Thấp"}

# Quota attainment: against the quota due by the date, counted pro rata inside the quarter.
DONE, ON_TRACK, BEHIND, FAR_BEHIND = "done", "on_track", "behind", "far_behind"
ATTAINMENT_LABELS = {DONE: "Đã đạt chỉ tiêu quý", ON_TRACK: "Đúng tiến độ",
                     BEHIND: "Chậm tiến độ", FAR_BEHIND: "Rất chậm"}
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
