"""How people word a report: the one home of the import's vocabulary (headers, groups, unit
columns, total, subtotal and signature rows, index rows); text folding is core.text's.

Matching works on folded text (`key`: lower case, no diacritics, đ → d, punctuation as single
spaces), so "Tỷ lệ", "TỈ LỆ", "Tỷ lệ (%)", NFD text and old/new tone placement (ủy / uỷ)
compare equal. Each figure has its many wordings and their mixtures here ("chi trả / hưởng /
nhận / lĩnh qua tài khoản / TK / ngân hàng", "không dùng tiền mặt", "chuyển khoản", …),
tried in order, specific before generic; tests/ingest/test_vocabulary.py holds the table
wording → meaning that keeps them honest.
"""

from __future__ import annotations

import re

from core.text import key
from core.vocabulary import ALL_GROUPS

# --- figures ---------------------------------------------------------------------------------

# What "through an account" is said with: verbs of paying or receiving, then the channel.
_PAID = r"(?:chi( tra)?|tra|huong|nhan|linh|thanh toan|chuyen( tien)?|cap phat)"
_BENEFIT = r"(?: (?:tro cap|tien|che do|chinh sach|tro cap xa hoi|tcxh|ascx|asxh))?"
_VIA = r"(?:qua|vao|bang|tren)"
_CHANNEL = (r"(?:tai khoan|tk|ngan hang|nh|the atm|the ngan hang|the|vi dien tu"
            r"|dich vu thanh toan|buu dien dien tu)")
CASHLESS_PATTERN = (
    rf"\b{_PAID}{_BENEFIT} {_VIA} {_CHANNEL}\b"
    r"|\bkhong (dung|su dung|bang) tien mat\b|\bchuyen khoan\b|\bda chi tra\b"
    r"|\bkdtm\b|\bqua tai khoan\b"
)
ACCOUNTS_PATTERN = (
    r"\b(co|mo|da co|da mo|co san) (duoc )?(tai khoan|tk)\b|\btai khoan (ca nhan )?da (co|mo)\b"
    r"|\bco tk\b|\bso tk da (co|mo)\b"
)
# A rate under a band about accounts is the share with an account, not the headline rate.
ACCOUNT_RATE_PATTERN = r"\b(co|mo) (tai khoan|tk)\b"
# Figure columns, tried in order on each header part from the bottom up: specific wordings
# before generic ones ("qua tài khoản người được ủy quyền" before "qua tài khoản").
# NOT_A_FIGURE wordings look like a figure but are not one the dashboard stores: those
# without an account yet, the day's increase, payments in cash.
NOT_A_FIGURE = "-"
FIELD_PATTERNS: tuple[tuple[str, str], ...] = (
    ("q1", r"\bquy (1|i)\b"),
    ("q2", r"\bquy (2|ii)\b"),
    ("q3", r"\bquy (3|iii)\b"),
    ("q4", r"\bquy (4|iv)\b"),
    ("year_share_pct", r"\b(ty|ti) le\b.*\bnam\b"),
    ("year_total", r"\bca nam\b"),
    ("proxy_paid", r"\buy quyen\b|\bnguoi nhan thay\b|\bnguoi giam ho\b"),
    ("cash_at_home", r"\bbat kha khang\b|\btai nha\b"),
    ("id_problem", r"\b(khong|chua) co (cccd|can cuoc|cmnd|ma dinh danh)\b|\blech thong tin\b"
                   r"|\bsai lech\b|\bkhong tim thay\b|\bkhong xac thuc duoc\b"
                   r"|\bxac thuc (khong thanh cong|that bai)\b"),
    ("id_pending", r"\b(cho|chua|dang) xac thuc\b"),
    ("id_verified", r"\b(da|duoc) xac thuc\b|\bxac thuc thanh cong\b"),
    (NOT_A_FIGURE, r"\bchua (duoc )?(co|mo|chi|nhan|huong)\b|\btrong (ngay|tuan|thang)\b"
                   r"|\btang them\b|\bphat sinh\b|\btang so voi\b"
                   r"|\b(bang|nhan|truc tiep|linh|chi tra|chi) tien mat\b|\bcon lai\b"
                   r"|\bchenh lech\b"),
    ("rate", r"\b(ty|ti) (le|trong)\b|^%$|\bphan tram\b"),
    ("accounts", ACCOUNTS_PATTERN),
    ("cashless", CASHLESS_PATTERN),
    ("total", r"\btong so\b|\bdang huong\b|\bso doi tuong\b|^tong$|^tong cong$"
              r"|\btong (doi tuong|dt)\b|\bso (nguoi|dt)\b|\bdoi tuong huong\b"
              r"|\bdang nhan\b|\bhuong tro cap hang thang\b"),
)
GROUP_PATTERNS: tuple[tuple[str, str], ...] = (
    ("ncc", r"\bncc\b|\bnguoi co cong\b|\buu dai nguoi co cong\b|\bcach mang\b"),
    ("btxh", r"\bbtxh\b|\bbao tro xa hoi\b|\btro giup xa hoi\b|\btro cap xa hoi\b|\btcxh\b"
             r"|\bdtbtxh\b"),
    ("ngheo", r"\bho ngheo\b|\bcan ngheo\b|\bhn hcn\b|\bhcn\b"),
)


def _compile(patterns) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((name, re.compile(pattern)) for name, pattern in patterns)


FIELD_RES = _compile(FIELD_PATTERNS)
GROUP_RES = _compile(GROUP_PATTERNS)
ACCOUNT_RATE_RE = re.compile(ACCOUNT_RATE_PATTERN)
CASHLESS_RE = dict(FIELD_RES)["cashless"]


