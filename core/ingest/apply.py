"""Writing one plan in the caller's transaction, all or nothing, audited; its reading is
remembered for the file's shape when a person set any of it."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core.access import audit
from core.access.permissions import Account, check_upload
from core.errors import UserError
from core.ingest import remembered
from core.ingest.plan import ImportPlan, _cycle_collector_paused
from core.storage import rollups, store
from core.storage.db import quotas, uploads


class ImportRefused(UserError):
    """A plan that cannot be applied: errors in the file, or questions still open."""


@dataclass(frozen=True)
class ImportResult:
    upload_id: int
    kind: str
    report_date: dt.date | None
    parent_code: str | None
    rows: int
    inserted: int
    replaced: int
    unchanged: int
    warnings: int


# -------------------------------------------------------------------------------- apply


@_cycle_collector_paused
def apply_import(conn: Connection, plan: ImportPlan, account: Account) -> ImportResult:
    """Write a plan in the caller's transaction: all or nothing, audited.

    Refused (ImportRefused or PermissionDenied, recorded in the audit log in a transaction of
    its own) when the plan has errors or open questions, or touches a unit outside the
    account's reach; then nothing is written.
    """
    try:
        _check_applicable(plan)
        check_upload(account, plan.unit_codes)
    except UserError as err:
        audit.record_refusal(conn.engine, account.username, audit.UPLOAD, plan.file_name,
                             {**_audit_detail(plan), "reason": str(err)})
        raise
    upload_id = store.create_upload(
        conn, file_name=plan.file_name[:255], sha256=plan.sha256, kind=plan.kind or "progress",
        uploaded_by=account.username, report_date=plan.report_date,
        unit_code=plan.upload_unit)
    try:
        if plan.kind == "quota":
            written, replaced_quotas = _write_quotas(conn, plan.quotas, upload_id)
        else:
            written, replaced_quotas = store.write_figures(conn, plan.figures, upload_id), []
            rollups.after_write(conn, written)
    except sa.exc.IntegrityError:  # the caller's transaction rolls back with this error
        raise ImportRefused(
            f"Tệp {plan.file_name} chưa được nhập: cùng lúc đó có người khác vừa nhập số liệu "
            "của cùng đơn vị và ngày. Hãy tải lên lại để xem số liệu mới nhất.") from None
    result = ImportResult(upload_id, plan.kind or "progress", plan.report_date,
                          plan.parent_code, plan.row_count, written.inserted, written.replaced,
                          written.unchanged, len(plan.warnings))
    summary = {**_audit_detail(plan), "inserted": written.inserted,
               "replaced": written.replaced, "unchanged": written.unchanged}
    if plan.signature and not plan.reading.remembered().is_empty():
        remembered.save(conn, plan.signature, plan.reading, unit_code=plan.uploader_unit,
                        file_name=plan.file_name, headers=plan.headers,
                        username=account.username)
        summary["reading"] = "saved" if plan.saved is None else "applied"
    if replaced_quotas:
        summary["replaced_quotas"] = replaced_quotas
    conn.execute(uploads.update().where(uploads.c.id == upload_id).values(
        row_count=plan.row_count, summary=json.dumps(summary, ensure_ascii=False,
                                                     default=str)))
    audit.record(conn, account.username, audit.UPLOAD, plan.file_name,
                 {k: v for k, v in summary.items() if k != "replaced_quotas"}
                 | {"upload_id": upload_id})
    return result


def _check_applicable(plan: ImportPlan) -> None:
    if plan.errors:
        first = plan.errors[0].message_vi
        more = f" (và {len(plan.errors) - 1} lỗi khác)" if len(plan.errors) > 1 else ""
        raise ImportRefused(f"Tệp {plan.file_name} có lỗi nên chưa được nhập: {first}{more}")
    if plan.questions:
        raise ImportRefused(f"Tệp {plan.file_name} chưa được nhập: "
                            f"{plan.questions[0].message_vi}")
    if plan.row_count == 0:
        raise ImportRefused(f"Tệp {plan.file_name} không có số liệu nào để nhập.")


def _audit_detail(plan: ImportPlan) -> dict:
    detail = {
        "kind": plan.kind, "report_date": plan.report_date, "year": plan.year,
        "unit": plan.upload_unit, "rows": plan.row_count, "sha256": plan.sha256,
        "warnings": len(plan.warnings), "errors": len(plan.errors),
        "date_source": plan.date_source, "parent_source": plan.parent_source,
        "sheet": plan.report.sheet_name if plan.report else None, "size": plan.size,
        **({"people": plan.persons.people} if plan.persons is not None else {}),
    }
    if plan.derived:
        detail["derived_from_rate"] = {g: "cashless" for g in plan.derived}
    if len(plan.parts) > 1:
        detail["sheets"] = {p.report.sheet_name: p.report_date for p in plan.parts}
    return detail


_QUOTA_KEY = ["unit_code", "grp", "year", "quarter"]


def _write_quotas(conn: Connection, frame: pd.DataFrame,
                  upload_id: int) -> tuple[store.WriteResult, list[list]]:
    """Quotas through store.write_quotas, identical ones left alone (a re-import changes
    nothing); the quotas replaced are returned so that a revert can restore them (the
    schema has no replaced_quotas table, so they are kept in the upload's summary)."""
    existing = _stored_quotas(conn, frame)
    merged = frame.merge(existing, on=_QUOTA_KEY, how="left", suffixes=("", "_old"))
    is_new = merged["count_old"].isna()
    same = ~is_new & (merged["count"].astype("Int64") == merged["count_old"].astype("Int64"))
    changed = ~is_new & ~same
    replaced = [[r["unit_code"], r["grp"], int(r["year"]), int(r["quarter"]),
                 int(r["count_old"]), int(r["upload_id_old"])]
                for r in merged[changed].to_dict("records")]
    store.write_quotas(conn, frame[(is_new | changed).to_numpy()], upload_id)
    return store.WriteResult(int(is_new.sum()), int(changed.sum()), int(same.sum())), replaced


def _stored_quotas(conn: Connection, frame: pd.DataFrame) -> pd.DataFrame:
    columns = [*_QUOTA_KEY, "count_old", "upload_id_old"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    years = sorted({int(y) for y in frame["year"]})
    rows = conn.execute(sa.select(
        quotas.c.unit_code, quotas.c.grp, quotas.c.year, quotas.c.quarter,
        quotas.c["count"].label("count_old"), quotas.c.upload_id.label("upload_id_old"),
    ).where(quotas.c.unit_code.in_(sorted(set(frame["unit_code"]))),
            quotas.c.year.in_(years))).mappings().all()
    stored = pd.DataFrame(rows, columns=columns)
    return stored.astype({"year": "Int64", "quarter": "Int64"})
