"""Page runs take turns in arrival order, one at a time per server process.

Streamlit runs each session's script in a thread of its own, and CPython's GIL serves one
thread at a time anyway. Ten sessions opening «Tổng quan» together then share the interpreter
in 5 ms slices: each page finishes only when nearly all have, and the switching costs about
half again the CPU (measured with the bench's ten sessions at nation-year: 3,0 s of server CPU
for twenty page loads at once, 2,1 s one after another). Taking turns, the first page is
drawn in a fraction of a second and the last no later than before.

A page that keeps its turn for longer than `LONG_AFTER` seconds is doing something other than
computing and drawing (a large file being read by its child process, a briefing being made
on click): the next page in line goes meanwhile, so nobody waits on another's errand for
more than that. The turn is given back however the run ends (a rerun, a page switch, an
error).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

LONG_AFTER = 2.0  # seconds


class Turns:
    """A FIFO ticket queue: `with turns.turn():` runs once every earlier ticket has had its
    turn; a turn held for `long_after` seconds passes to the next ticket meanwhile."""

    def __init__(self, long_after: float = LONG_AFTER) -> None:
        self._cond = threading.Condition()
        self._next = 0       # the next ticket to hand out
        self._serving = 0    # the ticket whose turn it is
        self._since = time.monotonic()  # when that turn began
        self._long_after = long_after

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._cond:
            ticket = self._next
            self._next += 1
            if ticket == self._serving:  # nobody in line: the turn starts now
                self._since = time.monotonic()
            while ticket != self._serving:
                held = time.monotonic() - self._since
                if held >= self._long_after:
                    self._pass_on()  # the page in its turn is on a long errand
                    continue
                self._cond.wait(timeout=self._long_after - held)
        try:
            yield
        finally:
            with self._cond:
                if self._serving == ticket:  # not already passed on while it ran long
                    self._pass_on()

    def waiting(self) -> int:
        """Runs in line or in their turn."""
        with self._cond:
            return self._next - self._serving

    def _pass_on(self) -> None:
        self._serving += 1
        self._since = time.monotonic()
        self._cond.notify_all()


_PROCESS_TURNS = Turns()


def page_turn():
    """This server process's turn for one page run (dashboard.py wraps the page in it)."""
    return _PROCESS_TURNS.turn()
