"""The one colour rule: red behind, amber at risk, green met, grey no verdict; the words
follow the colours; nothing else in the dashboard is drawn in a traffic-light colour."""

from __future__ import annotations

import math

import pytest

from core.analytics import status
from core.exports import charts as figures

T = status.RateThresholds(red_below=5.0, green_from=15.0)


@pytest.mark.parametrize(("rate", "light"), [
    (0.0, status.RED), (4.99, status.RED), (5.0, status.AMBER), (14.99, status.AMBER),
    (15.0, status.GREEN), (104.62, status.GREEN), (None, None), (math.nan, None)])
def test_rate_lights(rate, light):
    assert T.light(rate) == light


@pytest.mark.parametrize(("actual", "expected", "quota", "light", "label"), [
    (1046, 800, 1000, status.GREEN, "Đã đạt chỉ tiêu quý"),  # 104,62%: met is green
    (850, 800, 1000, status.GREEN, "Đúng tiến độ"),
    (500, 800, 1000, status.AMBER, "Có nguy cơ chậm"),
    (100, 800, 1000, status.RED, "Chậm tiến độ"),
])
def test_quota_attainment_lights_and_words(actual, expected, quota, light, label):
    state = status.attainment_status(actual, expected, quota)
    assert status.attainment_light(state) == light
    assert status.ATTAINMENT_LABELS[state] == label


def test_lagging_communes_take_their_rates_light_and_silent_ones_none():
    assert status.lag_light("not_started", 0.0, T) == status.RED
    assert status.lag_light("below_threshold", 8.0, T) == status.AMBER
    # below a high threshold with a rate the ranking calls green: still behind, never green
    assert status.lag_light("below_threshold", 20.0, T) == status.AMBER
    assert status.lag_light("not_reported", 3.0, T) is None


def test_colours_and_fills():
    assert status.light_colour(status.RED) == "#c62828"
    assert status.light_colour(None) == status.NO_LIGHT
    assert status.light_fill(status.AMBER) == status.LIGHT_FILLS[status.AMBER]
    assert status.light_fill(None) is None


def test_plain_figures_use_no_traffic_light_colour():
    lights = {*status.LIGHT_COLOURS.values(), *status.LIGHT_FILLS.values()}
    plain = [figures.PRIMARY, figures.SECOND, figures.HIGHLIGHT, figures.TARGET,
             status.NEUTRAL, *figures.PALETTE]
    assert not lights & {c.lower() for c in plain}
    # nor anything close to them: no red-dominant colour among the plain ones
    for colour in plain:
        r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
        assert not (r > 150 and g < 100 and b < 100), colour
