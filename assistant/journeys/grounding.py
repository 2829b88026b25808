"""Which numbers a flow file states to customers, and whether its cited knowledge backs each one.

Why: the assistant may only state facts that come from approved knowledge or back-end data. Flow
texts are written by people and can drift from the bank's published terms, so every number a flow
states (outside placeholders, which back-end results and slots fill) must appear in the text of a
document the flow, the step or the product cites. `unsupported` is what the flow test checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel

from assistant.journeys.catalog import Products
from assistant.journeys.render import PLACEHOLDER
from assistant.journeys.spec import Flow, Localized

# The same notion of "a number" as the dialogue checker: digits glued to Latin letters are codes (R2).
STATED_NUMBER = re.compile(r"(?<![A-Za-z\d.])\d+(?:,\d{3})*(?:\.\d+)?(?![A-Za-z\d])")


def numbers_in(text: str) -> set[Decimal]:
    """Numeric values in a text, placeholders left out (1,000 and 1000.00 are one value)."""
    values: set[Decimal] = set()
    for token in STATED_NUMBER.findall(PLACEHOLDER.sub(" ", text)):
        try:
            values.add(Decimal(token.replace(",", "")).normalize())
        except InvalidOperation:
            continue
    return values


def _localized(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every Localized inside a model, list or dict, with a readable path."""
    if isinstance(value, Localized):
        yield f"{where}.zh", value.zh
        yield f"{where}.en", value.en
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _localized(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _localized(item, f"{where}.{key}")
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            if name not in ("when", "synonyms", "args", "params"):
                yield from _localized(getattr(value, name), f"{where}.{name}")


def flow_texts(flow: Flow) -> Iterator[tuple[str, list[str], str]]:
    """(where, doc ids cited for it, text) for every customer-facing text of a flow."""
    for where, text in _localized(flow.title, "title"):
        yield where, flow.cite, text
    for where, text in _localized(flow.completed, "completed"):
        yield where, flow.cite, text
    for name, spec in flow.slots.items():
        for where, text in _localized(spec, f"slots.{name}"):
            yield where, flow.cite, text
    for step in flow.steps:
        for where, text in _localized(step, f"steps.{step.id}"):
            yield where, [*flow.cite, *step.cite], text


def product_texts(products: Products) -> Iterator[tuple[str, list[str], str]]:
    """(where, doc ids, text) for every product name and pitch the recommend step can say."""
    for product in products.products:
        for where, text in _localized(product, f"products.{product.id}"):
            yield where, product.cite, text


def unsupported(texts: Iterator[tuple[str, list[str], str]], documents: Mapping[str, str]) -> list[str]:
    """One line per number stated in a text that none of its cited documents contains."""
    problems: list[str] = []
    for where, cited, text in texts:
        missing_docs = [d for d in cited if d not in documents]
        if missing_docs:
            problems.append(f"{where}: cites unknown documents {missing_docs}")
        sources: set[Decimal] = set()
        for doc_id in cited:
            sources |= numbers_in(documents.get(doc_id, ""))
        for value in sorted(numbers_in(text) - sources):
            problems.append(f"{where}: {value:f} is in none of {cited or 'no cited documents'}: {text!r}")
    return problems
