"""Accounts: password hashing and user records.

bcrypt only reads 72 bytes (and bcrypt 5 refuses longer input), while a Vietnamese passphrase
easily exceeds that. Passwords are therefore first reduced with SHA-256 (base64, 44 bytes),
the same construction passlib calls "bcrypt_sha256".
"""

from __future__ import annotations

import base64
import hashlib

import bcrypt
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core.db import users
from core.errors import UserError
from core.store import utcnow
from core.units import by_code

ROLES = ("admin", "leader", "staff")
MIN_PASSWORD_LENGTH = 8
_SCHEME = "bcrypt-sha256$"


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def hash_password(password: str) -> str:
    return _SCHEME + bcrypt.hashpw(_prehash(password), bcrypt.gensalt()).decode("ascii")


def verify_password(password: str, stored: str) -> bool:
    if not stored.startswith(_SCHEME):
        return False
    return bcrypt.checkpw(_prehash(password), stored[len(_SCHEME):].encode("ascii"))


def create_user(conn: Connection, username: str, password: str, role: str,
                unit_code: str | None) -> int:
    """Add an account; every rule broken is reported as a Vietnamese UserError."""
    username = username.strip()
    if not username:
        raise UserError("Tên đăng nhập không được để trống.")
    if role not in ROLES:
        raise UserError(f"Vai trò \"{role}\" không hợp lệ; chọn một trong: {', '.join(ROLES)}.")
    if role != "admin" and unit_code is None:
        raise UserError("Người dùng vai trò leader hoặc staff phải gắn với một đơn vị (--unit).")
    if unit_code is not None and unit_code not in by_code():
        raise UserError(f"Mã đơn vị {unit_code} không có trong danh mục.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    if conn.scalar(sa.select(users.c.id).where(users.c.username == username)) is not None:
        raise UserError(f"Tên đăng nhập \"{username}\" đã tồn tại.")
    result = conn.execute(users.insert().values(
        username=username, password_hash=hash_password(password), role=role,
        unit_code=unit_code, active=True, failed_logins=0, created_at=utcnow()))
    return int(result.inserted_primary_key[0])
