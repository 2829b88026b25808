"""The check every LLM output must pass before a customer hears it.

An LLM rephrases well and invents numbers fluently. So the rephrasing is compared with what it was given:
- every number (amounts, rates, dates, times, terms; Arabic or Chinese numerals, 万/千/k multipliers) and
  every code (R2, C3) in the output must be found in the sources;
- every number, code and known name in the grounded text must still be in the output (facts kept);
- every known name (products, currencies) in the output must be in the sources;
- the output speaks the reply's language, is short enough to say, and carries no markup or links the
  sources do not have.
Anything else means the grounded text is used instead. Erring towards rejection costs only style.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import cn2an
import yaml

_ARABIC = re.compile(r"(?<![A-Za-z\d.])(\d+(?:,\d{3})*(?:\.\d+)?)(?![\d])\s*(万|亿|千|k\b|K\b)?")
_TIME = re.compile(r"(?<![\d.:])(\d{1,2})[:：](\d{2})(?![\d:])")
_CODE = re.compile(r"(?<![A-Za-z\d])([A-Za-z]{1,3}\d+[A-Za-z\d]*)(?![A-Za-z\d])")
_CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"
# Chinese numerals count when they state a quantity: before a unit, or as a percentage.
_CN_NUMBER = re.compile(
    rf"(百分之)?([{_CN_DIGITS}][{_CN_DIGITS}点]*)(?=元|块|年|个月|月|日|号|天|岁|小时|分钟|周|个工作日|工作日|倍|%|％)"
    rf"|百分之([{_CN_DIGITS}][{_CN_DIGITS}点]*)"
)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_MARKUP = re.compile(r"<[^>]*>|https?://|www\.|\*\*|`|#{2,}")
_MULTIPLIER = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "千": Decimal(1000), "k": Decimal(1000)}
MAX_SENTENCES = 4
MAX_CHARS = 320

ASSISTANT_DIR = Path(__file__).resolve().parents[1]
NAME_FILES = (
    ASSISTANT_DIR / "journeys" / "data" / "products.yaml",
    ASSISTANT_DIR / "nlu" / "data" / "products.yaml",
    ASSISTANT_DIR / "nlu" / "data" / "currencies.yaml",
)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "")).normalize()
    except InvalidOperation:
        return None


def _key(value: Decimal) -> str:
    return format(value.normalize(), "f")


def quantities(text: str) -> list[frozenset[str]]:
    """Each quantity stated in `text`, in order, as the set of forms it may be written in elsewhere: a
    clock time is one quantity ("09:30" is {"9:30"}); a number is its value and, with a multiplier, its
    full value too ("5万" is {"5", "50000"}, so "50,000" matches it)."""
    found: list[frozenset[str]] = []
    for m in _TIME.finditer(text):
        found.append(frozenset({f"{int(m.group(1))}:{m.group(2)}"}))
    rest = _TIME.sub(" ", text)
    for m in _ARABIC.finditer(rest):
        value = _decimal(m.group(1))
        if value is None:
            continue
        unit = (m.group(2) or "").lower()
        full = value * _MULTIPLIER[unit] if unit in _MULTIPLIER else value
        found.append(frozenset({_key(value), _key(full)}))
    for m in _CN_NUMBER.finditer(rest):
        try:
            value = _decimal(str(cn2an.cn2an(m.group(2) or m.group(3), "smart")))
        except (ValueError, KeyError, IndexError):
            continue
        if value is not None:
            found.append(frozenset({_key(value)}))
    return found


def numbers(text: str) -> set[str]:
    """Every form any quantity in `text` may be written in."""
    return set().union(*quantities(text))


def unmatched(needed: list[frozenset[str]], offered: list[frozenset[str]]) -> list[frozenset[str]]:
    """The quantities of `needed` that no quantity of `offered` accounts for, each offered one used once
    (a rephrasing that turns "09:00-17:00 ... 16:00" into "16:00-17:00 ... 16:00" has lost the 09:00)."""
    free = list(offered)
    missing: list[frozenset[str]] = []
    for quantity in needed:
        match = next((i for i, other in enumerate(free) if quantity & other), None)
        if match is None:
            missing.append(quantity)
        else:
            free.pop(match)
    return missing


def codes(text: str) -> set[str]:
    """Letter-digit codes (risk levels R1..R5, customer levels C1..C5, product codes), upper-cased."""
    return {m.group(1).upper() for m in _CODE.finditer(text)}


def _sentences(text: str) -> int:
    return len([s for s in re.split(r"[。！？!?]+|(?<=[a-z])\.\s", text) if s.strip()])


class FactChecker:
    """Checks a candidate rephrasing against the grounded text and its sources."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        unique = {n.strip() for n in names if len(n.strip()) >= 2}
        self._names = sorted(unique, key=len, reverse=True)  # longest first: a name inside a longer one is covered

    @classmethod
    def with_bank_names(cls) -> FactChecker:
        return cls(bank_names())

    def names_in(self, text: str) -> set[str]:
        """Known names `text` mentions (Chinese as substrings, Latin as whole words, any case); a name
        inside a longer mentioned name counts as that longer one."""
        lowered = text.lower()
        spans: list[tuple[int, int]] = []
        found: set[str] = set()
        for name in self._names:
            key = name.lower()
            pattern = re.escape(key) if _CJK.search(key) else rf"(?<![a-z]){re.escape(key)}(?![a-z])"
            for m in re.finditer(pattern, lowered):
                if not any(s <= m.start() and m.end() <= e for s, e in spans):
                    spans.append((m.start(), m.end()))
                    found.add(key)
        return found

    def check(self, candidate: str, grounded: str, sources: Sequence[str], language: str) -> Verdict:
        """ok, or the first reason the candidate may not be said instead of `grounded`."""
        text = candidate.strip()
        pool = "\n".join([grounded, *sources])
        if not text:
            return Verdict(False, "empty")
        if len(text) > max(MAX_CHARS, 2 * len(grounded)) or _sentences(text) > MAX_SENTENCES:
            return Verdict(False, "too_long")
        if language == "en":
            foreign = [run for run in _CJK_RUN.findall(text) if run not in pool]
            if foreign:
                return Verdict(False, f"wrong_language:{foreign[0]}")
        elif not _CJK.search(text):
            return Verdict(False, "wrong_language")
        for m in _MARKUP.finditer(text):
            if m.group(0) not in pool:
                return Verdict(False, f"markup:{m.group(0)}")
        known = numbers(pool)
        for quantity in quantities(text):
            if not quantity & known:
                return Verdict(False, f"number_not_in_sources:{min(quantity)}")
        dropped = unmatched(quantities(grounded), quantities(text))
        if dropped:
            return Verdict(False, f"number_dropped:{min(dropped[0])}")
        new_codes = sorted(codes(text) - codes(pool))
        if new_codes:
            return Verdict(False, f"code_not_in_sources:{new_codes[0]}")
        lost_codes = sorted(codes(grounded) - codes(text))
        if lost_codes:
            return Verdict(False, f"code_dropped:{lost_codes[0]}")
        pool_lower = pool.lower()
        new_names = sorted(n for n in self.names_in(text) if n not in pool_lower)
        if new_names:
            return Verdict(False, f"name_not_in_sources:{new_names[0]}")
        text_lower = text.lower()
        lost_names = sorted(n for n in self.names_in(grounded) if n not in text_lower)
        if lost_names:
            return Verdict(False, f"name_dropped:{lost_names[0]}")
        return Verdict(True)


@lru_cache(maxsize=1)
def bank_names() -> tuple[str, ...]:
    """Product and currency names from the bank's data files (the ones an LLM could swap or invent)."""
    names: list[str] = []
    for path in NAME_FILES:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for product in data.get("products", []):
            name = product.get("name")
            names.extend(name.values() if isinstance(name, dict) else [name])
            names.extend(product.get("aliases", []))
        for currency in (data.get("currencies") or {}).values():
            names.extend([currency.get("zh", ""), currency.get("en", "")])
            names.extend(n for n in currency.get("names", []) if _CJK.search(n) or len(n) > 3)
    return tuple(str(n) for n in names if n)
