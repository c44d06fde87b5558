"""Validation rules for figures and quotas, as small named functions over frames.

The importer runs them on what a file would store (a dry run, before anything is written), and
the data-quality page can run the same rules on stored figures: that is why every rule reads a
frame, never the spreadsheet. A figures frame has the columns of `store.FIGURE_COLUMNS`; a
quota frame has unit_code, grp, year, quarter, count. Optional columns make messages and
checks richer when a file is the source:

- row_number, unit_name: where the row is in the file and how the file names the unit;
- level: the unit's level (1 province, 2 district, 3 commune), to sum only the deepest rows;
- unit_status, unit_message: the resolver's verdict ("ok", "approximate", "unknown",
  "ambiguous") and its explanation; unit_code is missing when the unit was not recognised;
- rate_stated: the rate (%) the file states for the row's group; rate_all_stated: the rate it
  states over all groups while giving the counts per group.

Each rule returns `core.ingest.model.Problem`s in Vietnamese. Errors block an import, warnings are
shown and allowed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from core import config
from core.catalogue.units import by_code
from core.ingest.model import Problem
from core.ingest.numbers import vi_number
from core.vocabulary import ALL_GROUPS, FIELD_LABELS, GROUP_LABELS

ERROR, WARNING = "error", "warning"
FIGURE_KINDS = ("progress", "national")
QUOTA_KINDS = ("quota",)
MIN_RATE_TOLERANCE = 0.1  # percentage points, as the import allows a rate written "8,67"
# Counts that only grow: a fall means a typing slip or a report of the wrong day.
CUMULATIVE_FIELDS = ("accounts", "cashless", "id_verified")
QUARTER_FIELDS = {"q1": 1, "q2": 2, "q3": 3, "q4": 4}

LABELS = {
    "total": "tổng số đối tượng",
    "accounts": "số đã có tài khoản",
    "cashless": "số đã chi trả qua tài khoản",
    "id_verified": "số đã xác thực",
}


def today() -> dt.date:
    """Today where the provinces are (the server may run on UTC)."""
    return dt.datetime.now(config.LOCAL_ZONE).date()


@dataclass(frozen=True)
class Context:
    """What rules need besides the frame.

    previous: stored figures to compare with (each unit's reports before the new ones);
    totals: the total rows a file states, long: row_number, label, grp, field, value.
    """

    today: dt.date = field(default_factory=today)
    previous: pd.DataFrame | None = None
    totals: pd.DataFrame | None = None


@dataclass(frozen=True)
class Rule:
    name: str
    kinds: tuple[str, ...]
    description: str  # Vietnamese, for lists of checks shown to users
    check: Callable[[pd.DataFrame, Context], list[Problem]]


# --------------------------------------------------------------------------------- helpers


def _value(row: dict, column: str):
    value = row.get(column)
    return None if value is None or pd.isna(value) else value


def where(row: dict) -> str:
    """"Dòng 12 (Xã Bình An, Bảo trợ xã hội)" for a file row; unit and date for stored data."""
    name = _value(row, "unit_name")
    code = _value(row, "unit_code")
    if name is None:
        name = by_code()[code].name if code in by_code() else (code or "?")
    grp = _value(row, "grp")
    suffix = f", {GROUP_LABELS[grp]}" if grp in GROUP_LABELS and grp != ALL_GROUPS else ""
    number = _value(row, "row_number")
    if number is not None:
        return f"Dòng {int(number)} ({name}{suffix})"
    day = _value(row, "report_date")
    on = f", ngày {day:%d/%m/%Y}" if isinstance(day, dt.date) else ""
    return f"{name}{suffix}{on}"


def _problem(row: dict, severity: str, text: str) -> Problem:
    number = _value(row, "row_number")
    return Problem(None if number is None else int(number), severity, f"{where(row)}: {text}")


def _records(frame: pd.DataFrame) -> Iterable[dict]:
    return frame.to_dict("records")


def _has(frame: pd.DataFrame, *columns: str) -> bool:
    return all(c in frame.columns for c in columns)


def _counts(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_numeric(frame[column]).astype("Float64")


def _key_columns(frame: pd.DataFrame) -> list[str]:
    if _has(frame, "quarter"):
        return ["unit_code", "grp", "year", "quarter"]
    return ["unit_code", "grp", "report_date"]


# ----------------------------------------------------------------------------------- rules


def unit_not_recognised(frame: pd.DataFrame, ctx: Context) -> list[Problem]:
    """A unit the catalogue does not know or that several units match blocks the file; a
    near match is accepted but shown, so that a wrong guess is seen."""
    if not _has(frame, "unit_status"):
        return []
    problems = []
    seen: set[object] = set()
    flagged = frame[frame["unit_status"].isin(["unknown", "ambiguous", "approximate"])]
    for row in _records(flagged):
        key = _value(row, "row_number") or row.get("unit_name")
        if key in seen:
            continue
        seen.add(key)
        number = _value(row, "row_number")
        prefix = f"Dòng {int(number)}: " if number is not None else ""
        if row["unit_status"] == "approximate":
            unit = by_code()[row["unit_code"]]
            problems.append(Problem(number and int(number), WARNING, (
                f"{prefix}“{row.get('unit_name')}” được hiểu là {unit.name} (mã {unit.code}), "
                "tên gần đúng; hãy kiểm tra lại.")))
        else:
            problems.append(Problem(number and int(number), ERROR,
                                    f"{prefix}{row.get('unit_message')}"))
    return problems


def unit_twice(frame: pd.DataFrame, ctx: Context) -> list[Problem]:
    """The same unit twice in one report: which of the two is right cannot be guessed."""
    if frame.empty or not _has(frame, "unit_code"):
        return []
    keys = _key_columns(frame)
    known = frame[frame["unit_code"].notna()]
    repeated = known[known.duplicated(keys, keep=False)]
    problems = []
    reported: set[tuple] = set()
    for _, block in repeated.groupby(keys, sort=False, dropna=False):
        rows = list(_records(block))
        first = rows[0]
        for row in rows[1:]:
            pair = (_value(first, "row_number"), _value(row, "row_number"))
            if pair in reported:
                continue
            reported.add(pair)
            unit = by_code()[row["unit_code"]].name
            earlier = (f"dòng {int(pair[0])}" if pair[0] is not None else "một dòng khác")
            problems.append(_problem(row, ERROR, (
                f"{unit} đã có ở {earlier}; mỗi đơn vị chỉ được ghi một lần trong báo cáo.")))
    return problems


def negative_counts(frame: pd.DataFrame, ctx: Context) -> list[Problem]:
    """A count of people cannot be negative."""
    columns = [c for c in ("total", "accounts", "cashless", "count") if c in frame.columns]
    problems = []
    for column in columns:
        values = _counts(frame, column)
        for row in _records(frame[(values < 0).fillna(False)]):
            label = LABELS.get(column, "chỉ tiêu")
            problems.append(_problem(row, ERROR, f"{label} là số âm ({vi_number(row[column])})."))
    return problems


def missing_counts(frame: pd.DataFrame, ctx: Context) -> list[Problem]:
    """Every stored report has a total and a cashless count; the rate is computed from them."""
    if not _has(frame, "total", "cashless"):
        return []
    problems = []
    for column in ("total", "cashless"):
        missing = frame[column].isna()
        # A group with no such figure at all lacks the column: one message for the file
        # (the importer's), not one per row.
        in_use = (~missing).groupby(frame["grp"]).transform("any") if "grp" in frame else True
        for row in _records(frame[missing & in_use]):
            problems.append(_problem(row, ERROR, f"thiếu {LABELS[column]}."))
    return problems


def above_total(frame: pd.DataFrame, ctx: Context) -> list[Problem]:
    """Beneficiaries with an account, or paid through one, are among the beneficiaries."""
    if not _has(frame, "total"):
        return []
    total = _counts(frame, "total")
    problems = []
    for column in ("accounts", "cashless"):
        if column not in frame.columns:
            continue
        over = (_counts(frame, column) > total).fillna(False)
        for row in _records(frame[over]):
            problems.append(_problem(row, ERROR, (
                f"{LABELS[column]} ({vi_number(row[column])}) lớn hơn tổng số đối tượng "
                f"({vi_number(row['total'])}).")))
    return problems


def rate_tolerance(stated: float) -> float:
    """Half a unit of the last decimal written: "39%" may be 38,5..39,5, "8,67" ±0,1."""
    return float(_tolerances(pd.Series([stated], dtype="Float64")).iloc[0])


def _tolerances(stated: pd.Series) -> pd.Series:
    """rate_tolerance for a whole column: the decimals written are the fewest that keep
    the value (up to 6)."""
    values = stated.astype("Float64")
    decimals = pd.Series(6, index=values.index, dtype="Int64")
    for places in range(5, -1, -1):
        exact = ((values.round(places) - values).abs() < 1e-9).fillna(False)
        decimals = decimals.mask(exact, places)
    half_unit = 0.5 * 10.0 ** (-decimals.astype("Float64"))
    return half_unit.clip(lower=MIN_RATE_TOLERANCE)


def _off(stated: pd.Series, part: pd.Series, whole: pd.Series) -> pd.Series:
    """Where a stated rate is further from part/whole than its rounding allows."""
    whole = whole.astype("Float64")
    computed = part.astype("Float64") / whole.where(whole > 0) * 100
    return ((stated - computed).abs() > _tolerances(stated) + 1e-9).fillna(False).astype(bool)


def _rate_problem(row: dict, stated: float, part, whole, accounts=None) -> Problem:
    computed = part / whole * 100
    share = accounts / whole * 100 if accounts is not None else None
    if share is not None and abs(stated - share) <= rate_tolerance(stated) + 1e-9:
        return _problem(row, WARNING, (
            f"tỷ lệ ghi {vi_number(stated)}% là tỷ lệ đã có tài khoản; tỷ lệ chi trả qua tài "
            f"khoản được tính lại từ số liệu: {vi_number(part)}/{vi_number(whole)} = "
            f"{vi_number(computed)}%."))
    return _problem(row, ERROR, (
        f"tỷ lệ ghi {vi_number(stated)}% nhưng {vi_number(part)}/{vi_number(whole)} = "
        f"{vi_number(computed)}%; hãy kiểm tra lại số liệu."))


def stated_rate(frame: pd.DataFrame, ctx: Context) -> list[Problem]:
    """A stated rate is never stored (it is recomputed), but one that disagrees with the
    counts means a count was mistyped."""
    problems: list[Problem] = []
    if _has(frame, "rate_stated", "total", "cashless"):
        stated = frame["rate_stated"].astype("Float64")
        off = _off(stated, _counts(frame, "cashless"), _counts(frame, "total"))
        for row in _records(frame[off]):
            problems.append(_rate_problem(row, float(row["rate_stated"]), row["cashless"],
                                          row["total"], _value(row, "accounts")))
    if _has(frame, "rate_all_stated", "row_number", "total", "cashless"):
        stated = frame[frame["rate_all_stated"].notna()]
        if stated.empty:
            return problems
        sums = stated.groupby("row_number", sort=True).agg(
            total=("total", "sum"), cashless=("cashless", "sum"),
            rate=("rate_all_stated", "first"))
        off = _off(sums["rate"].astype("Float64"), sums["cashless"], sums["total"])
        firsts = stated.drop_duplicates("row_number").set_index("row_number")
        for number, row in sums[off].iterrows():
            where_row = dict(firsts.loc[number].to_dict(), row_number=number, grp=ALL_GROUPS)
            problems.append(_rate_problem(where_row, float(row["rate"]), int(row["cashless"]),
                                          int(row["total"])))
    return problems


def total_row_mismatch(frame: pd.DataFrame, ctx: Context) -> list[Problem]:
    """A total row that is not the sum of the rows means a row is missing or mistyped.

    Rows are those of the deepest level present; a total row may close its own block
    ("Cộng" after each district), head it (a cluster's subtotal above its communes) or
    cover the whole table: each sum is accepted.
    """
    totals = ctx.totals
    if totals is None or totals.empty or frame.empty:
        return []
    quota = _has(frame, "quarter")
    rows = frame
    if _has(frame, "level") and frame["level"].notna().any():
        deepest = frame["level"].max()
        rows = frame[frame["level"].isna() | (frame["level"] == deepest)]
    totals = totals.sort_values("row_number")
    starts = sorted(set(totals["row_number"]))
    problems = []
    for total in _records(totals):
        if total["value"] is None or pd.isna(total["value"]):
            continue
        summed = _summed(rows, total, quota)
        if summed is None:
            continue
        earlier = [n for n in starts if n < total["row_number"]]
        block = rows
        if _has(rows, "row_number"):
            block = rows[(rows["row_number"] > max(earlier, default=0))
                         & (rows["row_number"] < total["row_number"])]
        block_sum = _summed(block, total, quota) if not block.empty else None
        if total["value"] in (summed, block_sum):
            continue
        if _has(rows, "row_number"):  # a block's subtotal written above its units
            later = [n for n in starts if n > total["row_number"]]
            after = rows[(rows["row_number"] > total["row_number"])
                         & (rows["row_number"] < min(later, default=10**9))]
            if not after.empty and total["value"] == _summed(after, total, quota):
                continue
        label = FIELD_LABELS.get(total["field"], total["field"]).lower()
        grp = total["grp"]
        suffix = f", {GROUP_LABELS[grp]}" if grp in GROUP_LABELS and grp != ALL_GROUPS else ""
        shown = block_sum if block_sum is not None else summed
        problems.append(Problem(int(total["row_number"]), ERROR, (
            f"Dòng {int(total['row_number'])} ({total['label']}): {label}{suffix} ghi "
            f"{vi_number(total['value'])} nhưng cộng các dòng được {vi_number(shown)}.")))
    return problems


def _summed(rows: pd.DataFrame, total: dict, quota: bool) -> int | None:
    """The sum the total row should state, or None when the rows carry no such figure."""
    field_name, grp = total["field"], total["grp"]
    if quota:
        if field_name == "year_total":
            values = rows.loc[rows["grp"] == grp, "count"]
        elif field_name in QUARTER_FIELDS:
            values = rows.loc[(rows["grp"] == grp)
                              & (rows["quarter"] == QUARTER_FIELDS[field_name]), "count"]
        else:
            return None
    else:
        if field_name not in rows.columns:
            return None
        same = rows["grp"] == grp
        if grp == ALL_GROUPS and not same.any():
            same = rows["grp"] != ALL_GROUPS  # the file gives the groups, its total sums them
        values = rows.loc[same, field_name]
    values = pd.to_numeric(values).dropna()
    return int(values.sum()) if len(values) else None


def future_date(frame: pd.DataFrame, ctx: Context) -> list[Problem]:
    """A report cannot describe a day that has not come yet: usually a typo in the date."""
    if frame.empty or not _has(frame, "report_date"):
        return []
    days = sorted({d for d in frame["report_date"] if isinstance(d, dt.date) and d > ctx.today})
    return [Problem(None, ERROR, (
        f"Ngày báo cáo {d:%d/%m/%Y} ở tương lai (hôm nay là {ctx.today:%d/%m/%Y}); hãy kiểm "
        "tra lại ngày trong tiêu đề, tên tệp hoặc ngày đã nhập.")) for d in days]


def cumulative_decrease(frame: pd.DataFrame, ctx: Context) -> list[Problem]:
    """Accounts opened and people paid through them only grow; a fall is worth a look, but
    can be a correction, so it is a warning.

    Compared with the unit's previous report: in `ctx.previous` (stored figures) or earlier
    in the frame itself (a stored series).
    """
    if frame.empty or not _has(frame, "unit_code", "report_date"):
        return []
    fields = [f for f in CUMULATIVE_FIELDS if f in frame.columns]
    new = frame[frame["unit_code"].notna()].assign(_new=True)
    parts = [new]
    if ctx.previous is not None and not ctx.previous.empty:
        parts.insert(0, ctx.previous.assign(_new=False))
    combined = pd.concat(parts, ignore_index=True).sort_values(
        ["unit_code", "grp", "report_date", "_new"], kind="stable")
    problems = []
    for column in fields:
        values = pd.to_numeric(combined[column]).astype("Float64")
        grouped = values.groupby([combined["unit_code"], combined["grp"]])
        before = grouped.shift(1)
        before_day = combined["report_date"].groupby(
            [combined["unit_code"], combined["grp"]]).shift(1)
        fell = (combined["_new"] & (values < before)).fillna(False).astype(bool)
        for index in combined.index[fell]:
            row = combined.loc[index].to_dict()
            day = before_day[index]
            on = f" (báo cáo ngày {day:%d/%m/%Y})" if isinstance(day, dt.date) else ""
            problems.append(_problem(row, WARNING, (
                f"{LABELS[column]} giảm từ {vi_number(before[index])}{on} xuống "
                f"{vi_number(row[column])}; hãy kiểm tra lại.")))
    return problems


RULES: tuple[Rule, ...] = (
    Rule("unit_not_recognised", FIGURE_KINDS + QUOTA_KINDS,
         "Đơn vị không có trong danh mục hoặc trùng tên", unit_not_recognised),
    Rule("unit_twice", FIGURE_KINDS + QUOTA_KINDS, "Một đơn vị ghi hai lần", unit_twice),
    Rule("negative_counts", FIGURE_KINDS + QUOTA_KINDS, "Số âm", negative_counts),
    Rule("missing_counts", FIGURE_KINDS, "Thiếu tổng số hoặc số chi trả qua tài khoản",
         missing_counts),
    Rule("above_total", FIGURE_KINDS, "Số có tài khoản hoặc đã chi trả lớn hơn tổng số",
         above_total),
    Rule("stated_rate", FIGURE_KINDS, "Tỷ lệ ghi trong tệp không khớp số liệu", stated_rate),
    Rule("total_row_mismatch", FIGURE_KINDS + QUOTA_KINDS,
         "Dòng tổng cộng không bằng tổng các dòng", total_row_mismatch),
    Rule("future_date", FIGURE_KINDS, "Ngày báo cáo ở tương lai", future_date),
    Rule("cumulative_decrease", FIGURE_KINDS,
         "Số lũy kế giảm so với báo cáo trước (cảnh báo)", cumulative_decrease),
)
BY_NAME = {r.name: r for r in RULES}


def run(frame: pd.DataFrame, ctx: Context | None = None, *, kind: str = "progress",
        rules: Iterable[str] | None = None) -> list[Problem]:
    """Every rule for this kind of data (or the named ones), problems in row order."""
    ctx = ctx or Context()
    chosen = [BY_NAME[n] for n in rules] if rules is not None else RULES
    problems = [p if p.rule else dataclasses.replace(p, rule=rule.name)
                for rule in chosen if kind in rule.kinds for p in rule.check(frame, ctx)]
    return sort_problems(problems)


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """File-level problems first, then by row; errors before warnings on a row."""
    return sorted(problems, key=lambda p: (p.row_number is not None, p.row_number or 0,
                                           p.severity != ERROR))
