"""The NLU's data files: intents with exemplars, rules and keywords, products, currencies.

They are YAML a bank's business people can review; each is validated here with pydantic, so a typo
stops start-up with the file and field named instead of silently matching nothing.

Formats (under `assistant/nlu/data/`):
- `intents/*.yaml`: `intents: [{name, description, examples: {zh: [...], en: [...]}}]`
- `rules.yaml`: `rules: [{intent, match: full|search, patterns: [regex...]}]` (matched on the
  lower-cased text without punctuation or spaces) and `keywords: {intent: [word...]}` (Chinese words are
  also matched by pinyin, English ones as whole words).
- `products.yaml`: `products: [{id, name, kind, risk_level?, aliases: [...]}]`
- `currencies.yaml`: `currencies: {CODE: {zh, en, names: [...], symbols: [...]}}`
- `intents_test.yaml`: held-out utterances `cases: {intent: [text...]}` for evaluation only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

M = TypeVar("M", bound=BaseModel)
DATA_DIR = Path(__file__).resolve().parent / "data"


def checked_patterns(patterns: list[str], what: str) -> list[str]:
    """The regular expressions of a data file, each compiled once to refuse a broken one with its error."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{what} {pattern!r}: {exc}") from exc
    return patterns


class NluDataError(ValueError):
    """A data file that cannot be used; the message names the file and the problem."""


class Examples(BaseModel):
    zh: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)


class IntentSpec(BaseModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = ""
    examples: Examples


class IntentFile(BaseModel):
    intents: list[IntentSpec]


class Rule(BaseModel):
    intent: str
    match: Literal["full", "search"] = "full"
    patterns: list[str]

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        return checked_patterns(patterns, "bad regex")


class RuleFile(BaseModel):
    rules: list[Rule] = Field(default_factory=list)
    keywords: dict[str, list[str]] = Field(default_factory=dict)


class Product(BaseModel):
    id: str
    name: str
    kind: str
    risk_level: str | None = Field(None, pattern=r"^R[1-5]$")
    aliases: list[str] = Field(default_factory=list)


class ProductFile(BaseModel):
    products: list[Product]


class Currency(BaseModel):
    zh: str
    en: str
    names: list[str] = Field(default_factory=list)
    symbols: list[str] = Field(default_factory=list)


class CurrencyFile(BaseModel):
    currencies: dict[str, Currency]


class TestCase(BaseModel):
    text: str
    intent: str


class TestFile(BaseModel):
    cases: dict[str, list[str]]  # intent -> held-out utterances


def _load(path: Path, model: type[M]) -> M:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise NluDataError(f"{path}: {exc}") from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise NluDataError(f"{path}: {where}: {first['msg']}") from exc


def intent_files(data_dir: Path = DATA_DIR) -> list[Path]:
    return sorted((data_dir / "intents").glob("*.yaml"))


def load_intents(data_dir: Path = DATA_DIR) -> list[IntentSpec]:
    """All intents of all intent files; a name defined twice is an error."""
    files = intent_files(data_dir)
    if not files:
        raise NluDataError(f"{data_dir / 'intents'}: no intent files")
    specs: dict[str, IntentSpec] = {}
    for path in files:
        for spec in _load(path, IntentFile).intents:
            if spec.name in specs:
                raise NluDataError(f"{path}: intent {spec.name!r} is defined twice")
            specs[spec.name] = spec
    return list(specs.values())


def load_rules(data_dir: Path = DATA_DIR, known: Iterable[str] | None = None) -> RuleFile:
    """Rules and keywords; with `known`, a rule for an intent that does not exist is an error."""
    path = data_dir / "rules.yaml"
    rules = _load(path, RuleFile)
    if known is not None:
        names = set(known)
        for intent in [r.intent for r in rules.rules] + list(rules.keywords):
            if intent not in names:
                raise NluDataError(f"{path}: unknown intent {intent!r}")
    return rules


@lru_cache(maxsize=4)
def load_products(data_dir: Path = DATA_DIR) -> tuple[Product, ...]:
    return tuple(_load(data_dir / "products.yaml", ProductFile).products)


@lru_cache(maxsize=4)
def load_currencies(data_dir: Path = DATA_DIR) -> dict[str, Currency]:
    return _load(data_dir / "currencies.yaml", CurrencyFile).currencies


def load_test_cases(path: Path) -> list[TestCase]:
    """Held-out (text, intent) cases from a file shaped like `intents_test.yaml`."""
    return [TestCase(text=t, intent=i) for i, texts in _load(path, TestFile).cases.items() for t in texts]


def files_hash(paths: Iterable[Path], salt: str = "") -> str:
    """A short content hash of files, so caches built from them go stale when they change."""
    digest = hashlib.sha256(salt.encode())
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
