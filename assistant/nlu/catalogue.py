"""The business catalogue (`data/catalogue.yaml`): what customers ask about and what the kiosk does.

Why a catalogue apart from the intents: a business the kiosk cannot do (closing an account, a credit
card) must still be recognised, so that the customer gets an honest "how and where" answer instead of
the nearest journey. Each entry says whether a request starts a journey, is answered from the cited
documents it names, or goes to a colleague. Validated at load: a typo names the file and the entry.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from assistant.nlu.data import DATA_DIR, NluDataError, checked_patterns

Kind = Literal["journey", "knowledge", "handoff", "none"]
NO_BUSINESS = "none"
UNCLEAR_BUSINESS = "unclear"
OUT_OF_SCOPE = "out_of_scope"


class Title(BaseModel):
    zh: str
    en: str

    def pick(self, language: str) -> str:
        return self.en if language == "en" else self.zh


class Business(BaseModel):
    name: str = ""
    kind: Kind
    title: Title
    description: str = ""
    journey: str | None = None
    docs: list[str] = Field(default_factory=list)
    # smart_counter: the branch's staffed smart counter or the counter (not this assistant's kiosk)
    where: Literal["counter", "smart_counter", "app", "hotline", "kiosk", "atm"] | None = None
    ticket: str | None = None
    answered_by_journey: bool = False  # a question about it is answered with the customer's own data
    refer: bool = True  # a request is told first that it is done elsewhere ("...需要到柜台办理")
    # Wording that names this business but asks for what its journey does not do ("取定期" is not opening
    # one): such a turn is answered from the business's documents, never started or offered.
    not_the_journey: list[str] = Field(default_factory=list)
    # what that wording asks for, named when a request for it is told it cannot be done here (取定期)
    beyond_the_journey: Title | None = None

    @field_validator("not_the_journey")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        return checked_patterns(patterns, "not_the_journey")

    def excludes(self, text: str) -> bool:
        """Whether the text asks for something this business's journey does not do."""
        return any(re.search(p, text, re.IGNORECASE) for p in self.not_the_journey)

    @model_validator(mode="after")
    def _journey_matches_kind(self) -> Business:
        if (self.kind == "journey") != bool(self.journey):
            raise ValueError("a journey business names its journey, and only it does")
        return self


class Catalogue(BaseModel):
    businesses: dict[str, Business]

    def get(self, name: str) -> Business | None:
        return self.businesses.get(name)

    def kind(self, name: str) -> Kind:
        business = self.businesses.get(name)
        return business.kind if business is not None else "none"

    @property
    def names(self) -> list[str]:
        return list(self.businesses)

    def owners(self, doc_id: str) -> set[str]:
        """The businesses whose "how and where" documents include `doc_id` (or its Chinese twin)."""
        base = doc_id.removesuffix("-en")
        return {n for n, b in self.businesses.items() if base in b.docs}

    def for_journey(self, journey: str) -> Business | None:
        """The (first) business whose requests start `journey`."""
        return next((b for b in self.businesses.values() if b.journey == journey), None)

    def unsupported(self) -> set[str]:
        """Businesses the kiosk explains but never starts a journey for."""
        return {n for n, b in self.businesses.items() if b.kind == "knowledge"}


def load_catalogue(path: Path = DATA_DIR / "catalogue.yaml") -> Catalogue:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        catalogue = Catalogue.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise NluDataError(f"{path}: {exc}") from exc
    for name, business in catalogue.businesses.items():
        business.name = name
    return catalogue


class TermFile(BaseModel):
    terms: dict[str, list[str]]


def load_terms(catalogue: Catalogue, path: Path = DATA_DIR / "business_terms.yaml") -> dict[str, list[str]]:
    """The domain terms of each business (`data/business_terms.yaml`); a business not in the catalogue
    is an error naming it."""
    try:
        terms = TermFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))).terms
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise NluDataError(f"{path}: {exc}") from exc
    unknown = sorted(set(terms) - set(catalogue.businesses))
    if unknown:
        raise NluDataError(f"{path}: unknown businesses {unknown}")
    return {name: [str(t).lower() for t in words] for name, words in terms.items()}


@lru_cache(maxsize=1)
def shipped_catalogue() -> Catalogue:
    """The shipped catalogue, loaded once per process."""
    return load_catalogue()
