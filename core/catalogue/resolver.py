"""Turn a unit name as typed in a government spreadsheet into a unit of the 2024 catalogue.

Spreadsheets write the same unit in many ways: with or without its type prefix ("Huyện",
"H.", "TT"), in upper case, with old or new tone placement ("Hoà"/"Hòa"), in composed or
decomposed Unicode, with merged syllables ("Đakrông") or a missing letter ("ĐaKông"). Every
name is therefore reduced to a key that ignores case, spacing, punctuation and tone
placement, but keeps tones, circumflex, breve, horn and "đ" (they tell different places
apart). Exact key matches are tried first; an edit-distance match is accepted only when it
is clearly better than every other candidate, so a bad name is reported, never guessed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from rapidfuzz import process
from rapidfuzz.distance import Indel

from core.catalogue.names import readable_names
from core.catalogue.units import Unit, by_code, catalogue, format_code, split_kind
from core.text import strip_marks
from core.vocabulary import CODE_WIDTH, COMMUNE, DISTRICT, PROVINCE, UNIT_KIND_LABELS

Status = Literal["ok", "unknown", "ambiguous"]

MAX_CANDIDATES = 5

KIND_LEVELS = {
    "tinh": PROVINCE, "thanh_pho_tw": PROVINCE,
    "thanh_pho": DISTRICT, "thi_xa": DISTRICT, "huyen": DISTRICT, "quan": DISTRICT,
    "thi_tran": COMMUNE, "phuong": COMMUNE, "xa": COMMUNE,
}

# -- Name keys --------------------------------------------------------------------------------

# Tone marks become a symbol written after the syllable's vowels, so "hoà" and "hòa" share
# a key. The symbols are punctuation, which never survives tokenising, so they cannot clash.
_TONE_SYMBOLS = {"\u0300": "`", "\u0301": "'", "\u0303": "~", "\u0309": "?", "\u0323": "."}
# Circumflex, breve and horn make different letters (â, ă, ơ...), not different tones.
_LETTER_MARKS = {"\u0302", "\u0306", "\u031b"}
_VOWELS = frozenset("aăâeêioôơuưy")
# Some fonts and keyboards type the Icelandic eth instead of the Vietnamese "đ".
_LOOKALIKES = str.maketrans({"Ð": "đ", "ð": "đ", "Đ": "đ"})
_TOKEN = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")


@cache
def _split_char(ch: str) -> tuple[str, str, str]:
    """(letter without tone, tone symbol or "", plain ASCII letter) for one character."""
    decomposed = unicodedata.normalize("NFD", ch)
    tone = next((_TONE_SYMBOLS[m] for m in decomposed if m in _TONE_SYMBOLS), "")
    kept = "".join(m for m in decomposed if not unicodedata.combining(m) or m in _LETTER_MARKS)
    letter = unicodedata.normalize("NFC", kept)
    plain = strip_marks(ch)
    return letter, tone, plain


def _token_key(token: str) -> tuple[str, str]:
    """Tone-placement-free key and ASCII key of one word (or of several merged syllables)."""
    if token.isdecimal():
        number = str(int(token))  # "Phường 01" is "Phường 1"
        return number, number
    key: list[str] = []
    plain: list[str] = []
    tone = ""
    for ch in token:
        letter, mark, ascii_letter = _split_char(ch)
        plain.append(ascii_letter)
        in_vowels = bool(key) and key[-1] in _VOWELS
        if tone and in_vowels and letter not in _VOWELS:
            key.append(tone)
            tone = ""
        key.append(letter)
        tone = mark or tone
    key.append(tone)
    return "".join(key), "".join(plain)


def clean_text(text: str) -> str:
    """Lower-case NFC text with every run of whitespace (tabs, NBSP...) made one space."""
    text = unicodedata.normalize("NFC", str(text)).translate(_LOOKALIKES).lower()
    return " ".join(text.split())


def name_keys(text: str) -> tuple[str, str]:
    """(key, ASCII key) of a name; both ignore spaces, punctuation, case and tone placement."""
    pairs = [_token_key(t) for t in _TOKEN.findall(clean_text(text))]
    return "".join(k for k, _ in pairs), "".join(a for _, a in pairs)


# -- Prefixes ---------------------------------------------------------------------------------

_CITY = frozenset({"thanh_pho", "thanh_pho_tw"})
# (pattern, kinds); matched against clean_text() output, so lower case and single spaces.
# One-letter abbreviations need their dot: "H Bông" and "P Rao" are real names.
_PREFIXES: list[tuple[str, frozenset[str]]] = [
    (r"thành phố\b|tp\b\.?|tp\.", _CITY),
    (r"thị xã\b|tx\b\.?|tx\.", frozenset({"thi_xa"})),
    (r"thị trấn\b|tt\b\.?|tt\.", frozenset({"thi_tran"})),
    (r"tỉnh\b|t\.", frozenset({"tinh"})),
    (r"huyện\b|h\.", frozenset({"huyen"})),
    (r"quận\b|q\.|q(?= ?\d)", frozenset({"quan"})),
    (r"phường\b|p\.|p(?= ?\d)", frozenset({"phuong"})),
    (r"xã\b|x\.", frozenset({"xa"})),
]
# Without diacritics the prefix words are only recognised when the whole name has none
# either; otherwise "Tịnh Biên" or "Quan Sơn" would lose their first syllable.
_ASCII_PREFIXES: list[tuple[str, frozenset[str]]] = [
    (r"thanh pho\b", _CITY), (r"thi xa\b", frozenset({"thi_xa"})),
    (r"thi tran\b", frozenset({"thi_tran"})), (r"tinh\b", frozenset({"tinh"})),
    (r"huyen\b", frozenset({"huyen"})), (r"quan\b", frozenset({"quan"})),
    (r"phuong\b", frozenset({"phuong"})), (r"xa\b", frozenset({"xa"})),
]
_PREFIX_RE = [(re.compile(rf"(?:{p})\s*"), kinds) for p, kinds in _PREFIXES]
_ASCII_PREFIX_RE = [(re.compile(rf"(?:{p})\s*"), kinds) for p, kinds in _ASCII_PREFIXES]
_COUNCIL = re.compile(r"^(?:ubnd|(?:uỷ|ủy) ban nhân dân|uy ban nhan dan)\b\s*")

# The level written after the name: "Thừa Thiên Huế (tỉnh)", "Bình Sơn - huyện".
_SUFFIX_KINDS: dict[str, frozenset[str]] = {
    "tỉnh": frozenset({"tinh"}), "thành phố": _CITY, "tp": _CITY,
    "thị xã": frozenset({"thi_xa"}), "tx": frozenset({"thi_xa"}),
    "thị trấn": frozenset({"thi_tran"}), "huyện": frozenset({"huyen"}),
    "quận": frozenset({"quan"}), "phường": frozenset({"phuong"}), "xã": frozenset({"xa"}),
}
_ASCII_SUFFIX_KINDS: dict[str, frozenset[str]] = {
    "tinh": frozenset({"tinh"}), "thanh pho": _CITY, "thi xa": frozenset({"thi_xa"}),
    "thi tran": frozenset({"thi_tran"}), "huyen": frozenset({"huyen"}),
    "quan": frozenset({"quan"}), "phuong": frozenset({"phuong"}), "xa": frozenset({"xa"}),
}


def _suffix_re(words: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    return re.compile(rf"\s*(?:\(\s*({alternatives})\s*\.?\s*\)|[-–—,:]\s*({alternatives})\.?)$")


_SUFFIX_RE = _suffix_re(_SUFFIX_KINDS)
_ASCII_SUFFIX_RE = _suffix_re(_ASCII_SUFFIX_KINDS)

# Short forms that spreadsheets use for whole provinces, keyed like name_keys(): of the
# name without its prefix, or of the whole text ("TT Huế" is no "Thị trấn Huế").
_ALIASES = {"hcm": "79", "tphcm": "79", "brvt": "77", "tthue": "46", "tth": "46"}


@dataclass(frozen=True, slots=True)
class ParsedName:
    """A cleaned query split into its type prefix (if any) and the name proper."""

    text: str                       # cleaned query, prefix included
    core: str                       # the name without its prefix
    kinds: frozenset[str] | None    # unit kinds the prefix allows; None without a prefix
    is_ascii: bool

    @property
    def levels(self) -> frozenset[int] | None:
        return None if self.kinds is None else frozenset(KIND_LEVELS[k] for k in self.kinds)


def parse_name(text: str) -> ParsedName:
    """Split "TT. Châu Ổ" into kinds {"thi_tran"} and "châu ổ"; drop a leading "UBND"."""
    cleaned = _COUNCIL.sub("", clean_text(text))
    is_ascii = cleaned.isascii()
    suffix = (_ASCII_SUFFIX_RE if is_ascii else _SUFFIX_RE).search(cleaned)
    if suffix and cleaned[:suffix.start()].strip(" .-"):
        word = suffix.group(1) or suffix.group(2)
        kinds = (_ASCII_SUFFIX_KINDS if is_ascii else _SUFFIX_KINDS)[word]
        return ParsedName(cleaned, cleaned[:suffix.start()], kinds, is_ascii)
    patterns = _PREFIX_RE + (_ASCII_PREFIX_RE if is_ascii else [])
    for pattern, kinds in patterns:
        match = pattern.match(cleaned)
        if match and cleaned[match.end():].strip(" .-"):
            return ParsedName(cleaned, cleaned[match.end():], kinds, is_ascii)
    return ParsedName(cleaned, cleaned, None, is_ascii)


# -- Results ----------------------------------------------------------------------------------


def describe_unit(unit: Unit, lookup: Callable[[str], Unit | None] | None = None) -> str:
    """'Xã Bình Minh (Huyện Bình Sơn, Tỉnh Quảng Ngãi)': a name is only unique with its parents."""
    find = lookup or _catalogue_lookup
    parents: list[str] = []
    code = unit.parent_code
    while code and (parent := find(code)) is not None:
        parents.append(parent.name)
        code = parent.parent_code
    return f"{unit.name} ({', '.join(parents)})" if parents else unit.name


def _catalogue_lookup(code: str) -> Unit | None:
    return by_code().get(code)


@dataclass(frozen=True)
class Resolution:
    """Outcome of resolving one name; message() explains it to the person who typed it."""

    query: str
    status: Status
    unit: Unit | None
    candidates: tuple[Unit, ...] = ()
    match_count: int = 0              # units an ambiguous name matches (candidates keeps 5)
    approximate: bool = False         # "ok" from a near match rather than an exact one
    scope: Unit | None = None         # the `parent` the search was restricted to
    describe: Callable[[Unit], str] = field(default=describe_unit, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def message(self) -> str:
        if self.status == "ok" and self.unit is not None:
            return f'Đã nhận diện "{self.query}": {self.describe(self.unit)}'
        if self.status == "ambiguous":
            return self._ambiguous_message()
        return self._unknown_message()

    def _ambiguous_message(self) -> str:
        count = max(self.match_count, len(self.candidates))
        listed = "; ".join(self.describe(u) for u in self.candidates)
        more = count - len(self.candidates)
        if more > 0:
            listed += f" và {more} đơn vị khác"
        return (f'Tên "{self.query}" khớp với {count} đơn vị: {listed}. '
                "Hãy ghi rõ huyện/tỉnh hoặc dùng mã đơn vị.")

    def _unknown_message(self) -> str:
        if not self.query.strip():
            return "Tên đơn vị đang để trống."
        where = f"thuộc {self.describe(self.scope)}" if self.scope else "trong danh mục"
        text = f'Không tìm thấy đơn vị "{self.query}" {where}.'
        if self.candidates:
            text += f" Có phải: {'; '.join(self.describe(u) for u in self.candidates)}?"
        return text


# -- Resolver ---------------------------------------------------------------------------------

_CODE_TEXT = re.compile(r"^\d+(?:\.0+)?$")  # "21085", or "21085.0" as Excel hands it over


def _code_digits(code: str | int) -> str | None:
    text = str(code).strip()
    return text.split(".")[0] if _CODE_TEXT.match(text) else None


_DIGITS = re.compile(r"\d+")
# A near match must be at least this much closer than the next unit ("Phường 16" is no
# "Phường 6"); two is one dropped letter or one substituted letter.
_MIN_LEAD = 2


def _allowed_edits(key: str) -> int:
    """Indel edits a near match may need: two for a short name, one more per five letters."""
    return max(2, len(key) // 5)


def _candidate_cutoff(key: str) -> int:
    """How far a unit may be from the query and still be suggested."""
    return max(3, math.ceil(len(key) * 0.6))


class Resolver:
    """Indexes a catalogue once so that each name is resolved with a few dictionary lookups."""

    def __init__(self, units: Iterable[Unit] | None = None) -> None:
        self.units: tuple[Unit, ...] = tuple(catalogue() if units is None else units)
        self._by_code: dict[str, Unit] = {u.code: u for u in self.units}
        # The catalogue's units are also known by their other names over time.
        self._other_names: Callable[[str], tuple[str, ...]] = (
            readable_names if units is None else lambda code: ())
        self._keys: dict[str, tuple[str, str]] = {}
        self._exact: dict[str, list[Unit]] = defaultdict(list)
        self._exact_ascii: dict[str, list[Unit]] = defaultdict(list)
        # (key, code) -> the kinds of the unit's names with that key, per index; only for
        # units with other names (the rest have one name, of their own kind).
        self._name_kinds: tuple[dict[tuple[str, str], set[str]], ...] = ({}, {})
        self._below: dict[str, list[Unit]] = defaultdict(list)
        self._pools: dict[tuple[str | None, int | None], tuple[list[str], list[Unit]]] = {}
        if units is None:  # the catalogue's index is computed once and kept (index_cache)
            from core.catalogue import index_cache

            self._restore(index_cache.catalogue_index("resolver", self._computed))
            return
        for unit in self.units:
            self._index(unit)

    def _computed(self) -> tuple:  # the index with codes for units, as index_cache keeps it
        for unit in self.units:
            self._index(unit)
        return self._keys, *({k: [u.code for u in v] for k, v in d.items()} for d in (
            self._exact, self._exact_ascii, self._below)), self._name_kinds

    def _restore(self, state: tuple) -> None:
        self._keys, *codes, self._name_kinds = state
        self._exact, self._exact_ascii, self._below = (defaultdict(list, {
            k: [self._by_code[c] for c in v] for k, v in d.items()}) for d in codes)

    def _index(self, unit: Unit) -> None:
        key, ascii_key = name_keys(_core_name(unit))
        self._keys[unit.code] = (key, ascii_key)
        self._exact[key].append(unit)
        self._exact_ascii[ascii_key].append(unit)
        others = self._other_names(unit.code)
        for name in others:
            kind, core = _kind_and_core(unit.level, name)
            for index, (name_key, exact) in enumerate(zip(
                    name_keys(core), (self._exact, self._exact_ascii), strict=True)):
                if unit not in exact[name_key]:
                    exact[name_key].append(unit)
                self._name_kinds[index].setdefault((name_key, unit.code), set()).add(kind)
        if others:
            for index, name_key in enumerate((key, ascii_key)):
                self._name_kinds[index].setdefault((name_key, unit.code), set()).add(unit.kind)
        ancestor = unit.parent_code
        while ancestor is not None:
            self._below[ancestor].append(unit)
            parent = self._by_code.get(ancestor)
            ancestor = parent.parent_code if parent else None

    # -- public API ---------------------------------------------------------------------------

    def describe(self, unit: Unit) -> str:
        """The unit's name followed by its district and province."""
        return describe_unit(unit, self._by_code.get)

    def resolve_code(self, code: str | int, level: int | None = None) -> Unit | None:
        """The unit with this official code. Unpadded codes ("1") need the level to be read."""
        digits = _code_digits(code)
        if digits is None:
            return None
        if level is not None:
            _check_level(level)
            if len(digits) > CODE_WIDTH[level]:
                return None
            unit = self._by_code.get(format_code(level, digits))
            return unit if unit is not None and unit.level == level else None
        if len(digits) not in CODE_WIDTH.values():
            return None
        return self._by_code.get(digits)

    def resolve(self, text: str, *, parent: str | None = None,
                level: int | None = None) -> Resolution:
        """Resolve a name (or an official code) among the descendants of `parent` at `level`."""
        if level is not None:
            _check_level(level)
        scope = self._scope_unit(parent)
        query = "" if text is None else str(text)
        if not clean_text(query):
            return self._result(query, "unknown", scope=scope)
        by_code = self._resolve_as_code(query, scope, level)
        if by_code is not None:
            return by_code
        parsed = parse_name(query)
        if not _TOKEN.search(parsed.core):
            return self._result(query, "unknown", scope=scope)
        return self._resolve_name(query, parsed, scope, level)

    def common_parent(self, names: Sequence[str], level: int) -> Unit | None:
        """The one unit of level-1 whose children carry (nearly) all of these names.

        A list of communes usually comes without its district; the district is the one
        that has almost all of them. Names found nowhere (typos) say nothing either way and
        are left out, as long as at least half the names are found. The winner needs 80% of
        the names found and a strict lead over the runner-up, otherwise it would be a guess.
        """
        _check_level(level)
        if level == PROVINCE:
            return None
        votes: Counter[str] = Counter()
        given = found = 0
        for name in names:
            if not clean_text(name or ""):
                continue
            given += 1
            parents = {u.parent_code for u in self._exact_matches(parse_name(name), level)}
            parents.discard(None)
            found += bool(parents)
            votes.update(parents)
        if not votes or found * 2 < given:
            return None
        (best, best_votes), *rest = votes.most_common(2)
        runner_up = rest[0][1] if rest else 0
        if best_votes <= runner_up or best_votes < math.ceil(0.8 * found):
            return None
        return self._by_code.get(best)

    # -- resolution steps ---------------------------------------------------------------------

    def _scope_unit(self, parent: str | None) -> Unit | None:
        if parent is None:
            return None
        digits = _code_digits(parent)
        unit = self._by_code.get(digits) if digits else None
        if unit is None:
            raise ValueError(f'Mã đơn vị cấp trên "{parent}" không có trong danh mục.')
        return unit

    def _resolve_as_code(self, query: str, scope: Unit | None,
                         level: int | None) -> Resolution | None:
        """A number is a code; failing that, maybe a numbered ward ("1" under its district)."""
        digits = _code_digits(query)
        if digits is None:
            return None
        unit = self.resolve_code(digits, level)
        if unit is not None and self._within(unit, scope, level):
            return self._result(query, "ok", unit, scope=scope)
        named = self._resolve_exact(query, parse_name(digits), scope, level)
        if named is not None:
            return named
        return self._result(query, "unknown", candidates=[unit] if unit else [], scope=scope)

    def _resolve_name(self, query: str, parsed: ParsedName, scope: Unit | None,
                      level: int | None) -> Resolution:
        exact = self._resolve_exact(query, parsed, scope, level)
        return exact if exact is not None else self._resolve_near(query, parsed, scope, level)

    def _resolve_exact(self, query: str, parsed: ParsedName, scope: Unit | None,
                       level: int | None) -> Resolution | None:
        for matches in self._exact_tiers(parsed):
            found = _dedupe([u for u in matches if self._within(u, scope, level)])
            if scope is not None and level is None:
                found = _shallowest(found)
            if len(found) > 1:
                found = self._by_2024_name(found, parsed)
            if len(found) == 1:
                return self._result(query, "ok", found[0], scope=scope)
            if found:
                found.sort(key=lambda u: (u.level, u.code))
                return self._result(query, "ambiguous", candidates=found,
                                    match_count=len(found), scope=scope)
        return None

    def _exact_tiers(self, parsed: ParsedName) -> Iterable[list[Unit]]:
        """Exact matches, most trusted first.

        1. the name without its prefix, among units of the prefix's kind;
        2. the whole text as a name ("Phường Phường Đúc", or "Quan Son" typed without accents);
        3. the same two with diacritics ignored, when the text has none ("Binh Son");
        4. the name without its prefix among units of the prefix's level, since a "Xã" of an
           old list may have become a "Phường" by 2024;
        5. a well-known short form such as "TP.HCM".
        """
        indexes = [0, 1] if parsed.is_ascii else [0]
        for index in indexes:
            core = self._lookup(parsed.core, index)
            if parsed.kinds is None:
                yield core
            else:
                core_key = name_keys(parsed.core)[index]
                yield [u for u in core if self._kinds(u, core_key, index) & parsed.kinds]
                yield self._lookup(parsed.text, index)
        if parsed.levels is not None:
            for index in indexes:
                yield [u for u in self._lookup(parsed.core, index) if u.level in parsed.levels]
        alias = (_ALIASES.get(name_keys(parsed.core)[1])
                 or _ALIASES.get(name_keys(parsed.text)[1]))
        if alias and alias in self._by_code:
            yield [self._by_code[alias]]

    def _kinds(self, unit: Unit, key: str, index: int) -> set[str]:
        """The kinds of the unit's names that have this key: "Thành phố Huế" is a province
        by its name of 2025, and Thừa Thiên Huế was a "Tỉnh" by its name of 2024."""
        return self._name_kinds[index].get((key, unit.code)) or {unit.kind}

    def _by_2024_name(self, found: list[Unit], parsed: ParsedName) -> list[Unit]:
        """Where one unit's 2024 name and another's later name read the same, a 2024 file
        means the first: "Thành phố Huế" under Thừa Thiên Huế is the city of 2024."""
        keys = {name_keys(parsed.core), name_keys(parsed.text)}
        own = [u for u in found if any(self._keys[u.code][0] == k or
                                       (parsed.is_ascii and self._keys[u.code][1] == a)
                                       for k, a in keys)]
        return own if own else found

    def _exact_matches(self, parsed: ParsedName, level: int) -> list[Unit]:
        for matches in self._exact_tiers(parsed):
            found = [u for u in matches if u.level == level]
            if found:
                return found
        return []

    def _lookup(self, text: str, index: int) -> list[Unit]:
        """Units whose name has the same key (index 0) or the same ASCII key (index 1)."""
        key = name_keys(text)[index]
        return (self._exact if index == 0 else self._exact_ascii).get(key, [])

    def _resolve_near(self, query: str, parsed: ParsedName, scope: Unit | None,
                      level: int | None) -> Resolution:
        """Edit-distance fallback: "ok" only when one unit is clearly closer than the rest.

        Indel distance (insertions and deletions; a substitution costs two) suits the usual
        slips, a dropped letter or tone mark, and keeps look-alike names such as "Tân Thạnh"
        and "Tân Thành" apart. Diacritics are never ignored here: "Long An" is not "Mông Ân".
        """
        key = name_keys(parsed.core)[0]
        keys, pool = self._pool(scope, level)
        ranked: list[tuple[int, Unit]] = []
        hits = process.extract(key, keys, scorer=Indel.distance, limit=None,
                               score_cutoff=_candidate_cutoff(key))
        for _, distance, index in hits:
            unit = pool[index]
            if parsed.levels is not None and unit.level not in parsed.levels:
                continue
            penalty = 0 if parsed.kinds is None or unit.kind in parsed.kinds else 1
            ranked.append((int(distance) + penalty, unit))
        ranked.sort(key=lambda r: (r[0], r[1].level, r[1].code))
        contest = ranked
        if ranked and scope is not None and level is None:
            # Under a parent, a district and its same-named commune tie; the district wins.
            contest = [r for r in ranked if r[1].level == ranked[0][1].level]
        if contest and self._clearly_best(contest, key):
            return self._result(query, "ok", contest[0][1], approximate=True, scope=scope)
        return self._result(query, "unknown", candidates=[u for _, u in ranked], scope=scope)

    def _clearly_best(self, ranked: list[tuple[int, Unit]], key: str) -> bool:
        """Few edits away, well ahead of the runner-up, and with the same numbers."""
        best, unit = ranked[0]
        runner_up = ranked[1][0] if len(ranked) > 1 else math.inf
        return (best <= _allowed_edits(key) and runner_up - best >= _MIN_LEAD
                and _DIGITS.findall(key) == _DIGITS.findall(self._keys[unit.code][0]))

    def _pool(self, scope: Unit | None, level: int | None) -> tuple[list[str], list[Unit]]:
        """Keys and units a near match is searched in, built once per scope and level."""
        cache_key = (scope.code if scope else None, level)
        if cache_key not in self._pools:
            units = self._below[scope.code] if scope else self.units
            pool = [u for u in units if level is None or u.level == level]
            self._pools[cache_key] = ([self._keys[u.code][0] for u in pool], pool)
        return self._pools[cache_key]

    def _within(self, unit: Unit, scope: Unit | None, level: int | None) -> bool:
        if level is not None and unit.level != level:
            return False
        if scope is None:
            return True
        if scope.level == PROVINCE:
            return unit.province_code == scope.code and unit.code != scope.code
        return unit.parent_code == scope.code

    def _result(self, query: str, status: Status, unit: Unit | None = None, *,
                candidates: Sequence[Unit] = (), match_count: int = 0,
                approximate: bool = False, scope: Unit | None = None) -> Resolution:
        return Resolution(query=query, status=status, unit=unit,
                          candidates=tuple(candidates[:MAX_CANDIDATES]),
                          match_count=match_count, approximate=approximate, scope=scope,
                          describe=self.describe)


