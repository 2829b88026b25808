"""Pinyin-aware keyword spotting, so ASR homophone errors still reach the right intent.

Whisper writes what it hears: "挂失" comes back as "挂是", "理财" as "里财", "转账" as "转帐". Matching
the toneless pinyin of the utterance against the pinyin of each intent's keywords finds those words
anyway, and the hit is rewritten to the keyword's own characters before the utterance is embedded, so
the embedding sees what the customer said rather than what the recogniser guessed.

Two-syllable keywords match on exact toneless pinyin; longer ones also tolerate the common accent
merges (zh/z, ch/c, sh/s, -ng/-n, n/l), where a chance collision is unlikely.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pypinyin import lazy_pinyin

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_FUZZY_RULES: tuple[tuple[str, str], ...] = (("zh", "z"), ("ch", "c"), ("sh", "s"))


def syllables(text: str) -> list[str]:
    """Toneless pinyin, one syllable per CJK character (other characters are dropped)."""
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        out.extend(lazy_pinyin(run))
    return out


def fuzzy(syllable: str) -> str:
    """Merge the initials and finals that southern accents and ASR confuse."""
    for a, b in _FUZZY_RULES:
        if syllable.startswith(a):
            syllable = b + syllable[len(a) :]
            break
    if syllable.startswith("n") and not syllable.startswith("ng"):
        syllable = "l" + syllable[1:]
    if syllable.endswith("ng") and len(syllable) > 2:
        syllable = syllable[:-1]
    return syllable


@dataclass(frozen=True)
class KeywordHit:
    """One keyword found in an utterance; `start`/`end` index the utterance's characters."""

    keyword: str
    label: str
    start: int
    end: int
    exact: bool  # the characters themselves matched, not only their sound


@dataclass(frozen=True)
class _Entry:
    keyword: str
    label: str
    exact_key: tuple[str, ...]
    fuzzy_key: tuple[str, ...]


class PinyinKeywordIndex:
    """Finds labelled Chinese keywords in text by characters or by sound."""

    def __init__(self, keywords: Iterable[tuple[str, str]]) -> None:
        """`keywords`: (keyword, label) pairs; single-character keywords are ignored (too ambiguous)."""
        self._by_first: dict[str, list[_Entry]] = {}
        for keyword, label in keywords:
            sy = syllables(keyword)
            if len(sy) < 2 or len(sy) != len(keyword):
                continue
            entry = _Entry(keyword, label, tuple(sy), tuple(fuzzy(s) for s in sy))
            self._by_first.setdefault(fuzzy(sy[0]), []).append(entry)
        for entries in self._by_first.values():
            entries.sort(key=lambda e: -len(e.exact_key))

    def find(self, text: str) -> list[KeywordHit]:
        """Non-overlapping hits, longest keyword first at each position."""
        hits: list[KeywordHit] = []
        for run in _CJK_RUN.finditer(text):
            chars = run.group()
            sy = lazy_pinyin(chars)
            if len(sy) != len(chars):  # a character pypinyin does not know: align one by one
                sy = [lazy_pinyin(c)[0] for c in chars]
            fz = [fuzzy(s) for s in sy]
            i = 0
            while i < len(chars):
                hit = self._match_at(chars, sy, fz, i, run.start())
                if hit is None:
                    i += 1
                    continue
                hits.append(hit)
                i += hit.end - hit.start
        return hits

    def _match_at(self, chars: str, sy: list[str], fz: list[str], i: int, offset: int) -> KeywordHit | None:
        for entry in self._by_first.get(fz[i], ()):
            n = len(entry.exact_key)
            if i + n > len(chars):
                continue
            window = chars[i : i + n]
            exact = window == entry.keyword
            if exact or tuple(sy[i : i + n]) == entry.exact_key or (n >= 3 and tuple(fz[i : i + n]) == entry.fuzzy_key):
                return KeywordHit(entry.keyword, entry.label, offset + i, offset + i + n, exact)
        return None

    @staticmethod
    def correct(text: str, hits: list[KeywordHit]) -> str:
        """The text with every sound-alike hit replaced by its keyword's characters."""
        for hit in sorted(hits, key=lambda h: -h.start):
            if not hit.exact:
                text = text[: hit.start] + hit.keyword + text[hit.end :]
        return text
