"""Who is looking at the page, and whether they may.

Placeholder until accounts and roles land (issue: accounts, roles, unit-scoped access):
everyone is let through as an anonymous visitor.
"""

from __future__ import annotations

from dataclasses import dataclass

from ui.registry import PageSpec


@dataclass(frozen=True)
class User:
    username: str
    role: str
    unit_code: str | None


def require(spec: PageSpec) -> User | None:
    return None
