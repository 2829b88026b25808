"""Whether the best passage speaks to what a question is really about (an out-of-scope signal).

Near-domain questions defeat similarity scores: "工商银行一年定期利率是多少" shares every word but one
with our own one-year-rate FAQ, and that one word (another bank) is what makes it unanswerable. So a
question that names an institution or a financial product from `scope.yaml` counts as covered only
when the top passage names the same thing (or a synonym; for another institution, also other banks
in general: a transfer from 工商银行 is answered by the interbank-transfer passage). A name that only
says where money goes or whom a scammer pretends to be ("从工商银行转来", "冒充支付宝客服") is not
the subject, and a scam warning covers every name. A request for a forecast (rates, prices,
markets) is never covered. The gap is one input of the calibrated confidence model, so its weight is
fitted on the dev set, not assumed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

SCOPE_FILE = Path(__file__).with_name("scope.yaml")
_ASCII_TERM = re.compile(r"[0-9a-z][0-9a-z .'\-]*")


def _regex(term: str) -> str:
    """Latin terms match whole words ("citi" not inside "city"); Chinese terms match as substrings."""
    if _ASCII_TERM.fullmatch(term):
        return r"(?<![0-9a-z])" + re.escape(term) + r"(?![0-9a-z])"
    return re.escape(term)


def _pattern(term: str) -> re.Pattern[str]:
    return re.compile(_regex(term))


def _lower(values: Any) -> tuple[str, ...]:
    return tuple(str(v).lower() for v in values or [])


@dataclass(frozen=True)
class Group:
    """Synonymous terms; `extra` also covers them in a passage; a mention right after a `context`
    word does not count."""

    terms: tuple[str, ...]
    extra: tuple[str, ...] = ()
    context: tuple[str, ...] = ()


class Scope:
    """The lexicon of `scope.yaml`, compiled."""

    def __init__(self, groups: list[Group], forecast: list[str], any_covered_by: tuple[str, ...] = ()) -> None:
        self.groups = groups
        words = {t for g in groups for t in (*g.terms, *g.extra)} | set(any_covered_by)
        self._patterns = {t: _pattern(t) for t in words}
        self._by_term: dict[str, list[Group]] = {}
        for g in groups:
            for t in g.terms:
                self._by_term.setdefault(t, []).append(g)
        # one pass over a question finds every term (longest first, so "浦发银行" before "浦发")
        self._any_term = re.compile("|".join(_regex(t) for t in sorted(self._by_term, key=len, reverse=True)))
        self._forecast = [re.compile(p) for p in forecast if p]
        self._any = any_covered_by

    @classmethod
    def load(cls, path: Path = SCOPE_FILE) -> Scope:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        inst = data.get("institutions") or {}
        extra, context = _lower(inst.get("covered_by")), _lower(inst.get("context_before"))
        groups = [Group((t,), extra, context) for t in _lower(inst.get("terms"))]
        groups.extend(Group(_lower(line)) for line in data.get("products") or [])
        forecast = data.get("forecast") or {}
        return cls(groups, [str(p) for p in forecast.values()], _lower(data.get("any_covered_by")))

    def _names(self, term: str, text: str) -> bool:
        return self._patterns[term].search(text) is not None

    def named(self, question: str) -> list[Group]:
        """The groups a normalised question is about."""
        found: list[Group] = []
        for match in self._any_term.finditer(question):
            before = question[: match.start()].rstrip()
            for group in self._by_term.get(match.group(0), []):
                if group not in found and not any(before.endswith(c) for c in group.context):
                    found.append(group)
        return found

    def forecast(self, question: str) -> bool:
        return any(p.search(question) for p in self._forecast)

    def gap(self, question: str, passage: str) -> float:
        """1.0 when the question asks for a forecast or is about something the passage does not name,
        else 0.0. Both texts are normalised (Simplified, lower case)."""
        if self.forecast(question):
            return 1.0
        named = self.named(question)
        if not named or any(self._names(t, passage) for t in self._any):
            return 0.0
        for group in named:
            if not any(self._names(t, passage) for t in (*group.terms, *group.extra)):
                return 1.0
        return 0.0


@lru_cache(maxsize=1)
def default_scope() -> Scope:
    """The shipped lexicon, loaded once per process."""
    return Scope.load()
