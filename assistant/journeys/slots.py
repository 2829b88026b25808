"""Turn what the customer said, tapped or the NLU extracted into a valid slot value.

Values are stored JSON-ready: amounts as strings with two decimals ("5000.00"), integers as ints,
choices as their `value`, accounts and cards as their back-end ids. The NLU does the heavy lifting
(Chinese numerals, dates); here we accept its result or a plainly typed answer and validate it
against the flow's rules.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from assistant.journeys.catalog import Messages
from assistant.journeys.spec import SlotSpec

PLAIN_AMOUNT = re.compile(r"^[¥￥]?\s*(\d[\d,]*(?:\.\d{1,2})?)\s*(?:元|块|rmb|cny|yuan)?$", re.IGNORECASE)
PHONE = re.compile(r"^1[3-9]\d{9}$")
DIGITS = re.compile(r"\d+")
PUNCT = re.compile(r"[\s,.!?;:，。！？；：、\"'“”‘’()（）]+")


NLU_DEFAULTS = {"amount": "amount", "phone": "phone", "card": "card_tail", "integer": "term"}


def nlu_key(name: str, spec: SlotSpec) -> str:
    """Which key of the NLU's extraction feeds this slot: explicit, else by type, else the slot's name."""
    return spec.nlu or NLU_DEFAULTS.get(spec.type, name)


def unwrap(value: Any) -> Any:
    """The NLU's structured values ({value: 5000, ...}, {months: 12, ...}, {name: ...}) as plain values."""
    if isinstance(value, dict):
        for key in ("value", "months", "name"):
            if key in value:
                return value[key]
    return value


def map_slots(slots: dict[str, Any], specs: dict[str, SlotSpec]) -> dict[str, Any]:
    """NLU output (or already flow-named values) keyed by this flow's slot names; exact names win."""
    mapped: dict[str, Any] = {}
    for name, spec in specs.items():
        if name in slots:
            mapped[name] = unwrap(slots[name])
        elif nlu_key(name, spec) in slots:
            mapped[name] = unwrap(slots[nlu_key(name, spec)])
    return mapped


def mentioned_choices(text: str, specs: dict[str, SlotSpec]) -> dict[str, Any]:
    """Choice slots that are never asked (`ask: false`) or `heard_anywhere` take a value the customer mentions
    anywhere in a sentence ("先临时挂失吧，万一找着了呢" -> loss_kind temporary): a label or synonym of exactly
    one option."""
    said = normalize(text)
    found: dict[str, Any] = {}
    for name, spec in specs.items():
        if spec.type != "choice" or (spec.ask and not spec.heard_anywhere) or not spec.choices:
            continue
        values = {
            choice.value
            for choice in spec.choices
            for word in (choice.label.zh, choice.label.en, *choice.synonyms)
            if word and normalize(str(word)) in said
        }
        if len(values) == 1:
            found[name] = values.pop()
    return found


# The kind of card a customer names; "银行卡" / "卡" name none. Both kinds in one sentence name none.
CARD_KIND_WORDS = {
    "debit": ("借记卡", "储蓄卡", "工资卡", "存折卡", "debit card", "debit"),
    "credit": ("信用卡", "贷记卡", "credit card", "credit"),
}


def named_card_kind(text: str) -> str | None:
    """debit / credit when the customer named exactly one kind of card ("我的储蓄卡丢了" -> debit)."""
    said = text.lower()
    kinds = {kind for kind, words in CARD_KIND_WORDS.items() if any(w in said for w in words)}
    return kinds.pop() if len(kinds) == 1 else None


class SlotError(ValueError):
    """The answer does not fit the slot; the step re-prompts."""


def normalize(text: str) -> str:
    return PUNCT.sub(" ", text).strip().lower()


