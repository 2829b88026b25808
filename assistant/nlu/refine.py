"""Readings made precise by what else the turn carries (`data/refinements.yaml`).

Why a table after the recogniser rather than more training rows: the recogniser reads "存两万，一年的" as a
deposit, which it is; the term is what makes it a time deposit. A slot or a phrase that settles the
difference is a fact, stated once here and reviewable, instead of a pattern the model may or may not learn.
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.nlu.understanding import TurnUnderstanding

REFINEMENTS_FILE = Path(__file__).parent / "data" / "refinements.yaml"


class _Phrases(BaseModel):
    """Chinese patterns (matched as written) and English ones (matched in lower case), checked to compile
    when the file is read: a typo fails at start, not on a customer's turn."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    becomes: str
    zh: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)

    @field_validator("zh", "en")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            re.compile(pattern)
        return patterns

    def said(self, text: str) -> bool:
        lowered = text.lower()
        return any(re.search(p, text) for p in self.zh) or any(re.search(p, lowered) for p in self.en)


class Refinement(_Phrases):
    """A business made precise by a slot the turn carries or a phrase in it."""

    business: str
    slot: str | None = None

    def applies(self, text: str, slots: dict[str, Any]) -> bool:
        return (self.slot is not None and self.slot in slots) or self.said(text)


class ActRefinement(_Phrases):
    """A dialogue act made precise by a phrase (a polite request phrased as a question)."""

    act: str

    def applies(self, text: str) -> bool:
        return self.said(text)


@lru_cache(maxsize=1)
def refinements(path: Path = REFINEMENTS_FILE) -> tuple[tuple[Refinement, ...], tuple[ActRefinement, ...]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    businesses = tuple(Refinement.model_validate(rule) for rule in data.get("rules", []))
    acts = tuple(ActRefinement.model_validate(rule) for rule in data.get("acts", []))
    return businesses, acts


# a refined act is as sure as the phrase that settles it (policy.ACT_SURE_MIN_CONFIDENCE is 0.7)
REFINED_ACT_CONFIDENCE = 0.9


def refine(understood: TurnUnderstanding, text: str, slots: dict[str, Any]) -> TurnUnderstanding:
    """The reading with its business and act made precise, or unchanged (reasons kept for transcripts).
    Only model readings are refined: a rule's reading is already exact."""
    if understood.source == "rule":
        return understood
    businesses, acts = refinements()
    for rule in businesses:
        if understood.business == rule.business and rule.applies(text, slots):
            understood = dataclasses.replace(
                understood,
                business=rule.becomes,
                intent=rule.becomes,
                reasons=[*understood.reasons, f"refined {rule.business} -> {rule.becomes}"],
            )
            break
    for act in acts:
        if understood.act == act.act and act.applies(text):
            understood = dataclasses.replace(
                understood,
                act=act.becomes,
                act_confidence=max(understood.act_confidence, REFINED_ACT_CONFIDENCE),
                reasons=[*understood.reasons, f"refined act {act.act} -> {act.becomes}"],
            )
            break
    return understood
