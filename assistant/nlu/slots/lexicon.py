"""Slots read from word lists: currencies, deposit/loan terms and the bank's products.

Currencies and products come from data files (`currencies.yaml`, `products.yaml`) so a bank edits a
list, not code. Chinese product aliases are also matched by pinyin, so ASR homophones still land.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.nlu.data import Product, load_currencies, load_products
from assistant.nlu.pinyin import PinyinKeywordIndex
from assistant.nlu.slots.numbers import parse_chinese_number


@dataclass(frozen=True)
class Term:
    months: int
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Mention:
    value: str  # currency code or product id
    text: str
    start: int
    end: int


_ZH_TERM = re.compile(
    r"(?P<half>半年)|(?P<n>\d{1,2}|[一二两三四五六七八九十]{1,3})\s*(?P<unit>个月|个半月|年期|年半|年|月期)(?![\d一二三四五六七八九十]+[月日号])"
)
_EN_TERM = re.compile(
    r"\b(?P<n>\d{1,2}|one|two|three|four|five|six|nine|twelve|eighteen|twenty-four|thirty-six)[\s-]*"
    r"(?P<unit>months?|years?|yrs?)\b",
    re.IGNORECASE,
)
_EN_N = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "nine": 9, "twelve": 12,
    "eighteen": 18, "twenty-four": 24, "thirty-six": 36,
}  # fmt: skip


def find_terms(text: str) -> list[Term]:
    """三个月 -> 3, 一年 -> 12, 3年期 -> 36, 半年 -> 6, "1-year" -> 12 (months). Calendar years
    (2026年) and dates (3月5日) are not terms."""
    found: list[Term] = []
    for m in _ZH_TERM.finditer(text):
        if m.group("half"):
            found.append(Term(6, m.group(), m.start(), m.end()))
            continue
        value = parse_chinese_number(m.group("n"))
        unit = m.group("unit")
        if value is None or value <= 0:
            continue
        n = int(value)
        months = n if unit in ("个月", "月期") else n * 12
        if unit == "个半月":
            months = n + 1  # rounded: terms are whole months
        if unit == "年半":
            months = n * 12 + 6
        if unit.startswith("年") and n > 30:
            continue
        found.append(Term(months, m.group(), m.start(), m.end()))
    for m in _EN_TERM.finditer(text):
        raw = m.group("n").lower()
        n = int(raw) if raw.isdigit() else _EN_N[raw]
        months = n * 12 if m.group("unit").lower().startswith("y") else n
        found.append(Term(months, m.group(), m.start(), m.end()))
    return sorted(found, key=lambda t: t.start)


@lru_cache(maxsize=1)
def _currency_names() -> list[tuple[re.Pattern[str], str]]:
    """Whole names only; the one-character units (元, 块, 刀) count only after a number (amounts.py)."""
    names: list[tuple[str, str]] = []
    for code, currency in load_currencies().items():
        names.extend((name.lower(), code) for name in currency.names if len(name) > 1 or name.isascii())
    names.sort(key=lambda p: -len(p[0]))
    return [(re.compile(rf"\b{re.escape(n)}\b" if n.isascii() else re.escape(n)), code) for n, code in names]


def find_currencies(text: str) -> list[Mention]:
    """Currencies named in the text, in order (港币 -> HKD, "US dollars" -> USD, 人民币 -> CNY)."""
    lowered = text.lower()
    found: list[Mention] = []
    for pattern, code in _currency_names():
        for m in pattern.finditer(lowered):
            if any(f.start <= m.start() < f.end or m.start() <= f.start < m.end() for f in found):
                continue
            found.append(Mention(code, text[m.start() : m.end()], m.start(), m.end()))
    return sorted(found, key=lambda f: f.start)


@lru_cache(maxsize=1)
def _product_index() -> tuple[PinyinKeywordIndex, list[tuple[re.Pattern[str], str]], dict[str, Product]]:
    products = {p.id: p for p in load_products()}
    zh: list[tuple[str, str]] = []
    en: list[tuple[str, str]] = []
    for product in products.values():
        for alias in [product.name, *product.aliases]:
            (en if alias.isascii() else zh).append((alias, product.id))
    en.sort(key=lambda p: -len(p[0]))
    en_patterns = [(re.compile(rf"\b{re.escape(a.lower())}\b"), pid) for a, pid in en]
    return PinyinKeywordIndex(zh), en_patterns, products


@lru_cache(maxsize=1)
def _mixed_aliases() -> list[tuple[str, str]]:
    """Chinese aliases with digits or Latin letters (示范稳盈R1货币基金, 安享90天)."""
    return [
        (alias.lower(), p.id)
        for p in load_products()
        for alias in [p.name, *p.aliases]
        if not alias.isascii() and re.search(r"[0-9A-Za-z]", alias)
    ]


def find_products(text: str) -> list[Product]:
    """Products named in the text (by name, alias or an alias's sound), in order, without repeats."""
    index, en_patterns, products = _product_index()
    hits: list[tuple[int, str]] = [(h.start, h.label) for h in index.find(text)]
    lowered = text.lower()
    for alias, pid in _mixed_aliases():  # 安享90天: digits, so not matched by sound, only as written
        at = lowered.find(alias)
        if at >= 0:
            hits.append((at, pid))
    for pattern, pid in en_patterns:
        m = pattern.search(lowered)
        if m:
            hits.append((m.start(), pid))
    seen: list[str] = []
    for _, pid in sorted(hits):
        if pid not in seen:
            seen.append(pid)
    return [products[pid] for pid in seen]
