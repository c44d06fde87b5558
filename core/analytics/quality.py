"""Data-quality findings on stored reports: are the figures "đúng, đủ, sạch, sống"?

Every rule is a named function over the stored own reports of a unit's subtree (`Scope`),
listed once in `RULES`; each returns findings as a frame with FINDING_COLUMNS: the unit, the
report date, the group and the figure concerned, what was reported (observed) and what it was
checked against (expected), the rule, its severity and a Vietnamese reason.

- The importer's hard rules (core.ingest.checks: negative counts, counts above the total) run
  again on what is stored (a missing total or cashless count cannot be stored at all), and
  its cumulative rule (a count that only grows fell) on the stored series.
- An unusual jump: a day-on-day change far outside the unit's usual daily change, by the
  modified z-score (Iglewicz and Hoaglin) of the change against the previous weeks' changes.
- Reconciliation (seed 004: "giải trình về chênh lệch số liệu"): a district's own report
  against the sum of its communes, a province's against the sum of its districts, on the
  days the parent reported and every child in the system has figures.

A unit may explain a finding (`explain`): the comment is kept with the finding and written
to the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core import config
from core.access import audit
from core.access.permissions import Account, PermissionDenied, can_upload, can_view
from core.analytics.as_of import AsOf
from core.analytics.robust import modified_z, row_nanmedian
from core.catalogue.units import by_code, child_codes, descendant_codes
from core.errors import UserError
from core.ingest import checks as validation
from core.ingest.numbers import vi_number
from core.storage import store
from core.storage.db import quality_explanations
from core.vocabulary import (
    DISTRICT,
    FIELD_LABELS,
    GROUP_LABELS,
    LEVEL_NAMES,
    PROVINCE,
)

ERROR, WARNING = validation.ERROR, validation.WARNING
SEVERITY_LABELS = {ERROR: "Lỗi", WARNING: "Cảnh báo"}
KEY = ["rule", "unit_code", "report_date", "grp", "field"]
FINDING_COLUMNS = ["rule", "severity", "unit_code", "unit_name", "level", "report_date", "grp",
                   "field", "observed", "expected", "reason"]
EXPLAINED_COLUMNS = ["explained", "comment", "explained_by", "explained_at"]

# Unusual jumps: modified z-score |M| > 3.5 (the usual cut-off) against the changes of the
# previous WINDOW reports, when at least MIN_HISTORY of them exist; and at least MIN_JUMP
# people a day away from the usual change, so that tiny units are not flagged for noise.
Z_LIMIT = 3.5
WINDOW = 28
MIN_HISTORY = 14
MIN_JUMP = 20
MIN_JUMP_SHARE = 0.01  # ... and 1% of the unit's total beneficiaries
FLAT_JUMP_SHARE = 0.10  # a flat history: a change of 10% of the count is a jump
JUMP_FIELDS = ("total", "accounts", "cashless", "id_verified")
RECONCILED_FIELDS = ("total", "accounts", "cashless", "id_verified", "id_pending", "id_problem")
CHECKED_FIELDS = tuple(dict.fromkeys((*RECONCILED_FIELDS, *JUMP_FIELDS,
                                      *validation.CUMULATIVE_FIELDS)))  # what the rules read
LOOKBACK_DAYS = 60  # history read before the first day shown (baselines, previous reports)
MAX_COMMENT = 2000


# ------------------------------------------------------------------------------- scope

@dataclass(frozen=True)
class Scope:
    """The stored own reports of a subtree, from LOOKBACK_DAYS before `since` to `until`."""

    unit: str
    series: pd.DataFrame  # store.FIGURE_KEY and CHECKED_FIELDS, sorted by unit, group, date
    since: dt.date
    until: dt.date

    def shown(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Only the findings dated within the period asked for."""
        if frame.empty:
            return frame
        days = frame["report_date"]
        return frame[(days >= self.since) & (days <= self.until)]

    @cached_property
    def ordered(self) -> Scope:
        """The same scope, its series sorted by unit, group and date (for the rules that
        compare a report with the ones before it); sorted once for all of them."""
        return Scope(self.unit, self.series.sort_values(["unit_code", "grp", "report_date"],
                                                        ignore_index=True),
                     self.since, self.until)

    @cached_property
    def in_window(self) -> np.ndarray:
        """Which rows are dated in the period shown (dates are objects: compared once)."""
        days = self.series["report_date"]
        return ((days >= self.since) & (days <= self.until)).to_numpy(copy=True)

    @cached_property
    def same_series(self) -> np.ndarray:
        """Whether each row is of the same unit and group as the row before it: on a series
        sorted by unit, group and date (`ordered`), where each unit's series starts."""
        series = self.series
        if series.empty:
            return np.zeros(0, dtype=bool)
        units, groups = pd.factorize(series["unit_code"])[0], pd.factorize(series["grp"])[0]
        return np.r_[False, (units[1:] == units[:-1]) & (groups[1:] == groups[:-1])]

    @cached_property
    def codes(self) -> list[str]:
        return [self.unit, *descendant_codes(self.unit)]

    @cached_property
    def as_of(self) -> AsOf:
        """Figures as of each day, shared by the reconciliation rules."""
        return AsOf(self.series, self.until, RECONCILED_FIELDS)


