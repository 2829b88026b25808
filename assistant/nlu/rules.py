"""High-precision rules (confirm, deny, cancel, ask for a human...) and intent keywords.

Short dialogue acts are where embeddings are weakest ("对" and "不对" sit close together in vector
space) and where a mistake costs most (a confirmation moves money), so they are decided by regular
expressions from `rules.yaml`. A rule with `match: full` must cover the whole utterance once lower-cased
and stripped of punctuation and spaces; `match: search` may match anywhere. Rules are tried in file
order and the first match wins, so negative forms (不对, 不用) are listed before positive ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.nlu.data import RuleFile
from assistant.nlu.pinyin import KeywordHit, PinyinKeywordIndex
from assistant.nlu.text import compact

_EN_WORD = re.compile(r"^[a-z][a-z '\-]*$")


@dataclass(frozen=True)
class RuleHit:
    intent: str
    pattern: str


class RuleMatcher:
    """Decides an intent from rules, and spots intent keywords (by characters, sound or English word)."""

    def __init__(self, rule_file: RuleFile) -> None:
        self._rules: list[tuple[str, bool, re.Pattern[str]]] = [
            (rule.intent, rule.match == "full", re.compile(pattern))
            for rule in rule_file.rules
            for pattern in rule.patterns
        ]
        zh: list[tuple[str, str]] = []
        en: list[tuple[str, re.Pattern[str]]] = []
        for intent, words in rule_file.keywords.items():
            for word in words:
                if _EN_WORD.match(word.lower()):
                    en.append((intent, re.compile(rf"\b{re.escape(word.lower())}\b")))
                else:
                    zh.append((word, intent))
        self._zh = PinyinKeywordIndex(zh)
        self._en = en

    def match(self, text: str) -> RuleHit | None:
        """The first rule that matches the (normalised) utterance, if any."""
        short = compact(text)
        if not short:
            return None
        for intent, full, pattern in self._rules:
            found = pattern.fullmatch(short) if full else pattern.search(short)
            if found:
                return RuleHit(intent, pattern.pattern)
        return None

    def keywords(self, text: str) -> tuple[list[KeywordHit], set[str]]:
        """Chinese keyword hits (for homophone correction) and every intent with a keyword present."""
        hits = self._zh.find(text)
        intents = {h.label for h in hits}
        intents.update(self._english_intents(text.lower()))
        return hits, intents

    def _english_intents(self, lowered: str) -> set[str]:
        """Intents of the English keywords present; a keyword inside a longer one of another intent does
        not count ("deposit" in "fixed deposit" is the time deposit's word, not the cash deposit's)."""
        spans = [(intent, m.start(), m.end()) for intent, pattern in self._en for m in pattern.finditer(lowered)]
        return {
            intent
            for intent, start, end in spans
            if not any(other != intent and s <= start and end <= e and (e - s) > (end - start) for other, s, e in spans)
        }
