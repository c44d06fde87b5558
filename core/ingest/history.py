"""What was uploaded, by whom, and undoing an upload: revert restores what it replaced."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core import config
from core.access import audit
from core.access.permissions import Account, PermissionDenied, can_upload, can_view
from core.catalogue.units import by_code
from core.errors import UserError
from core.ingest.model import HISTORY_LIMIT
from core.storage import rollups, store
from core.storage.db import figures, quotas, replaced_figures, uploads
from core.storage.values import as_date
from core.vocabulary import GROUP_LABELS


class RevertRefused(UserError):
    """An upload that cannot be reverted now; the message says why and what to do."""


# ------------------------------------------------------------------------------- revert


def revert_upload(conn: Connection, upload_id: int, account: Account) -> dict:
    """Undo an upload: delete its rows, restore what it replaced, mark it "reverted".

    Refused while a later upload has replaced some of its rows (revert that one first:
    otherwise the later figures would be lost or the earlier ones restored over them).
    Audited, refusals included. Returns counts {"removed", "restored"}.
    """
    try:
        upload = _upload(conn, upload_id)
        _check_revert(conn, upload, account)
    except UserError as err:
        audit.record_refusal(conn.engine, account.username, audit.REVERT,
                             f"#{upload_id}", {"reason": str(err)})
        raise
    if upload["kind"] == "quota":
        removed, restored = _revert_quotas(conn, upload)
    else:
        removed, restored = _revert_figures(conn, upload_id)
    conn.execute(uploads.update().where(uploads.c.id == upload_id).values(status="reverted"))
    audit.record(conn, account.username, audit.REVERT, upload["file_name"],
                 {"upload_id": upload_id, "kind": upload["kind"], "removed": removed,
                  "restored": restored})
    return {"removed": removed, "restored": restored}


def _upload(conn: Connection, upload_id: int) -> dict:
    row = conn.execute(sa.select(uploads).where(uploads.c.id == upload_id)).mappings().first()
    if row is None:
        raise RevertRefused(f"Không có lần tải lên số {upload_id}.")
    return dict(row)


def _check_revert(conn: Connection, upload: dict, account: Account) -> None:
    if not can_upload(account):
        raise PermissionDenied("Tài khoản vai trò lãnh đạo (leader) chỉ được xem, không được "
                               "hoàn tác tải lên.")
    if upload["status"] != "applied":
        raise RevertRefused(f"Lần tải lên số {upload['id']} ({upload['file_name']}) đã được "
                            "hoàn tác trước đó.")
    if upload["kind"] == "demo":
        raise RevertRefused("Dữ liệu mẫu không hoàn tác từng phần được; để xóa, dùng lệnh "
                            "python -m core demo --reset hoặc nhờ quản trị viên.")
    later = _later_replacing(conn, upload)
    if later is not None:
        raise RevertRefused(
            f"Không hoàn tác được lần tải lên số {upload['id']} ({upload['file_name']}): lần "
            f"tải lên số {later['id']} ({later['file_name']}, lúc "
            f"{config.as_local(later['uploaded_at']):%d/%m/%Y %H:%M}) đã thay thế một phần số "
            "liệu của lần này. Hãy hoàn tác lần đó trước.")
    if account.role != "admin":
        outside = sorted({c for c in _touched_units(conn, upload) if not can_view(account, c)})
        if outside:
            names = ", ".join(by_code()[c].name for c in outside[:10])
            more = f" và {len(outside) - 10} đơn vị khác" if len(outside) > 10 else ""
            raise PermissionDenied(
                f"Lần tải lên này có số liệu của đơn vị ngoài phạm vi được giao: {names}{more}. "
                "Chỉ quản trị viên hoặc cán bộ cấp trên được hoàn tác.")


def _later_replacing(conn: Connection, upload: dict) -> dict | None:
    """A still-applied upload that replaced rows of this one."""
    if upload["kind"] == "quota":
        for other in conn.execute(sa.select(uploads).where(
                uploads.c.kind == "quota", uploads.c.status == "applied",
                uploads.c.id > upload["id"]).order_by(uploads.c.id)).mappings():
            replaced = _summary(other).get("replaced_quotas", [])
            if any(r[5] == upload["id"] for r in replaced):
                return dict(other)
        return None
    row = conn.execute(
        sa.select(uploads).where(
            uploads.c.id.in_(sa.select(replaced_figures.c.replaced_by).where(
                replaced_figures.c.upload_id == upload["id"])),
            uploads.c.status == "applied").order_by(uploads.c.id).limit(1)
    ).mappings().first()
    return dict(row) if row else None


def _touched_units(conn: Connection, upload: dict) -> set[str]:
    if upload["kind"] == "quota":
        table, column = quotas, quotas.c.upload_id
        codes = set(conn.scalars(sa.select(table.c.unit_code).distinct().where(
            column == upload["id"])))
        return codes | {r[0] for r in _summary(upload).get("replaced_quotas", [])}
    codes = set(conn.scalars(sa.select(figures.c.unit_code).distinct().where(
        figures.c.upload_id == upload["id"])))
    codes |= set(conn.scalars(sa.select(replaced_figures.c.unit_code).distinct().where(
        replaced_figures.c.replaced_by == upload["id"])))
    return codes


def _revert_figures(conn: Connection, upload_id: int) -> tuple[int, int]:
    touched = _touched_reports(conn, upload_id)
    removed = conn.execute(figures.delete().where(figures.c.upload_id == upload_id)).rowcount
    columns = [*store.FIGURE_COLUMNS, "upload_id"]
    mine = replaced_figures.c.replaced_by == upload_id
    # Counted apart: drivers do not all report a row count for INSERT ... SELECT.
    restored = conn.scalar(sa.select(sa.func.count()).select_from(replaced_figures).where(mine))
    conn.execute(figures.insert().from_select(
        columns, sa.select(*[replaced_figures.c[c] for c in columns]).where(mine)))
    conn.execute(replaced_figures.delete().where(replaced_figures.c.replaced_by == upload_id))
    if touched:
        rollups.refresh(conn, touched, min(touched.values()))
    return int(removed or 0), int(restored or 0)


def _touched_reports(conn: Connection, upload_id: int) -> dict[str, dt.date]:
    """Units whose reports a revert removes or restores, with the first date of each (the
    roll-ups above them change from there on)."""
    found: dict[str, dt.date] = {}
    for table, column in ((figures, figures.c.upload_id),
                          (replaced_figures, replaced_figures.c.replaced_by)):
        rows = conn.execute(sa.select(table.c.unit_code, sa.func.min(table.c.report_date))
                            .where(column == upload_id).group_by(table.c.unit_code))
        for code, day in rows:
            day = as_date(day)
            found[code] = min(day, found.get(code, day))
    return found


def _revert_quotas(conn: Connection, upload: dict) -> tuple[int, int]:
    removed = conn.execute(quotas.delete().where(quotas.c.upload_id == upload["id"])).rowcount
    replaced = _summary(upload).get("replaced_quotas", [])
    if replaced:
        conn.execute(quotas.insert(), [
            {"unit_code": u, "grp": g, "year": y, "quarter": q, "count": n, "upload_id": src}
            for u, g, y, q, n, src in replaced])
    return int(removed or 0), len(replaced)


def _summary(upload) -> dict:
    try:
        value = json.loads(upload["summary"] or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# ------------------------------------------------------------------------------ history


def _history_note(summary: dict) -> str:
    """What a reader of the history should know about how the figures were read."""
    notes = []
    derived = summary.get("derived_from_rate") or {}
    if derived:
        groups = ", ".join(GROUP_LABELS.get(g, g) for g in derived)
        notes.append(f"số chi trả qua tài khoản suy ra từ tỷ lệ ({groups})")
    sheets = summary.get("sheets") or {}
    if sheets:
        notes.append(f"{len(sheets)} trang tính, mỗi trang một ngày")
    if summary.get("reading") in ("saved", "applied"):
        notes.append("cách đọc đã sửa" if summary["reading"] == "saved"
                     else "đọc theo cách đã ghi nhớ")
    return "; ".join(notes)


HISTORY_COLUMNS = ["id", "file_name", "kind", "report_date", "unit_code", "unit_name",
                   "uploaded_by", "uploaded_at", "status", "row_count", "inserted", "replaced",
                   "unchanged", "warnings", "note", "can_revert"]


def upload_history(conn: Connection, *, account: Account | None = None,
                   limit: int = HISTORY_LIMIT) -> pd.DataFrame:
    """Uploads newest first, those the account may see: an admin all of them; others their
    own and those filed under a unit within their reach. uploaded_at is local time.

    can_revert says whether to offer the action; revert_upload checks again, row by row.
    """
    query = sa.select(uploads).order_by(uploads.c.id.desc())
    if account is not None and account.role != "admin":
        query = query.where(sa.or_(uploads.c.uploaded_by == account.username,
                                   uploads.c.unit_code.is_not(None)))
    records = []
    for row in conn.execute(query).mappings():
        if account is not None and not _may_see(account, row):
            continue
        summary = _summary(row)
        records.append({
            "id": row["id"], "file_name": row["file_name"], "kind": row["kind"],
            "report_date": as_date(row["report_date"]), "unit_code": row["unit_code"],
            "unit_name": by_code()[row["unit_code"]].name if row["unit_code"] else None,
            "uploaded_by": row["uploaded_by"], "uploaded_at": config.as_local(row["uploaded_at"]),
            "status": row["status"], "row_count": row["row_count"],
            "inserted": summary.get("inserted"), "replaced": summary.get("replaced"),
            "unchanged": summary.get("unchanged"), "warnings": summary.get("warnings"),
            "note": _history_note(summary),
            "can_revert": _may_revert(account, row),
        })
        if len(records) >= limit:
            break
    return pd.DataFrame(records, columns=HISTORY_COLUMNS)


def _may_see(account: Account, row) -> bool:
    if account.role == "admin" or row["uploaded_by"] == account.username:
        return True
    return row["unit_code"] is not None and can_view(account, row["unit_code"])


def _may_revert(account: Account | None, row) -> bool:
    if row["status"] != "applied" or row["kind"] == "demo":
        return False
    if account is None or account.role == "admin":
        return True
    return (can_upload(account) and row["unit_code"] is not None
            and can_view(account, row["unit_code"]))
