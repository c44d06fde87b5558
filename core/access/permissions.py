"""Who may see and change what. The one place for access rules, used by pages and the CLI.

A user belongs to a unit (province, district or commune) and sees that unit and everything
below it; an admin sees everything. Only admins and staff upload, staff only for their subtree.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from dataclasses import dataclass

from core.catalogue.units import by_code
from core.errors import UserError

ROLES = ("admin", "leader", "staff")


@dataclass(frozen=True)
class Account:
    """The signed-in person, as the rules need them."""

    username: str
    role: str               # admin | leader | staff
    unit_code: str | None   # None only for admins


class PermissionDenied(UserError):
    """Refused for lack of rights; the message says what and why, in Vietnamese."""


def is_within(unit_code: str, root_code: str) -> bool:
    """True when unit_code is root_code or lies below it."""
    units = by_code()
    code: str | None = unit_code
    while code is not None:
        if code == root_code:
            return True
        code = units[code].parent_code
    return False


def can_view(account: Account, unit_code: str | None) -> bool:
    """unit_code None means the national view (all provinces)."""
    if account.role == "admin":
        return True
    if unit_code is None or account.unit_code is None:
        return False
    return is_within(unit_code, account.unit_code)


def home_unit(account: Account) -> str | None:
    """The unit a user's pages open on; None (the whole country) for an admin."""
    return None if account.role == "admin" else account.unit_code


def can_upload(account: Account) -> bool:
    return account.role in ("admin", "staff")


def check_upload(account: Account, unit_codes: Iterable[str]) -> None:
    """Refuse a whole upload that touches any unit outside the user's reach."""
    if not can_upload(account):
        raise PermissionDenied("Tài khoản vai trò lãnh đạo (leader) chỉ được xem, không được "
                               "tải số liệu lên.")
    if account.role == "admin":
        return
    outside = sorted({c for c in unit_codes if not can_view(account, c)})
    if outside:
        names = ", ".join(by_code()[c].name for c in outside[:10])
        more = f" và {len(outside) - 10} đơn vị khác" if len(outside) > 10 else ""
        mine = by_code()[account.unit_code].name if account.unit_code else "–"
        raise PermissionDenied(f"Tệp có số liệu của đơn vị ngoài phạm vi được giao ({mine}): "
                               f"{names}{more}. Toàn bộ tệp không được nhập.")


def is_admin(account: Account) -> bool:
    return account.role == "admin"


def check_admin(account: Account) -> None:
    """Users and settings are changed by administrators only (the admin page and core alike)."""
    if not is_admin(account):
        raise PermissionDenied("Chỉ quản trị viên (admin) mới được quản lý người dùng và "
                               "thiết lập.")


def can_open(account: Account, roles: Iterable[str]) -> bool:
    """Whether a page declared for `roles` may be opened by this account."""
    return account.role in tuple(roles)


def cli_actor() -> Account:
    """Who acts from `python -m core`: whoever has a shell on the server, as an admin.

    The name carries a colon, which usernames cannot, so it never passes for an account.
    """
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "?"
    return Account(f"cli:{who}"[:64], "admin", None)
