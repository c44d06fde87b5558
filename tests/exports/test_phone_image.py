"""The phone image for a Zalo group: 1080 px wide PNG, as tall as its content, the unit's
title band in the neutral colour, one coloured dot per lagging commune (its rate's light)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from core.analytics import status
from core.exports import briefing, meeting, phone_image

pytestmark = pytest.mark.postgres

DAY = dt.date(2024, 1, 25)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def _image(engine, unit: str) -> tuple[briefing.Briefing, Image.Image]:
    with engine.connect() as conn:
        b = briefing.collect(conn, unit, DAY)
    return b, Image.open(io.BytesIO(phone_image.build(b))).convert("RGB")


def _dots(image: Image.Image, colour: str) -> int:
    """Lagging rows: runs of the light's colour down the dot column (x = PAD + 15)."""
    x, target, runs, inside = phone_image.PAD + 15, _rgb(colour), 0, False
    for y in range(image.height):
        hit = image.getpixel((x, y)) == target
        runs += hit and not inside
        inside = hit
    return runs


def test_binh_son_image_is_phone_wide_with_one_red_dot_per_lagging_commune(demo_engine):
    b, image = _image(demo_engine, "524")
    assert image.width == 1080
    assert image.getpixel((5, 5)) == _rgb(status.NEUTRAL)  # the title band
    lights = briefing.lag_lights(b)
    assert len(lights) == 18 and set(lights) == {status.RED}
    # 18 rows, plus the key's red dot at the foot
    assert _dots(image, status.light_colour(status.RED)) == 18 + 1


def test_a_long_list_is_cut_at_max_rows_and_the_image_grows_with_it(demo_engine):
    short, small = _image(demo_engine, "524")
    long, tall = _image(demo_engine, "45")
    assert len(long.lagging) > phone_image.MAX_ROWS
    assert tall.width == 1080 and tall.height > small.height
    red_rows = sum(light == status.RED for light in briefing.lag_lights(long)[
        :phone_image.MAX_ROWS])
    assert _dots(tall, status.light_colour(status.RED)) == red_rows + 1


def test_made_through_the_meeting_entry_point_as_a_png(demo_engine):
    made = meeting.produce(demo_engine, "phone", "524", DAY)
    assert made.mime == "image/png" and made.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert made.file_name.endswith("_huyen-binh-son_2024-01-25.png")
    assert Image.open(io.BytesIO(made.data)).width == 1080
