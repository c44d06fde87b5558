"""How people word a report's headers: the one home of the import's vocabulary.

Matching works on folded text (`key`: lower case, no diacritics, đ → d, punctuation as single
spaces), so "Tỷ lệ", "TỈ LỆ", "Tỷ lệ (%)", NFD text and old/new tone placement (ủy / uỷ)
compare equal. Each figure has its many wordings and their mixtures here ("chi trả / hưởng /
nhận / lĩnh qua tài khoản / TK / ngân hàng", "không dùng tiền mặt", "chuyển khoản", …),
tried in order, specific before generic; tests/test_vocabulary.py holds the table
wording → meaning that keeps them honest.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# --- folding ---------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def fold_char(char: str) -> str:
    if char in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", char)[0].lower()
    return base if len(base) == 1 else char


def fold(text: str) -> str:
    """Lower case without diacritics; one character per character of the NFC text."""
    text = unicodedata.normalize("NFC", text)
    if text.isascii():
        return text.lower()
    return "".join(map(fold_char, text))


@lru_cache(maxsize=65536)
def key(text: str) -> str:
    """Folded text with punctuation as single spaces: the form all patterns match against."""
    return " ".join(re.sub(r"[^a-z0-9%]+", " ", fold(text)).split())


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
