"""Spotting a business's domain terms in an utterance (`data/business_terms.yaml`).

Chinese terms match by characters or by toneless pinyin (an ASR slip such as 挂是 still finds 挂失, and
is rewritten to it); Latin terms match as whole words, also between Chinese characters (去ATM取钱);
mixed terms (U盾) match as written.
"""

from __future__ import annotations

import re

from assistant.nlu.pinyin import PinyinKeywordIndex

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[a-z]")


class TermSpotter:
    def __init__(self, terms: dict[str, list[str]]) -> None:
        chinese: list[tuple[str, str]] = []
        self._latin: list[tuple[str, re.Pattern[str]]] = []
        self._mixed: list[tuple[str, str]] = []
        for business, words in terms.items():
            for word in words:
                word = word.lower()
                if _CJK.search(word) and _LATIN.search(word):
                    self._mixed.append((business, word))
                elif _CJK.search(word):
                    chinese.append((word, business))
                else:
                    self._latin.append((business, re.compile(rf"(?<![a-z]){re.escape(word)}(?![a-z])")))
        self._chinese = PinyinKeywordIndex(chinese)

    def spot(self, text: str) -> tuple[str, set[str]]:
        """The text with sound-alike Chinese terms rewritten to the term, and the businesses present."""
        lowered = text.lower()
        hits = self._chinese.find(lowered)
        present = {h.label for h in hits}
        present.update(b for b, pattern in self._latin if pattern.search(lowered))
        present.update(b for b, word in self._mixed if word in lowered)
        return (PinyinKeywordIndex.correct(lowered, hits) if hits else lowered), present
