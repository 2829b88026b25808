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

from assistant.nlu.slots.payee import find_payee
from assistant.nlu.slots.surnames import SURNAMES
from assistant.nlu.text import normalize
from assistant.risk.rules import Rules, default_rules

_CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
_NOT_A_NAME = re.compile(
    r"安全|监管|指定|客服|领导|老板|朋友|对方|他们|有人|银行|账户|帐户|电话|公安|警察|法院|平台|导师|老师"
)
_EN_NAME = re.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}")


# Words that deny what follows them ("没有人让我转" is the customer saying nobody told them to).
_NEGATION = re.compile(r"(没有?|并没|从没|不是|没人|无人|nobody|no one|not|never)\s*$")


def _negated(prepared: str, found: re.Match[str]) -> bool:
    return _NEGATION.search(prepared[max(0, found.start() - 8) : found.start()]) is not None


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
        listed = self.rules.listed_payee
        self._mentions = [re.compile(e) for e in (listed.mentions.zh + listed.mentions.en)] if listed else []

    def detect(self, text: str, prepared: str | None = None) -> list[ScriptHit]:
        """Every pattern the text follows (one hit per pattern, the first matching words); `prepared`
        is the text already through `prepare` (saves normalising twice)."""
        prepared = prepared if prepared is not None else prepare(text)
        hits: list[ScriptHit] = []
        for name, expressions in self._compiled.items():
            found = next((m for e in expressions for m in e.finditer(prepared) if not _negated(prepared, m)), None)
            if found is not None:
                hits.append(ScriptHit(name, self.rules.patterns[name].weight, found.group()[:40]))
        return hits

    def relation(self, text: str, prepared: str | None = None) -> str | None:
        """Who the customer says the money is for: 'self', 'relative' or None."""
        prepared = prepared if prepared is not None else prepare(text)
        for name, expressions in self._relations.items():
            if any(e.search(prepared) for e in expressions):
                return name
        return None

    def payee_names(self, text: str) -> list[str]:
        """People the customer names as a payee or as the one telling them to pay, in the order said: the
        NLU's payee phrases (转给X, 给X转五万, 收款人X, "transfer to Zhang San") and the rules' `mentions`."""
        kept = _CJK_SPACE.sub("", normalize(text))
        found = []
        payee = find_payee(kept)
        if payee is not None and isinstance(payee.name, str):  # a relative named by kinship has no name
            found.append(payee.name)
        found += [m.group("name") for e in self._mentions for m in e.finditer(kept)]
        return list(dict.fromkeys(n for n in found if n and is_person_name(n)))


def is_person_name(name: str) -> bool:
    """A word worth screening as a person's name: two to four Chinese characters led by a family name, or
    one to three capitalised English words (not "my mother": a relative named by kinship is no name)."""
    if _EN_NAME.fullmatch(name):
        return True
    return 2 <= len(name) <= 4 and name[0] in SURNAMES and not _NOT_A_NAME.search(name)


@lru_cache(maxsize=1)
def default_detector() -> FraudScriptDetector:
    return FraudScriptDetector()
