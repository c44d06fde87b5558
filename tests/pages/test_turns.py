"""Page runs take turns (ui/turns.py): in arrival order, one at a time, given back however
a run ends, and passed on when a run keeps its turn on a long errand."""

from __future__ import annotations

import threading

import pytest

from ui.turns import Turns

WAIT = 30  # seconds a test waits for a thread before it fails (a wait, not a timed assertion)


def _until(condition, what: str) -> None:
    done = threading.Event()
    for _ in range(WAIT * 100):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError(f"never happened: {what}")


def test_runs_go_one_at_a_time_in_the_order_they_came():
    turns = Turns(long_after=WAIT)
    release = threading.Event()
    entered: list[int] = []
    inside = [0]
    most_inside = [0]
    lock = threading.Lock()

    def run(number: int) -> None:
        with turns.turn():
            with lock:
                inside[0] += 1
                most_inside[0] = max(most_inside[0], inside[0])
                entered.append(number)
            if number == 0:
                release.wait(WAIT)
            with lock:
                inside[0] -= 1

    threads = []
    for number in range(6):
        thread = threading.Thread(target=run, args=(number,))
        thread.start()
        threads.append(thread)
        _until(lambda n=number: turns.waiting() == n + 1, f"run {number} in line")
    assert entered == [0]  # the first holds its turn; the others wait behind it
    release.set()
    for thread in threads:
        thread.join(WAIT)
    assert entered == [0, 1, 2, 3, 4, 5]
    assert most_inside[0] == 1
    assert turns.waiting() == 0


def test_a_run_that_fails_gives_its_turn_back():
    turns = Turns(long_after=WAIT)
    with pytest.raises(RuntimeError), turns.turn():
        raise RuntimeError("the page failed")
    reached = threading.Event()

    def run() -> None:
        with turns.turn():
            reached.set()

    thread = threading.Thread(target=run)
    thread.start()
    assert reached.wait(WAIT)
    thread.join(WAIT)
    assert turns.waiting() == 0


def test_a_run_on_a_long_errand_lets_the_next_one_go_and_the_line_goes_on():
    turns = Turns(long_after=0.05)
    errand_done = threading.Event()
    holding = threading.Event()
    order: list[str] = []

    def long_errand() -> None:
        with turns.turn():
            holding.set()
            errand_done.wait(WAIT)  # e.g. a briefing being made by Chromium
            order.append("errand over")

    def page(name: str) -> None:
        with turns.turn():
            order.append(name)

    errand = threading.Thread(target=long_errand)
    errand.start()
    assert holding.wait(WAIT)
    pages = [threading.Thread(target=page, args=(name,)) for name in ("first", "second")]
    for thread in pages:
        thread.start()
    for thread in pages:
        thread.join(WAIT)
    assert order == ["first", "second"]  # drawn while the errand still held its turn
    errand_done.set()
    errand.join(WAIT)
    assert order[-1] == "errand over"
    assert turns.waiting() == 0  # the errand's end did not skip anybody's turn
