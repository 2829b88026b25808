"""The fraud-script detector: which known scam scripts a customer's words follow (Chinese and English).

Why regular expressions from a data file rather than a model: the scripts are few, well documented by
the police's anti-fraud centres and change by wording, which reviewers can add in minutes; every hit
names the pattern and the words that matched, so a warning and a supervisor can say exactly why.
Text is normalised first (NFKC, Traditional -> Simplified, lower case, no spaces inside Chinese).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.nlu.text import normalize
from assistant.risk.rules import Rules, default_rules

_CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


@dataclass(frozen=True)
class ScriptHit:
    """One scam pattern heard: its id, its weight and the words that matched."""

    pattern: str
    weight: float
    matched: str


def prepare(text: str) -> str:
    """The form patterns match on: normalised, lower case, no spaces between Chinese characters."""
    return _CJK_SPACE.sub("", normalize(text).lower())


class FraudScriptDetector:
    """Compiles the rules' patterns once; `detect` is a few microseconds per pattern."""

    def __init__(self, rules: Rules | None = None) -> None:
        self.rules = rules or default_rules()
        self._compiled = {
            name: [re.compile(expr) for expr in (pattern.zh + pattern.en)]
            for name, pattern in self.rules.patterns.items()
        }
        self._relations = {
            name: [re.compile(expr) for expr in (rel.zh + rel.en)] for name, rel in self.rules.relations.items()
        }

    def detect(self, text: str, prepared: str | None = None) -> list[ScriptHit]:
        """Every pattern the text follows (one hit per pattern, the first matching words); `prepared`
        is the text already through `prepare` (saves normalising twice)."""
        prepared = prepared if prepared is not None else prepare(text)
        hits: list[ScriptHit] = []
        for name, expressions in self._compiled.items():
            for expression in expressions:
                found = expression.search(prepared)
                if found is not None:
                    hits.append(ScriptHit(name, self.rules.patterns[name].weight, found.group()[:40]))
                    break
        return hits

    def relation(self, text: str, prepared: str | None = None) -> str | None:
        """Who the customer says the money is for: 'self', 'relative' or None."""
        prepared = prepared if prepared is not None else prepare(text)
        for name, expressions in self._relations.items():
            if any(e.search(prepared) for e in expressions):
                return name
        return None


@lru_cache(maxsize=1)
def default_detector() -> FraudScriptDetector:
    return FraudScriptDetector()