def load_scope(conn: Connection, unit: str, since: dt.date, until: dt.date) -> Scope:
    codes = [unit, *descendant_codes(unit)]
    # Only the figures some rule checks; units and groups as categories (every rule sorts
    # and groups by them: ~150.000 strings on a province's three months, hashed once).
    series = store.own_series(conn, codes, until=until,
                              since=since - dt.timedelta(days=LOOKBACK_DAYS),
                              fields=CHECKED_FIELDS, categorical=True)
    return Scope(unit, series, since, until)


# ------------------------------------------------------------------------------- helpers

def _finding(rule: str, severity: str, code: str, day: dt.date, grp: str, field: str,
             observed, expected, reason: str) -> dict:
    place = by_code()[code]
    return {"rule": rule, "severity": severity, "unit_code": code, "unit_name": place.name,
            "level": place.level, "report_date": day, "grp": grp, "field": field,
            "observed": _number(observed), "expected": _number(expected), "reason": reason}


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    return frame.astype({"observed": "Float64", "expected": "Float64"})


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, field)


def group_label(grp: str) -> str:
    return GROUP_LABELS.get(grp, grp)


# ------------------------------------------------------------- the importer's rules, again

def _near_window(scope: Scope, before: int) -> pd.DataFrame:
    """The series' rows dated in the period shown, with the `before` reports that precede
    each series' first one there (rows sorted by unit, group and date)."""
    frame = scope.series
    keep = scope.in_window.copy()
    if before and len(frame):
        same_series = scope.same_series[1:]
        for _ in range(before):
            keep[:-1] |= keep[1:] & same_series
    return frame[keep]


def _validation_rule(name: str, severity: str, field_sets: Sequence[tuple[str, ...]],
                     observed: Callable[[dict, tuple[str, ...]], tuple[str, object, object]],
                     rule: str | None = None, before: int = 0
                     ) -> Callable[[Scope], pd.DataFrame]:
    """Run core.ingest.checks's rule `name` on the stored series, one set of figures at a time
    (so that each problem names its figure), and turn its problems into findings.

    Only the reports shown are checked, with the `before` reports preceding them that the
    rule compares with (the rest of the lookback is history for other rules). Rows carry
    their position as row_number: the rule's messages stay its own, and each problem points
    back at its row.
    """

    def check(scope: Scope) -> pd.DataFrame:
        frame = _near_window(scope, before).reset_index(drop=True)
        if frame.empty:
            return _frame([])
        frame = frame.assign(row_number=np.arange(len(frame)))
        ctx = validation.Context(today=scope.until)
        rows = []
        for fields in field_sets:
            if not all(f in frame.columns for f in fields):
                continue
            part = frame[[*store.FIGURE_KEY, "row_number", *fields]]
            for problem in validation.BY_NAME[name].check(part, ctx):
                row = frame.iloc[int(problem.row_number)].to_dict()
                field, seen, expected = observed(row, fields)
                rows.append(_finding(rule or name, severity, row["unit_code"],
                                     row["report_date"],
                                     row["grp"], field, seen, expected,
                                     _reason(problem.message_vi, row)))
        return scope.shown(_frame(rows))

    return check


