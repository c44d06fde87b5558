"""`python -m core ...`: run the command, then leave at once.

An interpreter that loaded pandas, SQLAlchemy and a national import's objects spends about
0,3 s taking them apart one by one at exit (module teardown, the last garbage collections),
after the user's work is done and printed. The command's own cleanup still runs: the
database connections are closed and the exit handlers (the reading child, the chart
renderer) are called; only the teardown nobody needs is skipped."""

import atexit
import contextlib
import os
import sys

from core.cli import main


def _leave(code: int) -> None:
    """Close what the command opened, flush what it printed, exit with its status."""
    try:
        if "core.storage.db" in sys.modules:
            sys.modules["core.storage.db"].release_connections()
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # closed by a reader (`| head`)
                stream.flush()
        os._exit(code)


_leave(main())
