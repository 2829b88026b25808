"""The compliance rules data file (`data/rules.yaml`): forbidden promises, required disclosures, what
counts as a sale or as marketing, and who may decide an authorisation. Validated at load."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from assistant.nlu.text import normalize

RULES_FILE = Path(__file__).parent / "data" / "rules.yaml"
_QUOTED = re.compile(r"“[^”]{0,24}”|\"[^\"]{0,40}\"|「[^」]{0,24}」|‘[^’]{0,24}’")


class Phrases(BaseModel):
    """Regular expressions in Chinese and English, matched on normalised lower-case text."""

    model_config = ConfigDict(extra="forbid")
    zh: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)

    def compiled(self) -> list[re.Pattern[str]]:
        return [re.compile(e) for e in self.zh + self.en]


class ComplianceRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    forbidden_promises: Phrases
    disclosures: dict[str, Phrases]
    sale_handoff_reasons: list[str]
    sale_operations: list[str]
    marketing: Phrases
    authorising_roles: list[str]


class Matcher:
    """The rules compiled once; `find` returns the first matching words or None."""

    def __init__(self, rules: ComplianceRules) -> None:
        self.rules = rules
        self.forbidden = rules.forbidden_promises.compiled()
        self.disclosures = {name: p.compiled() for name, p in rules.disclosures.items()}
        self.marketing = rules.marketing.compiled()

    @staticmethod
    def find(patterns: list[re.Pattern[str]], text: str, mentions: bool = True) -> str | None:
        """With `mentions=False`, words in quotation marks are skipped: a warning that names a forbidden
        promise (任何宣称“保本”的理财都不可信) quotes it, it does not make it."""
        prepared = normalize(text).lower()
        if not mentions:
            prepared = _QUOTED.sub(" ", prepared)
        for pattern in patterns:
            found = pattern.search(prepared)
            if found is not None:
                return found.group()
        return None


def load_rules(path: Path = RULES_FILE) -> ComplianceRules:
    try:
        rules = ComplianceRules.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        Matcher(rules)  # every expression compiles
        return rules
    except (OSError, yaml.YAMLError, ValueError, re.error) as exc:
        raise ValueError(f"{path}: {exc}") from exc


@lru_cache(maxsize=1)
def default_matcher() -> Matcher:
    return Matcher(load_rules())