def _reason(message: str, row: dict) -> str:
    """The rule's own words without its "Dòng 12 (Xã Bình An, ...): " prefix, since the
    unit, date and group have columns of their own here."""
    prefix = f"{validation.where(row)}: "
    text = message[len(prefix):] if message.startswith(prefix) else message
    return text[:1].upper() + text[1:]


def _first_field(row: dict, fields: tuple[str, ...]) -> tuple[str, object, object]:
    return fields[0], row.get(fields[0]), None


def _above_total(row: dict, fields: tuple[str, ...]) -> tuple[str, object, object]:
    field = fields[-1]
    return field, row.get(field), row.get("total")


negative_counts = _validation_rule(
    "negative_counts", ERROR, [("total",), ("accounts",), ("cashless",)], _first_field)
above_total = _validation_rule(
    "above_total", ERROR, [("total", "accounts"), ("total", "cashless")], _above_total)


def _previous(row: dict, fields: tuple[str, ...]) -> tuple[str, object, object]:
    field = fields[0]
    return field, row.get(field), row.get(f"_previous_{field}")


_cumulative_decrease = _validation_rule(
    "cumulative_decrease", WARNING, [(f,) for f in validation.CUMULATIVE_FIELDS], _previous,
    rule="cumulative_fall", before=1)


def cumulative_fall(scope: Scope) -> pd.DataFrame:
    """core.ingest.checks's cumulative_decrease on the stored series: each unit's report against
    its previous one (kept alongside, as the expected value)."""
    ordered = scope.ordered
    frame, same_series = ordered.series, ordered.same_series
    frame = frame.assign(**{f"_previous_{f}": frame[f].shift(1).where(same_series)
                            for f in validation.CUMULATIVE_FIELDS})
    return _cumulative_decrease(Scope(scope.unit, frame, scope.since, scope.until))


# --------------------------------------------------------------------------- unusual jumps

