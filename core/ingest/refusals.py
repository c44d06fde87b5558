"""Refused uploads in the audit trail: who, which file (name, size, SHA-256), and why.

A file is refused when it cannot be read at all, when its plan has errors (or, in the CLI,
questions left open), or when it exceeds the size limits; `core.ingest.apply.apply_import`
records its own refusals (permission, a plan changed meanwhile). Each refusal is written in a
transaction of its own (`audit.record_refusal`): the import's transaction, if any, rolls back.

The reason is the first error as shown to the uploader and the count of the others; messages
quote cells of summary tables at most (unit names, figures), never a person's details:
person-level lists are counted before anything reads their cells (core.ingest.persons).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from core.access import audit

if TYPE_CHECKING:
    from core.ingest.plan_model import ImportPlan

UPLOAD_PAGE = "upload_page"  # how the detail's "via" names where the file was refused
CLI = "cli"


def plan_reason(plan: ImportPlan) -> str | None:
    """Why the plan cannot be applied, in the uploader's words; None when it can."""
    if plan.errors:
        more = len(plan.errors) - 1
        return plan.errors[0].message_vi + (f" (và {more} lỗi khác)" if more else "")
    if plan.questions:
        return "Chưa bổ sung: " + plan.questions[0].message_vi
    if plan.row_count == 0:
        return "Tệp không có số liệu nào để nhập."
    return None


def record_plan_refusal(engine: Engine, username: str | None, plan: ImportPlan,
                        via: str) -> int | None:
    """Audit a plan that cannot be applied; returns the entry's id (None if it can be)."""
    reason = plan_reason(plan)
    if reason is None:
        return None
    return record_file_refusal(engine, username, plan.file_name, size=plan.size,
                               sha256=plan.sha256, reason=reason, via=via)


def record_file_refusal(engine: Engine, username: str | None, file_name: str, *,
                        size: int | None, sha256: str | None, reason: str, via: str) -> int:
    return audit.record_refusal(engine, username, audit.UPLOAD, file_name, {
        "size": size, "sha256": sha256, "reason": reason, "via": via})


def file_digest(path: str) -> str | None:
    """SHA-256 of a file on disk, read in chunks (a refused file may be large)."""
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None