def field_of(text: str) -> str | None:
    """The figure one header part names ("-" for a figure the dashboard does not keep), or
    None; the first pattern that matches wins."""
    text_key = key(text)
    for name, pattern in FIELD_RES:
        if pattern.search(text_key):
            return name
    return None


def fields_named(text: str) -> list[str]:
    """Every stored figure a header part could mean, in the vocabulary's order: where the
    words leave more than one reading, the data decide between these."""
    text_key = key(text)
    return [name for name, pattern in FIELD_RES
            if name != NOT_A_FIGURE and pattern.search(text_key)]


def groups_named(text: str) -> list[str]:
    """The beneficiary groups a text names (a title, a band, a sheet name, a cell)."""
    text_key = key(text)
    return [g for g, pattern in GROUP_RES if pattern.search(text_key)]


def group_of_text(text: str) -> str | None:
    """The one group a text names, else None (none, or several)."""
    found = groups_named(text)
    return found[0] if len(found) == 1 else None


# --- columns, rows and totals ---------------------------------------------------------------

# Columns whose leaf says this are notes, never figures, whatever the band above them says.
IGNORED_COLUMN_PATTERN = (
    r"\bghi chu\b|\bnguyen nhan\b|\bly do\b|\bde xuat\b|\bkien nghi\b|\bdien thoai\b"
    r"|\bho (va )?ten\b|\bnguoi phu trach\b|\bchuc vu\b|\bdia chi\b|\bdon vi tinh\b|^dvt$"
)


ORDER_PATTERN = r"^(s ?t ?t|so tt|t ?t|thu tu|so thu tu)$"


# A column naming the group on each row, for tables with one row per unit and group.
GROUP_COLUMN_PATTERN = r"^((nhom|loai) )?doi tuong( chinh sach| huong| asxh)?$|^nhom$"


# Unit columns are made of these words only ("Xã, phường, thị trấn", "Tỉnh/Thành phố",
# "Tên đơn vị", "Mã huyện"); the level comes from which words appear.
_UNIT_WORD = (
    r"(?:tinh|thanh pho|tp|tw|trung uong|truc thuoc|thuoc|huyen|quan|thi xa|tx|xa|phuong"
    r"|thi tran|tt|don vi|dvhc|dv|dia phuong|dia ban|hanh chinh|cap|ten|so|va|hoac)"
)


UNIT_LABEL_PATTERN = rf"^(?:ma )?{_UNIT_WORD}(?: {_UNIT_WORD})*$"


CODE_LABEL_PATTERN = r"^ma\b"


# Subtotals of a block of units: a cluster, an area, a region ("Cụm phía Bắc", "Khu vực 1").
SUBTOTAL_ROW_PATTERN = r"^(cum|khu vuc|vung|tieu vung|mien|cong cum|cong khu vuc)\b"


TOTAL_ROW_PATTERN = (
    r"^(tong cong|tong so|tong|cong|cong (toan|huyen|tinh|xa)\b.*|toan (tinh|huyen|quoc|thanh pho"
    r"|thi xa|xa|phuong|thi tran|nganh)\b.*|ca nuoc|tong toan\b.*)$"
)


STOP_ROW_PATTERN = (
    r"^(nguoi lap|nguoi bao cao|can bo lap|tm |t m |kt |ghi chu|noi nhan|chu tich|pho chu tich"
    r"|thu truong|giam doc|pho giam doc|truong phong|pho truong phong|lanh dao|xac nhan|ky ten"
    r"|ke toan|chanh van phong)|\bngay( \d+)? thang( \d+)? nam\b"
)


SECTION_ORDER_PATTERN = r"^(?=[ivxlc]+$)[ivxlc]{1,6}$|^[a-e]$"


INDEX_TOKEN_PATTERN = (
    r"^\(?\$?\s*[A-Za-z0-9]{1,3}(\s*[=+\-*/x:]\s*\(?[A-Za-z0-9]{1,3}\)?)*\s*\$?\)?$"
)


# Dashes mean "none"; Excel error values (a rate dividing by a zero total) in CSV exports too.
EMPTY_MARKS = frozenset({"-", "–", "—", "…", "...", "--", "#DIV/0!", "#N/A", "#VALUE!", "#REF!",
                         "#NAME?", "#NUM!", "#NULL!"})
IGNORED_RE = re.compile(IGNORED_COLUMN_PATTERN)
ORDER_RE = re.compile(ORDER_PATTERN)
GROUP_COLUMN_RE = re.compile(GROUP_COLUMN_PATTERN)
UNIT_LABEL_RE = re.compile(UNIT_LABEL_PATTERN)
CODE_LABEL_RE = re.compile(CODE_LABEL_PATTERN)
TOTAL_ROW_RE = re.compile(TOTAL_ROW_PATTERN)
SUBTOTAL_ROW_RE = re.compile(SUBTOTAL_ROW_PATTERN)
STOP_ROW_RE = re.compile(STOP_ROW_PATTERN)
SECTION_RE = re.compile(SECTION_ORDER_PATTERN)
INDEX_TOKEN_RE = re.compile(INDEX_TOKEN_PATTERN)
YEAR_RE = re.compile(r"\b(20\d\d)\b")


def row_group(text: str | None) -> str | None:
    """The group a row names in a group column; a total line over the groups is "all"."""
    if not text:
        return None
    text_key = key(text)
    if TOTAL_ROW_RE.match(text_key) or text_key in ("tat ca", "chung", "tong so doi tuong"):
        return ALL_GROUPS
    found = [g for g, p in GROUP_RES if p.search(text_key)]
    return found[0] if len(found) == 1 else None