def _previous_rows(group: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row `at` (rows sorted by series, then date): the positions of the previous
    WINDOW rows (len(at), WINDOW), and which of them are in the same series."""
    rows = at[:, None] - np.arange(1, WINDOW + 1)[None, :]
    safe = rows.clip(min=0)
    return safe, (rows >= 0) & (group[safe] == group[at][:, None])


def unusual_jump(scope: Scope) -> pd.DataFrame:
    """A day-on-day change (per day elapsed) far outside the unit's usual daily change.

    Compared with the changes of the previous WINDOW reports (at least MIN_HISTORY of them):
    flagged when |M| > Z_LIMIT and the change is further from the usual one than MIN_JUMP
    people and MIN_JUMP_SHARE of the unit's total (big units move by hundreds on a normal
    day). Counts that only grow are flagged for rises only (a fall is cumulative_fall's).
    A flat history (every change the same, e.g. nothing paid for weeks) has no spread to
    measure against: there a change is a jump when it moves the count by FLAT_JUMP_SHARE of
    its level, and a unit starting from zero is a start, not a jump.
    """
    ordered = scope.ordered
    frame = ordered.series
    if frame.empty:
        return _frame([])
    same_series = ordered.same_series
    group = np.cumsum(~same_series)  # each unit and group's series, numbered
    days = pd.to_datetime(frame["report_date"]).to_numpy()
    elapsed = np.where(same_series, np.r_[np.nan, (days[1:] - days[:-1])
                                          / np.timedelta64(1, "D")], np.nan)
    total = pd.to_numeric(frame["total"]).astype("float64").to_numpy()
    # Only the reports shown are judged: their baselines alone are built (the lookback rows
    # are history, two thirds of the rows on a 30-day view), the same rows for every field.
    shown = np.flatnonzero(ordered.in_window)
    earlier, in_series = _previous_rows(group, shown)
    rows = []
    for field in JUMP_FIELDS:
        values = pd.to_numeric(frame[field]).astype("float64").to_numpy()
        previous = np.where(same_series, np.r_[np.nan, values[:-1]], np.nan)
        change = (values - previous) / elapsed
        judged = ~np.isnan(change[shown])
        baseline = np.where(in_series[judged], change[earlier[judged]], np.nan)
        enough = (~np.isnan(baseline)).sum(axis=1) >= MIN_HISTORY
        candidates, baseline = shown[judged][enough], baseline[enough]
        usual = row_nanmedian(baseline)
        away = change[candidates] - usual
        size = np.where(np.isnan(total[candidates]), previous[candidates], total[candidates])
        # Scored only where the change is large enough to matter (most reports are not).
        material = np.abs(away) >= np.maximum(MIN_JUMP, MIN_JUMP_SHARE * size)
        if field in validation.CUMULATIVE_FIELDS:
            material &= away > 0
        candidates, baseline = candidates[material], baseline[material]
        usual, away = usual[material], away[material]
        if not len(candidates):
            continue
        score = modified_z(change[candidates], baseline, median=usual)
        before = previous[candidates]
        flat = np.isnan(score) & (before > 0) & (np.abs(away) >= FLAT_JUMP_SHARE * before)
        flagged = (np.abs(score) > Z_LIMIT) | flat
        for j in np.flatnonzero(flagged):
            i = candidates[j]
            row = frame.iloc[i]
            rows.append(_finding(
                "unusual_jump", WARNING, row["unit_code"], row["report_date"], row["grp"], field,
                values[i], previous[i] + usual[j] * elapsed[i],
                _jump_reason(field, change[i], usual[j], elapsed[i], score[j], values[i],
                             previous[i])))
    return _frame(rows)


def _jump_reason(field: str, change: float, usual: float, elapsed: float, score: float,
                 value: float, previous: float) -> str:
    moved = change * elapsed
    verb, direction = ("tăng", "lên") if moved >= 0 else ("giảm", "xuống")
    per_day = (f" ({vi_number(round(change, 1))}/ngày trong {int(elapsed)} ngày)"
               if elapsed > 1 else "")
    measure = (f"chỉ số z hiệu chỉnh {vi_number(round(abs(score), 1))}"
               if not np.isnan(score) else "các kỳ trước không thay đổi")
    return (f"{field_label(field)} {verb} {vi_number(abs(round(moved)))}{per_day}, từ "
            f"{vi_number(previous)} {direction} {vi_number(value)}, trong khi mức thay đổi "
            f"thường ngày khoảng {vi_number(round(usual, 1))}/ngày ({measure}); hãy kiểm tra "
            "lại số liệu.")


# --------------------------------------------------------------------------- reconciliation

def _reconcile(scope: Scope, parent_level: int, rule: str) -> pd.DataFrame:
    """Parents of `parent_level` in scope: own report against the sum of their children."""
    if scope.series.empty:
        return _frame([])
    asof = scope.as_of
    window = (asof.days >= pd.Timestamp(scope.since)) & (asof.days <= pd.Timestamp(scope.until))
    parents = [c for c in scope.codes if by_code()[c].level == parent_level]
    rows = []
    for parent in parents:
        children = child_codes(parent)
        kids = [k for k in children if k in asof.known]
        if not kids or 2 * len(kids) < len(children):
            continue  # most children not in the system: nothing to add up
        for field in RECONCILED_FIELDS:
            if field not in scope.series.columns:
                continue
            own = asof.own(field)
            for grp in sorted(g for (c, g) in own if c == parent):
                summed = asof.children_sum(kids, grp, field)
                if summed is None:
                    continue
                reported = own[(parent, grp)]
                with np.errstate(invalid="ignore"):
                    hits = window & ~np.isnan(reported) & ~np.isnan(summed) & (
                        reported != summed)
                for i in np.flatnonzero(hits):
                    rows.append(_difference(rule, parent, asof.days[i].date(), grp, field,
                                            reported[i], summed[i], len(kids), len(children)))
    return _frame(rows)


def _difference(rule: str, parent: str, day: dt.date, grp: str, field: str, value: float,
                expected: float, n_kids: int, n_children: int) -> dict:
    place = by_code()[parent]
    child_level = LEVEL_NAMES[place.level + 1]
    left_out = n_children - n_kids
    note = f" (không tính {left_out} đơn vị chưa có số liệu)" if left_out else ""
    reason = (f"{place.name} báo cáo {field_label(field).lower()} là {vi_number(value)}, "
              f"nhưng cộng {n_kids} {child_level}{note} được {vi_number(expected)} "
              f"(chênh lệch {'+' if value > expected else '−'}"
              f"{vi_number(abs(value - expected))}). Đề nghị giải trình về chênh lệch số liệu.")
    return _finding(rule, ERROR, parent, day, grp, field, value, expected, reason)


def district_vs_communes(scope: Scope) -> pd.DataFrame:
    return _reconcile(scope, DISTRICT, "district_vs_communes")


def province_vs_districts(scope: Scope) -> pd.DataFrame:
    return _reconcile(scope, PROVINCE, "province_vs_districts")


# ------------------------------------------------------------------------------- the rules

@dataclass(frozen=True)
class QualityRule:
    name: str
    label: str        # Vietnamese, for filters and tables
    description: str  # Vietnamese, what the rule checks
    check: Callable[[Scope], pd.DataFrame]


RULES: tuple[QualityRule, ...] = (
    QualityRule("negative_counts", "Số âm", "Số người không thể âm.", negative_counts),
    QualityRule("above_total", "Vượt tổng số",
                "Số có tài khoản, số chi trả qua tài khoản không vượt tổng số đối tượng.",
                above_total),
    QualityRule("cumulative_fall", "Số lũy kế giảm",
                "Số có tài khoản, chi trả qua tài khoản, đã xác thực chỉ tăng theo thời gian.",
                cumulative_fall),
    QualityRule("unusual_jump", "Tăng/giảm bất thường",
                "Mức thay đổi trong ngày khác xa mức thường ngày của đơn vị (chỉ số z hiệu "
                f"chỉnh > {vi_number(Z_LIMIT)}, so với {WINDOW} kỳ báo cáo trước).",
                unusual_jump),
    QualityRule("district_vs_communes", "Huyện khác tổng các xã",
                "Báo cáo của huyện phải bằng tổng báo cáo các xã cùng ngày.",
                district_vs_communes),
    QualityRule("province_vs_districts", "Tỉnh khác tổng các huyện",
                "Báo cáo của tỉnh phải bằng tổng báo cáo các huyện cùng ngày.",
                province_vs_districts),
)
BY_NAME = {r.name: r for r in RULES}


def run(scope: Scope, rules: Iterable[str] | None = None) -> pd.DataFrame:
    """Every rule's findings on a scope, newest first, errors before warnings."""
    chosen = [BY_NAME[n] for n in rules] if rules is not None else list(RULES)
    parts = [rule.check(scope) for rule in chosen]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return _frame([])
    found = pd.concat(parts, ignore_index=True)
    found["_order"] = found["severity"].map({ERROR: 0, WARNING: 1})
    found = found.sort_values(["report_date", "_order", "level", "unit_code", "rule", "grp",
                               "field"], ascending=[False, True, True, True, True, True, True])
    return found.drop(columns="_order").reset_index(drop=True)


def findings(conn: Connection, unit: str, since: dt.date, until: dt.date,
             rules: Iterable[str] | None = None) -> pd.DataFrame:
    """Findings on the stored reports of a unit's subtree dated `since`..`until`, with their
    explanations (FINDING_COLUMNS + EXPLAINED_COLUMNS)."""
    found = run(load_scope(conn, unit, since, until), rules)
    return with_explanations(conn, found)


def counts_by_rule(found: pd.DataFrame) -> pd.DataFrame:
    """Per rule: findings, of which explained; in RULES order, rules without findings too."""
    rows = []
    for rule in RULES:
        mine = found[found["rule"] == rule.name] if not found.empty else found
        explained = int(mine["explained"].sum()) if "explained" in mine and len(mine) else 0
        rows.append({"rule": rule.name, "label": rule.label, "findings": len(mine),
                     "explained": explained, "open": len(mine) - explained})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ explanations

def explanations(conn: Connection, codes: Sequence[str]) -> pd.DataFrame:
    """Stored explanations of the units' findings."""
    rows = []
    for start in range(0, len(codes), 500):
        chunk = list(codes[start:start + 500])
        rows.extend(conn.execute(sa.select(
            *[quality_explanations.c[c] for c in [*KEY, "comment", "explained_by",
                                                  "explained_at"]])
            .where(quality_explanations.c.unit_code.in_(chunk))).all())
    frame = pd.DataFrame([tuple(r) for r in rows],
                         columns=[*KEY, "comment", "explained_by", "explained_at"])
    frame["report_date"] = [d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)[:10])
                            for d in frame["report_date"]]
    frame["explained_at"] = [config.as_local(v) for v in frame["explained_at"]]
    return frame