def yes_no(text: str | None, messages: Messages) -> bool | None:
    """True for an explicit yes, False for a no (a deny word wins), None when unclear."""
    if not text:
        return None
    norm = normalize(text)
    tokens = set(norm.split())

    def hit(words: list[str], loose_single: bool) -> bool:
        for w in words:
            wl = w.lower()
            if wl.isascii():
                if wl in tokens or (" " in wl and wl in norm):
                    return True
            elif len(wl) == 1 and not loose_single:
                if norm == wl:
                    return True
            elif wl in norm:
                return True
        return False

    # A single-character affirmation ("是", "好") counts only as the whole answer ("是谁" is not a yes);
    # deny words match anywhere, erring on the side of not acting.
    if hit(messages.deny, loose_single=True):
        return False
    if hit(messages.affirm, loose_single=False):
        return True
    return None


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise SlotError("not an amount")
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
    else:
        m = PLAIN_AMOUNT.match(str(value).strip())
        if not m:
            raise SlotError("not an amount")
        number = Decimal(m.group(1).replace(",", ""))
    try:
        return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation as e:
        raise SlotError("not an amount") from e


def _bounds(spec: SlotSpec, number: Decimal) -> None:
    if spec.min is not None and number < Decimal(str(spec.min)):
        raise SlotError("below minimum")
    if spec.max is not None and number > Decimal(str(spec.max)):
        raise SlotError("above maximum")


def _choice(spec: SlotSpec, value: Any) -> str:
    text = normalize(str(value))
    assert spec.choices is not None
    for c in spec.choices:
        names = [c.value, c.label.zh, c.label.en, *c.synonyms]
        if text in (normalize(n) for n in names):
            return c.value
    for c in spec.choices:
        names = [c.label.zh, *c.synonyms]
        if any(normalize(n) and normalize(n) in text for n in names):
            return c.value
    if spec.allow_other and 1 <= len(str(value).strip()) <= (spec.max_length or 64):
        return str(value).strip()
    raise SlotError("not one of the choices")


def _owned(value: Any, options: list[dict[str, Any]]) -> str:
    """An account or card of the customer: by id, full number, or the last 4 digits mentioned."""
    text = str(value).strip()
    for o in options:
        if text in (o.get("id"), o.get("number")):
            return str(o["id"])
    tails = [d[-4:] for d in DIGITS.findall(text.replace(" ", "")) if len(d) >= 4]
    matches = [o for o in options if any(str(o.get("number", "")).endswith(t) for t in tails)]
    if len(matches) == 1:
        return str(matches[0]["id"])
    raise SlotError("not one of yours")


def coerce(spec: SlotSpec, value: Any, options: list[dict[str, Any]] | None = None) -> Any:
    """Validate one candidate value for `spec`; raise SlotError with a short reason when it does not fit."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise SlotError("empty")
    kind = spec.type
    if kind == "amount":
        number = _amount(value)
        _bounds(spec, number)
        return f"{number:.2f}"
    if kind == "integer" and spec.choices:
        return int(_choice(spec, value))
    if kind == "integer":
        try:
            whole = int(str(value).strip()) if not isinstance(value, int) else value
        except ValueError:
            digits = DIGITS.findall(str(value))
            if len(digits) != 1:
                raise SlotError("not a number") from None
            whole = int(digits[0])
        _bounds(spec, Decimal(whole))
        return whole
    if kind == "choice":
        return _choice(spec, value)
    if kind in ("account", "card"):
        return _owned(value, options or [])
    if kind == "phone":
        phone = re.sub(r"[\s-]", "", str(value))
        if not PHONE.match(phone):
            raise SlotError("not a mobile number")
        return phone
    if kind == "account_number":
        account = re.sub(r"[\s-]", "", str(value))
        if not account.isdigit() or not 6 <= len(account) <= 32:
            raise SlotError("not an account number")
        return account
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise SlotError("not yes or no")
    text = str(value).strip()
    if spec.min_length is not None and len(text) < spec.min_length:
        raise SlotError("too short")
    if spec.max_length is not None and len(text) > spec.max_length:
        raise SlotError("too long")
    if spec.pattern is not None and not re.fullmatch(spec.pattern, text):
        raise SlotError("wrong format")
    return text
