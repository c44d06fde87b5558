"""The warm chart renderer: PNG out, one browser kept between calls, a cache for repeated
figures, concurrent callers served one at a time, a fresh start after a stop."""

from __future__ import annotations

import threading

import plotly.graph_objects as go
import pytest

from core.exports import render

PNG = b"\x89PNG\r\n\x1a\n"


def figure(title: str) -> go.Figure:
    fig = go.Figure(go.Bar(x=[8.67, 4.8], y=["Huyện Bình Sơn", "Tỉnh Quảng Nam"],
                           orientation="h"))
    return fig.update_layout(title=title, separators=",.")


@pytest.fixture(scope="module")
def renderer():
    return render.Renderer()  # its own browser: the process-wide one stays as it is


def size_of(png: bytes) -> tuple[int, int]:
    """Width and height from the PNG header (IHDR)."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_renders_png_at_the_requested_size_and_stays_warm(renderer):
    image = renderer.png(figure("Lần đầu"), 400, 300, scale=2)
    assert image.startswith(PNG) and size_of(image) == (800, 600)
    assert renderer.warm
    again = renderer.png(figure("Lần hai"), 400, 300)
    assert again.startswith(PNG) and size_of(again) == (400, 300)
    assert renderer.renders == 2


def test_the_same_figure_and_size_comes_from_the_cache(renderer):
    before = renderer.renders
    first = renderer.png(figure("Bộ nhớ đệm"), 300, 200)
    second = renderer.png(figure("Bộ nhớ đệm"), 300, 200)
    assert first == second and renderer.renders == before + 1


def test_concurrent_callers_are_served_one_at_a_time(renderer):
    results: dict[int, bytes] = {}

    def work(i: int) -> None:
        results[i] = renderer.png(figure(f"Luồng {i}"), 320, 200)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(results) == [0, 1, 2, 3]
    assert all(r.startswith(PNG) for r in results.values())


def test_a_stopped_renderer_starts_again_on_the_next_call(renderer):
    renderer.stop()
    assert not renderer.warm
    assert renderer.png(figure("Khởi động lại"), 300, 200).startswith(PNG)
    assert renderer.warm
    renderer.stop()
