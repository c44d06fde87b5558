"""Beneficiary lists (one row per person) counted per commune and group, nothing else kept.

Offices often send the list itself instead of a summary: Phụ lục 2 of the rollout plan, or an
export of MIS POSASOFT or of the DC01 population data, with per person the name, the ID
number (CCCD / số định danh), date of birth, commune, group, how they are paid (cash or
through an account), account number, bank and the state of the ID check. The dashboard only
needs counts, so such a sheet is recognised by its header and replaced, before anything else
reads it, by a small table with one row per commune (and group, when the list says it) and
the columns every report has: total, with an account, paid through an account, and the ID
check counts. That table is an ordinary `Sheet` (its header worded like a report's) that
`core.ingest.sheets.parse_workbook` reads like any office's summary.

No personal data leaves this module: the counted sheet holds the title lines above the list
(the authority, the report's name and date), the commune and district names as written and
the counts; names, ID numbers, dates of birth, account numbers and banks are read only to be
counted. Problems name no person and quote no cell: they give counts and column letters.

API: count_person_lists(sheets) -> (sheets, PersonCount | None); is_person_list(sheet).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from core.ingest.detect import HEADER_SCAN_ROWS
from core.ingest.model import Sheet
from core.ingest.titles import parent_hint_from_title
from core.ingest.vocabulary import CASHLESS_RE, GROUP_PATTERNS, TOTAL_ROW_PATTERN
from core.text import key
from core.vocabulary import FIELD_LABELS, GROUP_LABELS

# --- column vocabulary (on layouts.key text: lower case, no diacritics, punctuation spaces) --

COLUMN_PATTERNS: tuple[tuple[str, str], ...] = (
    ("birth", r"\b(ngay|nam|ngay thang nam) sinh\b"),
    ("id", r"\bcccd\b|\bcmnd\b|\bcan cuoc\b|\bdinh danh\b|\bso cmt\b"),
    ("account_number", r"^(so )?(tai khoan|tk)( ngan hang| nhan tien| nhan tro cap)?$|^stk$"
                       r"|\bso (tai khoan|tk)\b"),
    ("has_account", r"^(da )?(co|mo) (tai khoan|tk)\b"),
    ("bank", r"\bngan hang\b|\bchi nhanh\b"),
    ("payment", r"\b(hinh thuc|phuong thuc|cach) (chi tra|nhan|chi|thanh toan)\b"
                r"|^hinh thuc$|^phuong thuc$"),
    ("verification", r"\bxac thuc\b|\bdoi soat\b|\bdoi chieu\b|^trang thai$"),
    ("commune_code", r"^ma (xa|phuong|dvhc|don vi hanh chinh)( (xa|phuong|thi tran))*$"),
    ("commune", r"^(ten )?(don vi hanh chinh cap xa|(xa|phuong|thi tran)( (xa|phuong|thi tran))*"
                r"|dia ban xa|xa noi cu tru)$"),
    ("district", r"^(ten )?(huyen|quan|thi xa)( (huyen|quan|thi xa|thanh pho))*$"),
    ("group", r"^((nhom|loai|dien) )?doi tuong( chinh sach| huong| asxh| bao tro xa hoi)?$"
              r"|^nhom$|^(nhom|loai) doi tuong\b|^che do( huong)?$"),
    ("name", r"^(ho (va )?ten|ho ten doi tuong|ho va ten doi tuong|ten doi tuong"
             r"|ho ten nguoi huong|ho va ten nguoi huong)$"),
)
_COLUMN_RES = tuple((role, re.compile(pattern)) for role, pattern in COLUMN_PATTERNS)
# Columns that say which person a row is about; a list has a name and an ID or birth date.
_PERSON_ROLES = frozenset({"id", "birth"})
# Columns only a person-level list has next to the name (a summary has counts instead).
_DETAIL_ROLES = frozenset({"account_number", "bank", "payment", "verification", "id", "birth"})

# --- value vocabulary --------------------------------------------------------------------

# Groups as lists name them: the three of the dashboard, or the categories within them.
_GROUP_VALUE_RES: tuple[tuple[str, re.Pattern[str]], ...] = (
    *((g, re.compile(p)) for g, p in GROUP_PATTERNS),
    ("ncc", re.compile(r"\bthuong binh\b|\bbenh binh\b|\bliet si\b|\bkhang chien\b"
                       r"|\bchat doc hoa hoc\b|\bba me viet nam anh hung\b|\bcach mang\b")),
    ("btxh", re.compile(r"\bcao tuoi\b|\bkhuyet tat\b|\bmo coi\b|\bdon than\b|\bnct\b|\bnkt\b"
                        r"|\bhoan canh dac biet\b|\bnghi dinh 20\b|\bnd 20\b|\btro cap xa hoi\b")),
)
# How a payment method cell says "through an account": the report headers' wordings
# (vocabulary.CASHLESS_RE), or the channel alone as lists write it ("ATM", "Ngân hàng").
_CASHLESS_RE = re.compile(CASHLESS_RE.pattern + r"|\btai khoan\b|\btk\b|\bngan hang\b"
                          r"|\batm\b|\bvi dien tu\b|\bmobile money\b")
_NOT_CASH_RE = re.compile(r"\bkhong (dung|su dung|bang|phai) tien mat\b")
_CASH_RE = re.compile(r"\btien mat\b|\btruc tiep\b|\btai nha\b|\bbuu dien\b")
_NO_RE = re.compile(r"^(khong|chua|chua co|khong co|chua mo|k|0|n|no|false|sai|-)$")
_YES_RE = re.compile(r"^(co|da co|da mo|x|v|1|yes|true|dung)$")
_VERIFY_PROBLEM_RE = re.compile(
    r"\bkhong tim thay\b|\blech\b|\bsai\b|\bkhong khop\b|\bthat bai\b|\bkhong hop le\b"
    r"|\b(khong|chua) co (cccd|can cuoc|cmnd|ma dinh danh)\b|\bkhong xac thuc duoc\b|\bloi\b")
_VERIFY_PENDING_RE = re.compile(r"\b(cho|chua|dang) (xac thuc|doi soat|kiem tra)\b|\bcho\b")
_VERIFY_DONE_RE = re.compile(r"\b(da|duoc) xac thuc\b|\bxac thuc thanh cong\b|\bthanh cong\b"
                             r"|\bkhop\b|\bhop le\b|\bda doi soat\b")
_TOTAL_RE = re.compile(TOTAL_ROW_PATTERN)
_SECTION_RE = re.compile(r"^(([ivxlc]+|\d+|[a-z])\s+)?(xa|phuong|thi tran)\s+\S")
_FIGURE_WORD_RE = re.compile(r"\btong so\b|\bty le\b|\bso (doi tuong|nguoi)\b")

# Header words of the counted table: worded as reports word them (core.ingest reads them).
HEADER = {
    "order": "STT", "district": "Huyện", "commune_code": "Mã xã",
    "commune": "Xã, phường, thị trấn", "group": "Nhóm đối tượng",
    **{f: FIELD_LABELS[f] for f in ("total", "accounts", "cashless", "id_verified", "id_pending")},
    "id_problem": "Không tìm thấy, lệch thông tin",
}
_MAX_TITLE_ROWS = 8


@dataclass
class PersonCount:
    """What counting the lists of a file found: how many people, and what was not counted."""

    sheet_names: list[str] = field(default_factory=list)
    people: int = 0
    units: int = 0
    counted_fields: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=list)

    def notice_vi(self) -> str:
        """The sentence the upload page and the CLI show."""
        sheets = ", ".join(f"«{name}»" for name in self.sheet_names)
        what = (f"Trang tính {sheets} là danh sách từng người" if len(self.sheet_names) == 1
                else f"Các trang tính {sheets} là danh sách từng người")
        return (f"{what}: đã đếm {_vi_int(self.people)} người, gộp thành "
                f"{_vi_int(self.units)} dòng theo xã và nhóm đối tượng; không lưu thông tin cá "
                "nhân nào (họ tên, số định danh, ngày sinh, số tài khoản, ngân hàng).")


def count_person_lists(sheets: list[Sheet]) -> tuple[list[Sheet], PersonCount | None]:
    """The sheets with each person-level list replaced by its counts (same name, place and
    visibility); what was counted in all of them, or None when there is no list."""
    out: list[Sheet] = []
    summaries: list[PersonCount] = []
    for sheet in sheets:
        header = _find_header(sheet)
        if header is None:
            out.append(sheet)
            continue
        counted, summary = _count(sheet, *header)
        out.append(counted)
        summaries.append(summary)
    if not summaries:
        return out, None
    if len(summaries) == 1:
        return out, summaries[0]
    found = PersonCount()
    for summary in summaries:  # one list per sheet (a commune each): counted together
        found.sheet_names += summary.sheet_names
        found.people += summary.people
        found.units += summary.units
        found.warnings += [f"Trang tính «{summary.sheet_names[0]}»: {w}"
                           for w in summary.warnings]
    found.counted_fields = summaries[0].counted_fields
    return out, found


def is_person_list(sheet: Sheet) -> bool:
    return _find_header(sheet) is not None


# --- header --------------------------------------------------------------------------------


def _find_header(sheet: Sheet) -> tuple[int, dict[str, int]] | None:
    """(header row index, role -> column) of a person-level list, or None.

    A list's header names a person (a name column) and identifies them (ID number or date of
    birth), next to other per-person details; its header row may span two rows (a band over
    "Số tài khoản | Ngân hàng"), so each row is read with the row above filled in.
    """
    rows = sheet.rows[:HEADER_SCAN_ROWS]
    best: tuple[int, dict[str, int]] | None = None
    for index, row in enumerate(rows):
        roles = _column_roles(row, rows[index - 1] if index else None)
        if ("name" in roles and roles.keys() & _PERSON_ROLES
                and len(roles.keys() & _DETAIL_ROLES) >= 2
                and not any(_FIGURE_WORD_RE.search(key(c)) for c in row if isinstance(c, str))
                and (best is None or len(roles) > len(best[1]))):
            best = index, roles
    return best


def _column_roles(row: list[object], above: list[object] | None) -> dict[str, int]:
    """Each role's first column, from the row's own words, else from the row above (the
    band of a two-row header, or a label merged down over both rows)."""
    roles: dict[str, int] = {}
    for column in range(len(row)):
        for source in (row, above):
            cell = source[column] if source is not None and column < len(source) else None
            role = _role_of(cell) if isinstance(cell, str) else None
            if role is not None:
                roles.setdefault(role, column)
                break
    return roles


def _role_of(text: str) -> str | None:
    text_key = key(text)
    for role, pattern in _COLUMN_RES:
        if pattern.search(text_key):
            return role
    return None


# --- counting ------------------------------------------------------------------------------


@dataclass
class _Tally:
    total: int = 0
    accounts: int = 0
    cashless: int = 0
    id_verified: int = 0
    id_pending: int = 0
    id_problem: int = 0


def _count(sheet: Sheet, header_index: int, roles: dict[str, int]) -> tuple[Sheet, PersonCount]:
    summary = PersonCount([sheet.name])
    tallies: dict[tuple[str | None, str, str | None], _Tally] = {}
    skipped: Counter[str] = Counter()
    section = None if "commune" in roles or "commune_code" in roles else _title_commune(
        sheet, header_index)
    for row in sheet.rows[header_index + 1:]:
        cells = {role: _text(row, column) for role, column in roles.items()}
        if not _is_person(cells):
            section = _section(row) or section
            continue
        commune = cells.get("commune") or cells.get("commune_code") or section
        if not commune:
            skipped["no_commune"] += 1
            continue
        group = None
        if "group" in roles:
            group = _group_of(cells.get("group"))
            if group is None:
                skipped["no_group"] += 1
                continue
        unit_key = (cells.get("district"), commune, group)
        tally = tallies.setdefault(unit_key, _Tally())
        _tally_person(tally, cells, roles)
        summary.people += 1
    fields = _counted_fields(roles)
    summary.counted_fields = fields
    summary.units = len(tallies)
    summary.warnings = _warnings(skipped, roles)
    rows = _title_rows(sheet, header_index)
    rows.append(_header_row(roles, fields))
    for number, ((district, commune, group), tally) in enumerate(tallies.items(), start=1):
        rows.append(_unit_row(number, roles, district, commune, group, tally, fields))
    width = max(len(r) for r in rows)
    rows = [r + [None] * (width - len(r)) for r in rows]
    return Sheet(sheet.name, rows, None, sheet.visible, sheet.source_format), summary


def _text(row: list[object], column: int) -> str | None:
    if column >= len(row) or row[column] is None:
        return None
    value = row[column]
    text = str(value).strip() if not isinstance(value, float) else f"{value:g}"
    return text or None


def _is_person(cells: dict[str, str | None]) -> bool:
    """A row about one person: an ID number, or a name that is no total or signature line."""
    if cells.get("id"):
        return True
    name = cells.get("name")
    if not name or _TOTAL_RE.match(key(name)):
        return False
    return bool(cells.get("birth") or cells.get("commune") or cells.get("account_number")
                or cells.get("payment"))


def _title_commune(sheet: Sheet, header_index: int) -> str | None:
    """The commune a one-commune list names above its header ("UBND XÃ BÌNH TRỊ")."""
    lines = [c for row in sheet.rows[:header_index] for c in row
             if isinstance(c, str) and c.strip()]
    hint = parent_hint_from_title(lines)
    return hint if hint and _SECTION_RE.match(key(hint)) else None


def _section(row: list[object]) -> str | None:
    """A row naming the commune of the people below it ("II. Xã Bình Trị"), alone on its row."""
    texts = [c for c in row if c is not None and str(c).strip()]
    if len(texts) == 2 and key(str(texts[0])) and re.fullmatch(r"[ivxlc\d]+|[a-z]",
                                                                  key(str(texts[0]))):
        texts = texts[1:]
    if len(texts) != 1 or not isinstance(texts[0], str):
        return None
    text = texts[0].strip()
    if not _SECTION_RE.match(key(text)):
        return None
    return re.sub(r"^\s*([IVXLCivxlc]+|\d+|[A-Za-z])[.)/\s]+(?=\S)", "", text).strip()


def _group_of(text: str | None) -> str | None:
    if not text:
        return None
    text_key = key(text)
    found = {g for g, pattern in _GROUP_VALUE_RES if pattern.search(text_key)}
    return found.pop() if len(found) == 1 else None


def _tally_person(tally: _Tally, cells: dict[str, str | None], roles: dict[str, int]) -> None:
    tally.total += 1
    payment = key(cells.get("payment") or "")
    in_cash = _CASH_RE.search(_NOT_CASH_RE.sub("", payment))  # "không dùng tiền mặt" is not
    paid_to_account = bool(_CASHLESS_RE.search(payment)) and not in_cash
    has_account = paid_to_account or _has_account(cells)
    tally.accounts += has_account
    tally.cashless += paid_to_account
    if "verification" in roles:
        state = key(cells.get("verification") or "")
        if _VERIFY_PROBLEM_RE.search(state):
            tally.id_problem += 1
        elif _VERIFY_PENDING_RE.search(state) or not state:
            tally.id_pending += 1
        elif _VERIFY_DONE_RE.search(state):
            tally.id_verified += 1
        else:
            tally.id_pending += 1


def _has_account(cells: dict[str, str | None]) -> bool:
    flag = cells.get("has_account")
    if flag is not None:
        flag_key = key(flag)
        if _YES_RE.match(flag_key):
            return True
        if _NO_RE.match(flag_key):
            return False
    number = cells.get("account_number")
    return number is not None and not _NO_RE.match(key(number)) and any(
        ch.isdigit() for ch in number)


def _counted_fields(roles: dict[str, int]) -> tuple[str, ...]:
    fields = ["total"]
    if roles.keys() & {"account_number", "has_account", "payment"}:
        fields.append("accounts")
    if "payment" in roles:
        fields.append("cashless")
    if "verification" in roles:
        fields += ["id_verified", "id_pending", "id_problem"]
    return tuple(fields)


def _warnings(skipped: Counter[str], roles: dict[str, int]) -> list[str]:
    warnings = []
    if skipped["no_commune"]:
        warnings.append(f"{_vi_int(skipped['no_commune'])} người trong danh sách không ghi "
                        "xã/phường nên không được đếm vào xã nào.")
    if skipped["no_group"]:
        warnings.append(f"{_vi_int(skipped['no_group'])} người có nhóm đối tượng không nhận ra "
                        "được (không thuộc người có công, bảo trợ xã hội hay hộ nghèo, hộ cận "
                        "nghèo) nên không được đếm.")
    if "payment" not in roles:
        warnings.append("Danh sách không có cột hình thức chi trả (tiền mặt / qua tài khoản) "
                        "nên không đếm được số người đã chi trả qua tài khoản.")
    return warnings


# --- the counted table -------------------------------------------------------------------


def _title_rows(sheet: Sheet, header_index: int) -> list[list[object]]:
    """The text lines above the list (authority, title, date), one per row, at most a few:
    cells of people never stand above the header."""
    lines: list[list[object]] = []
    for row in sheet.rows[max(0, header_index - _MAX_TITLE_ROWS):header_index]:
        texts = [c for c in row if isinstance(c, str) and c.strip()]
        lines.append([" ".join(texts)] if texts else [None])
    return lines


def _header_row(roles: dict[str, int], fields: tuple[str, ...]) -> list[object]:
    header: list[object] = [HEADER["order"]]
    if "district" in roles:
        header.append(HEADER["district"])
    header.append(HEADER["commune_code"] if _by_code(roles) else HEADER["commune"])
    if "group" in roles:
        header.append(HEADER["group"])
    header += [HEADER[f] for f in fields]
    return header


def _by_code(roles: dict[str, int]) -> bool:
    return "commune_code" in roles and "commune" not in roles


def _unit_row(number: int, roles: dict[str, int], district: str | None, commune: str,
              group: str | None, tally: _Tally, fields: tuple[str, ...]) -> list[object]:
    row: list[object] = [number]
    if "district" in roles:
        row.append(district)
    row.append(commune)
    if "group" in roles:
        row.append(GROUP_LABELS[group] if group else None)
    row += [getattr(tally, f) for f in fields]
    return row


def _vi_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")