def with_explanations(conn: Connection, found: pd.DataFrame) -> pd.DataFrame:
    if found.empty:
        return found.assign(explained=pd.Series(dtype=bool), comment=pd.Series(dtype=object),
                            explained_by=pd.Series(dtype=object),
                            explained_at=pd.Series(dtype=object))
    known = explanations(conn, sorted(set(found["unit_code"])))
    out = found.merge(known, on=KEY, how="left")
    out["explained"] = out["comment"].notna()
    out["explained_at"] = out["explained_at"].astype(object).where(out["explained"], None)
    return out


def can_explain(account: Account, unit_code: str) -> bool:
    """Staff and admins explain the figures of units within their reach; leaders read."""
    return can_upload(account) and can_view(account, unit_code)


def explain(conn: Connection, account: Account, finding: dict, comment: str,
            *, now: dt.datetime | None = None) -> None:
    """Mark a finding explained with a comment (in the caller's transaction, audited).

    `finding` needs the KEY fields; observed and expected, when given, go to the audit entry.
    A second explanation replaces the first; the audit log keeps both.
    """
    comment = (comment or "").strip()
    code = finding["unit_code"]
    if not can_explain(account, code):
        raise PermissionDenied(f"Tài khoản {account.username} không được giải trình số liệu "
                               f"của {by_code()[code].name}.")
    if not comment:
        raise UserError("Hãy nhập nội dung giải trình.")
    if len(comment) > MAX_COMMENT:
        raise UserError(f"Nội dung giải trình dài quá {vi_number(MAX_COMMENT)} ký tự.")
    if finding["rule"] not in BY_NAME:
        raise UserError(f"Không có quy tắc kiểm tra «{finding['rule']}».")
    key = {k: finding[k] for k in KEY}
    where = [quality_explanations.c[k] == v for k, v in key.items()]
    previous = conn.scalar(sa.select(quality_explanations.c.comment).where(*where))
    at = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    values = {"comment": comment, "explained_by": account.username, "explained_at": at}
    if previous is None:
        conn.execute(quality_explanations.insert().values(**key, **values))
    else:
        conn.execute(quality_explanations.update().where(*where).values(**values))
    detail = {"rule": BY_NAME[key["rule"]].label, "unit": code,
              "report_date": key["report_date"].strftime("%d/%m/%Y"),
              "group": group_label(key["grp"]), "field": field_label(key["field"]),
              "observed": finding.get("observed"), "expected": finding.get("expected"),
              "comment": comment}
    if previous is not None:
        detail["previous_comment"] = previous
    audit.record(conn, account.username, audit.QUALITY_EXPLAIN,
                 f"{by_code()[code].name} · {key['report_date']:%d/%m/%Y}", detail, at=at)

