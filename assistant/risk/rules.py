"""The risk rules data file (`data/rules.yaml`) and the warning texts (`data/messages.yaml`), validated.

Why a data file: the bank's anti-fraud team reviews and tunes patterns, weights and thresholds without
touching code. Loading validates every regular expression and weight, so a typo fails at start-up, not
in front of a customer.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DATA_DIR = Path(__file__).parent / "data"
RULES_FILE = DATA_DIR / "rules.yaml"
MESSAGES_FILE = DATA_DIR / "messages.yaml"
ACTIONS = ("allow", "warn", "hold", "block")
ACTION_RANK = {a: i for i, a in enumerate(ACTIONS)}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Text(_Model):
    zh: str
    en: str

    def pick(self, language: str) -> str:
        return self.en if language == "en" else self.zh


def _compiles(value: list[str]) -> list[str]:
    for expression in value:
        try:
            re.compile(expression)
        except re.error as exc:
            raise ValueError(f"bad regular expression {expression!r}: {exc}") from exc
    return value


class Pattern(_Model):
    """A scam script. `money_floor`: once heard, any money step for the rest of the visit is at least
    this action (a colleague reviews it). `refuse`: the business asked for is illegal in itself (renting
    out a card): the customer is told so instead of being routed."""

    name: Text
    advice: Text
    weight: float = Field(gt=0, lt=1)
    money_floor: Literal["hold", "block"] | None = None
    refuse: bool = False
    fallback: bool = Field(
        False, description="Heard only when no other pattern is heard in the same words (a generic script)."
    )
    zh: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)

    @field_validator("zh", "en")
    @classmethod
    def _valid(cls, value: list[str]) -> list[str]:
        return _compiles(value)


class Relation(_Model):
    zh: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)

    @field_validator("zh", "en")
    @classmethod
    def _valid(cls, value: list[str]) -> list[str]:
        return _compiles(value)


class ListedPayee(_Model):
    """A payee the customer names, screened at once against the bank's lists. `mentions` are extra ways
    to name a person (beside the NLU's payee phrases); each has a `name` group."""

    weight: float = Field(gt=0, lt=1)
    reason: Text
    mentions: Relation = Field(default_factory=Relation)


class VisionRule(_Model):
    weight: float = Field(ge=0, lt=1)
    money: float = Field(ge=0, lt=1)
    reason: Text


class ContextRule(_Model):
    weight: float = Field(ge=0, lt=1)
    reason: Text


class When(_Model):
    elderly: bool | None = None
    new_payee: bool | None = None
    other_bank: bool | None = None
    large: bool | None = None
    attempts_at_least: int | None = None


class MoneyRule(_Model):
    weight: float = Field(gt=0, lt=1)
    when: When
    reason: Text


class Thresholds(_Model):
    warn: float
    hold: float
    block: float

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if not 0 < self.warn < self.hold < self.block <= 1:
            raise ValueError("thresholds must rise: 0 < warn < hold < block <= 1")
        return self

    def action(self, score: float) -> str:
        if score >= self.block:
            return "block"
        if score >= self.hold:
            return "hold"
        return "warn" if score >= self.warn else "allow"


class UnderstoodScam(_Model):
    """A business of the understanding that counts as hearing a scam pattern (see rules.yaml)."""

    business: str
    min_confidence: float = Field(ge=0, le=1)
    pattern: str
    unless: list[str] = Field(default_factory=list, description="Wording that says it is no scam at all.")
    min_words: int = Field(
        0, ge=0, description="Shorter turns (Chinese characters plus English words) are never read as a story."
    )

    @field_validator("unless")
    @classmethod
    def _valid(cls, value: list[str]) -> list[str]:
        return _compiles(value)


class Rules(_Model):
    thresholds: Thresholds
    large_amount: float = Field(gt=0)
    home_bank: list[str]
    patterns: dict[str, Pattern]
    relations: dict[str, Relation]
    vision: dict[str, VisionRule]
    channels: dict[str, ContextRule] = Field(default_factory=dict)
    context: dict[str, ContextRule]
    money_rules: dict[str, MoneyRule]
    listed_payee: ListedPayee | None = None
    understood_scam: UnderstoodScam | None = None

    @model_validator(mode="after")
    def _needed(self) -> Rules:
        missing = {"money_in_progress", "large_amount", "elderly"} - set(self.context)
        if missing:
            raise ValueError(f"context rules missing: {sorted(missing)}")
        if self.understood_scam is not None and self.understood_scam.pattern not in self.patterns:
            raise ValueError(f"understood_scam names an unknown pattern: {self.understood_scam.pattern}")
        return self


def load_rules(path: Path = RULES_FILE) -> Rules:
    """Read and validate a rules file (raises ValueError naming the file on any problem)."""
    try:
        return Rules.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from exc


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    return load_rules()


@lru_cache(maxsize=1)
def _messages() -> dict[str, dict[str, str]]:
    data: dict[str, Any] = yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))
    for key, variants in data.items():
        if not isinstance(variants, dict) or {"zh", "en"} - set(variants):
            raise ValueError(f"{MESSAGES_FILE}: message {key!r} needs both zh and en")
    return data


def message(key: str, language: str, **values: str) -> str:
    """A risk message in the customer's language, values escaped (they may echo customer words)."""
    template = _messages()[key]["en" if language == "en" else "zh"]
    # markup is escaped, quotes are not: a reply is plain text, and an escaped quote reached a customer as &quot;
    return template.format(**{k: html.escape(v, quote=False) for k, v in values.items()})
