"""`export` (the take-away files of a meeting) and `bench`."""

from __future__ import annotations

import os

from core import formatting as fmt
from core.catalogue.units import by_code
from core.cli.common import engine, resolve_unit
from core.errors import UserError


def cmd_export(args) -> None:
    """Write the briefing deck, its PDF or the report form to --out; one line on success."""
    import errno

    from core.exports import meeting

    unit = resolve_unit(args.unit)
    folder = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(folder):  # say so before spending seconds on the charts
        raise UserError(f"Không ghi được tệp “{args.out}”: thư mục “{folder}” không tồn tại.")
    produced = meeting.produce(engine(), args.kind, unit, args.date, args.group)
    try:
        with open(args.out, "wb") as fh:
            fh.write(produced.data)
    except OSError as err:
        reason = {errno.EACCES: "không có quyền ghi", errno.EISDIR: "đó là một thư mục",
                  errno.ENOSPC: "hết chỗ trên đĩa"}.get(err.errno, "lỗi hệ điều hành")
        raise UserError(f"Không ghi được tệp “{args.out}”: {reason}.") from None
    size = len(produced.data) / 1024
    print(f"Đã ghi {meeting.LABELS[args.kind]} của {by_code()[unit].name}, số liệu tính đến "
          f"ngày {fmt.date(produced.as_of)}: {args.out} ({fmt.number(size)} KB).")


def cmd_bench(args) -> None:
    """bench/run.py with the same options; its Markdown tables go to stdout."""
    from bench import run

    run.run(args)


