"""The shared data files of the journeys: engine messages and labels, and the product rules.

Loaded and validated once; flows refer to message keys and product ids, so a typo in either file
fails at load with the file named, not halfway through a customer's visit.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.journeys.spec import Condition, Localized

DATA_DIR = Path(__file__).parent / "data"
RISK_LEVELS = ("R1", "R2", "R3", "R4", "R5")


class CatalogError(ValueError):
    """A journeys data file is missing or invalid."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Messages(_Strict):
    messages: dict[str, Localized]
    suggestions: dict[str, Localized]
    affirm: list[str] = Field(min_length=1)
    deny: list[str] = Field(min_length=1)
    controls: dict[Literal["cancel", "back", "restart", "retry"], list[str]]
    business_types: dict[str, Localized]
    application_kinds: dict[str, Localized]
    documents: dict[str, Localized]

    def label(self, table: Literal["business_types", "application_kinds", "documents"], key: str) -> Localized:
        found: Localized | None = getattr(self, table).get(key)
        return found or Localized(zh=key, en=key.replace("_", " "))


class Product(_Strict):
    id: str
    name: Localized
    kind: Literal["wealth", "deposit", "service"]
    risk_level: Literal["R1", "R2", "R3", "R4", "R5"]
    min_amount: Decimal | None = None
    topics: list[str] = Field(default_factory=list)
    pitch: Localized
    when: Condition | None = None
    cite: list[str] = Field(default_factory=list, description="Knowledge documents the pitch's facts come from.")


class Products(_Strict):
    products: list[Product] = Field(min_length=1)

    def find(self, text: str) -> Product | None:
        """A product by id or by its Chinese/English name (exact, then contained in the text)."""
        t = text.strip().lower()
        for p in self.products:
            if t in (p.id, p.name.zh.lower(), p.name.en.lower()):
                return p
        for p in self.products:
            if p.name.zh.lower() in t or p.name.en.lower() in t:
                return p
        return None


def _load(path: Path, model: type[_Strict]) -> _Strict:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return model.model_validate(raw)
    except FileNotFoundError as e:
        raise CatalogError(f"{path}: missing") from e
    except (yaml.YAMLError, ValidationError) as e:
        raise CatalogError(f"{path}: {e}") from e


@cache
def load_messages(path: Path = DATA_DIR / "messages.yaml") -> Messages:
    result = _load(path, Messages)
    assert isinstance(result, Messages)
    return result


@cache
def load_products(path: Path = DATA_DIR / "products.yaml") -> Products:
    result = _load(path, Products)
    assert isinstance(result, Products)
    return result
