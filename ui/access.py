"""Who is looking at the page, and whether they may.

Placeholder until accounts and roles land (issue: accounts, roles, unit-scoped access):
everyone is let through as an anonymous visitor.
"""

from __future__ import annotations

from core.permissions import Account
from ui.registry import PageSpec


def require(spec: PageSpec) -> Account | None:
    return None
