"""`init-db` and `demo`: preparing the database."""

from __future__ import annotations

import contextlib
import sys

from core import formatting as fmt
from core.catalogue.units import by_code
from core.cli.common import engine
from core.storage import db


def cmd_init_db(args) -> None:
    from core.catalogue.resolver import get_resolver

    prepared = engine()
    get_resolver()  # computes and keeps the resolver's index (data/cache) for later processes
    print(f"Cơ sở dữ liệu sẵn sàng (phiên bản lược đồ {db.current_revision(prepared)}), "
          f"{fmt.number(len(by_code()))} đơn vị hành chính.")


def cmd_demo(args) -> None:
    """Load the demo with a progress bar on stderr (`make run` does this before the server
    starts, so that no visitor waits for it)."""
    from core.demo import dataset as demo
    from core.storage import store

    with engine().begin() as conn:
        if args.if_empty and not args.reset and store.has_figures(conn):
            print("Cơ sở dữ liệu đã có số liệu: không nạp dữ liệu mẫu.")
            return
        if not args.reset and demo.is_demo_loaded(conn):
            print("Dữ liệu mẫu đã có trong cơ sở dữ liệu: không nạp thêm gì "
                  "(dùng --reset để nạp lại từ đầu).")
            return
        with _progress_bar("Nạp dữ liệu mẫu") as report:
            summary = demo.load_demo(conn, reset=args.reset, progress=report)
    print(f"Đã nạp dữ liệu mẫu: {fmt.number(summary.figures)} dòng số liệu, "
          f"{fmt.number(summary.quotas)} chỉ tiêu quý.")


@contextlib.contextmanager
def _progress_bar(label: str):
    """A terminal progress bar (click's, on stderr) fed with fractions from 0 to 1."""
    import click

    with click.progressbar(length=100, label=label, file=sys.stderr, width=30,
                           show_eta=False) as bar:
        def report(fraction: float, step: str) -> None:
            bar.label = f"{label}: {step}".ljust(len(label) + 24)
            bar.update(max(0, round(fraction * 100) - bar.pos))
        yield report