def _core_name(unit: Unit) -> str:
    """The name without its type prefix: "Bình Sơn", or "1" for "Phường 1"."""
    label = UNIT_KIND_LABELS[unit.kind] + " "
    return unit.name[len(label):] if unit.name.startswith(label) else unit.short_name


def _kind_and_core(level: int, name: str) -> tuple[str, str]:
    """The kind a full name states, and the name without its prefix ("1" for "Phường 1")."""
    kind, full, short = split_kind(level, name)
    label = UNIT_KIND_LABELS[kind] + " "
    return kind, (full[len(label):] if full.startswith(label) else short)


def _dedupe(units: list[Unit]) -> list[Unit]:
    seen: set[str] = set()
    return [u for u in units if not (u.code in seen or seen.add(u.code))]


def _shallowest(units: list[Unit]) -> list[Unit]:
    """Under a parent, "Đa Krông" names the district rather than its same-named commune."""
    if not units:
        return units
    top = min(u.level for u in units)
    return [u for u in units if u.level == top]


def _check_level(level: int) -> None:
    if level not in CODE_WIDTH:
        raise ValueError(f"Cấp đơn vị không hợp lệ: {level} (chỉ nhận 1, 2 hoặc 3).")


@cache
def get_resolver() -> Resolver:
    """One resolver over the whole catalogue, shared by every caller."""
    return Resolver()
