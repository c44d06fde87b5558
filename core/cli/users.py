"""`user add` and `user reset-password`: accounts from the server's shell."""

from __future__ import annotations

import sys

from core.access import auth
from core.access.permissions import cli_actor
from core.cli.common import engine, resolve_unit


def cmd_user(args) -> None:
    """Accounts from the server's shell (audited as `cli:<os user>`): the way in for the
    first administrator, and back in when the last one has forgotten the password."""
    password = sys.stdin.readline().rstrip("\r\n")
    if args.user_command == "reset-password":
        with engine().begin() as conn:
            auth.reset_password(conn, cli_actor(), args.username, password)
        print(f"Đã đặt lại mật khẩu cho {args.username}.")
        return
    unit = resolve_unit(args.unit) if args.unit else None
    with engine().begin() as conn:
        auth.add_user(conn, cli_actor(), args.username, password, args.role, unit,
                      via="cli")
    print(f"Đã tạo người dùng {args.username} ({args.role}).")


